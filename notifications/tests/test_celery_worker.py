"""End to end with real services: a Celery worker subprocess takes the task from Redis and sends it."""

import os
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from notifications.models import Notification
from patients.services import register_patient
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
def celery_worker_process(fake_twilio, monkeypatch, tmp_path):
    """A real `celery worker` on a queue of its own (so it takes no other test's leftovers)."""
    queue_name = f"sq-notifications-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue_name)
    environment = os.environ | {
        "DATABASE_URL": url_of_test_database(),
        "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": TEST_SMS_NUMBER,
        "TWILIO_API_BASE_URL": fake_twilio.url,
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smartqueue", "worker", "--pool=solo", "-Q", queue_name,
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield worker, log_path
    finally:
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
def test_registration_sms_goes_through_redis_and_a_worker_to_twilio(
    fake_twilio, celery_worker_process, department
):
    worker, log_path = celery_worker_process

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
