import random
import statistics
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from doctors.models import Doctor, DoctorAbsence, DoctorSchedule
from patients import services
from patients.estimates import (
    HISTORY_PACE_WEIGHT,
    ConsultationHistory,
    ConsultationPace,
    DoctorAvailability,
    LinePlay,
    Serving,
    _ConsultationUnderWay,
    _likely_ends,
    day_windows,
    estimate_waits,
    summarize_history,
)
from patients.models import Queue
from patients.selectors import consultation_pace, visit_status

NORMAL, EMERGENCY = Queue.Priority.NORMAL, Queue.Priority.EMERGENCY


def estimated_wait_minutes(entry):
    """The wait the entry's patient is shown, from the read model."""
    return visit_status(entry=entry)["estimated_wait_minutes"]


def consult(entry, doctor, clock, minutes):
    services.call_patient(entry=entry, doctor=doctor)
    services.start_consultation(entry=entry)
    clock.shift(timedelta(minutes=minutes))
    services.complete_consultation(entry=entry)


def waits(pace, count, *, serving=(), priorities=None, now=None):
    now = now or timezone.now()
    return [
        estimate.minutes
        for estimate in estimate_waits(
            pace=pace, priorities=priorities or [NORMAL] * count, serving=list(serving), now=now
        )
    ]


def pace_of(*doctor_minutes, **fields):
    now = timezone.now()
    roster = tuple(
        DoctorAvailability(doctor_id=index, on_duty=True, windows=((now, None),)) for index in range(len(doctor_minutes))
    )
    return ConsultationPace(
        minutes_per_consultation=fields.pop("minutes_per_consultation", 10.0),
        doctors_on_duty=len(roster),
        doctor_minutes=dict(enumerate(doctor_minutes)),
        roster=roster,
        **fields,
    )


def test_without_history_the_configured_average_is_used_and_a_free_doctor_calls_the_first_now(
    department, make_patient, make_doctor, clock
):
    make_doctor(department=department)
    entries = [services.allocate_token(department=department, patient=make_patient()) for _ in range(3)]

    assert [estimated_wait_minutes(entry) for entry in entries] == [0, 10, 20]


def test_without_a_doctor_on_duty_the_line_is_taken_as_one_doctor_starting_now(department, make_patient, clock):
    entries = [services.allocate_token(department=department, patient=make_patient()) for _ in range(2)]

    assert [estimated_wait_minutes(entry) for entry in entries] == [10, 20]


def test_todays_consultations_from_call_to_end_take_over_from_the_configured_average_the_latest_weighing_most(
    department, make_patient, make_doctor, clock
):
    doctor = make_doctor(department=department)
    for minutes in (4, 6, 8):
        consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, minutes)
    waiting = [services.allocate_token(department=department, patient=make_patient()) for _ in range(2)]

    pace = consultation_pace(department=department)
    # Today's three (6.1 on average, the 8 weighing most) against the configured 10, counted as three more.
    assert 8.0 < pace.minutes_per_consultation < 8.2
    assert [estimated_wait_minutes(entry) for entry in waiting] == [0, round(pace.minutes_for(doctor.pk))]
    for minutes in (6,) * 20:
        consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, minutes)
    assert 6.4 < consultation_pace(department=department).minutes_per_consultation < 6.6


def test_a_consultation_left_open_for_hours_does_not_set_the_pace(department, make_patient, make_doctor, clock):
    doctor = make_doctor(department=department)
    for minutes in (5, 5, 300, 5):
        consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, minutes)

    # The three of 5 minutes against the configured 10, counted as three more.
    assert consultation_pace(department=department).minutes_per_consultation == pytest.approx(7.5)


def ended_for_the_doctor(entry, doctor, clock, minutes):
    """A consultation its doctor left: an admin ends it minutes after the call (services.end_consultation)."""
    services.call_patient(entry=entry, doctor=doctor)
    services.start_consultation(entry=entry)
    clock.shift(timedelta(minutes=minutes))
    services.end_consultation(entry=entry)


