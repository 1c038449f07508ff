"""End to end with real services: Celery worker subprocesses take the task from Redis and send it,
and a worker killed mid-send leaves the next one to finish the job exactly once."""

import signal
import time
from datetime import timedelta

import pytest
from django.conf import settings

from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from notifications.services import queue_due_reminders
from patients.models import Appointment
from patients.tests.factories import register_patient

from .conftest import wait_until

pytestmark = [
    pytest.mark.real_services,
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="needs a Redis broker: set REDIS_URL=redis://127.0.0.1:6379/<db> (CI's second pass does)",
    ),
]


@pytest.fixture
def eager_tasks():
    """Overrides the suite's eager Celery: here tasks must travel through the real broker."""


@pytest.mark.django_db(transaction=True)
def test_registration_sms_goes_through_redis_and_a_worker_to_twilio(fake_twilio, start_worker, department):
    worker, log_path = start_worker()

    entry, _ = register_patient(department=department, name="Asha Rao", phone="+14155550123", age=34, gender="female")

    delivered = fake_twilio.wait_for(1, timeout=60)
    assert delivered, f"no message reached the fake Twilio; worker log:\n{log_path.read_text()}"
    [message] = fake_twilio.received
    assert message.to == "+14155550123"
    assert message.body.startswith("Hello Asha Rao, your token is CARD-001 for Cardiology.")
    assert wait_until(
        lambda: Notification.objects.filter(queue_entry=entry, status=Notification.Status.SENT).exists(), timeout=15
    ), log_path.read_text()
    assert worker.poll() is None


# The first worker is killed while the fake Twilio holds its request open. The message is redelivered
# to a new worker once unacknowledged for VISIBILITY seconds; by then the claim is older than LEASE.
LEASE_SECONDS, VISIBILITY_SECONDS = 2, 3
KILLED_WORKER_ENVIRONMENT = {
    "NOTIFICATION_SENDING_LEASE_SECONDS": str(LEASE_SECONDS),
    "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
    "TWILIO_HTTP_TIMEOUT_SECONDS": "60",
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("twilio_accepted_before_the_kill", "requests_to_twilio"),
    [(False, 2), (True, 1)],
    ids=["killed-before-twilio-accepted", "killed-after-twilio-accepted"],
)
def test_worker_killed_mid_send_the_message_is_sent_exactly_once_after_restart(
    fake_twilio, start_worker, department, twilio_accepted_before_the_kill, requests_to_twilio
):
    fake_twilio.hang_next(accept=twilio_accepted_before_the_kill)
    first_worker, first_log = start_worker(**KILLED_WORKER_ENVIRONMENT)

    entry, _ = register_patient(department=department, name="Asha Rao", phone="+14155550123", age=34, gender="female")
    assert fake_twilio.request_arrived.wait(timeout=30), first_log.read_text()
    first_worker.send_signal(signal.SIGKILL)
    first_worker.wait(timeout=10)
    notification = Notification.objects.get(queue_entry=entry)
    assert (notification.status, notification.twilio_sid) == (Notification.Status.SENDING, "")

    time.sleep(VISIBILITY_SECONDS + 0.5)  # the new worker finds the unacknowledged task due again at startup
    _, second_log = start_worker(**KILLED_WORKER_ENVIRONMENT)

    assert wait_until(
        lambda: Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENT).exists(), timeout=40
    ), second_log.read_text()
    [accepted] = fake_twilio.accepted
    assert accepted.to == "+14155550123" and accepted.body.startswith("Hello Asha Rao, your token is CARD-001")
    assert len(fake_twilio.received) == requests_to_twilio
    notification.refresh_from_db()
    assert (notification.twilio_sid, notification.attempts) == (accepted.sid, 2)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_webhook_the_event_is_delivered_once_after_restart(receiver, start_worker, department):
    environment = {
        "WEBHOOK_SENDING_LEASE_SECONDS": str(LEASE_SECONDS),
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
        "WEBHOOK_TIMEOUT_SECONDS": "60",
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }
    WebhookEndpoint.objects.create(name="HIS", url=receiver.url, secret="s3cret", event_types=["token.created"])
    receiver.hang_next()
    first_worker, first_log = start_worker(**environment)

    register_patient(department=department, name="Asha Rao", phone="+14155550123", age=34, gender="female")
    assert receiver.request_arrived.wait(timeout=30), first_log.read_text()
    first_worker.send_signal(signal.SIGKILL)
    first_worker.wait(timeout=10)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.SENDING

    time.sleep(VISIBILITY_SECONDS + 0.5)
    _, second_log = start_worker(**environment)

    assert wait_until(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.DELIVERED).exists(),
        timeout=40,
    ), second_log.read_text()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (2, 200)
    assert WebhookDelivery.objects.count() == 1
    # The receiver saw the interrupted POST and the completed one, both with the event's delivery id.
    assert [post.headers["X-SmartQueue-Delivery"] for post in receiver.received] == [str(delivery.event_id)] * 2


@pytest.mark.django_db(transaction=True)
def test_a_reminder_is_sent_once_though_its_worker_is_killed_and_beat_runs_again(
    fake_twilio, start_worker, department, make_patient
):
    from django.utils import timezone

    patient = make_patient(name="Ravi Kumar", phone="+14155550124")
    appointment = Appointment.objects.create(
        patient=patient, department=department, slot_start=timezone.now() + timedelta(minutes=90), seat=1
    )
    Appointment.objects.filter(pk=appointment.pk).update(created_at=timezone.now() - timedelta(days=1))
    fake_twilio.hang_next(accept=True)
    first_worker, first_log = start_worker(**KILLED_WORKER_ENVIRONMENT)

    assert queue_due_reminders() == 1
    assert fake_twilio.request_arrived.wait(timeout=30), first_log.read_text()
    first_worker.send_signal(signal.SIGKILL)
    first_worker.wait(timeout=10)
    assert queue_due_reminders() == 0  # beat's next run finds the reminder recorded, mid-send

    time.sleep(VISIBILITY_SECONDS + 0.5)
    _, second_log = start_worker(**KILLED_WORKER_ENVIRONMENT)
    reminder = Notification.objects.get(appointment=appointment)
    assert wait_until(
        lambda: Notification.objects.filter(pk=reminder.pk, status=Notification.Status.SENT).exists(), timeout=40
    ), second_log.read_text()
    assert queue_due_reminders() == 0
    [accepted] = fake_twilio.accepted
    assert accepted.to == "+14155550124" and accepted.body.startswith("Reminder, Ravi Kumar")
    assert len(fake_twilio.received) == 1
