"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis), as a stranger and signed in.

Whatever the generated input, an operation answers with a status its schema documents, in the documented
shape, and never with a 500. New endpoints are covered as soon as they are in the schema. Every check
schemathesis has runs, except positive_data_acceptance: it expects any schema-valid body to succeed, and
these endpoints rightly refuse some with a 400 the schema cannot foresee (a phone number that is no real
number, an id of a patient that does not exist, a transition the queue does not allow). Signed-in runs also
skip ignored_auth, which replays a case with its credentials spoiled but cannot spoil the session cookie this
harness attaches; the stranger's run is the one that shows staff endpoints refuse whoever is not signed in.
"""

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.management.color import no_style
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from adminpanel.models import AdminUser
from patients.models import Department

# Read over HTTP from the app itself, so the fuzzing also proves /api/schema/ serves what the views do.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

# Any 32 letters serve as a CSRF secret when the cookie and the header agree, as a browser's would.
CSRF_TOKEN = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"


@pytest.fixture
def hospital(db, unthrottled, tasks_run_inline):
    # The department the schema's examples name, so examples reach the success paths too.
    Department.objects.create(pk=1, name="Cardiology", code="CARD", room="Block A, 2nd floor")
    # An id written by hand leaves PostgreSQL's sequence behind it: the admin's first new department would take id 1.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Department]):
            cursor.execute(statement)
    # Like Django's test client: requests share the test's transaction, so its connection must stay open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def sign_in(hospital, make_user, make_doctor):
    """Gives a case the cookies and CSRF header of a browser signed in with the role (None: a stranger)."""

    def sign(case, role):
        if role is None:
            return
        user = make_user()
        if role == "doctor":
            make_doctor(user=user, department=Department.objects.get(pk=1))
        else:
            AdminUser.objects.create(user=user)
        browser = Client()
        browser.force_login(user)
        case.cookies = {
            **(case.cookies or {}),
            django_settings.SESSION_COOKIE_NAME: browser.cookies[django_settings.SESSION_COOKIE_NAME].value,
            django_settings.CSRF_COOKIE_NAME: CSRF_TOKEN,
        }
        case.headers = {**(case.headers or {}), "X-CSRFToken": CSRF_TOKEN}

    return sign


@pytest.mark.parametrize("role", [None, "doctor", "admin"], ids=["stranger", "doctor", "admin"])
@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_operation_answers_as_documented(case, sign_in, role):
    sign_in(case, role)
    excluded = [positive_data_acceptance] if role is None else [positive_data_acceptance, ignored_auth]
    case.call_and_validate(excluded_checks=excluded)