def test_a_consultation_an_admin_ended_hours_after_the_call_does_not_set_the_pace(
    department, make_patient, make_doctor, clock
):
    """Its end is when the admin recorded it, not when the doctor left: measured, the day's first such one put
    every wait in a department without history at over 50 minutes a patient."""
    doctor = make_doctor(department=department)
    ended_for_the_doctor(services.allocate_token(department=department, patient=make_patient()), doctor, clock, 180)
    waiting = [services.allocate_token(department=department, patient=make_patient()) for _ in range(3)]

    pace = consultation_pace(department=department)
    assert (pace.minutes_per_consultation, pace.minutes_for(doctor.pk)) == (10, 10)
    assert [estimated_wait_minutes(entry) for entry in waiting] == [0, 10, 20]


def test_a_consultation_an_admin_ended_on_an_earlier_day_is_not_in_the_history(
    department, make_patient, make_doctor, clock
):
    doctor = make_doctor(department=department)
    clock.shift(timedelta(days=-1))
    ended_for_the_doctor(services.allocate_token(department=department, patient=make_patient()), doctor, clock, 180)
    clock.shift(timedelta(days=1, minutes=-180))

    pace = consultation_pace(department=department)

    assert (pace.minutes_per_consultation, pace.minutes_for(doctor.pk)) == (10, 10)


@pytest.mark.parametrize("seconds", [0, 1.4, 29])
def test_a_consultation_completed_as_it_was_called_does_not_set_the_pace(
    department, make_patient, make_doctor, clock, seconds
):
    """A call and a completion at once (a correction at the desk) is not a consultation: measured, it put
    every wait in a department without history at 0."""
    doctor = make_doctor(department=department)
    consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, seconds / 60)
    waiting = [services.allocate_token(department=department, patient=make_patient()) for _ in range(3)]

    assert consultation_pace(department=department).minutes_per_consultation == 10
    assert [estimated_wait_minutes(entry) for entry in waiting] == [0, 10, 20]


def test_one_short_consultation_does_not_set_every_wait_without_history(department, make_patient, make_doctor, clock):
    doctor = make_doctor(department=department)
    consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, 1)

    assert consultation_pace(department=department).minutes_per_consultation == pytest.approx((1 + 3 * 10) / 4)


def test_each_doctor_keeps_their_own_pace_and_the_line_goes_to_whoever_is_free_first(
    department, make_patient, make_doctor, clock
):
    quick, slow = make_doctor(department=department), make_doctor(department=department)
    for _ in range(6):
        consult(services.allocate_token(department=department, patient=make_patient()), quick, clock, 5)
        consult(services.allocate_token(department=department, patient=make_patient()), slow, clock, 20)

    pace = consultation_pace(department=department)

    # Each doctor's own consultations weigh more the more of them there are, against the department's.
    assert pace.minutes_for(quick.pk) < 8 < 17 < pace.minutes_for(slow.pk) < 20
    # Both free now: the quick doctor takes the third and fourth before the slow one is free.
    assert waits(pace, 5) == [0, 0, round(pace.minutes_for(quick.pk)), 15, 17]


def test_time_already_spent_with_the_current_patient_counts(clock):
    pace = pace_of(10.0)
    now = timezone.now()

    # 8 minutes into a 10-minute consultation, half of those still going end within 3.5 minutes (4.8 on average:
    # the next patient's wait adds up from that).
    assert waits(pace, 2, serving=[Serving(0, now - timedelta(minutes=8))], now=now) == [4, 15]
    # Past their usual length, a consultation is still expected to take a little longer.
    assert waits(pace, 1, serving=[Serving(0, now - timedelta(minutes=30))], now=now) == [3]


def test_the_first_of_several_busy_doctors_is_free_sooner_than_any_one_of_them_usually_is(clock):
    now = timezone.now()
    just_begun = [Serving(doctor_id, now) for doctor_id in range(3)]

    alone = waits(pace_of(10.0), 1, serving=just_begun[:1], now=now)
    together = waits(pace_of(10.0, 10.0, 10.0), 3, serving=just_begun, now=now)

    assert alone == [9]
    assert together[0] < 9 < together[2]


