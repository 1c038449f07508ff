"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis).

Whatever the generated input, an operation answers with a status its schema documents, in the
documented shape, and never with a 500. New endpoints are covered as soon as they are in the schema;
the fuzzer does not log in, so staff-only operations must document the 403 they give strangers.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from patients.models import Department

# Read over HTTP from the app itself, so the fuzzing also proves /api/schema/ serves what the views do.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def hospital(db, unthrottled):
    # The department the schema's examples name, so examples reach the success paths too.
    Department.objects.create(pk=1, name="Cardiology", code="CARD", room="Block A, 2nd floor")
    # Like Django's test client: requests share the test's transaction, so its connection must stay open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_operation_answers_as_documented(case, hospital):
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    )
