"""End to end with real services: Celery worker subprocesses take the task from Redis and send it,
and a worker killed mid-send leaves the next one to finish the job exactly once."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from notifications.models import Notification
from notifications.services import queue_due_reminders
from patients.models import Appointment
from patients.tests.factories import register_patient
from smartqueue.celery import app as celery_app

from .conftest import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SMS_NUMBER

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


def url_of_test_database():
    """The URL of the test database, for a process outside this one."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker(fake_twilio, monkeypatch, tmp_path):
    """Starts real `celery worker` processes on a queue of their own (so they take no other test's
    leftovers); each gets its own log. Extra settings go in as environment variables."""
    queue_name = f"sq-notifications-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue_name)
    environment = os.environ | {
        "DATABASE_URL": url_of_test_database(),
        "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": TEST_SMS_NUMBER,
        "TWILIO_API_BASE_URL": fake_twilio.url,
    }
    workers = []

    def start(**extra_environment):
        log_path = tmp_path / f"worker-{len(workers) + 1}.log"
        with open(log_path, "w") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "smartqueue", "worker", "--pool=solo", "-Q", queue_name,
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
                cwd=settings.BASE_DIR,
                env=environment | extra_environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        workers.append(worker)
        return worker, log_path

    yield start
    for worker in workers:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


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