def test_expected_no_shows_ahead_shorten_the_wait(clock):
    assert waits(pace_of(10.0), 3) == [0, 10, 20]
    assert waits(pace_of(10.0, no_show_rate=0.5, no_show_minutes=2.0), 3) == [0, 6, 12]


def test_emergencies_arriving_today_lengthen_a_normal_wait_but_not_an_emergencys(clock):
    urgent = pace_of(10.0, urgent_arrivals={EMERGENCY: 0.05})

    normal_waits = waits(urgent, 3)
    emergency_waits = waits(urgent, 3, priorities=[EMERGENCY] * 3)

    assert normal_waits[2] > 20
    assert emergency_waits == [0, 10, 20]


def test_a_long_line_gets_a_range_rounded_to_five_minutes_and_a_short_one_none(clock):
    estimates = estimate_waits(pace=pace_of(10.0), priorities=[NORMAL] * 12, serving=[], now=timezone.now())

    assert estimates[1].shown_range is None
    low, high = estimates[11].shown_range
    assert low < estimates[11].minutes < high
    assert low % 5 == high % 5 == 0


def on_schedule(doctor, *shifts):
    DoctorSchedule.objects.bulk_create(
        DoctorSchedule(doctor=doctor, weekday=timezone.localdate().weekday(), starts_at=start, ends_at=end)
        for start, end in shifts
    )


def test_before_the_first_doctors_shift_the_range_is_of_the_wait_after_it_and_never_begins_before_it(
    department, make_patient, make_doctor, clock
):
    # The clock stands at noon; the only doctor starts at two. The first patient was told "about 1 h 45 min – 2 h 15
    # min (doctors from 2 p.m.)": a call a quarter of an hour before anyone was there to make it.
    doctor = make_doctor(department=department, availability=Doctor.Availability.OFFLINE)
    on_schedule(doctor, (time(14), time(18)))
    entries = [services.allocate_token(department=department, patient=make_patient()) for _ in range(6)]

    shown = [visit_status(entry=entry) for entry in entries]

    assert [visit["estimated_wait_minutes"] for visit in shown] == [120, 130, 140, 150, 160, 170]
    assert (shown[0]["estimated_wait_low_minutes"], shown[0]["estimated_wait_high_minutes"]) == (None, None)
    assert all(visit["estimated_wait_low_minutes"] in (None, *range(120, 200)) for visit in shown)
    assert shown[5]["estimated_wait_low_minutes"] is not None


def test_doctors_on_a_break_come_back_for_their_next_shift_and_those_gone_for_the_day_do_not(
    department, make_patient, make_doctor, clock
):
    # The clock stands at noon.
    back_at_one = make_doctor(department=department, availability=Doctor.Availability.ON_BREAK)
    on_schedule(back_at_one, (time(8), time(11)), (time(13), time(17)))
    off_sick = make_doctor(department=department, availability=Doctor.Availability.OFFLINE)
    on_schedule(off_sick, (time(8), time(17)))
    DoctorAbsence.objects.create(doctor=off_sick, day=timezone.localdate())
    make_doctor(department=department, availability=Doctor.Availability.BUSY)
    entries = [services.allocate_token(department=department, patient=make_patient()) for _ in range(9)]

    pace = consultation_pace(department=department)

    assert pace.doctors_on_duty == 1
    assert [doctor.doctor_id for doctor in pace.roster if not doctor.on_duty] == [back_at_one.pk]
    assert off_sick.pk not in [doctor.doctor_id for doctor in pace.roster]
    # Six patients for the doctor on duty by one o'clock, then two doctors share the line.
    assert [estimated_wait_minutes(entry) for entry in entries] == [0, 10, 20, 30, 40, 50, 60, 60, 70]


