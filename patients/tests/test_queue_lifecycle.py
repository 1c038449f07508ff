from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from adminpanel.models import AuditLog
from doctors.models import Doctor
from patients import services
from patients.models import Queue
from patients.tests.factories import register_patient

Status = Queue.Status

LEGAL_TRANSITIONS = {
    (Status.WAITING, Status.CALLED),
    (Status.WAITING, Status.CANCELLED),
    (Status.CALLED, Status.IN_CONSULTATION),
    (Status.CALLED, Status.SKIPPED),
    (Status.CALLED, Status.CANCELLED),
    (Status.IN_CONSULTATION, Status.COMPLETED),
    (Status.SKIPPED, Status.WAITING),
    (Status.SKIPPED, Status.CANCELLED),
}

# How to bring a fresh (waiting) entry into each state through the services.
PATH_TO = {
    Status.WAITING: [],
    Status.CALLED: [Status.CALLED],
    Status.IN_CONSULTATION: [Status.CALLED, Status.IN_CONSULTATION],
    Status.COMPLETED: [Status.CALLED, Status.IN_CONSULTATION, Status.COMPLETED],
    Status.SKIPPED: [Status.CALLED, Status.SKIPPED],
    Status.CANCELLED: [Status.CANCELLED],
}


def move(entry, to_status, doctor):
    action = {
        Status.CALLED: lambda: services.call_patient(entry=entry, doctor=doctor),
        Status.IN_CONSULTATION: lambda: services.start_consultation(entry=entry),
        Status.COMPLETED: lambda: services.complete_consultation(entry=entry, consultation_notes="ok"),
        Status.SKIPPED: lambda: services.skip(entry=entry),
        Status.WAITING: lambda: services.recall(entry=entry),
        Status.CANCELLED: lambda: services.cancel(entry=entry),
    }[to_status]
    return action()


@pytest.fixture
def doctor(make_doctor, department):
    return make_doctor(department=department)


@pytest.fixture
def new_entry(department, make_patient):
    def make(priority=Queue.Priority.NORMAL):
        return services.allocate_token(department=department, patient=make_patient(), priority=priority)

    return make


@pytest.mark.parametrize("from_status", Status.values)
@pytest.mark.parametrize("to_status", [s for s in Status.values if s != Status.WAITING] + [Status.WAITING])
def test_every_transition_is_allowed_or_refused_by_the_lifecycle(from_status, to_status, new_entry, doctor):
    entry = new_entry()
    for step in PATH_TO[from_status]:
        entry = move(entry, step, doctor)
    entry.refresh_from_db()
    assert entry.status == from_status

    if (from_status, to_status) in LEGAL_TRANSITIONS:
        moved = move(entry, to_status, doctor)
        moved.refresh_from_db()
        assert moved.status == to_status
    else:
        audit_rows = AuditLog.objects.count()
        with pytest.raises(services.IllegalTransition) as refused:
            move(entry, to_status, doctor)
        # In words: what could not be done and what the token is now, not the two statuses' labels in quotes.
        assert str(refused.value) == (
            f"{services.REFUSED_CHANGE[to_status] % {'token': entry.token}} {services.STATUS_NOW[from_status]}"
        )
        assert "'" not in str(refused.value)
        entry.refresh_from_db()
        assert entry.status == from_status
        assert AuditLog.objects.count() == audit_rows


def test_each_step_stamps_its_time_so_waits_and_consultations_can_be_measured(new_entry, doctor):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        entry = new_entry()
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        services.call_patient(entry=entry, doctor=doctor)
    with time_machine.travel(start + timedelta(minutes=22), tick=False):
        services.start_consultation(entry=entry)
    with time_machine.travel(start + timedelta(minutes=34), tick=False):
        services.complete_consultation(entry=entry)

    entry.refresh_from_db()
    assert entry.called_at - entry.checked_in_at == timedelta(minutes=20)
    assert entry.completed_at - entry.started_at == timedelta(minutes=12)
    assert entry.doctor == doctor


