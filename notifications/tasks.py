"""Celery tasks for patient messages and webhooks: thin wrappers over notifications.services, .webhooks and .outbox."""

import logging
from datetime import date, timedelta

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.utils import timezone

from . import outbox, services, webhooks
from .models import Notification, WebhookDelivery

logger = logging.getLogger(__name__)


def _deliver(task, notification_id, *, just_written=False):
    notification = services.deliver_notification(notification_id=notification_id, just_written=just_written)
    if notification.status == Notification.Status.QUEUED:
        # Rate limited or Twilio down: try again later; NOTIFICATION_MAX_ATTEMPTS (counted on the row) ends it.
        # Returned, not raised: eager runs (no broker) then retry inline even with task_eager_propagates.
        return task.retry(
            countdown=get_exponential_backoff_interval(
                factor=settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
                retries=task.request.retries,
                maximum=settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS,
                full_jitter=True,
            ),
            throw=False,
        )
    return notification.status


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_queue_message(
    self, *, entry_id, template_type, message="", translations=None, broadcast_id="", repeat_id=""
):
    """Send one event's message to a queue entry's patient; safe to run twice (see services)."""
    started = timezone.now()
    notification = services.prepare_queue_notification(
        entry_id=entry_id,
        template_type=template_type,
        message=message,
        translations=translations,
        broadcast_id=broadcast_id,
        repeat_id=repeat_id,
    )
    if notification is None:
        return None
    # Written by this run a moment ago, not worth wording again; a retry, or a copy of the task run again after its
    # worker died, finds the text written before and words it again from the line.
    return _deliver(self, notification.pk, just_written=notification.created_at >= started)


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_appointment_message(self, *, appointment_id, template_type, occurrence="", message=""):
    """Send one booking message (confirmation, reminder, cancellation, no-show); safe to run twice."""
    notification = services.prepare_appointment_notification(
        appointment_id=appointment_id, template_type=template_type, occurrence=occurrence, message=message
    )
    if notification is None:
        return None
    return _deliver(self, notification.pk)


@shared_task
def send_appointment_reminders():
    """Celery beat: the reminders due (the day before, two hours before), each sent once."""
    return services.queue_due_reminders()


@shared_task(bind=True, acks_late=True, max_retries=None)
def resume_notification(self, *, notification_id):
    """Send a message already recorded: one whose task was lost (see resume_stuck_notifications), or a WhatsApp
    message sent again by SMS (see services.record_delivery_status)."""
    return _deliver(self, notification_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_reply(self, *, notification_id):
    """Send the answer to a patient's text (see inbound), recorded with it."""
    return _deliver(self, notification_id)


@shared_task(acks_late=True)
def text_on_call(*, alert_id):
    return services.text_on_call(alert_id=alert_id)


@shared_task(acks_late=True)
def announce_patients_ahead(*, entry_id):
    return services.announce_patients_ahead(entry_id=entry_id)


@shared_task(acks_late=True)
def send_broadcast(*, message, department_id, broadcast_id, translations=None):
    # translations=None: recorded before broadcasts were translated, still in the outbox.
    return services.fan_out_broadcast(
        message=message, translations=translations, department_id=department_id, broadcast_id=broadcast_id
    )


@shared_task
def tell_patients_left_in_line(day=None):
    """Beat runs it in the morning (LINE_CLOSED_TEXT_HOUR) for the day that ended at the hospital's midnight (or a
    YYYY-MM-DD day)."""
    ended = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    return services.tell_patients_left_in_line(day=ended)


@shared_task(acks_late=True)
def tell_no_doctor_left_today(*, department_id, day, joining_entry_id=None):
    """The department's queue of the day (YYYY-MM-DD) turned to say that no doctor is expected back today."""
    return services.tell_no_doctor_left_today(
        department_id=department_id, day=date.fromisoformat(day), joining_entry_id=joining_entry_id
    )


@shared_task(bind=True, acks_late=True)
def tell_doctor_back_today(self, *, department_id, day):
    """A doctor is back in the department after its queue of the day (YYYY-MM-DD) said none was expected: a text that
    can wait, so one due before REMINDERS_NOT_BEFORE_HOUR goes then, to whoever is still waiting. Run inline (no
    broker: nothing can wait), it goes at once."""
    due = services.quiet_until()
    if due > timezone.now() and not self.request.is_eager:
        self.apply_async(kwargs={"department_id": department_id, "day": day}, eta=due)
        return None
    return services.tell_doctor_back_today(department_id=department_id, day=date.fromisoformat(day))


@shared_task(acks_late=True)
def tell_closing_of_today(*, department_id, day, closed):
    """The department (None: the whole hospital) closed, or reopened, for the day (YYYY-MM-DD)."""
    return services.tell_closing_of_today(department_id=department_id, day=date.fromisoformat(day), closed=closed)


@shared_task
def redispatch_outbox():
    """Celery beat: send what a broker outage or a crash left in the outbox; forget old dispatched rows."""
    return {"dispatched": outbox.redispatch_undispatched(), "pruned": outbox.prune_dispatched()}


@shared_task
def resume_stuck_notifications():
    """Celery beat: give messages whose worker died, or whose retry was lost, to a new task."""
    notification_ids = services.stuck_notification_ids()
    for notification_id in notification_ids:
        resume_notification.delay(notification_id=notification_id)
    return notification_ids


@shared_task(acks_late=True)
def deliver_webhook(*, delivery_id):
    """POST one webhook delivery; a failure schedules the next attempt (see webhooks)."""
    delivery, posted = webhooks.deliver_webhook(delivery_id=delivery_id)
    if delivery is None:
        return None
    if posted and delivery.status == WebhookDelivery.Status.PENDING:
        countdown = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0)
        try:
            deliver_webhook.apply_async(kwargs={"delivery_id": delivery_id}, countdown=countdown)
        except Exception as error:
            # The row keeps its next attempt time: resume_due_webhook_deliveries picks it up.
            logger.warning("Could not schedule webhook delivery %s again: %s", delivery_id, error)
    return delivery.status


@shared_task
def resume_due_webhook_deliveries():
    """Celery beat: give deliveries whose retry was lost, or whose worker died mid-POST, to a new task."""
    delivery_ids = webhooks.due_delivery_ids()
    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id=delivery_id)
    return delivery_ids
