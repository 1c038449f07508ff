"""Booking messages: confirmation with the manage link, reminders (each sent once), cancellation, no-show."""

from datetime import time, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from adminpanel.models import SystemConfiguration
from doctors.models import Doctor
from doctors.services import replace_weekly_schedule, set_availability
from notifications.defaults import install_default_templates
from notifications.models import Notification, NotificationTemplate
from notifications.services import queue_due_reminders
from patients import appointments, services
from patients.models import Appointment, Patient
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture

TemplateType = NotificationTemplate.TemplateType
pytestmark = pytest.mark.django_db(transaction=True)


def messages(event=None):
    rows = Notification.objects.order_by("pk")
    if event:
        rows = rows.filter(event=event)
    return list(rows.values_list("event", "status", "body"))


def test_booking_sends_a_confirmation_with_the_code_and_manage_link(clinic):
    appointment = book(clinic, at(time(13)), name="Ravi Kumar")

    [(event, status, body)] = messages()
    assert (event, status) == (TemplateType.BOOKING_CONFIRMED, Notification.Status.SENT)
    assert "Ravi Kumar" in body and appointment.booking_code in body and appointment.get_absolute_url() in body


def test_a_moved_appointment_is_confirmed_again_and_a_cancelled_one_is_told(clinic):
    appointment = book(clinic, at(time(13)))
    appointments.reschedule_appointment(appointment=appointment, slot_start=at(time(14)))
    appointments.cancel_appointment(appointment=appointment)

    events = [event for event, _status, _body in messages()]
    assert events == [TemplateType.BOOKING_CONFIRMED, TemplateType.BOOKING_CONFIRMED, TemplateType.BOOKING_CANCELLED]


def test_a_move_back_to_an_earlier_time_is_confirmed_again(clinic):
    appointment = book(clinic, at(time(13)))
    appointments.reschedule_appointment(appointment=appointment, slot_start=at(time(13, 30)))
    appointments.reschedule_appointment(appointment=appointment, slot_start=at(time(13)))

    bodies = [body for _event, _status, body in messages(TemplateType.BOOKING_CONFIRMED)]
    assert len(bodies) == 3
    assert "13:30" in bodies[1] and "13:00" in bodies[2]


def test_a_closed_day_tells_each_booked_patient(clinic):
    book(clinic, at(time(13)))
    appointments.close_day(day=timezone.localdate(), reason="Holiday")
    [(_event, _status, body)] = messages(TemplateType.BOOKING_CANCELLED)
    assert "cannot see you that day" in body


def test_a_booking_a_doctors_new_hours_leave_without_a_doctor_is_not_told_the_clinic_cannot_see_them_that_day(
    clinic,
):
    tomorrow = timezone.localdate() + timedelta(days=1)
    book(clinic, at(time(14), tomorrow))
    other_days = [(weekday, time(13), time(15)) for weekday in range(7) if weekday != tomorrow.weekday()]

    # Tomorrow the doctor works 13:00-14:00 only: 13:00 and 13:30 are still offered.
    replace_weekly_schedule(
        doctor=clinic.doctor, intervals=[*other_days, (tomorrow.weekday(), time(13), time(14))], actor=None
    )

    [(_event, _status, body)] = messages(TemplateType.BOOKING_CANCELLED)
    assert "no doctor can see you at that time. Other times that day may still be free." in body
    assert "cannot see you that day" not in body
    # Its "Book again" link opens that day's times, not today's.
    assert f"/patients/appointments/?department={clinic.pk}&day={tomorrow.isoformat()}" in body
    assert [slot.free for slot in appointments.available_slots(department=clinic, day=tomorrow)] == [1, 1]


def test_a_no_show_is_told_they_can_still_check_in_today_or_book_again(clinic, clock):
    book(clinic, at(time(13)))
    clock.move_to(at(time(13, 30)))
    appointments.mark_no_shows()
    [(_event, _status, body)] = messages(TemplateType.BOOKING_NO_SHOW)
    # A missed booking still checks in that day, as a late arrival: the text said only "Book a new one".
    assert "Still coming today? Check in at the kiosk or the desk and you join the line." in body
    assert f"/patients/appointments/?department={clinic.pk}" in body