def test_a_doctor_on_duty_between_two_shifts_takes_their_break_and_one_in_early_works_on_into_their_shift(clock):
    noon = timezone.now()

    def today_at(hour, minute=0):
        return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour, minute)))

    # Their morning ended at 11:30: the patient they are still with is the last before their break.
    assert day_windows(
        ((time(8), time(11, 30)), (time(12, 15), time(17))), on_duty=True, on_break=False, started=True, now=noon
    ) == ((today_at(12, 15), None),)
    # Their afternoon begins at one and they are on duty already.
    assert day_windows(
        ((time(13), time(15)), (time(16), time(18))), on_duty=True, on_break=False, started=False, now=noon
    ) == ((noon, today_at(15)), (today_at(16), None))
    # After their last shift they see the line out.
    assert day_windows(((time(8), time(11)),), on_duty=True, on_break=False, started=True, now=noon) == ((noon, None),)


def test_a_doctor_on_a_break_is_expected_now_once_late_back_or_without_shifts_and_not_after_their_last(clock):
    noon = timezone.now()

    def on_break(*shifts):
        return day_windows(shifts, on_duty=False, on_break=True, started=True, now=noon)

    assert on_break((time(8), time(11)), (time(11, 30), time(17))) == ((noon, None),)
    assert on_break((time(8), time(10)), (time(11), time(13)), (time(14), time(17))) == (
        (noon, today_at_local(13)),
        (today_at_local(14), None),
    )
    assert on_break() == ((noon, None),)
    assert on_break((time(8), time(11))) == ()
    assert on_break((time(8), time(11)), (time(13), time(17))) == ((today_at_local(13), None),)
    # A break taken while seeing the line out after their last shift (a call after its end) is a pause in it; one
    # taken before its end and outlasting it is not.
    seeing_the_line_out = day_windows(
        ((time(8), time(11)),), on_duty=False, on_break=True, started=True, now=noon, last_call=today_at_local(11, 40)
    )
    assert seeing_the_line_out == ((noon, None),)
    assert day_windows(
        ((time(8), time(11)),), on_duty=False, on_break=True, started=True, now=noon, last_call=today_at_local(10, 50)
    ) == ()


def today_at_local(hour, minute=0):
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour, minute)))


def test_a_doctor_late_for_their_shift_is_expected_now_but_one_gone_after_seeing_patients_is_not(
    department, make_patient, make_doctor, clock
):
    late, gone_home = (make_doctor(department=department) for _ in range(2))
    for doctor in (late, gone_home):
        on_schedule(doctor, (time(8), time(17)))
    consult(services.allocate_token(department=department, patient=make_patient()), gone_home, clock, 10)
    Doctor.objects.filter(pk__in=[late.pk, gone_home.pk]).update(availability=Doctor.Availability.OFFLINE)
    make_doctor(department=department)
    entries = [services.allocate_token(department=department, patient=make_patient()) for _ in range(4)]

    pace = consultation_pace(department=department)

    assert [doctor.doctor_id for doctor in pace.roster if not doctor.on_duty] == [late.pk]
    assert [estimated_wait_minutes(entry) for entry in entries] == [0, 0, 10, 10]


def test_a_consultation_completed_as_soon_as_called_does_not_set_the_pace(department, make_patient, make_doctor, clock):
    doctor = make_doctor(department=department)
    consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, 0)

    assert consultation_pace(department=department).minutes_per_consultation == 10


def test_a_booked_patient_early_for_their_slot_waits_for_the_walk_ins_arriving_before_it(clock):
    now = timezone.now()
    pace = pace_of(10.0, arrival_rate=0.1)
    in_half_an_hour = now + timedelta(minutes=30)

    def wait_if_due(due_at):
        return estimate_waits(pace=pace, priorities=[NORMAL], serving=[], now=now, due=[due_at])[0].minutes

    # At one walk-in every 10 minutes, three arrive before the slot and are due first.
    assert wait_if_due(in_half_an_hour) == 30
    assert wait_if_due(now) == 0