def test_emergency_before_high_before_normal_and_first_come_first_served_within_a_priority(
    new_entry, department
):
    normal_1 = new_entry()
    high_1 = new_entry(Queue.Priority.HIGH)
    normal_2 = new_entry()
    emergency = new_entry(Queue.Priority.EMERGENCY)
    high_2 = new_entry(Queue.Priority.HIGH)

    expected_order = [emergency, high_1, high_2, normal_1, normal_2]
    ordered = list(Queue.objects.waiting().filter(department=department).in_service_order())
    assert [e.pk for e in ordered] == [e.pk for e in expected_order]
    assert [e.get_position_in_queue() for e in expected_order] == [1, 2, 3, 4, 5]


def test_call_next_takes_the_highest_priority_and_only_one_patient_at_a_time(new_entry, doctor):
    new_entry()
    emergency = new_entry(Queue.Priority.EMERGENCY)

    called = services.call_next(doctor=doctor)

    assert called.pk == emergency.pk
    assert called.status == Status.CALLED
    with pytest.raises(services.QueueError, match="Finish with token CARD-002"):
        services.call_next(doctor=doctor)


@pytest.mark.parametrize("elsewhere", [Status.CALLED, Status.IN_CONSULTATION])
def test_call_next_passes_over_a_patient_who_is_with_a_doctor_of_another_department(
    department, doctor, make_department, make_doctor, make_patient, elsewhere
):
    # Maria, first in Cardiology's line, was in Orthopedics' consulting room when Cardiology's doctor called her:
    # "it is your turn ... go to Room 4 now", and a no-show when she did not come.
    maria = make_patient(name="Maria")
    first = services.allocate_token(department=department, patient=maria)
    second = services.allocate_token(department=department, patient=make_patient(name="Kofi"))
    orthopedics = make_department(name="Orthopedics", code="ORTH")
    services.allocate_token(department=orthopedics, patient=maria)
    with_surgeon = services.call_next(doctor=make_doctor(department=orthopedics))
    if elsewhere == Status.IN_CONSULTATION:
        services.start_consultation(entry=with_surgeon)

    assert services.call_next(doctor=doctor).pk == second.pk
    first.refresh_from_db()
    assert (first.status, first.get_position_in_queue()) == (Status.WAITING, 1)

    services.complete_consultation(entry=services.start_consultation(entry=second))
    with pytest.raises(services.NothingToCall, match="CARD-001 is with a doctor in Orthopedics"):
        services.call_next(doctor=doctor)
    finish = services.skip if elsewhere == Status.CALLED else services.complete_consultation
    finish(entry=with_surgeon)
    assert services.call_next(doctor=doctor).pk == first.pk


@pytest.mark.parametrize("change", ["deactivated", "moved"])
def test_a_doctor_deactivated_or_moved_since_their_page_was_read_is_given_no_patient(
    new_entry, doctor, make_department, change
):
    entry = new_entry()
    stored = {"is_active": False} if change == "deactivated" else {"department": make_department()}
    Doctor.objects.filter(pk=doctor.pk).update(**stored)

    for call in (lambda: services.call_next(doctor=doctor), lambda: services.call_patient(entry=entry, doctor=doctor)):
        with pytest.raises(services.QueueError, match=f"{doctor} no longer sees patients in Cardiology."):
            call()
    entry.refresh_from_db()
    assert entry.status == Status.WAITING and entry.doctor is None


def test_call_next_with_an_empty_queue_says_so(doctor):
    with pytest.raises(services.NothingToCall):
        services.call_next(doctor=doctor)


def test_positions_move_up_as_patients_are_called(new_entry, doctor):
    first, second, third = new_entry(), new_entry(), new_entry()

    services.call_next(doctor=doctor)

    for entry in (first, second, third):
        entry.refresh_from_db()
    assert first.get_position_in_queue() is None
    assert (second.get_position_in_queue(), third.get_position_in_queue()) == (1, 2)


