"""The OpenAPI schema's webhooks: every event type an endpoint can receive is there, and what is posted for each is
valid against the body it declares, for an endpoint trusted with personal data and for one that is not."""

import json
from datetime import time

import jsonschema
import pytest
from django.utils import timezone

from notifications import webhooks
from notifications.models import WEBHOOK_DELIVERY_EVENTS, WebhookEndpoint, WebhookEventType
from patients.models import WaitAlert
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture
from patients.tests.factories import register_patient

SECRET = "whsec-test-0123456789abcdef0123456789"


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def posted_body(schema, event_type):
    """The JSON Schema of what the event type's webhook posts, its references resolvable."""
    body = schema["webhooks"][event_type]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return {**body, "components": schema["components"]}


def subjects(clinic):
    entry, _ = register_patient(department=clinic, name="Asha Rao", phone="+14155550123", age=34, gender="female")
    appointment = book(clinic, at(time(13, 30)))
    alert = WaitAlert.objects.create(
        department=clinic, threshold_minutes=45, started_at=timezone.now(), peak_wait_minutes=50
    )
    endpoint = WebhookEndpoint.objects.create(name="HIS", url="https://his.example.org/hooks", secret=SECRET)
    # By the shape every endpoint gets.
    return {
        webhooks.TOKEN_SHAPES[False]: entry,
        webhooks.APPOINTMENT_SHAPES[False]: appointment,
        webhooks.WAIT_ALERT_SHAPES[False]: alert,
        webhooks.NO_DOCTOR_LEFT_SHAPES[False]: webhooks.NoDoctorLeft(clinic, timezone.localdate(), 1),
        webhooks.EVENT_DATA_SHAPES["webhook.ping"][False]: endpoint,
    }


def test_the_schema_declares_one_webhook_per_event_an_endpoint_can_receive(schema):
    assert schema["openapi"].startswith("3.1")
    assert set(schema["webhooks"]) == {event_type for event_type, _label in WEBHOOK_DELIVERY_EVENTS}
    assert set(webhooks.EVENT_DATA_SHAPES) == set(schema["webhooks"])
    called = schema["webhooks"]["token.called"]["post"]
    assert called["summary"] == "Token called"
    assert {"200", "301", "308", "410"} <= set(called["responses"])
    assert "X-SmartQueue-Signature" in called["description"]


@pytest.mark.parametrize("trusted", [False, True], ids=["untrusted", "trusted"])
def test_every_event_type_is_posted_in_the_shape_its_webhook_declares(schema, clinic, trusted):
    by_shapes = subjects(clinic)
    for event_type, shapes in webhooks.EVENT_DATA_SHAPES.items():
        payload = webhooks.event_payload(
            event_id="6f1c5a7e-8a53-4d0e-9c9e-1b2a3c4d5e6f",
            event_type=event_type,
            occurred_at=timezone.now(),
            subject=by_shapes[shapes[False]],
            serializer=shapes[trusted],
        )
        jsonschema.validate(json.loads(json.dumps(payload)), posted_body(schema, event_type))
        assert ("patient" in payload["data"]) == (trusted and shapes[True] is not shapes[False])


def test_what_a_receiver_gets_is_valid_against_its_webhook(
    schema, receiver, clinic, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(
        name="HIS",
        url=receiver.url,
        secret=SECRET,
        event_types=[WebhookEventType.TOKEN_CREATED],
        trusted_for_pii=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        register_patient(department=clinic, name="Asha Rao", phone="+14155550123", age=34, gender="female")

    [post] = receiver.received
    body = json.loads(post.body)
    assert body["data"]["patient"]["name"] == "Asha Rao"
    jsonschema.validate(body, posted_body(schema, post.headers["X-SmartQueue-Event"]))


def test_a_shape_the_schema_does_not_declare_is_refused(schema):
    body = posted_body(schema, "token.called")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "type": "token.called", "occurred_at": "now", "data": {"token": 7}}, body)