def test_a_walk_in_joining_the_played_line_is_placed_as_if_the_line_were_played_again(clock):
    now = timezone.now()
    pace = pace_of(8.0, 12.0, arrival_rate=0.1, pending_slots=(now + timedelta(minutes=15),), booking_show_rate=0.8)
    priorities = [EMERGENCY, NORMAL, NORMAL, NORMAL]
    play = LinePlay(pace=pace, serving=[Serving(0, now - timedelta(minutes=3))], now=now)
    for priority in priorities:
        play.wait_of(priority, now)

    newcomer = play.newcomer()

    # Asking for a newcomer's wait leaves the play where it was: the one joining next gets that same wait.
    assert play.newcomer() == newcomer
    assert play.joins_at_the_end(NORMAL, now) == newcomer
    replayed = estimate_waits(
        pace=pace, priorities=[*priorities, NORMAL], serving=[Serving(0, now - timedelta(minutes=3))], now=now
    )
    assert replayed[-1] == newcomer


def test_a_walk_in_joining_after_the_line_was_played_follows_the_walk_ins_in_it_not_expected_ones(clock):
    now = timezone.now()
    pace = pace_of(10.0, arrival_rate=0.1, pending_slots=(now + timedelta(minutes=5),))
    ten_minutes_on = now + timedelta(minutes=10)
    play = LinePlay(pace=pace, serving=[], now=now)
    play.wait_of(NORMAL, now)

    # The booking due before the walk-in goes first; the one walk-in expected in those ten minutes is this one. Its
    # wait counts from its arrival: the booking is called 10 minutes after the play, as it arrives, then it.
    assert play.joins_at_the_end(NORMAL, ten_minutes_on).minutes == 10
    # A booked patient due at the same time waits for the walk-ins expected to arrive before their slot.
    booked = LinePlay(pace=pace, serving=[], now=now)
    booked.wait_of(NORMAL, now)
    assert booked.wait_of(NORMAL, ten_minutes_on).minutes == 30


def test_a_walk_in_joining_a_while_after_the_play_is_shown_its_wait_from_its_registration(clock):
    now = timezone.now()
    play = LinePlay(pace=pace_of(10.0), serving=[Serving(0, now - timedelta(minutes=3))], now=now)
    play.wait_of(NORMAL, now)
    at_the_play = play.newcomer()

    joined = play.joins_at_the_end(NORMAL, now + timedelta(minutes=1))

    assert at_the_play.minutes > 10
    assert joined.minutes == at_the_play.minutes - 1
    assert (joined.low, joined.high) == (at_the_play.low - 1, at_the_play.high - 1)


def seen_earlier(department, doctor, patient, *, days_ago, at_hour, minutes, priority=NORMAL, status=Queue.Status.COMPLETED):
    """A visit of an earlier day, as the history reads it: arrived at at_hour, called then, done minutes later."""
    day = timezone.localdate() - timedelta(days=days_ago)
    arrived = timezone.make_aware(datetime.combine(day, time(at_hour)))
    called = arrived + timedelta(minutes=1)
    return Queue.objects.create(
        patient=patient,
        department=department,
        doctor=doctor,
        token_number=Queue.objects.filter(department=department, token_date=day).count() + 1,
        token_date=day,
        priority=priority,
        status=status,
        checked_in_at=arrived,
        called_at=called,
        completed_at=called + timedelta(minutes=minutes) if status == Queue.Status.COMPLETED else None,
        skipped_at=called + timedelta(minutes=2) if status == Queue.Status.SKIPPED else None,
    )


def test_before_todays_first_consultation_each_doctor_has_their_pace_of_earlier_days(
    department, make_patient, make_doctor, clock
):
    quick, slow = make_doctor(department=department), make_doctor(department=department)
    for days_ago in (1, 2, 3):
        for doctor, minutes in ((quick, 6), (slow, 16)):
            seen_earlier(department, doctor, make_patient(), days_ago=days_ago, at_hour=9, minutes=minutes)
    seen_earlier(department, slow, make_patient(), days_ago=40, at_hour=9, minutes=90)

    pace = consultation_pace(department=department)

    assert pace.minutes_for(quick.pk) == pytest.approx(6)
    assert pace.minutes_for(slow.pk) == pytest.approx(16)
    assert pace.minutes_per_consultation == pytest.approx(11)


