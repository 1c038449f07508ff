"""GET and POST /doctors/api/ answer exactly what /api/schema/ declares (the shape doctor-dashboard.js reads)."""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.openapi.checks import JsonSchemaError

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def doctor_http(live_server, signed_in_http, department, make_doctor, make_department, make_token):
    make_department(name="Dermatology", code="DERM")
    make_token(department, priority="high")
    make_token(department)
    http = signed_in_http(make_doctor(department=department).user)
    http.base = f"{live_server.url}/doctors/api/"
    return http


def test_dashboard_get_and_post_match_the_schema(doctor_http):
    empty_room = doctor_http.get(doctor_http.base)
    assert empty_room.status_code == 200 and empty_room.json()["current"] is None
    schema["/doctors/api/"]["GET"].validate_response(empty_room)

    called = doctor_http.post(doctor_http.base, json={"action": "call_next"})
    assert called.status_code == 200, called.text
    assert called.json()["dashboard"]["current"]["patient_name"]
    schema["/doctors/api/"]["POST"].validate_response(called)
    schema["/doctors/api/"]["GET"].validate_response(doctor_http.get(doctor_http.base))

    refused = doctor_http.post(doctor_http.base, json={"action": "transfer"})
    assert refused.status_code == 400 and "to_department" in refused.json()["errors"]
    schema["/doctors/api/"]["POST"].validate_response(refused)


def test_a_dashboard_missing_a_declared_field_fails_the_schema(doctor_http):
    # The declared shape has no loophole: drop one field the page reads and the response no longer matches.
    response = doctor_http.get(doctor_http.base)
    body = response.json()
    del body["waiting"][0]["waiting_minutes"]
    response._content = json.dumps(body).encode()
    with pytest.raises(JsonSchemaError, match='"waiting_minutes" is a required property'):
        schema["/doctors/api/"]["GET"].validate_response(response)