def test_a_recalled_no_show_returns_to_its_original_place(new_entry, doctor):
    first, second = new_entry(), new_entry()
    services.call_next(doctor=doctor)
    services.skip(entry=first)

    services.recall(entry=first)

    first.refresh_from_db()
    assert (first.status, first.doctor, first.called_at) == (Status.WAITING, None, None)
    assert first.get_position_in_queue() == 1
    second.refresh_from_db()
    assert second.get_position_in_queue() == 2


def test_a_no_show_who_registered_again_is_not_recalled_into_a_second_place(department, doctor):
    details = {"name": "Asha", "phone": "+14155550101", "age": 30, "gender": "female"}
    skipped, _ = register_patient(department=department, **details)
    services.call_next(doctor=doctor)
    services.skip(entry=skipped)
    # By themselves (the kiosk): the desk registering them again would recall the missed token instead.
    again, created = register_patient(department=department, self_service=True, **details)
    assert created

    with pytest.raises(services.TokenAlreadyHeld, match=f"already holds token {again.token} in Cardiology"):
        services.recall(entry=skipped)

    skipped.refresh_from_db()
    assert skipped.status == Status.SKIPPED
    assert list(Queue.objects.waiting().values_list("pk", flat=True)) == [again.pk]


def test_a_no_show_of_an_earlier_day_is_not_recalled(clock, new_entry, doctor):
    entry = new_entry()
    services.call_next(doctor=doctor)
    services.skip(entry=entry)
    clock.shift(timedelta(days=1))

    with pytest.raises(services.QueueError, match="recalled only on its own day"):
        services.recall(entry=entry)

    entry.refresh_from_db()
    assert entry.status == Status.SKIPPED


def test_a_token_left_waiting_on_an_earlier_day_is_not_transferred_into_todays_line(
    clock, new_entry, make_department
):
    entry = new_entry()
    clock.shift(timedelta(days=1))

    with pytest.raises(services.QueueError, match="transferred only on its own day"):
        services.transfer(entry=entry, to_department=make_department(code="GEN"))

    entry.refresh_from_db()
    assert entry.status == Status.WAITING and Queue.objects.count() == 1


def test_a_token_left_waiting_on_an_earlier_day_keeps_its_priority_and_notice_but_can_be_cancelled(clock, new_entry):
    entry = new_entry()
    clock.shift(timedelta(days=1))

    with pytest.raises(services.QueueError, match="priority can change only on its own day"):
        services.change_priority(entry=entry, priority=Queue.Priority.EMERGENCY)
    with pytest.raises(services.QueueError, match="when to text you can be chosen only on that day"):
        services.choose_patients_ahead_notice(entry=entry, patients_ahead=2)

    entry.refresh_from_db()
    assert (entry.priority, entry.notify_when_patients_ahead) == (Queue.Priority.NORMAL, None)
    # Cancelling it is clearing up, not a change to any line served today.
    assert services.cancel(entry=entry).status == Status.CANCELLED


def test_only_a_waiting_token_changes_priority(new_entry, doctor):
    entry, other = new_entry(), new_entry()
    services.change_priority(entry=other, priority=Queue.Priority.EMERGENCY)
    other.refresh_from_db()
    assert other.get_position_in_queue() == 1

    services.call_patient(entry=entry, doctor=doctor)
    with pytest.raises(services.QueueError) as refused:
        services.change_priority(entry=entry, priority=Queue.Priority.HIGH)
    assert str(refused.value) == (
        f"The priority of token {entry.token} cannot change: only a waiting token's can. It has been called; its consultation has not started yet."
    )


