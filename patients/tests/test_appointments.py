"""Slots, booking, check-in and the merge rule, no-shows, closed days (patients.appointments)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from adminpanel.models import AuditLog, SystemConfiguration
from doctors.models import DoctorSchedule
from doctors.services import AbsenceCancelsBookings, record_absence, replace_weekly_schedule
from notifications.models import Notification
from patients import appointments, selectors, services
from patients.models import Appointment, ClosedDay, Department, Queue
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture

pytestmark = pytest.mark.django_db


def configure(**fields):
    configuration = SystemConfiguration.load()
    for name, value in fields.items():
        setattr(configuration, name, value)
    configuration.save()


def slot_times(department, day=None):
    slots = appointments.available_slots(department=department, day=day or timezone.localdate())
    return [(f"{timezone.localtime(slot.start):%H:%M}", slot.free) for slot in slots]


def test_slots_follow_the_doctors_hours_and_keep_the_walk_in_share(clinic):
    # Four places (13:00-15:00 in 30 minutes); 30% kept for walk-ins: the fourth place.
    assert slot_times(clinic) == [("13:00", 1), ("13:30", 1), ("14:00", 1)]


def test_a_break_between_two_intervals_gives_no_slots_and_two_doctors_give_two_seats(clinic, make_doctor):
    configure(appointment_walk_in_share_percent=0)
    weekday = timezone.localdate().weekday()
    DoctorSchedule.objects.filter(doctor=clinic.doctor, weekday=weekday).delete()
    DoctorSchedule.objects.create(doctor=clinic.doctor, weekday=weekday, starts_at=time(13), ends_at=time(14))
    DoctorSchedule.objects.create(doctor=clinic.doctor, weekday=weekday, starts_at=time(15), ends_at=time(16))
    second = make_doctor(department=clinic)
    DoctorSchedule.objects.create(doctor=second, weekday=weekday, starts_at=time(13), ends_at=time(14))

    assert slot_times(clinic) == [("13:00", 2), ("13:30", 2), ("15:00", 1), ("15:30", 1)]


def test_only_slots_within_the_clinics_opening_hours_are_offered(clinic):
    configure(appointment_walk_in_share_percent=0, clinic_opens_at=time(13, 30), clinic_closes_at=time(14, 30))
    assert slot_times(clinic) == [("13:30", 1), ("14:00", 1)]


def test_slots_already_started_and_days_beyond_the_booking_horizon_are_not_offered(clinic, clock):
    clock.move_to(at(time(13, 10)))
    assert slot_times(clinic) == [("13:30", 1), ("14:00", 1)]
    configure(appointment_booking_days_ahead=1)
    assert appointments.available_slots(department=clinic, day=timezone.localdate() + timedelta(days=2)) == []


def test_a_closed_day_and_an_absent_doctor_offer_no_slots(clinic):
    ClosedDay.objects.create(day=timezone.localdate())
    assert slot_times(clinic) == []
    ClosedDay.objects.all().delete()
    record_absence(doctor=clinic.doctor, day=timezone.localdate())
    assert slot_times(clinic) == []


def test_booking_takes_the_seat_and_a_second_booking_of_the_full_slot_is_refused(clinic):
    appointment = book(clinic, at(time(13)))

    assert appointment.status == Appointment.Status.BOOKED and appointment.seat == 1
    assert slot_times(clinic)[0] == ("13:00", 0)
    with pytest.raises(appointments.SlotTaken):
        book(clinic, at(time(13)))
    with pytest.raises(appointments.SlotUnavailable):
        book(clinic, at(time(14, 30)))  # kept for walk-ins


def test_a_patient_holds_one_booking_per_department_and_day(clinic):
    book(clinic, at(time(13)), phone="+14155550101")
    with pytest.raises(appointments.AlreadyBooked):
        book(clinic, at(time(13, 30)), phone="+14155550101")


def test_a_booking_refusal_names_the_department_in_the_readers_language(clinic):
    """Reception working in Spanish read "... una cita en Clinic ..." with the Spanish name on file."""
    clinic.translations = {"es": {"name": "Consultorio"}}
    clinic.save()
    book(clinic, at(time(13)), phone="+14155550101")
    with translation.override("es"):
        with pytest.raises(appointments.AlreadyBooked) as refused:
            book(clinic, at(time(13, 30)), phone="+14155550101")
        with pytest.raises(appointments.SlotUnavailable) as not_a_slot:
            book(clinic, at(time(13, 5)))
    assert "Consultorio" in str(refused.value) and "Clinic" not in str(refused.value)
    assert "Consultorio" in str(not_a_slot.value) and "Clinic" not in str(not_a_slot.value)


def test_a_checked_in_booking_still_counts_as_the_phone_s_booking_of_the_day(clinic, clock):
    phone = "+14155550102"
    appointment = book(clinic, at(time(13)), phone=phone)
    clock.move_to(at(time(13)))
    appointments.check_in(appointment=appointment)
    with pytest.raises(appointments.AlreadyBooked):
        book(clinic, at(time(13, 30)), phone=phone)

    # Booking itself, a known phone gets the answer of any booking and nothing new is booked or sent.
    stranger = {"name": "Someone", "phone": phone, "age": 30, "gender": "male"}
    repeated = appointments.book_appointment(
        department=clinic, slot_start=at(time(13, 30)), self_service=True, **stranger
    )
    assert repeated.sent_to_phone
    assert repeated.appointment.status == Appointment.Status.CHECKED_IN
    assert Appointment.objects.count() == 1
    assert not Notification.objects.filter(idempotency_key__contains="booking_repeated").exists()


def test_a_patient_holding_a_token_in_the_department_is_checked_in_on_it_and_never_marked_a_no_show(
    clinic, clock
):
    phone = "+14155550103"
    appointment = book(clinic, at(time(13)), phone=phone)
    walk_in = services.register_visit(department=clinic, name="Booked Patient", phone=phone, age=50, gender="female")
    clock.move_to(at(time(13)))

    entry = appointments.check_in(appointment=appointment)
    clock.move_to(at(time(13, 30)))
    appointments.mark_no_shows()

    assert entry.pk == walk_in.entry.pk
    checked_in = Appointment.objects.get(pk=appointment.pk)
    assert (checked_in.status, checked_in.queue_entry_id) == (Appointment.Status.CHECKED_IN, walk_in.entry.pk)
    assert list(Queue.objects.filter(department=clinic).values_list("pk", flat=True)) == [walk_in.entry.pk]


def test_a_booked_patient_the_desk_put_in_line_is_not_marked_missed(clinic, clock):
    phone = "+14155550104"
    appointment = book(clinic, at(time(13)), phone=phone)
    walk_in = services.register_visit(department=clinic, name="Booked Patient", phone=phone, age=50, gender="female")

    clock.move_to(at(time(13, 30)))
    appointments.mark_no_shows()

    in_line = Appointment.objects.get(pk=appointment.pk)
    assert (in_line.status, in_line.queue_entry_id) == (Appointment.Status.CHECKED_IN, walk_in.entry.pk)
    assert not Notification.objects.filter(appointment=appointment, event="booking_no_show").exists()


def test_a_booked_patient_the_desk_put_in_line_hours_before_the_slot_is_recorded_as_early_not_late(clinic, clock):
    # Registered as a walk-in at noon (check-in had not opened) for a 14:00 booking, the patient was checked in by the
    # sweep at 14:11 as arriving then: the doctor's list showed "14:00 · Late" and the reports counted them late.
    phone = "+14155550107"
    appointment = book(clinic, at(time(14)), phone=phone)
    walk_in = services.register_visit(department=clinic, name="Booked Patient", phone=phone, age=50, gender="female")

    clock.move_to(at(time(14, 11)))
    appointments.mark_no_shows()

    swept = Appointment.objects.get(pk=appointment.pk)
    assert (swept.status, swept.arrival) == (Appointment.Status.CHECKED_IN, Appointment.Arrival.EARLY)
    assert swept.checked_in_at == walk_in.entry.checked_in_at == at(time(12))


def test_a_booked_patient_the_desk_put_in_line_and_the_doctor_saw_before_the_slot_is_not_marked_missed(
    clinic, clock
):
    # Came at noon for the 14:00 booking: check-in had not opened, so the desk registered them as a walk-in, and the
    # doctor saw them at once. The sweep had told them "we missed you ... check in and you join the line".
    phone = "+14155550106"
    appointment = book(clinic, at(time(14)), phone=phone)
    walk_in = services.register_visit(department=clinic, name="Booked Patient", phone=phone, age=50, gender="female")
    services.call_patient(entry=walk_in.entry, doctor=clinic.doctor)
    services.start_consultation(entry=walk_in.entry)
    services.complete_consultation(entry=walk_in.entry)

    clock.move_to(at(time(14, 30)))
    assert appointments.mark_no_shows() == 0

    seen = Appointment.objects.get(pk=appointment.pk)
    assert (seen.status, seen.queue_entry_id, seen.token_held_before) == (
        Appointment.Status.CHECKED_IN, walk_in.entry.pk, True
    )
    assert seen.arrival == Appointment.Arrival.EARLY and seen.checked_in_at == walk_in.entry.checked_in_at
    assert not Notification.objects.filter(appointment=appointment, event="booking_no_show").exists()
    assert Queue.objects.filter(department=clinic).count() == 1


def test_a_second_booking_checked_in_on_a_token_that_serves_a_first_is_checked_in_beside_it(clinic, clock):
    phone = "+14155550105"
    first = book(clinic, at(time(13)), phone=phone)
    clock.move_to(at(time(12, 55)))
    entry = appointments.check_in(appointment=first)
    second = Appointment.objects.create(
        patient=first.patient, department=clinic, slot_start=at(time(14)), seat=1, status=Appointment.Status.NO_SHOW
    )
    clock.move_to(at(time(13, 40)))

    assert appointments.check_in(appointment=second).pk == entry.pk
    assert Appointment.objects.get(pk=second.pk).status == Appointment.Status.CHECKED_IN
    assert Appointment.objects.get(pk=first.pk).queue_entry_id == entry.pk


def test_cancel_and_reschedule_free_the_old_seat(clinic):
    appointment = book(clinic, at(time(13)))
    appointments.reschedule_appointment(appointment=appointment, slot_start=at(time(13, 30)))
    assert slot_times(clinic)[:2] == [("13:00", 1), ("13:30", 0)]
    appointments.cancel_appointment(appointment=appointment)
    assert slot_times(clinic)[:2] == [("13:00", 1), ("13:30", 1)]
    with pytest.raises(appointments.BookingError, match="cancelled"):
        appointments.reschedule_appointment(appointment=appointment, slot_start=at(time(14)))


# The merge rule: one line ordered by priority, then by when each token is due.


def waiting_tokens(department):
    return [entry.token for entry in Queue.objects.waiting().filter(department=department).in_service_order()]


def test_on_time_appointment_is_served_at_its_slot_ahead_of_walk_ins_who_came_after_it(clinic, clock, make_token):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 50)))
    early_walk_in = make_token(clinic)
    clock.move_to(at(time(13, 2)))
    booked = appointments.check_in(appointment=appointment)
    later_walk_in = make_token(clinic)

    assert booked.due_at == appointment.slot_start
    assert Appointment.objects.get(pk=appointment.pk).arrival == Appointment.Arrival.ON_TIME
    assert waiting_tokens(clinic) == [early_walk_in.token, booked.token, later_walk_in.token]


def test_early_arrival_waits_for_its_slot(clinic, clock, make_token):
    appointment = book(clinic, at(time(13, 30)))
    clock.move_to(at(time(13, 5)))
    booked = appointments.check_in(appointment=appointment)
    clock.move_to(at(time(13, 10)))
    walk_in_before_the_slot = make_token(clinic)
    clock.move_to(at(time(13, 31)))
    walk_in_after_the_slot = make_token(clinic)

    assert Appointment.objects.get(pk=appointment.pk).arrival == Appointment.Arrival.EARLY
    assert waiting_tokens(clinic) == [walk_in_before_the_slot.token, booked.token, walk_in_after_the_slot.token]


def test_the_status_of_a_booked_patient_who_came_early_names_the_slot_their_place_is_kept_for(
    clinic, clock, make_token, client
):
    # Checked in at 13:05 for 13:30, the patient saw "2 ahead" become 4 as walk-ins arriving before the slot went
    # first, and nothing on the page said why.
    appointment = book(clinic, at(time(13, 30)))
    clock.move_to(at(time(13, 5)))
    booked = appointments.check_in(appointment=appointment)
    walk_in = make_token(clinic)

    status = selectors.visit_status(entry=booked)
    assert datetime.fromisoformat(status["appointment_time"]) == appointment.slot_start
    assert selectors.visit_status(entry=walk_in)["appointment_time"] is None
    page = client.get(booked.get_absolute_url()).content.decode()
    assert 'data-show="appointment_time"' in page and 'data-field="appointment_time"' in page

    # Moved back at the patient's request, or raised to an urgent priority, the slot no longer places them.
    clock.move_to(at(time(13, 31)))
    make_token(clinic)
    moved_back = services.postpone_visit(entry=booked, places=1)
    assert selectors.visit_status(entry=moved_back)["appointment_time"] is None
    raised_booking = book(clinic, at(time(14)))
    early_for_two = appointments.check_in(appointment=raised_booking)
    assert datetime.fromisoformat(selectors.visit_status(entry=early_for_two)["appointment_time"]) == at(time(14))
    raised = services.change_priority(entry=early_for_two, priority=Queue.Priority.HIGH)
    assert selectors.visit_status(entry=raised)["appointment_time"] is None


def test_a_booked_patient_checked_in_late_or_called_is_not_told_of_a_kept_slot(clinic, clock):
    early_booking, late_booking = book(clinic, at(time(13))), book(clinic, at(time(13, 30)))
    clock.move_to(at(time(12, 50)))
    early = appointments.check_in(appointment=early_booking)
    clock.move_to(at(time(13, 41)))
    late = appointments.check_in(appointment=late_booking)
    assert selectors.visit_status(entry=late)["appointment_time"] is None

    called = services.call_next(doctor=clinic.doctor)
    assert called.token == early.token
    assert selectors.visit_status(entry=called)["appointment_time"] is None


def test_check_in_before_the_early_window_is_refused(clinic, clock):
    appointment = book(clinic, at(time(14)))
    clock.move_to(at(time(13, 29)))  # the window opens 30 minutes before
    with pytest.raises(appointments.CheckInRefused, match="opens at 1:30 p.m."):
        appointments.check_in(appointment=appointment)


def test_the_wait_a_booked_patient_is_shown_on_checking_in_is_kept_for_the_accuracy_report(
    clinic, clock, make_token, django_capture_on_commit_callbacks
):
    # Kept for walk-ins' registrations only: the reports' estimate accuracy never measured a booked patient's wait.
    early_booking, late_booking = book(clinic, at(time(13))), book(clinic, at(time(13, 30)))
    clock.move_to(at(time(12, 40)))
    make_token(clinic)
    with django_capture_on_commit_callbacks(execute=True):
        early = appointments.check_in(appointment=early_booking)
    shown_early = selectors.current_visit_status(entry=early)["estimated_wait_minutes"]
    clock.move_to(at(time(13, 41)))
    with django_capture_on_commit_callbacks(execute=True):
        late = appointments.check_in(appointment=late_booking)
    shown_late = selectors.current_visit_status(entry=late)["estimated_wait_minutes"]

    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.estimated_wait_at_registration, late.estimated_wait_at_registration) == (shown_early, shown_late)
    assert shown_early is not None and shown_late is not None


def test_the_estimates_wait_for_no_booking_whose_patient_the_desk_already_put_in_line_or_the_doctor_saw(
    clinic, clock
):
    # Such a booking stays booked until its check-in (or the sweep): the estimates counted it as a patient still to
    # come at the slot, on top of their own token, and every walk-in arriving after the slot waited behind it.
    in_line, seen = book(clinic, at(time(13))), book(clinic, at(time(13, 30)))
    clock.move_to(at(time(11)))
    for booking in (seen, in_line):
        services.allocate_token(department=clinic, patient=booking.patient)
    called = services.call_next(doctor=clinic.doctor)
    services.complete_consultation(entry=services.start_consultation(entry=called))
    assert called.patient_id == seen.patient_id
    clock.move_to(at(time(13, 1)))

    assert selectors.consultation_paces(departments=[clinic])[clinic.pk].pending_slots == ()


def test_late_arrival_beyond_the_grace_window_joins_as_a_walk_in(clinic, clock, make_token):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(13, 5)))
    walk_in = make_token(clinic)
    clock.move_to(at(time(13, 11)))  # grace is 10 minutes
    late = appointments.check_in(appointment=appointment)

    assert late.due_at is None
    assert Appointment.objects.get(pk=appointment.pk).arrival == Appointment.Arrival.LATE
    assert waiting_tokens(clinic) == [walk_in.token, late.token]


def test_a_booked_patient_is_checked_in_when_walk_ins_have_taken_the_daily_capacity(clinic, clock, make_token):
    clinic.daily_capacity = 2
    clinic.save()
    appointment = book(clinic, at(time(13)))
    for _walk_in in range(2):
        make_token(clinic)
    clock.move_to(at(time(12, 55)))

    booked = appointments.check_in_by_code(code_or_link=appointment.booking_code, department=clinic).entry
    clock.move_to(at(time(13, 30)))
    appointments.mark_no_shows()

    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CHECKED_IN
    assert booked in Queue.objects.waiting().filter(department=clinic)
    with pytest.raises(services.DepartmentUnavailable, match="all 2 tokens"):
        make_token(clinic)


def test_an_emergency_goes_before_an_on_time_appointment(clinic, clock, make_token):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(13)))
    booked = appointments.check_in(appointment=appointment)
    clock.move_to(at(time(13, 4)))
    emergency = make_token(clinic, priority=Queue.Priority.EMERGENCY)
    walk_in = make_token(clinic)

    assert waiting_tokens(clinic) == [emergency.token, booked.token, walk_in.token]
    called = services.call_next(doctor=clinic.doctor)
    assert called.token == emergency.token


@pytest.mark.parametrize("raised_to", [Queue.Priority.EMERGENCY, Queue.Priority.HIGH])
def test_an_early_booked_patient_raised_to_an_urgent_priority_is_seen_by_arrival_not_held_to_the_slot(
    clinic, clock, make_token, raised_to
):
    from patients.selectors import department_line, visit_status

    appointment = book(clinic, at(time(13, 30)))
    clock.move_to(at(time(13, 5)))
    booked = appointments.check_in(appointment=appointment)
    clock.move_to(at(time(13, 12)))
    urgent_walk_in = make_token(clinic, priority=raised_to)
    booked = services.change_priority(entry=booked, priority=raised_to)

    assert waiting_tokens(clinic) == [booked.token, urgent_walk_in.token]
    line = department_line(department=clinic)
    assert (line.place_of(booked.pk).position, line.place_of(urgent_walk_in.pk).position) == (1, 2)
    assert (booked.get_position_in_queue(), urgent_walk_in.get_position_in_queue()) == (1, 2)
    assert visit_status(entry=booked)["estimated_wait_minutes"] < visit_status(entry=urgent_walk_in)[
        "estimated_wait_minutes"
    ]
    assert services.call_next(doctor=clinic.doctor).token == booked.token


def test_positions_count_the_appointments_due_ahead(clinic, clock, make_token):
    from patients.selectors import department_line

    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 45)))
    booked = appointments.check_in(appointment=appointment)
    clock.move_to(at(time(13, 1)))
    walk_in = make_token(clinic)

    line = department_line(department=clinic)
    assert line.place_of(booked.pk).position == 1 and line.place_of(walk_in.pk).position == 2
    assert walk_in.get_position_in_queue() == 2


# No-shows, closed days, absences.


def test_a_booking_not_checked_in_by_the_end_of_its_grace_window_is_a_no_show_and_frees_its_seat(clinic, clock):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(13, 10)))
    assert appointments.mark_no_shows() == 0
    clock.move_to(at(time(13, 11)))
    assert appointments.mark_no_shows() == 1
    assert appointments.mark_no_shows() == 0

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW and appointment.no_show_at is not None
    assert not Appointment.objects.filter(status__in=Appointment.HOLDING_STATUSES).exists()
    # Said in a sentence of its own, not the status label lowered into one ("This appointment is no-show").
    with pytest.raises(appointments.BookingError) as refused:
        appointments.cancel_appointment(appointment=appointment)
    assert str(refused.value) == "This appointment was missed and can no longer change."


def test_a_no_show_who_turns_up_later_gets_a_walk_in_token(clinic, clock):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(13, 30)))
    appointments.mark_no_shows()
    entry = appointments.check_in(appointment=appointment)
    assert entry.due_at is None and entry.status == Queue.Status.WAITING


def test_closing_a_day_cancels_its_bookings(clinic):
    appointment = book(clinic, at(time(13)))
    appointments.close_day(day=timezone.localdate(), reason="Public holiday")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert slot_times(clinic) == []


def test_a_day_already_closed_is_not_closed_again(clinic):
    today = timezone.localdate()
    appointments.close_day(day=today, reason="Public holiday")

    for department in (None, clinic):
        with pytest.raises(appointments.DayAlreadyClosed, match="is already closed for bookings"):
            appointments.close_day(day=today, department=department, reason="Again")

    assert list(ClosedDay.objects.values_list("department", "reason")) == [(None, "Public holiday")]
    assert AuditLog.objects.filter(action="appointments.day_closed").count() == 1


def test_a_day_already_over_is_neither_closed_nor_taken_as_an_absence(clinic):
    # The rule is the services' own, whoever calls them (the panel's form says it beside the field).
    yesterday = timezone.localdate() - timedelta(days=1)

    with pytest.raises(appointments.DayAlreadyOver, match="Choose today or a later day."):
        appointments.close_day(day=yesterday, department=clinic)
    with pytest.raises(appointments.DayAlreadyOver, match="Choose today or a later day."):
        record_absence(doctor=clinic.doctor, day=yesterday)

    assert not ClosedDay.objects.exists() and not clinic.doctor.absences.exists()
    assert not AuditLog.objects.filter(action__in=["appointments.day_closed", "doctor.absence_recorded"]).exists()


def test_a_doctors_absence_cancels_only_the_bookings_left_without_a_doctor(clinic, make_doctor):
    configure(appointment_walk_in_share_percent=0)
    second = make_doctor(department=clinic)
    DoctorSchedule.objects.create(
        doctor=second, weekday=timezone.localdate().weekday(), starts_at=time(13), ends_at=time(14)
    )
    first_booked = book(clinic, at(time(13)))
    second_booked = book(clinic, at(time(13)))
    later = book(clinic, at(time(14)))

    cancelled = record_absence(doctor=second, day=timezone.localdate())

    assert [appointment.pk for appointment in cancelled] == [second_booked.pk]
    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses == {first_booked.pk: "booked", second_booked.pk: "cancelled", later.pk: "booked"}


def test_an_absence_does_not_cancel_the_booking_of_a_patient_the_desk_already_put_in_line(clinic, clock, make_doctor):
    # Come at noon for a 14:00 booking and registered as a walk-in (check-in had not opened), the patient was texted
    # "your appointment is cancelled" in the waiting room when a second doctor was recorded absent, and left.
    configure(appointment_walk_in_share_percent=0)
    second = make_doctor(department=clinic)
    DoctorSchedule.objects.create(
        doctor=second, weekday=timezone.localdate().weekday(), starts_at=time(13), ends_at=time(15)
    )
    expected = book(clinic, at(time(14)))
    in_line = book(clinic, at(time(14)), phone="+14155550161")
    services.register_visit(department=clinic, name="Booked Patient", phone="+14155550161", age=50, gender="female")

    assert appointments.bookings_left_without_a_doctor(
        department=clinic, day=timezone.localdate(), working_hours=[(time(13), time(15))]
    ) == []
    assert record_absence(doctor=second, day=timezone.localdate()) == []

    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses == {expected.pk: "booked", in_line.pk: "booked"}
    clock.move_to(at(time(14, 11)))
    appointments.mark_no_shows()
    assert Appointment.objects.get(pk=in_line.pk).status == Appointment.Status.CHECKED_IN


def test_a_doctor_leaving_mid_morning_cancels_no_booking_whose_slot_has_begun(clinic, clock, make_doctor):
    configure(appointment_walk_in_share_percent=0)
    second = make_doctor(department=clinic)
    DoctorSchedule.objects.create(
        doctor=second, weekday=timezone.localdate().weekday(), starts_at=time(13), ends_at=time(15)
    )
    here = book(clinic, at(time(13)))
    on_the_way = book(clinic, at(time(13)))
    later = book(clinic, at(time(14)))
    also_later = book(clinic, at(time(14)))
    clock.move_to(at(time(13, 5)))
    appointments.check_in(appointment=here)

    cancelled = record_absence(doctor=second, day=timezone.localdate())

    # The 13:00 patient still within their grace window keeps their slot (the doctor on duty sees them); the
    # 14:00 slot, with one doctor left, keeps one booking.
    assert [appointment.pk for appointment in cancelled] == [also_later.pk]
    on_time = appointments.check_in(appointment=on_the_way)
    assert on_time.due_at == at(time(13))
    assert Appointment.objects.get(pk=later.pk).status == Appointment.Status.BOOKED


def test_a_booking_left_off_the_slot_grid_by_a_new_consultation_length_stays_while_its_doctor_works(clinic):
    configure(appointment_walk_in_share_percent=0)
    clinic.average_consultation_minutes = 10
    clinic.save()
    tomorrow = timezone.localdate() + timedelta(days=1)
    booked = book(clinic, at(time(13, 20), tomorrow))
    clinic.average_consultation_minutes = 15  # the grid is now 13:00, 13:15, 13:30...
    clinic.save()
    other_day = (tomorrow.weekday() + 1) % 7
    week = [(weekday, time(13), time(15)) for weekday in DoctorSchedule.Weekday.values if weekday != other_day]

    replace_weekly_schedule(doctor=clinic.doctor, intervals=[*week, (other_day, time(9), time(11))], actor=None)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED
    record_absence(doctor=clinic.doctor, day=tomorrow)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED


def test_a_longer_consultation_length_offers_no_slot_a_booking_on_the_old_grid_still_takes(clinic):
    configure(appointment_walk_in_share_percent=0)
    clinic.average_consultation_minutes = 10
    clinic.save()
    tomorrow = timezone.localdate() + timedelta(days=1)
    book(clinic, at(time(13, 10), tomorrow))
    book(clinic, at(time(13, 20), tomorrow))
    clinic.average_consultation_minutes = 30  # the one doctor is now booked 13:10-13:50
    clinic.save()

    assert slot_times(clinic, tomorrow) == [("13:00", 0), ("13:30", 0), ("14:00", 1), ("14:30", 1)]
    with pytest.raises(appointments.SlotTaken):
        book(clinic, at(time(13), tomorrow))


def test_bookings_on_the_old_grid_count_against_every_doctor_of_a_slot_they_overlap(clinic, make_doctor):
    configure(appointment_walk_in_share_percent=0)
    second = make_doctor(department=clinic)
    for weekday in DoctorSchedule.Weekday.values:
        DoctorSchedule.objects.create(doctor=second, weekday=weekday, starts_at=time(13), ends_at=time(15))
    clinic.average_consultation_minutes = 10
    clinic.save()
    tomorrow = timezone.localdate() + timedelta(days=1)
    for minute in (0, 10, 20):  # each on the first seat of its 10-minute slot
        book(clinic, at(time(13, minute), tomorrow))
    clinic.average_consultation_minutes = 30  # three half-hour patients for two doctors from 13:00
    clinic.save()

    assert slot_times(clinic, tomorrow)[:2] == [("13:00", 0), ("13:30", 0)]


def test_a_booking_on_the_old_grid_moves_to_a_slot_only_its_own_time_overlaps(clinic):
    configure(appointment_walk_in_share_percent=0)
    clinic.average_consultation_minutes = 10
    clinic.save()
    tomorrow = timezone.localdate() + timedelta(days=1)
    booked = book(clinic, at(time(13, 20), tomorrow))
    clinic.average_consultation_minutes = 30
    clinic.save()

    moved = appointments.reschedule_appointment(appointment=booked, slot_start=at(time(13, 30), tomorrow))

    assert moved.slot_start == at(time(13, 30), tomorrow)
    assert slot_times(clinic, tomorrow) == [("13:00", 1), ("13:30", 0), ("14:00", 1), ("14:30", 1)]


def test_a_booked_patient_not_here_yet_lengthens_the_wait_of_walk_ins_who_came_after_the_slot(
    clinic, clock, make_token
):
    from patients.selectors import visit_status

    book(clinic, at(time(13)))
    book(clinic, at(time(14)))
    clock.move_to(at(time(12, 50)))
    before_the_slot = make_token(clinic)
    clock.move_to(at(time(13, 5)))
    after_the_slot = make_token(clinic)

    def waits():
        return [visit_status(entry=entry)["estimated_wait_minutes"] for entry in (before_the_slot, after_the_slot)]

    # Within its grace window the 13:00 patient may still come and go ahead; the 14:00 one is due after both.
    assert waits() == [0, 60]
    clock.move_to(at(time(13, 11)))
    assert waits() == [0, 30]


def test_the_wait_promised_to_a_newcomer_counts_no_booked_patient_who_came_early_for_a_later_slot(
    clinic, clock, make_token, api_client
):
    from patients.selectors import visit_status

    for slot in (time(13, 30), time(14)):
        appointment = book(clinic, at(slot))
        clock.move_to(at(slot) - timedelta(minutes=25))
        appointments.check_in(appointment=appointment)
    clock.move_to(at(time(13, 40)))
    promised = api_client.get(f"/patients/api/queue/{clinic.pk}/").json()["estimated_wait_minutes"]
    [listed] = [row for row in api_client.get("/patients/api/departments/").json() if row["id"] == clinic.pk]

    walk_in = make_token(clinic)

    # The walk-in goes before the 14:00 patient, behind the 13:30 one: one consultation away, not two.
    assert waiting_tokens(clinic)[1] == walk_in.token
    assert promised == listed["estimated_wait_minutes"] == visit_status(entry=walk_in)["estimated_wait_minutes"] == 30


def test_a_booking_its_doctor_still_works_at_stays_whatever_the_walk_in_share_and_opening_hours_become(clinic):
    configure(appointment_walk_in_share_percent=50)
    appointment = book(clinic, at(time(14)))
    # The opening hours move: the running walk-in share now falls on 14:00 for new bookings.
    configure(clinic_opens_at=time(13, 30))
    assert ("14:00", 0) not in slot_times(clinic) and ("14:00", 1) not in slot_times(clinic)

    same_hours = [(weekday, time(13), time(15)) for weekday in DoctorSchedule.Weekday.values]
    replace_weekly_schedule(doctor=clinic.doctor, intervals=same_hours, actor=None)

    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED


@pytest.mark.parametrize(
    "eve, change_day, times",
    [
        # Clocks go from 02:00 to 03:00: four hours of work, no slot at a time that does not exist.
        ("2026-03-07", "2026-03-08", ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]),
        # Clocks go back from 02:00 to 01:00: six hours of work, the repeated hour's slots offered twice.
        (
            "2026-10-31",
            "2026-11-01",
            ["00:00", "00:30", "01:00", "01:30", "01:00", "01:30"]
            + ["02:00", "02:30", "03:00", "03:30", "04:00", "04:30"],
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_night_shift_on_the_day_clocks_change_offers_each_real_moment_once(
    settings, make_department, make_doctor, eve, change_day, times
):
    settings.TIME_ZONE = "America/Los_Angeles"
    configure(appointment_walk_in_share_percent=0, clinic_opens_at=time(0, 0), clinic_closes_at=time(23, 59))
    department = make_department(name="Night clinic", code="NGT", average_consultation_minutes=30)
    doctor = make_doctor(department=department)
    for weekday in DoctorSchedule.Weekday.values:
        DoctorSchedule.objects.create(doctor=doctor, weekday=weekday, starts_at=time(0, 0), ends_at=time(5, 0))
    day = date.fromisoformat(change_day)

    with time_machine.travel(datetime.fromisoformat(f"{eve}T12:00-08:00"), tick=False):
        slots = appointments.available_slots(department=department, day=day)
        assert [f"{timezone.localtime(slot.start):%H:%M}" for slot in slots] == times
        assert len({slot.start.astimezone(UTC) for slot in slots}) == len(times)
        if len(times) == 12:
            # The second 01:00 (Pacific Standard Time) is its own slot, bookable by the time it is offered as.
            booked = book(department, datetime.fromisoformat(f"{change_day}T01:00-08:00"))
            assert booked.slot_start == datetime.fromisoformat(f"{change_day}T09:00+00:00")
            free = [slot.free for slot in appointments.available_slots(department=department, day=day)]
            assert free == [1, 1, 1, 1, 0] + [1] * 7


# Registering a booked patient (appointments.register_or_check_in) is their check-in, by record_check_in's rules.


def register_booked(department, phone, **fields):
    return appointments.register_or_check_in(
        department=department, name="Booked Patient", phone=phone, age=50, gender="female", **fields
    )


def test_registering_a_booked_patient_before_check_in_opens_puts_them_in_line_as_a_walk_in(clinic, clock):
    appointment = book(clinic, at(time(14)), phone="+14155550106")
    clock.move_to(at(time(13)))  # check-in opens at 13:30

    registration = register_booked(clinic, "+14155550106")

    assert registration.appointment is None and registration.entry.due_at is None
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED


def test_the_desk_raising_a_booked_patient_s_priority_as_it_registers_them_puts_them_in_line_by_arrival(
    clinic, clock, make_token
):
    appointment = book(clinic, at(time(13, 30)), phone="+14155550107")
    clock.move_to(at(time(13, 5)))
    walk_in = make_token(clinic)
    clock.move_to(at(time(13, 10)))

    registration = register_booked(clinic, "+14155550107", priority=Queue.Priority.EMERGENCY, notes="Fainted")

    entry = Queue.objects.get(pk=registration.entry.pk)
    assert Appointment.objects.get(pk=appointment.pk).queue_entry_id == entry.pk
    assert (entry.priority, entry.notes) == (Queue.Priority.EMERGENCY, "Fainted")
    assert waiting_tokens(clinic) == [entry.token, walk_in.token]


def test_a_booked_patient_the_desk_registers_again_keeps_their_one_token(clinic, clock):
    book(clinic, at(time(13)), phone="+14155550108")
    clock.move_to(at(time(12, 45)))
    first = register_booked(clinic, "+14155550108")

    again = register_booked(clinic, "+14155550108")

    assert (first.token_created, first.entry.due_at) == (True, at(time(13)))
    assert (again.appointment, again.token_created, again.entry.pk) == (None, False, first.entry.pk)


def test_the_desk_is_told_a_booked_patient_it_put_in_line_before_check_in_opened_keeps_that_token_s_place(
    clinic, clock
):
    book(clinic, at(time(13)), phone="+14155550109")
    walk_in = register_booked(clinic, "+14155550109")  # noon: check-in opens at 12:30
    clock.move_to(at(time(12, 45)))

    checked_in = register_booked(clinic, "+14155550109")

    assert (checked_in.entry.pk, checked_in.token_created, checked_in.entry.due_at) == (walk_in.entry.pk, False, None)
    assert appointments.checked_in_in_words(checked_in.appointment) == (
        "Checked in for the 1 p.m. booking on the token the patient already held, which keeps its place in line."
    )


def test_a_late_evening_booking_whose_patient_was_seen_before_midnight_is_no_no_show_after_it(clinic, clock):
    """The sweep after midnight looked for the visit in the new day's line: a patient seen at 23:55 for a 23:50 booking
    was marked missed at 00:10 and texted "we missed you" in the night."""
    clock.move_to(at(time(23, 30)))
    visit = services.register_visit(department=clinic, name="Late Booking", phone="+14155550199", age=40, gender="male")
    booked = Appointment.objects.create(
        patient=visit.entry.patient, department=clinic, slot_start=at(time(23, 50)), seat=1
    )
    services.call_patient(entry=visit.entry, doctor=clinic.doctor)
    services.start_consultation(entry=visit.entry)
    clock.move_to(at(time(23, 58)))
    services.complete_consultation(entry=visit.entry)

    clock.move_to(at(time(0, 10), timezone.localdate() + timedelta(days=1)))
    appointments.mark_no_shows()

    booked.refresh_from_db()
    assert (booked.status, booked.queue_entry_id) == (Appointment.Status.CHECKED_IN, visit.entry.pk)


def test_a_booking_checked_in_while_the_admin_closes_today_does_not_undo_the_closing(clinic, clock, monkeypatch):
    # The closing reads the day's bookings, then cancels each under its lock: one the kiosk checked in between the two
    # was refused as "already checked in and can no longer change", which undid the whole closing.
    arriving, other = book(clinic, at(time(13))), book(clinic, at(time(14)))
    clock.move_to(at(time(12, 45)))
    list_bookings = appointments.bookings_a_closing_cancels
    listings = []

    def list_as_the_patient_checks_in(**filters):
        bookings = list_bookings(**filters)
        listings.append(filters)
        if len(listings) == 1:
            return bookings  # counted, for the question
        read = list(bookings)
        # At the desk (at a kiosk, in a transaction of its own, the closing is not seen until it commits).
        appointments.check_in(appointment=arriving)
        return read

    monkeypatch.setattr(appointments, "bookings_a_closing_cancels", list_as_the_patient_checks_in)
    appointments.close_day(day=timezone.localdate(), department=clinic, reason="Doctor ill")

    assert ClosedDay.objects.filter(department=clinic, day=timezone.localdate()).exists()
    assert Appointment.objects.get(pk=arriving.pk).status == Appointment.Status.CHECKED_IN
    assert Appointment.objects.get(pk=other.pk).status == Appointment.Status.CANCELLED


def test_a_booked_patient_the_desk_put_in_line_still_waiting_at_midnight_is_not_marked_missed(clinic, clock):
    # A 23:50 booking is swept after midnight (its grace ends at 00:05): its patient, put in line by the desk at 23:30
    # and still waiting when the line closed, was marked a no-show and texted "we missed you".
    phone = "+14155550108"
    clock.move_to(at(time(23, 30)))
    walk_in = services.register_visit(department=clinic, name="Booked Patient", phone=phone, age=50, gender="female")
    appointment = Appointment.objects.create(
        patient=walk_in.entry.patient, department=clinic, slot_start=at(time(23, 50)), seat=1
    )

    clock.move_to(at(time(0, 10), day=timezone.localdate() + timedelta(days=1)))
    assert appointments.mark_no_shows() == 0

    came = Appointment.objects.get(pk=appointment.pk)
    assert (came.status, came.queue_entry_id) == (Appointment.Status.CHECKED_IN, walk_in.entry.pk)
    assert not Notification.objects.filter(appointment=appointment, event="booking_no_show").exists()


def test_a_booking_of_a_department_deactivated_since_it_was_read_is_refused_naming_the_department(clinic):
    # The booking page read the department while it was active; the admin's deactivation committed before the booking.
    read_before = Department.objects.get(pk=clinic.pk)
    Department.objects.filter(pk=clinic.pk).update(is_active=False)

    with pytest.raises(services.QueueError) as refusal:
        book(read_before, at(time(13, 0)))

    assert refusal.value.field == "department"
    assert not Appointment.objects.exists()


def test_an_evening_and_night_clinic_offers_its_slots_on_both_sides_of_midnight(clinic):
    # Open 18:00 to 02:00, the doctor's night shift 20:00 to 02:00: slots until midnight tonight, then tomorrow's
    # from 00:00 to 02:00, each in its own day's line.
    SystemConfiguration.objects.create(
        clinic_opens_at=time(18), clinic_closes_at=time(2), appointment_walk_in_share_percent=0
    )
    today, tomorrow = timezone.localdate(), timezone.localdate() + timedelta(days=1)
    DoctorSchedule.objects.filter(doctor=clinic.doctor).delete()
    DoctorSchedule.objects.create(doctor=clinic.doctor, weekday=today.weekday(), starts_at=time(20), ends_at=time(2))

    def starts(day):
        return [f"{slot.start:%H:%M}" for slot in appointments.available_slots(department=clinic, day=day)]

    assert starts(today) == ["20:00", "20:30", "21:00", "21:30", "22:00", "22:30", "23:00", "23:30"]
    assert starts(tomorrow) == ["00:00", "00:30", "01:00", "01:30"]


def test_a_doctors_absence_on_the_evening_of_a_night_shift_asks_for_and_cancels_the_bookings_after_midnight(clinic):
    # Their shift runs 20:00-02:00 from today: recorded absent today, they are not in at 01:00 tomorrow either, and
    # the admin is asked about that booking too.
    SystemConfiguration.objects.create(
        clinic_opens_at=time(18), clinic_closes_at=time(2), appointment_walk_in_share_percent=0
    )
    today, tomorrow = timezone.localdate(), timezone.localdate() + timedelta(days=1)
    DoctorSchedule.objects.filter(doctor=clinic.doctor).delete()
    DoctorSchedule.objects.create(doctor=clinic.doctor, weekday=today.weekday(), starts_at=time(20), ends_at=time(2))
    evening, after_midnight = book(clinic, at(time(21))), book(clinic, at(time(1), tomorrow))

    with pytest.raises(AbsenceCancelsBookings) as question:
        record_absence(doctor=clinic.doctor, day=today, agreed_cancellations=1)
    cancelled = record_absence(doctor=clinic.doctor, day=today, agreed_cancellations=question.value.cancels)

    assert question.value.cancels == 2
    assert {appointment.pk for appointment in cancelled} == {evening.pk, after_midnight.pk}
    assert appointments.available_slots(department=clinic, day=tomorrow) == []