def test_todays_consultations_take_over_from_earlier_days_as_the_day_goes_on(
    department, make_patient, make_doctor, clock
):
    doctor = make_doctor(department=department)
    for days_ago in range(1, 21):
        seen_earlier(department, doctor, make_patient(), days_ago=days_ago, at_hour=9, minutes=6)
    for _ in range(HISTORY_PACE_WEIGHT):
        consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, 16)

    assert consultation_pace(department=department).minutes_for(doctor.pk) == pytest.approx(11)


def test_consultations_vary_around_their_own_doctors_pace_not_the_departments(
    department, make_patient, make_doctor, clock
):
    quick, slow = make_doctor(department=department), make_doctor(department=department)
    for days_ago in (1, 2, 3):
        for doctor, minutes in ((quick, 6), (quick, 6), (slow, 16), (slow, 16)):
            seen_earlier(department, doctor, make_patient(), days_ago=days_ago, at_hour=9, minutes=minutes)
    seen_earlier(department, quick, make_patient(), days_ago=4, at_hour=9, minutes=9)

    # Each doctor keeps to their own pace (6 and 16 minutes, but for one 9-minute consultation): across the
    # department the lengths vary by almost half their mean (0.46), around each doctor's own pace by 0.13.
    assert consultation_pace(department=department).spread == pytest.approx(0.130, abs=1e-3)


def test_emergencies_that_took_longer_on_earlier_days_are_expected_to_take_longer(
    department, make_patient, make_doctor, clock
):
    doctor = make_doctor(department=department)
    for days_ago in range(1, 21):
        seen_earlier(department, doctor, make_patient(), days_ago=days_ago, at_hour=9, minutes=10)
        seen_earlier(department, doctor, make_patient(), days_ago=days_ago, at_hour=10, minutes=10)
        seen_earlier(department, doctor, make_patient(), days_ago=days_ago, at_hour=11, minutes=25, priority=EMERGENCY)
    now = timezone.now()

    pace = consultation_pace(department=department)
    factors = dict(pace.priority_factors)

    # The doctor's 15 minutes a patient are 10 for the normal ones and 25 for an emergency; 20 of each priority
    # count against 10 more at the doctor's pace.
    assert factors[NORMAL] == pytest.approx((40 * 10 / 15 + 10) / 50)
    assert factors[EMERGENCY] == pytest.approx((20 * 25 / 15 + 10) / 30)
    after_normal = waits(pace, 2, serving=[Serving(doctor.pk, now)], now=now)
    after_emergency = waits(pace, 2, serving=[Serving(doctor.pk, now, EMERGENCY)], now=now)
    assert after_emergency[0] > after_normal[0] + 5
    # The patient after the next waits out a normal consultation.
    assert after_emergency[1] - after_emergency[0] == pytest.approx(after_normal[1] - after_normal[0], abs=1)
    assert waits(pace, 2, priorities=[EMERGENCY, NORMAL]) == [0, round(15 * factors[EMERGENCY])]


@pytest.mark.parametrize("minutes_called, cost", [(3, 3.0), (100, 10.0)])
def test_a_no_show_costs_the_doctor_at_most_a_consultation(
    department, make_patient, make_doctor, clock, minutes_called, cost
):
    # A call left open for 100 minutes (the doctor called away) before the no-show was marked made every token
    # ahead cost 10 minutes more for the rest of the day.
    doctor = make_doctor(department=department)
    services.allocate_token(department=department, patient=make_patient())
    entry = services.call_next(doctor=doctor)
    clock.shift(timedelta(minutes=minutes_called))
    services.skip(entry=entry)

    pace = consultation_pace(department=department)

    assert pace.minutes_per_consultation == pytest.approx(10.0)
    assert pace.no_show_minutes == pytest.approx(cost)


