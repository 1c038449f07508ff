"""A waiting patient moved back a few places at their request (LATE), once per visit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients import services
from patients.models import Queue


def places(department):
    line = Queue.objects.waiting().day_in_service_order(
        department_id=department.pk, day=Queue.objects.first().token_date, fields=("id",)
    )
    return [row["id"] for row in line]


def test_moving_back_keeps_the_order_of_everyone_else(department, make_token):
    tokens = [make_token(department) for _ in range(5)]

    services.postpone_visit(entry=tokens[1], places=2)

    assert places(department) == [tokens[index].pk for index in (0, 2, 3, 1, 4)]


def test_only_as_far_as_the_end_of_its_priority(department, make_token):
    normal = [make_token(department) for _ in range(3)]
    emergency = make_token(department, priority="emergency")

    services.postpone_visit(entry=normal[0], places=10)

    assert places(department) == [emergency.pk, normal[1].pk, normal[2].pk, normal[0].pk]


def test_an_urgent_token_moves_back_among_its_priority(department, make_token):
    emergencies = [make_token(department, priority="emergency") for _ in range(3)]

    services.postpone_visit(entry=emergencies[0], places=1)

    assert places(department) == [emergencies[index].pk for index in (1, 0, 2)]


def test_once_per_visit(department, make_token):
    first, *_ = [make_token(department) for _ in range(4)]
    services.postpone_visit(entry=first, places=1)

    with pytest.raises(services.PostponeRefused, match="already been moved back"):
        services.postpone_visit(entry=first, places=1)


@pytest.mark.parametrize("setup", ["last", "called"])
def test_refused_when_it_cannot_move_and_the_chance_is_kept(department, make_token, make_doctor, setup):
    first, second = make_token(department), make_token(department)
    if setup == "called":
        services.call_next(doctor=make_doctor(department=department))
        target = first
    else:
        target = second

    with pytest.raises(services.PostponeRefused):
        services.postpone_visit(entry=target, places=2)

    target.refresh_from_db()
    assert target.postponed_at is None


def test_a_called_patient_texting_late_is_told_it_is_their_turn_and_how_to_get_their_place_back(
    department, make_token, make_doctor
):
    # Answered "cannot be moved back: only a waiting token can. It has been called; its consultation has not started
    # yet.": words for staff, which left the patient running late with nothing to do.
    first, _second = make_token(department), make_token(department)
    services.call_next(doctor=make_doctor(department=department, room="Room 4"))

    with pytest.raises(services.PostponeRefused) as refusal:
        services.postpone_visit(entry=first, places=2)

    assert str(refusal.value) == (
        "Token CARD-001 has been called: it is your turn now, in Room 4. If you cannot come now, please ask at the "
        "reception desk when you arrive: they can put you back in line."
    )


def booked_early(department, make_token, *, slot):
    """A booked patient who checked in before their slot: due at the slot (as appointments.check_in sets it)."""
    entry = make_token(department)
    Queue.objects.filter(pk=entry.pk).update(due_at=slot)
    return entry


def test_lets_go_first_only_those_already_due_so_later_walk_ins_stay_behind(department, make_token, clock):
    first = make_token(department)
    clock.shift(timedelta(minutes=1))
    late = make_token(department)
    clock.shift(timedelta(minutes=1))
    walk_in = make_token(department)
    clock.shift(timedelta(minutes=1))
    booked = booked_early(department, make_token, slot=timezone.now() + timedelta(hours=2))
    clock.shift(timedelta(minutes=2))

    services.postpone_visit(entry=late, places=3)
    later_walk_ins = []
    for _ in range(2):
        clock.shift(timedelta(minutes=10))
        later_walk_ins.append(make_token(department))

    assert places(department) == [first.pk, walk_in.pk, late.pk, *[entry.pk for entry in later_walk_ins], booked.pk]


def test_refused_when_only_patients_booked_for_later_are_behind(department, make_token, clock):
    make_token(department)
    clock.shift(timedelta(minutes=1))
    late = make_token(department)
    clock.shift(timedelta(minutes=1))
    booked_early(department, make_token, slot=timezone.now() + timedelta(hours=2))

    with pytest.raises(services.PostponeRefused, match="later appointment"):
        services.postpone_visit(entry=late, places=3)

    late.refresh_from_db()
    assert late.postponed_at is None


def test_a_patient_booked_for_later_moves_back_behind_those_booked_after_them(department, make_token, clock):
    two_oclock = timezone.now() + timedelta(hours=2)
    booked = [booked_early(department, make_token, slot=two_oclock + timedelta(minutes=15 * n)) for n in range(3)]

    services.postpone_visit(entry=booked[0], places=1)

    assert places(department) == [booked[1].pk, booked[0].pk, booked[2].pk]


def test_a_moved_back_token_raised_to_an_emergency_is_seen_by_its_arrival_among_the_emergencies(
    department, make_token, clock
):
    """A patient who texted LATE and then came in unwell: the move was among the normal tokens, and the triage nurse's
    emergency is not held behind an emergency who arrived after them."""
    moved_back = make_token(department)
    clock.shift(timedelta(minutes=5))
    emergency = make_token(department, priority="emergency")
    clock.shift(timedelta(minutes=5))
    normal = [make_token(department) for _ in range(2)]
    services.postpone_visit(entry=moved_back, places=2)

    services.change_priority(entry=moved_back, priority=Queue.Priority.EMERGENCY)

    assert places(department) == [moved_back.pk, emergency.pk, normal[0].pk, normal[1].pk]


def test_a_move_undone_by_a_raised_priority_is_not_back_when_the_priority_is_lowered(department, make_token, clock):
    """The desk raises a moved-back walk-in to high by mistake and puts it back to normal: the move was undone, so
    the token waits at its arrival, is not taken for a booked patient due at the move's time (the status page said
    "kept for your appointment at 9:47"), and may be moved back once, as the undoing promised."""
    walk_ins = []
    for _ in range(4):
        walk_ins.append(make_token(department))
        clock.shift(timedelta(minutes=5))
    services.postpone_visit(entry=walk_ins[0], places=2)
    services.change_priority(entry=walk_ins[0], priority=Queue.Priority.HIGH)

    services.change_priority(entry=walk_ins[0], priority=Queue.Priority.NORMAL)

    assert places(department) == [entry.pk for entry in walk_ins]
    walk_ins[0].refresh_from_db()
    assert walk_ins[0].booked_place_at is None
    services.postpone_visit(entry=walk_ins[0], places=1)
    assert places(department) == [walk_ins[index].pk for index in (1, 0, 2, 3)]


def test_a_booked_patient_whose_move_was_undone_is_back_at_their_slot_when_lowered_again(
    department, make_token, clock
):
    first_walk_in = make_token(department)
    clock.shift(timedelta(minutes=1))
    slot = timezone.now() + timedelta(minutes=2)
    booked = booked_early(department, make_token, slot=slot)
    clock.shift(timedelta(minutes=5))
    walk_ins = [make_token(department) for _ in range(2)]
    services.postpone_visit(entry=booked, places=2)
    services.change_priority(entry=booked, priority=Queue.Priority.HIGH)

    services.change_priority(entry=booked, priority=Queue.Priority.NORMAL)

    assert places(department) == [first_walk_in.pk, booked.pk, *[entry.pk for entry in walk_ins]]
    booked.refresh_from_db()
    assert booked.booked_place_at == slot


def test_refused_for_a_token_whose_day_is_over(department, make_token):
    stale, _behind = make_token(department), make_token(department)
    Queue.objects.filter(pk=stale.pk).update(token_date=stale.token_date - timedelta(days=1))
    stale.refresh_from_db()

    with pytest.raises(services.PostponeRefused, match="it is no longer in line"):
        services.postpone_visit(entry=stale, places=1)


@pytest.mark.parametrize("how", ["called", "yesterday"])
def test_a_patient_leaves_the_line_only_while_waiting_on_its_day(department, make_token, make_doctor, how):
    entry = make_token(department)
    if how == "called":
        services.call_patient(entry=entry, doctor=make_doctor(department=department))
    else:
        Queue.objects.filter(pk=entry.pk).update(token_date=entry.token_date - timedelta(days=1))
    entry.refresh_from_db()

    with pytest.raises(services.QueueError):
        services.leave_line(entry=entry)
    services.cancel(entry=entry)  # The staff's cancellation is not the patient's: it still may.
