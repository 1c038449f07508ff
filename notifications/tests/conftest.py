import os
import socket
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from notifications import outbox

from patients.services import allocate_token

from smartqueue.celery import app as celery_app

from .fake_twilio import FakeTwilio
from .webhook_receiver import WebhookReceiver

TEST_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TEST_AUTH_TOKEN = "test-auth-token"
TEST_SMS_NUMBER = "+15005550006"
TEST_WHATSAPP_NUMBER = "+14155238886"


@pytest.fixture(autouse=True)
def eager_tasks():
    """Run tasks inline even when REDIS_URL makes Celery use the real broker (the worker test opts out)."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def fake_twilio(settings):
    """A fake Twilio API on a loopback port, with the settings that point the real client at it."""
    server = FakeTwilio().start()
    settings.TWILIO_ACCOUNT_SID = TEST_ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = TEST_AUTH_TOKEN
    settings.TWILIO_PHONE_NUMBER = TEST_SMS_NUMBER
    settings.TWILIO_WHATSAPP_NUMBER = TEST_WHATSAPP_NUMBER
    settings.TWILIO_API_BASE_URL = server.url
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 0
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    yield server
    server.stop()


@pytest.fixture
def receiver(settings):
    """A hospital system's webhook receiver on a loopback port, which webhooks are allowed to reach."""
    server = WebhookReceiver().start()
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    yield server
    server.stop()


@pytest.fixture
def waiting_entry(department, make_patient):
    return allocate_token(department=department, patient=make_patient(name="Asha Rao", phone="+14155550123"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down(eager_tasks, monkeypatch):
    """Celery publishing to a Redis port where nothing listens; calling the returned function brings
    delivery back (tasks then run inline). eager_tasks restores the eager setting afterwards."""
    conf = celery_app.conf
    conf.task_always_eager = False
    monkeypatch.setitem(conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")
    # Fresh connection pools, so publishing really goes to the dead port; the fixture's end restores them.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    monkeypatch.setattr(outbox, "_broker_failed_recently", False)

    def broker_back():
        conf.task_always_eager = True

    return broker_back


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
                cwd=django_settings.BASE_DIR,
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


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """act(service, **kwargs): run a service and what its transaction left for after commit (the messages)."""

    def act(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return act