def test_a_priority_set_twice_is_changed_and_announced_once(new_entry):
    # Two clicks on the same priority (a double click, or two desks triaging one patient at once): the second
    # changes nothing, and is no change for the audit log, the screens and the webhooks either.
    entry = new_entry()

    for _click in range(2):
        assert services.change_priority(entry=entry, priority=Queue.Priority.HIGH).priority == Queue.Priority.HIGH

    audited = AuditLog.objects.filter(object_id=str(entry.pk), action="queue.priority_changed")
    assert [(row.before["priority"], row.after["priority"]) for row in audited] == [("normal", "high")]


def test_a_refusal_reads_in_words_in_the_readers_language(new_entry, doctor):
    """Not "El turno CARD-001 no puede pasar de 'Terminado' a 'Cancelado'": what cannot be done, and why."""
    entry = new_entry()
    for step in PATH_TO[Status.COMPLETED]:
        entry = move(entry, step, doctor)
    with translation.override("es"), pytest.raises(services.IllegalTransition) as refused:
        services.cancel(entry=entry)
    assert str(refused.value) == f"El turno {entry.token} no se puede cancelar. Su consulta ya ha terminado."


def test_a_change_is_audited_and_published_only_after_commit(
    new_entry, doctor, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    monkeypatch.setattr("patients.broadcasts.publish_queue_change", lambda **event: published.append(event))
    entry = new_entry()

    with django_capture_on_commit_callbacks(execute=False) as pending:
        services.call_patient(entry=entry, doctor=doctor, actor=doctor.user, ip_address="10.0.0.7")
    assert published == []

    for callback in pending:
        callback()
    assert [(event["event"], event["entry"].pk) for event in published] == [("called", entry.pk)]
    audit = AuditLog.objects.get(action="queue.called")
    assert (audit.actor, audit.ip_address) == (doctor.user, "10.0.0.7")
    assert (audit.before["status"], audit.after["status"]) == ("waiting", "called")


def test_a_returning_patient_is_matched_by_phone_and_keeps_an_open_token(department):
    details = {"name": "Asha", "phone": "+14155550100", "age": 30, "gender": "female"}
    first, created = register_patient(department=department, **details)
    again, created_again = register_patient(department=department, **{**details, "age": 31})

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert first.patient.visits.count() == 1
    first.patient.refresh_from_db()
    assert first.patient.age == 31


@pytest.mark.parametrize("priority", [Queue.Priority.HIGH, Queue.Priority.EMERGENCY])
def test_a_patient_registering_themselves_cannot_ask_for_priority_whoever_calls_the_service(department, priority):
    # The page drops the field and the API refuses it; the rule is the service's own (an emergency is also issued
    # past the daily capacity), so no other caller can forget it.
    details = {"name": "Asha", "phone": "+14155550100", "age": 30, "gender": "female"}

    with pytest.raises(services.PriorityRefused, match="Only reception staff can set a priority."):
        services.register_visit(department=department, self_service=True, priority=priority, **details)

    assert not Queue.objects.exists()
    desk = services.register_visit(department=department, priority=priority, **details)
    assert desk.entry.priority == priority


@pytest.mark.parametrize("has_open_token", [True, False])
def test_a_self_service_match_keeps_the_stored_details_and_is_sent_to_the_phone(
    department, make_department, has_open_token
):
    details = {"name": "Asha", "phone": "+14155550100", "age": 30, "gender": "female"}
    first = services.register_visit(department=department, self_service=True, **details)
    into = department if has_open_token else make_department(code="DERM")

    again = services.register_visit(
        department=into, self_service=True, **{**details, "name": "Mallory", "age": 80, "gender": "male"}
    )

    assert (first.sent_to_phone, again.sent_to_phone) == (False, True)
    assert again.token_created is not has_open_token
    assert again.entry.patient_id == first.entry.patient_id
    again.entry.patient.refresh_from_db()
    assert (again.entry.patient.name, again.entry.patient.age, again.entry.patient.gender) == ("Asha", 30, "female")