def test_reminders_go_the_day_before_and_two_hours_before_once_each(clinic, clock):
    tomorrow = timezone.localdate() + timedelta(days=1)
    appointment = book(clinic, at(time(13), day=tomorrow))

    assert queue_due_reminders() == 0  # 25 hours ahead: nothing due yet
    clock.move_to(at(time(13, 30)))
    assert queue_due_reminders() == 1
    assert queue_due_reminders() == 0  # beat running again (or a restarted one) finds it recorded
    clock.move_to(at(time(11, 30), day=tomorrow))
    assert queue_due_reminders() == 1
    assert queue_due_reminders() == 0

    reminders = Notification.objects.filter(appointment=appointment, event=TemplateType.BOOKING_REMINDER)
    assert sorted(reminders.values_list("idempotency_key", flat=True)) == [
        f"appointment-{appointment.pk}-booking_reminder-{appointment.slot_start:%Y%m%d%H%M}-day_before",
        f"appointment-{appointment.pk}-booking_reminder-{appointment.slot_start:%Y%m%d%H%M}-two_hours",
    ]
    assert set(reminders.values_list("status", flat=True)) == {Notification.Status.SENT}


def test_a_booking_made_within_two_hours_gets_no_reminder_and_a_cancelled_one_none_at_all(clinic, clock):
    book(clinic, at(time(13)))
    assert queue_due_reminders() == 0
    cancelled = book(clinic, at(time(13), day=timezone.localdate() + timedelta(days=1)))
    appointments.cancel_appointment(appointment=cancelled)
    clock.move_to(at(time(13, 30)))
    assert queue_due_reminders() == 0


def test_a_spanish_patient_is_sent_the_confirmation_in_spanish_with_spanish_day_names(clinic):
    install_default_templates()
    appointment = book(clinic, at(time(13)), name="Lucía", language="es")

    [(_event, _status, body)] = messages()
    with translation.override("es"):
        # In a sentence, the day and month in full ("es el jueves 3 de diciembre, 13:00"), not as a page abbreviates
        # them ("es el mar 8 dic" read as "the sea").
        slot = date_format(timezone.localtime(appointment.slot_start), r"l j \d\e F, H:i")
    assert slot.split()[0] in ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
    assert body.startswith(f"Hola Lucía, su cita de Clinic es el {slot}, código de reserva {appointment.booking_code}.")
    assert f"{timezone.localtime(appointment.slot_start):%a}" not in body


def test_a_booking_on_a_spanish_page_stores_spanish_for_a_new_patient_only(clinic, client):
    install_default_templates()
    slot = at(time(13)).isoformat()
    response = client.post(
        "/patients/api/appointments/",
        {
            "department": clinic.pk,
            "slot": slot,
            "name": "Lucía",
            "phone": "+14155550190",
            "age": 40,
            "gender": "female",
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 201, response.content
    assert Patient.objects.get(phone="+14155550190").language == "es"
    assert messages()[0][2].startswith("Hola Lucía")

    # Booked again from a Hindi page, with no language chosen for them.
    next_day = at(time(13), day=timezone.localdate() + timedelta(days=1))
    book(clinic, next_day, phone="+14155550190", new_patient_language="hi")
    assert Patient.objects.get(phone="+14155550190").language == "es"


def test_a_booking_moved_after_a_reminders_moment_is_not_reminded_at_once_of_the_time_just_confirmed(clinic, clock):
    tomorrow = timezone.localdate() + timedelta(days=1)
    appointment = book(clinic, at(time(13), day=tomorrow))
    clock.move_to(at(time(10, 30), day=tomorrow))
    appointments.reschedule_appointment(appointment=appointment, slot_start=at(time(14), day=tomorrow))

    # The move's confirmation names the new time: the day-before reminder due since yesterday would repeat it.
    assert queue_due_reminders() == 0
    clock.move_to(at(time(12), day=tomorrow))
    assert queue_due_reminders() == 1
    assert messages(TemplateType.BOOKING_REMINDER)[0][2].count("14:00") == 1


def test_a_booking_the_sweep_marks_missed_on_a_later_day_is_not_told_to_check_in_today(clinic, clock):
    # Beat was down overnight: this morning's sweep marks yesterday's booking a no-show. Its text said "Still coming
    # today? Check in at the kiosk", which refuses a booking of another day.
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(9), day=timezone.localdate() + timedelta(days=1)))

    assert appointments.mark_no_shows() == 1

    appointment.refresh_from_db()
    assert appointment.status == appointment.Status.NO_SHOW
    assert messages(TemplateType.BOOKING_NO_SHOW) == []


