"""GET and POST /adminpanel/api/ answer exactly what /api/schema/ declares (the shape live-queues.js reads)."""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from schemathesis.openapi.checks import JsonSchemaError

from adminpanel.models import AdminUser
from patients import services as queue_services

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def panel_http(live_server, signed_in_http, department, make_doctor, make_token, make_user):
    doctor = make_doctor(department=department)
    waiting = make_token(department)
    queue_services.call_patient(entry=make_token(department), doctor=doctor)
    manager = make_user()
    AdminUser.objects.create(user=manager)
    http = signed_in_http(manager)
    http.base = f"{live_server.url}/adminpanel/api/"
    http.waiting_entry = waiting
    return http


def test_live_queues_get_and_post_match_the_schema(panel_http, department):
    live = panel_http.get(panel_http.base)
    assert live.status_code == 200 and live.json()["departments"][0]["with_doctors"]
    schema["/adminpanel/api/"]["GET"].validate_response(live)

    changed = panel_http.post(
        panel_http.base, json={"action": "change_priority", "entry": panel_http.waiting_entry.pk, "priority": "high"}
    )
    assert changed.status_code == 200, changed.text
    schema["/adminpanel/api/"]["POST"].validate_response(changed)

    refused = panel_http.post(panel_http.base, json={"action": "update_department"})
    assert refused.status_code == 400 and "department" in refused.json()["errors"]
    schema["/adminpanel/api/"]["POST"].validate_response(refused)


def test_live_queues_missing_a_declared_field_fail_the_schema(panel_http):
    # The declared shape has no loophole: drop one field the page reads and the response no longer matches.
    response = panel_http.get(panel_http.base)
    body = response.json()
    del body["departments"][0]["with_doctors"][0]["status_label"]
    response._content = json.dumps(body).encode()
    with pytest.raises(JsonSchemaError, match='"status_label" is a required property'):
        schema["/adminpanel/api/"]["GET"].validate_response(response)