@pytest.mark.parametrize("minutes_to_start, pace", [(2, 12.0), (100, 20.0)])
def test_a_consultation_started_long_after_its_call_counts_the_wait_for_the_patient_at_most_ten_minutes(
    department, make_patient, make_doctor, clock, minutes_to_start, pace
):
    # General Medicine's doctor called a patient, was called away, and started and completed the consultation at once
    # on coming back 102 minutes later: counted from the call, the day's pace was an hour, and a patient with one ahead
    # was texted "about 1 h 30 min".
    doctor = make_doctor(department=department)
    services.allocate_token(department=department, patient=make_patient())
    entry = services.call_next(doctor=doctor)
    clock.shift(timedelta(minutes=minutes_to_start))
    services.start_consultation(entry=entry)
    clock.shift(timedelta(minutes=10))
    services.complete_consultation(entry=entry)

    # The day's one consultation, shrunk towards the configured 10 minutes as if three more had taken them.
    assert consultation_pace(department=department).minutes_per_consultation == pytest.approx((pace + 3 * 10) / 4)


def test_the_no_show_rate_of_earlier_days_counts_until_today_has_calls_of_its_own(
    department, make_patient, make_doctor, clock
):
    doctor = make_doctor(department=department)
    for status in (Queue.Status.SKIPPED, Queue.Status.COMPLETED, Queue.Status.COMPLETED, Queue.Status.COMPLETED):
        seen_earlier(department, doctor, make_patient(), days_ago=1, at_hour=9, minutes=10, status=status)

    assert consultation_pace(department=department).no_show_rate == pytest.approx(0.25)


def test_the_history_is_read_once_a_day(department, make_doctor, django_assert_num_queries, clock):
    make_doctor(department=department)
    consultation_pace(department=department)

    with django_assert_num_queries(3):
        consultation_pace(department=department)
    clock.shift(timedelta(days=1))
    with django_assert_num_queries(4):
        consultation_pace(department=department)


def test_emergencies_are_expected_by_the_hours_they_arrived_in_on_earlier_days(clock):
    # The clock stands at noon. Earlier days: two emergencies an hour from noon to one, none after.
    history = summarize_history(
        [
            {
                "token_date": timezone.localdate() - timedelta(days=1),
                "checked_in_at": timezone.now() - timedelta(days=1, minutes=-minute),
                "priority": EMERGENCY,
                "status": Queue.Status.COMPLETED,
                "doctor_id": 0,
                "called_at": None,
                "completed_at": None,
                "consultation_ended_for_doctor": False,
                "skipped_at": None,
                "transferred_from_id": None,
            }
            for minute in (10, 40)
        ]
    )
    rush_hour = pace_of(10.0, arrivals_ahead=history.arrivals_by_hour(timezone.localdate(), 2, timezone.now()))
    an_hour_later = timezone.now() + timedelta(hours=1)

    assert waits(rush_hour, 4)[3] > 30
    assert waits(rush_hour, 4, now=an_hour_later)[3] == 30


@pytest.mark.parametrize("spent", [0.0, 3.0, 8.0, 30.0])
def test_one_consultations_mean_time_left_is_the_integral_of_its_chance_of_still_running(spent):
    consultation = _ConsultationUnderWay(mean=10.0, spread=0.5, spent=spent)
    step = 0.01
    integral = sum(1 - consultation.ended_within((index + 0.5) * step) for index in range(int(200 / step))) * step

    assert _likely_ends([consultation]) == [(consultation.median_remaining(), pytest.approx(integral, rel=1e-3))]
    assert consultation.ended_within(consultation.median_remaining()) == pytest.approx(0.5)


def test_several_consultations_ends_are_the_order_statistics_of_their_lengths_left():
    consultations = [
        _ConsultationUnderWay(mean=mean, spread=0.5, spent=spent)
        for mean, spent in ((8.0, 0.0), (10.0, 4.0), (14.0, 12.0))
    ]
    draws = random.Random(7)

    def minutes_left(consultation):
        while True:
            length = draws.lognormvariate(consultation.mu, consultation.sigma)
            if length > consultation.spent:
                return length - consultation.spent

    simulated = [sorted(minutes_left(consultation) for consultation in consultations) for _ in range(20000)]

    for count, (median, mean) in enumerate(_likely_ends(consultations)):
        ends = [ends_of_one_draw[count] for ends_of_one_draw in simulated]
        assert median == pytest.approx(statistics.median(ends), abs=0.15)
        assert mean == pytest.approx(statistics.fmean(ends), abs=0.15)


