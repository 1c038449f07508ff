"""Small factories, and the harness of the concurrency tests, shared by every app's tests."""

import itertools
import threading
import time
from functools import partial

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from doctors.models import Doctor
from patients.models import Department, Patient

_sequence = itertools.count(1)


def pytest_configure():
    # Tests run with DEBUG off, as Django's test runner runs them; pytest-django turns it off only once the tests
    # start, and the schema tests build the application while collected: with DEBUG on, its chain refused their
    # requests, which name no client address (smartqueue.debug_pages).
    settings.DEBUG = False


def requires_postgresql():
    return pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartqueue (CI's second pass does)",
    )


@pytest.fixture
def at_once():
    """Run the actions in threads released together, each on its own database connection (so, in a test with
    transaction=True, in transactions of their own); what each returned, or the exception it raised, in order."""

    def run(*actions):
        start = threading.Barrier(len(actions))
        outcomes = [None] * len(actions)

        def run_one(index, action):
            try:
                start.wait()
                outcomes[index] = action()
            except Exception as error:  # noqa: BLE001 - the test judges every outcome, refusals included
                outcomes[index] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=run_one, args=item) for item in enumerate(actions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        return outcomes

    return run


@pytest.fixture
def slow_patient_check(monkeypatch):
    """Looking for the patient a doctor has called takes a moment, as under load: two actions released together
    both look before either has acted, unless a lock makes one wait for the other."""
    from patients import services

    look = services.current_patient_of

    def look_slowly(doctor):
        found = look(doctor)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(services, "current_patient_of", look_slowly)


@pytest.fixture
def clock():
    """The clock stopped at today's local noon: a test that moves it by minutes or hours never crosses midnight,
    where a new day's tokens and lines begin."""
    import time_machine
    from django.utils import timezone

    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def clock_before_sign_ins(request):
    # A test's clock stops at noon: a client signed in before it moved there (admin_client, pytest's order of the
    # arguments) finds its session ended by the jump whenever the suite runs in a morning.
    if "clock" in request.fixturenames:
        request.getfixturevalue("clock")


@pytest.fixture
def tasks_run_inline():
    """Celery tasks run in the caller even when REDIS_URL points Celery at a real broker."""
    from smartqueue.celery import app as celery_app

    saved = {name: celery_app.conf[name] for name in ("task_always_eager", "task_eager_propagates")}
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(saved)


@pytest.fixture(autouse=True)
def site_language_between_tests():
    # A request leaves its language active in the thread (LocaleMiddleware, as in a server's worker thread,
    # where the next request sets its own); the next test starts in the site's language, not the last page's.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache():
    # The cache holds DRF's throttle history and the published queue snapshots; each test starts without
    # another test's requests or departments in it. On Redis the cache shares its database with the channel
    # layer and Celery's broker, so only the cache's own keys go (clear() would flush the whole database).
    clear = getattr(cache, "delete_pattern", None)
    clear = partial(clear, "*") if clear else cache.clear
    clear()
    yield
    clear()


@pytest.fixture
def make_department(db):
    def make(**fields):
        n = next(_sequence)
        fields.setdefault("name", f"Department {n}")
        fields.setdefault("code", f"D{n}")
        return Department.objects.create(**fields)

    return make


@pytest.fixture
def make_patient(db):
    def make(**fields):
        n = next(_sequence)
        fields.setdefault("name", f"Patient {n}")
        fields.setdefault("phone", f"+1555{n:07d}")
        fields.setdefault("age", 40)
        return Patient.objects.create(**fields)

    return make


TEST_PASSWORD = "pass-word-123"


@pytest.fixture(scope="session")
def test_password_hash():
    # Hashing is deliberately slow; hash the shared test password once per run.
    return make_password(TEST_PASSWORD)


@pytest.fixture
def make_user(db, test_password_hash):
    def make(username=None, password=TEST_PASSWORD, **fields):
        username = username or f"user{next(_sequence)}"
        user = get_user_model()(username=username, **fields)
        user.password = test_password_hash if password == TEST_PASSWORD else make_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def make_doctor(db, make_user, make_department):
    def make(department=None, availability=Doctor.Availability.AVAILABLE, **fields):
        return Doctor.objects.create(
            user=fields.pop("user", None) or make_user(),
            department=department or make_department(),
            availability=availability,
            **fields,
        )

    return make


@pytest.fixture
def department(make_department):
    return make_department(name="Cardiology", code="CARD", average_consultation_minutes=10)


@pytest.fixture
def make_token(db, make_patient):
    """A token in a department's queue today, through the token engine (as registration would)."""
    from patients import services

    def make(department, priority="normal", **patient_fields):
        return services.allocate_token(department=department, patient=make_patient(**patient_fields), priority=priority)

    return make


@pytest.fixture
def signed_in_http(live_server):
    """A requests session signed in as the given user against the live test server, sending a CSRF token.

    Real HTTP responses, for checking them against the OpenAPI schema (needs transactional_db)."""
    import requests
    from django.test import Client
    from django.utils.crypto import get_random_string

    def sign_in(user):
        client = Client()
        client.force_login(user)
        http = requests.Session()
        http.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
        csrf_token = get_random_string(32)
        http.cookies.set(settings.CSRF_COOKIE_NAME, csrf_token)
        http.headers.update({"X-CSRFToken": csrf_token, "Accept": "application/json"})
        return http

    return sign_in
