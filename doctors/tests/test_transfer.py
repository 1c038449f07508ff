"""patients.services.transfer: a referral keeps the patient's place by original check-in time, and their own
choices."""

from datetime import timedelta

import pytest

from adminpanel.models import AuditLog
from notifications.models import Notification
from patients import hooks, services
from patients.models import Queue


@pytest.fixture
def dermatology(make_department):
    return make_department(name="Dermatology", code="DERM")


def test_transferred_token_keeps_its_place_by_original_check_in(clock, department, dermatology, make_token):
    early = make_token(department)
    clock.shift(timedelta(minutes=10))
    already_waiting = make_token(dermatology)
    clock.shift(timedelta(minutes=10))
    new_entry = services.transfer(entry=early, to_department=dermatology)
    early.refresh_from_db()
    assert early.status == Queue.Status.CANCELLED
    assert early.transferred_to == new_entry
    assert new_entry.token == "DERM-002"
    assert new_entry.checked_in_at == early.checked_in_at
    assert new_entry.get_position_in_queue() == 1
    assert already_waiting.get_position_in_queue() == 2


def test_a_transferred_patient_keeps_their_notice_choice_and_cannot_move_back_again(
    department, dermatology, make_token
):
    entry = make_token(department)
    make_token(department)
    services.choose_patients_ahead_notice(entry=entry, patients_ahead=1)
    entry = services.postpone_visit(entry=entry, places=1)

    new_entry = services.transfer(entry=entry, to_department=dermatology)
    make_token(dermatology)  # someone behind: only the rule of one move back per visit can refuse another

    assert new_entry.notify_when_patients_ahead == 1
    assert new_entry.postponed_at == entry.postponed_at
    with pytest.raises(services.PostponeRefused, match="has already been moved back once today"):
        services.postpone_visit(entry=new_entry, places=1)


def test_both_entries_are_audited(department, dermatology, make_token, make_user):
    manager = make_user()
    entry = make_token(department)
    new_entry = services.transfer(entry=entry, to_department=dermatology, actor=manager, ip_address="10.0.0.9")
    rows = AuditLog.objects.filter(action="queue.transferred").order_by("id")
    assert [(row.object_id, row.actor, row.ip_address, row.after["status"]) for row in rows] == [
        (str(entry.pk), manager, "10.0.0.9", "cancelled"),
        (str(new_entry.pk), manager, "10.0.0.9", "waiting"),
    ]


def test_a_patient_in_consultation_cannot_be_transferred(department, dermatology, make_token, make_doctor):
    entry = make_token(department)
    services.call_patient(entry=entry, doctor=make_doctor(department=department))
    services.start_consultation(entry=entry)
    with pytest.raises(services.QueueError, match="in consultation: complete the consultation before transferring"):
        services.transfer(entry=entry, to_department=dermatology)
    assert not Queue.objects.filter(department=dermatology).exists()


def test_recalling_a_transferred_token_says_where_the_patient_went(department, dermatology, make_token, make_doctor):
    entry = make_token(department)
    services.call_patient(entry=entry, doctor=make_doctor(department=department))
    moved = services.transfer(entry=entry, to_department=dermatology)

    with pytest.raises(services.QueueError, match=f"transferred to Dermatology as {moved.token}"):
        services.recall(entry=Queue.objects.get(pk=entry.pk))
    assert Queue.objects.get(pk=entry.pk).status == Queue.Status.CANCELLED


@pytest.mark.parametrize("problem", ["same", "inactive", "full"])
def test_transfer_refused_leaves_the_token_waiting(department, dermatology, make_token, problem):
    entry = make_token(department)
    target = department if problem == "same" else dermatology
    if problem == "inactive":
        dermatology.is_active = False
        dermatology.save()
    if problem == "full":
        dermatology.daily_capacity = 1
        dermatology.save()
        make_token(dermatology)
    with pytest.raises(services.QueueError):
        services.transfer(entry=entry, to_department=target)
    entry.refresh_from_db()
    assert entry.status == Queue.Status.WAITING


def test_both_departments_hear_of_the_transfer_after_commit(
    department, dermatology, make_token, monkeypatch, django_capture_on_commit_callbacks
):
    entry = make_token(department)
    published, notified = [], []
    monkeypatch.setattr(
        "patients.broadcasts.publish_queue_change",
        lambda event, entry: published.append(
            {"event": event, "entry_id": entry.pk, "department_id": entry.department_id}
        ),
    )

    def announced(sender, change, **kwargs):
        notified.append({"event": change.event, "entry_id": change.entry.pk})

    hooks.queue_changed.connect(announced)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            new_entry = services.transfer(entry=entry, to_department=dermatology)
    finally:
        hooks.queue_changed.disconnect(announced)
    assert published == [
        {"event": "transferred", "entry_id": entry.pk, "department_id": department.pk},
        {"event": "transferred", "entry_id": new_entry.pk, "department_id": dermatology.pk},
    ]
    assert notified == [
        {"event": "transferred", "entry_id": entry.pk},
        {"event": "transferred", "entry_id": new_entry.pk},
    ]


def test_a_patient_who_already_holds_a_token_in_the_target_is_not_given_a_second(department, dermatology, make_token):
    general = make_token(department)
    held_there = services.allocate_token(department=dermatology, patient=general.patient)

    with pytest.raises(services.TokenAlreadyHeld, match=f"already holds token {held_there.token} in Dermatology"):
        services.transfer(entry=general, to_department=dermatology)

    general.refresh_from_db()
    assert general.status == Queue.Status.WAITING
    assert list(Queue.objects.filter(department=dermatology).values_list("pk", flat=True)) == [held_there.pk]


def test_a_transferred_patient_is_led_and_told_to_their_new_token(
    client, department, dermatology, make_token, django_capture_on_commit_callbacks, tasks_run_inline
):
    entry = make_token(department)
    with django_capture_on_commit_callbacks(execute=True):
        new_entry = services.transfer(entry=entry, to_department=dermatology)

    # The old token's link leads to the new token's page, not to a page that says "Cancelled".
    page = client.get(entry.get_absolute_url())
    assert page.status_code == 302 and page.url == new_entry.get_absolute_url()
    told = Notification.objects.filter(queue_entry=new_entry)
    assert told.count() == 1 and new_entry.token in told.get().body