@pytest.mark.parametrize("spent", [67.67, 68.29, 200.0])
def test_a_patient_kept_far_past_a_very_regular_doctors_pace_frees_the_doctor_within_the_minute(clock, spent):
    # Consultations that all last 10 minutes, give or take a few seconds: one open for over an hour is so far
    # past them that the chance of it lasting on is too small to compute with (at 67.67-68.29 minutes every read
    # of the line failed on it).
    now = timezone.now()
    regular = pace_of(10.0, 10.0, spread=0.05)
    serving = [Serving(0, now - timedelta(minutes=1)), Serving(1, now - timedelta(minutes=spent))]

    assert waits(regular, 2, serving=serving, now=now) == [0, 9]


def test_any_line_gets_an_estimate_for_every_token_whatever_the_paces_spreads_and_times_spent(clock):
    # Seeded draws over paces of a second to five hours, spreads of 0.1% to 5x, consultations begun from now to
    # a week ago: every token gets a wait of whole minutes inside its range, and nothing raises.
    draws = random.Random(2)
    now = timezone.now()
    for _ in range(300):
        doctors = draws.randint(1, 6)
        pace = pace_of(
            *(10 ** draws.uniform(-2, 2.5) for _ in range(doctors)),
            spread=10 ** draws.uniform(-3, 0.7),
            no_show_rate=draws.random(),
            arrival_rate=draws.uniform(0, 5),
            urgent_arrivals={EMERGENCY: draws.uniform(0, 1)},
            priority_factors=((EMERGENCY, draws.uniform(0.1, 5)), (NORMAL, draws.uniform(0.1, 5))),
        )
        serving = [
            Serving(doctor_id, now - timedelta(minutes=10 ** draws.uniform(-3, 4)), draws.choice([NORMAL, EMERGENCY]))
            for doctor_id in range(doctors)
            if draws.random() < 0.8
        ]
        priorities = [draws.choice([NORMAL, EMERGENCY]) for _ in range(draws.randint(1, 30))]

        for estimate in estimate_waits(pace=pace, priorities=priorities, serving=serving, now=now):
            assert 0 <= estimate.low <= estimate.minutes <= estimate.high


def test_a_consultation_left_open_for_days_ends_first_and_the_other_doctors_keep_their_own_ends():
    # A pace of five seconds (corrections at the desk) and a token left open since last week: the chance of its
    # lasting on was a subnormal float that never fell below one half on the grid, and the estimate raised.
    left_open = _ConsultationUnderWay(mean=0.0769, spread=0.3083, spent=7885.8)
    under_way = _ConsultationUnderWay(mean=0.8272, spread=0.3083, spent=0.0164)

    first, second = _likely_ends([left_open, under_way])

    assert first == (0.0, pytest.approx(0.0, abs=0.01))
    assert second == pytest.approx((under_way.median_remaining(), under_way.mean_remaining()), abs=0.05)


def test_on_the_day_the_clocks_skip_an_hour_a_day_as_busy_as_usual_is_expected_to_go_on_as_usual(settings):
    # New York, 8 March 2026: 02:00 is 03:00. By noon eleven hours have passed, not twelve: counted as twelve, a day
    # exactly as busy as usual read as a quiet one, and the afternoon's arrivals were expected a twelfth fewer.
    settings.TIME_ZONE = "America/New_York"
    per_minute = 0.1
    history = ConsultationHistory(days=1, hourly_arrivals={hour: {"normal": per_minute} for hour in range(24)})
    day = date(2026, 3, 8)
    noon = timezone.make_aware(datetime.combine(day, time(12)))

    ahead = history.arrivals_by_hour(day, round(11 * 60 * per_minute), noon)

    assert ahead[0][2]["normal"] == pytest.approx(per_minute)