def test_the_days_last_booking_missed_after_the_doctors_have_gone_is_not_told_to_check_in_and_join_the_line(
    clinic, clock
):
    # The last slot is missed at the end of its grace window, when the doctor's shift (13:00-15:00) has ended: the text
    # said "Still coming today? Check in ... and you join the line", and the patient came to a line nobody served.
    configuration = SystemConfiguration.load()
    configuration.appointment_walk_in_share_percent, configuration.appointment_grace_minutes = 0, 30
    configuration.save()
    missed_while_on_duty, last = book(clinic, at(time(14))), book(clinic, at(time(14, 30)))
    clock.move_to(at(time(14, 31)))
    assert appointments.mark_no_shows() == 1
    clock.move_to(at(time(15)))
    set_availability(doctor=clinic.doctor, availability=Doctor.Availability.OFFLINE, actor=clinic.doctor.user)
    clock.move_to(at(time(15, 1)))

    assert appointments.mark_no_shows() == 1

    assert Appointment.objects.get(pk=last.pk).status == Appointment.Status.NO_SHOW
    [(_event, _status, body)] = messages(TemplateType.BOOKING_NO_SHOW)
    assert "Still coming today?" in body and "14:00" in body
    told = Notification.objects.filter(event=TemplateType.BOOKING_NO_SHOW).values_list("appointment", flat=True)
    assert list(told) == [missed_while_on_duty.pk]


def test_an_early_slots_two_hour_reminder_waits_for_the_morning_rather_than_waking_the_patient(clinic, clock):
    # An 08:00 booking's reminder was texted at 06:00 (05:00 for a clinic opening at 07:00).
    tomorrow = timezone.localdate() + timedelta(days=1)
    patient = Patient.objects.create(name="Early Bird", phone="+14155550301", age=40, gender="female")
    appointment = Appointment.objects.create(
        patient=patient, department=clinic, slot_start=at(time(8), tomorrow), seat=1
    )

    clock.move_to(at(time(6), tomorrow))
    assert queue_due_reminders() == 0
    clock.move_to(at(time(6, 59), tomorrow))
    assert queue_due_reminders() == 0
    clock.move_to(at(time(7), tomorrow))
    assert queue_due_reminders() == 1

    [key] = Notification.objects.filter(appointment=appointment).values_list("idempotency_key", flat=True)
    assert key.endswith("-two_hours")


def test_a_booked_patient_the_desk_already_put_in_line_or_the_doctor_saw_is_not_reminded_of_the_booking(
    clinic, clock
):
    # Came at 11:00 for a 14:00 booking, registered as a walk-in (check-in had not opened) and seen at once: at 12:00
    # the two-hour reminder still texted "your appointment is at 14:00", and the patient came back for it.
    seen_phone, waiting_phone = "+14155550302", "+14155550303"
    clock.move_to(at(time(10)))
    seen = book(clinic, at(time(14)), phone=seen_phone)
    waiting = book(clinic, at(time(13, 30)), phone=waiting_phone)
    expected = book(clinic, at(time(13)))
    clock.move_to(at(time(11)))
    visit = services.register_visit(department=clinic, name="Seen", phone=seen_phone, age=50, gender="female")
    services.call_patient(entry=visit.entry, doctor=clinic.doctor)
    services.start_consultation(entry=visit.entry)
    services.complete_consultation(entry=visit.entry)
    services.register_visit(department=clinic, name="Waiting", phone=waiting_phone, age=50, gender="female")

    clock.move_to(at(time(12)))
    assert queue_due_reminders() == 1

    reminders = Notification.objects.filter(event=TemplateType.BOOKING_REMINDER)
    assert list(reminders.values_list("appointment", flat=True)) == [expected.pk]
    assert Appointment.objects.filter(pk__in=(seen.pk, waiting.pk), status=Appointment.Status.BOOKED).count() == 2


def test_a_patients_own_cancellation_is_told_without_a_double_space_where_the_hospitals_reason_would_be(clinic):
    # The shipped text's {message} carries the hospital's reason on a closed day; empty, it left "cancelled.  Book".
    install_default_templates()
    appointment = book(clinic, at(time(13)), name="Ravi Kumar")
    appointments.cancel_appointment(appointment=appointment)

    [(_event, _status, body)] = messages(TemplateType.BOOKING_CANCELLED)
    assert "  " not in body and "is cancelled. Book again: " in body
