"""Booking messages: confirmation with the manage link, reminders (each sent once), cancellation, no-show."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification, NotificationTemplate
from notifications.services import queue_due_reminders
from patients import appointments
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


def test_a_closed_day_tells_each_booked_patient(clinic):
    book(clinic, at(time(13)))
    appointments.close_day(day=timezone.localdate(), reason="Holiday")
    [(_event, _status, body)] = messages(TemplateType.BOOKING_CANCELLED)
    assert "cannot see you that day" in body


def test_a_no_show_is_told_how_to_book_again(clinic, clock):
    book(clinic, at(time(13)))
    clock.move_to(at(time(13, 30)))
    appointments.mark_no_shows()
    [(_event, _status, body)] = messages(TemplateType.BOOKING_NO_SHOW)
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
