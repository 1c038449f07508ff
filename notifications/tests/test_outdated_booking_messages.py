"""A booking's message written before the booking changed (moved, cancelled, checked in, missed) and not sent yet,
waiting in the outbox for a retry after Twilio's rate limit or outage, is withdrawn in the change's transaction, never
sent: its recording was the only moment the booking was checked."""

from datetime import time

import pytest
from django.utils import translation

from notifications import services as notification_services
from notifications.models import Notification, NotificationTemplate
from notifications.tasks import send_appointment_message
from patients import appointments
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture

TemplateType = NotificationTemplate.TemplateType
Status = Notification.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    def run(action, **arguments):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**arguments)

    return run


def booked_in_the_morning(clinic, clock, **fields):
    clock.move_to(at(time(9)))
    appointment = book(clinic, at(time(14)), **fields)
    clock.move_to(at(time(12)))
    return appointment


def reminder_waiting_for_its_retry(fake_twilio, appointment):
    """The 2-hour reminder, recorded and refused once by Twilio's rate limit: back in the outbox for a retry."""
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    reminder = notification_services.prepare_appointment_notification(
        appointment_id=appointment.pk, template_type=TemplateType.BOOKING_REMINDER, occurrence="two_hours"
    )
    assert notification_services.deliver_notification(notification_id=reminder.pk).status == Status.QUEUED
    return reminder


def retry(reminder):
    send_appointment_message.apply(
        kwargs={
            "appointment_id": reminder.appointment_id,
            "template_type": TemplateType.BOOKING_REMINDER,
            "occurrence": "two_hours",
        }
    )
    reminder.refresh_from_db()
    return reminder


def test_a_reminder_waiting_for_its_retry_is_not_sent_after_the_patient_cancelled(
    fake_twilio, clinic, clock, run_after_commit
):
    appointment = booked_in_the_morning(clinic, clock)
    reminder = reminder_waiting_for_its_retry(fake_twilio, appointment)

    run_after_commit(appointments.cancel_appointment, appointment=appointment)
    retried = retry(reminder)

    assert (retried.status, retried.attempts) == (Status.OUTDATED, 1)
    with translation.override("es"):
        assert retried.get_status_display() == "Retirado: ya no es cierto"
    # The rate-limited attempt, then the cancellation: no reminder of an appointment the patient no longer has.
    assert len(fake_twilio.received) == 2
    assert Notification.objects.filter(appointment=appointment, status=Status.SENT).get().event == (
        TemplateType.BOOKING_CANCELLED
    )


def test_a_reminder_waiting_for_its_retry_does_not_name_the_time_the_booking_was_moved_from(
    fake_twilio, clinic, clock, run_after_commit
):
    appointment = booked_in_the_morning(clinic, clock)
    reminder = reminder_waiting_for_its_retry(fake_twilio, appointment)

    run_after_commit(appointments.reschedule_appointment, appointment=appointment, slot_start=at(time(13, 30)))

    assert retry(reminder).status == Status.OUTDATED
    [sent] = Notification.objects.filter(appointment=appointment, status=Status.SENT)
    assert sent.event == TemplateType.BOOKING_CONFIRMED and "13:30" in sent.body


def test_a_message_sent_again_changes_nothing_about_the_booking_and_withdraws_nothing(
    fake_twilio, clinic, clock, run_after_commit
):
    appointment = booked_in_the_morning(clinic, clock, phone="+14155550177")
    reminder = reminder_waiting_for_its_retry(fake_twilio, appointment)

    run_after_commit(
        appointments.book_appointment,
        department=clinic,
        slot_start=at(time(13, 30)),
        name="Someone",
        phone="+14155550177",
        age=40,
        gender="female",
        self_service=True,
    )

    assert retry(reminder).status == Status.SENT
