"""A doctor called away from a patient they called or are seeing: an admin returns the called patient to the line
(return_to_line) or ends the consultation for them (end_consultation), through the one transition and hook."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from adminpanel.models import AuditLog
from patients import services
from patients.models import Queue
from patients.selectors import department_line

Status = Queue.Status
Priority = Queue.Priority


@pytest.fixture
def doctor(make_doctor, department):
    return make_doctor(department=department)


@pytest.fixture
def admin(make_user):
    return make_user(username="manager")


def line_order(department):
    return [place.token for place in department_line(department=department).waiting]


def test_a_called_patient_returned_to_the_line_is_next_again_among_their_priority(
    department, make_token, doctor, admin
):
    first, second = make_token(department), make_token(department)
    called = services.call_next(doctor=doctor)
    later = make_token(department)
    urgent = make_token(department, priority=Priority.HIGH)

    returned = services.return_to_line(entry=called, actor=admin, ip_address="10.0.0.9")

    assert called == first
    assert (returned.status, returned.doctor_id, returned.called_at) == (Status.WAITING, None, None)
    assert returned.token == first.token and returned.checked_in_at == first.checked_in_at
    # Behind the more urgent patient, as any normal one, and first of the normal ones: nothing lost.
    assert line_order(department) == [urgent.token, first.token, second.token, later.token]
    assert services.current_patient_of(doctor) is None
    urgent_called = services.call_next(doctor=doctor)
    services.complete_consultation(entry=services.start_consultation(entry=urgent_called))
    assert services.call_next(doctor=doctor) == first


def test_returning_to_the_line_is_audited_as_the_admin_freeing_the_doctor(department, make_token, doctor, admin):
    called = services.call_patient(entry=make_token(department), doctor=doctor)

    services.return_to_line(entry=called, actor=admin, ip_address="10.0.0.9")

    row = AuditLog.objects.get(action="queue.returned_to_line")
    assert (row.actor, row.ip_address) == (admin, "10.0.0.9")
    assert (row.before["status"], row.before["doctor_id"]) == (Status.CALLED, doctor.pk)
    assert (row.after["status"], row.after["doctor_id"]) == (Status.WAITING, None)


@pytest.mark.parametrize("status", [Status.WAITING, Status.IN_CONSULTATION, Status.SKIPPED, Status.COMPLETED])
def test_only_a_called_patient_can_be_returned_to_the_line(department, make_token, doctor, admin, status):
    entry = make_token(department)
    if status != Status.WAITING:
        entry = services.call_patient(entry=entry, doctor=doctor)
    if status == Status.SKIPPED:
        services.skip(entry=entry)
    if status in (Status.IN_CONSULTATION, Status.COMPLETED):
        services.start_consultation(entry=entry)
    if status == Status.COMPLETED:
        services.complete_consultation(entry=entry)
    audited = AuditLog.objects.count()

    with pytest.raises(services.IllegalTransition) as refused:
        services.return_to_line(entry=entry, actor=admin)

    assert refused.value.from_status == status
    assert Queue.objects.get(pk=entry.pk).status == status
    assert AuditLog.objects.count() == audited


def test_a_recall_still_takes_back_only_a_no_show_not_a_called_patient(department, make_token, doctor):
    called = services.call_patient(entry=make_token(department), doctor=doctor)

    with pytest.raises(services.IllegalTransition):
        services.recall(entry=called)

    assert Queue.objects.get(pk=called.pk).status == Status.CALLED


def test_a_called_token_of_a_day_that_is_over_is_not_brought_into_todays_line(department, make_token, doctor):
    called = services.call_patient(entry=make_token(department), doctor=doctor)

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        with pytest.raises(services.QueueError, match="only on its own day"):
            services.return_to_line(entry=called)

    assert Queue.objects.get(pk=called.pk).status == Status.CALLED


def test_an_ended_consultation_is_completed_with_its_doctor_and_audited_as_the_admins(
    department, make_token, doctor, admin
):
    entry = services.start_consultation(entry=services.call_patient(entry=make_token(department), doctor=doctor))

    ended = services.end_consultation(entry=entry, actor=admin, ip_address="10.0.0.9")

    assert (ended.status, ended.doctor_id) == (Status.COMPLETED, doctor.pk)
    assert ended.completed_at is not None
    # Its length is the doctor's absence, not a consultation's: the figures of consultation times leave it out.
    assert Queue.objects.get(pk=entry.pk).consultation_ended_for_doctor
    assert services.current_patient_of(doctor) is None
    row = AuditLog.objects.get(action="queue.consultation_ended")
    assert (row.actor, row.before["doctor_id"], row.after["status"]) == (admin, doctor.pk, Status.COMPLETED)
    assert not AuditLog.objects.filter(action__in=["queue.completed", "queue.skipped"]).exists()


def test_a_consultation_its_doctor_completes_is_not_marked_as_ended_for_them(department, make_token, doctor):
    entry = services.start_consultation(entry=services.call_patient(entry=make_token(department), doctor=doctor))

    services.complete_consultation(entry=entry)

    assert not Queue.objects.get(pk=entry.pk).consultation_ended_for_doctor


@pytest.mark.parametrize("status", [Status.WAITING, Status.CALLED, Status.COMPLETED])
def test_only_a_consultation_under_way_can_be_ended(department, make_token, doctor, admin, status):
    entry = make_token(department)
    if status != Status.WAITING:
        entry = services.call_patient(entry=entry, doctor=doctor)
    if status == Status.COMPLETED:
        services.complete_consultation(entry=services.start_consultation(entry=entry))

    with pytest.raises(services.IllegalTransition):
        services.end_consultation(entry=entry, actor=admin)

    assert Queue.objects.get(pk=entry.pk).status == status
