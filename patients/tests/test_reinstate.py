"""A token cancelled by mistake is restored by the desk (services.reinstate) to its own place in line, the same day
and while its department is open, through the one transition and hook; otherwise refused, saying why. Before it, the
desk could only register the patient again, at the back of the line."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from adminpanel.models import AuditLog
from notifications.models import Notification, NotificationTemplate
from patients import appointments, services
from patients.models import Queue
from patients.selectors import department_line, latest_queue_snapshot

Status = Queue.Status
Priority = Queue.Priority


@pytest.fixture
def desk(make_user):
    return make_user(username="reception")


def line_order(department):
    return [place.token for place in department_line(department=department).waiting]


def test_a_token_cancelled_by_mistake_goes_back_to_its_own_place_with_its_number_and_priority(
    department, make_token, desk
):
    first, second, third = make_token(department), make_token(department), make_token(department)
    urgent = make_token(department, priority=Priority.HIGH)
    services.cancel(entry=second, actor=desk)

    restored = services.reinstate(entry=second, actor=desk, ip_address="10.0.0.7")

    assert (restored.status, restored.token, restored.priority) == (Status.WAITING, "CARD-002", Priority.NORMAL)
    assert (restored.checked_in_at, restored.cancelled_at) == (second.checked_in_at, None)
    assert line_order(department) == [urgent.token, first.token, second.token, third.token]


def test_the_restoration_is_audited_as_the_desks_and_the_patient_is_texted_their_place(
    department, make_token, desk, django_capture_on_commit_callbacks, tasks_run_inline
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = make_token(department)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(entry=entry, actor=desk)

    with django_capture_on_commit_callbacks(execute=True):
        services.reinstate(entry=entry, actor=desk, ip_address="10.0.0.7")

    row = AuditLog.objects.get(action="queue.reinstated")
    assert (row.actor, row.ip_address) == (desk, "10.0.0.7")
    assert (row.before["status"], row.after["status"]) == (Status.CANCELLED, Status.WAITING)
    assert list(Notification.objects.filter(queue_entry=entry).order_by("pk").values_list("event", flat=True)) == [
        NotificationTemplate.TemplateType.REGISTRATION,
        NotificationTemplate.TemplateType.CANCELLED_BY_STAFF,
        NotificationTemplate.TemplateType.REINSTATED,
    ]
    told = Notification.objects.get(queue_entry=entry, event=NotificationTemplate.TemplateType.REINSTATED).body
    assert "token CARD-001 for Cardiology should not have been cancelled: it is back in line at your place" in told


def test_cancelled_again_after_a_restoration_the_patient_is_told_again(
    department, make_token, desk, django_capture_on_commit_callbacks, tasks_run_inline
):
    entry = make_token(department)
    for change in (services.cancel, services.reinstate, services.cancel):
        with django_capture_on_commit_callbacks(execute=True):
            change(entry=entry, actor=desk)

    told = Notification.objects.filter(queue_entry=entry, event=NotificationTemplate.TemplateType.CANCELLED_BY_STAFF)
    assert told.count() == 2


def test_a_called_token_cancelled_by_mistake_waits_again_with_no_doctor(department, make_token, make_doctor, desk):
    doctor = make_doctor(department=department)
    called = services.call_patient(entry=make_token(department), doctor=doctor)
    services.cancel(entry=called, actor=desk)

    restored = services.reinstate(entry=called, actor=desk)

    assert (restored.status, restored.doctor_id, restored.called_at) == (Status.WAITING, None, None)
    assert services.current_patient_of(doctor) is None


@pytest.mark.parametrize("status", [Status.WAITING, Status.SKIPPED, Status.COMPLETED])
def test_only_a_cancelled_token_can_be_restored(department, make_token, make_doctor, desk, status):
    entry = make_token(department)
    if status != Status.WAITING:
        entry = services.call_patient(entry=entry, doctor=make_doctor(department=department))
    if status == Status.SKIPPED:
        entry = services.skip(entry=entry)
    if status == Status.COMPLETED:
        entry = services.complete_consultation(entry=services.start_consultation(entry=entry))
    audited = AuditLog.objects.count()

    with pytest.raises(services.IllegalTransition, match="cannot be put back in the queue"):
        services.reinstate(entry=entry, actor=desk)

    assert Queue.objects.get(pk=entry.pk).status == status and AuditLog.objects.count() == audited


def test_a_token_cancelled_on_an_earlier_day_is_not_brought_into_todays_line(department, make_token, desk):
    entry = make_token(department)
    services.cancel(entry=entry, actor=desk)

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        with pytest.raises(services.QueueError, match="can be restored only on its own day"):
            services.reinstate(entry=entry, actor=desk)

    assert Queue.objects.get(pk=entry.pk).status == Status.CANCELLED


def test_a_patient_registered_again_since_keeps_the_new_token_and_the_old_one_stays_cancelled(
    department, make_token, desk
):
    entry = make_token(department)
    services.cancel(entry=entry, actor=desk)
    again = services.allocate_token(department=department, patient=entry.patient)

    with pytest.raises(services.TokenAlreadyHeld, match=f"already holds token {again.token} in Cardiology"):
        services.reinstate(entry=entry, actor=desk)

    assert Queue.objects.get(pk=entry.pk).status == Status.CANCELLED


def test_a_department_closed_today_takes_no_token_back(department, make_token, desk):
    entry = make_token(department)
    services.cancel(entry=entry, actor=desk)
    appointments.close_day(day=timezone.localdate(), department=department, reason="Flooding")

    with pytest.raises(services.DepartmentUnavailable, match="Cardiology is closed today: token CARD-001 cannot"):
        services.reinstate(entry=entry, actor=desk)


def test_a_deactivated_department_takes_no_token_back(department, make_token, desk):
    entry = make_token(department)
    services.cancel(entry=entry, actor=desk)
    department.is_active = False
    department.save()

    with pytest.raises(services.DepartmentUnavailable, match="not taking patients"):
        services.reinstate(entry=Queue.objects.select_related("department").get(pk=entry.pk), actor=desk)


def test_a_transferred_token_is_not_restored_the_patient_is_in_line_elsewhere(
    department, make_department, make_token, desk
):
    entry = make_token(department)
    moved = services.transfer(entry=entry, to_department=make_department(name="Orthopedics", code="ORTH"))

    with pytest.raises(services.QueueError, match=f"transferred to Orthopedics as {moved.token}"):
        services.reinstate(entry=Queue.objects.get(pk=entry.pk), actor=desk)


def test_the_place_a_cancellation_gave_back_to_a_full_day_is_not_taken_twice(make_department, make_token, desk):
    dermatology = make_department(name="Dermatology", code="DERM", daily_capacity=2)
    entry = make_token(dermatology)
    make_token(dermatology)
    services.cancel(entry=entry, actor=desk)
    make_token(dermatology)  # the place the cancellation freed

    with pytest.raises(services.DepartmentUnavailable, match="all 2 tokens"):
        services.reinstate(entry=entry, actor=desk)
    urgent = make_token(dermatology, priority=Priority.EMERGENCY)
    services.cancel(entry=urgent, actor=desk)
    assert services.reinstate(entry=urgent, actor=desk).status == Status.WAITING


@pytest.mark.django_db(transaction=True)
def test_the_restoration_is_published_to_the_line_as_any_change(department, make_token, desk):
    entry = make_token(department)
    services.cancel(entry=entry, actor=desk)

    assert latest_queue_snapshot(department_id=department.pk)["queue_length"] == 0
    services.reinstate(entry=entry, actor=desk)

    assert [place["token"] for place in latest_queue_snapshot(department_id=department.pk)["waiting"]] == ["CARD-001"]
