"""A send whose outcome is unknown (worker died, answer lost) is checked with Twilio before it is repeated."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from notifications.models import Notification, NotificationTemplate
from notifications.services import prepare_queue_notification
from notifications.tasks import resume_stuck_notifications, send_queue_message

from .conftest import TEST_SMS_NUMBER
from .fake_twilio import AcceptedMessage

REGISTRATION = NotificationTemplate.TemplateType.REGISTRATION
Status = Notification.Status


def test_a_lost_answer_is_looked_up_instead_of_sent_again(fake_twilio, settings, waiting_entry):
    settings.TWILIO_HTTP_TIMEOUT_SECONDS = 1
    fake_twilio.hang_next(accept=True)  # Twilio creates the message, but its answer never arrives

    send_queue_message.apply(kwargs={"entry_id": waiting_entry.pk, "template_type": REGISTRATION})

    [accepted] = fake_twilio.accepted
    assert len(fake_twilio.received) == 1
    notification = Notification.objects.get(queue_entry=waiting_entry)
    assert (notification.status, notification.twilio_sid, notification.attempts) == (Status.SENT, accepted.sid, 2)


def claimed_by_a_dead_worker(entry, seconds_ago):
    notification = prepare_queue_notification(entry_id=entry.pk, template_type=REGISTRATION)
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENDING, attempts=1, updated_at=timezone.now() - timedelta(seconds=seconds_ago)
    )
    return notification


def test_a_dead_workers_message_is_resumed_and_sent_once(fake_twilio, settings, waiting_entry):
    notification = claimed_by_a_dead_worker(waiting_entry, seconds_ago=settings.NOTIFICATION_SENDING_LEASE_SECONDS + 1)

    resume_stuck_notifications.apply()
    resume_stuck_notifications.apply()

    [accepted] = fake_twilio.accepted
    notification.refresh_from_db()
    assert (notification.status, notification.twilio_sid, notification.attempts) == (Status.SENT, accepted.sid, 2)


def test_a_message_twilio_already_has_is_recorded_not_resent(fake_twilio, settings, waiting_entry):
    notification = claimed_by_a_dead_worker(waiting_entry, seconds_ago=settings.NOTIFICATION_SENDING_LEASE_SECONDS + 1)
    # What the dead worker's request left at Twilio, and an identical text another row already owns.
    earlier = AcceptedMessage("SMearlier", "+14155550123", TEST_SMS_NUMBER, notification.body, datetime.now(UTC))
    owned = AcceptedMessage("SMowned", "+14155550123", TEST_SMS_NUMBER, notification.body, datetime.now(UTC))
    fake_twilio.accepted += [earlier, owned]
    Notification.objects.create(
        patient=waiting_entry.patient, channel="sms", event="custom", idempotency_key="other", twilio_sid="SMowned"
    )

    send_queue_message.apply(kwargs={"entry_id": waiting_entry.pk, "template_type": REGISTRATION})

    assert fake_twilio.received == []
    notification.refresh_from_db()
    assert (notification.status, notification.twilio_sid) == (Status.SENT, "SMearlier")
