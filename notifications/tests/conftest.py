import pytest

from patients.services import allocate_token

from smartqueue.celery import app as celery_app

from .fake_twilio import FakeTwilio

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
def waiting_entry(department, make_patient):
    return allocate_token(department=department, patient=make_patient(name="Asha Rao", phone="+14155550123"))
