"""A REST request sent again with its Idempotency-Key (smartqueue.idempotency): a kiosk that retries a registration
after a timeout gets its first token back, not a second one; a second "Leave the line" is the first answer, not 400."""

import hashlib
import uuid

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.test.client import encode_multipart
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from adminpanel.models import AuditLog
from patients.models import Queue
from smartqueue import idempotency

REGISTER = "/patients/api/register/"


@pytest.fixture
def kiosk():
    return APIClient()


@pytest.fixture
def registration(department):
    return {"name": "Asha Patel", "phone": "(415) 555-0123", "age": 34, "gender": "female", "department": department.pk}


def test_a_registration_retried_with_its_key_gets_the_first_token_and_issues_no_second(kiosk, registration):
    key = str(uuid.uuid4())

    first = kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Cache-Control"] == first["Cache-Control"]  # the status link's answer is never stored either
    assert Queue.objects.count() == 1
    assert AuditLog.objects.filter(action="queue.registered").count() == 1


def test_the_same_object_written_in_another_key_order_is_the_same_request(kiosk, registration):
    key = str(uuid.uuid4())
    kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY=key)

    reordered = dict(reversed(list(registration.items())))
    again = kiosk.post(REGISTER, reordered, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"


def test_a_second_leave_the_line_with_its_key_is_the_first_answer_not_a_refusal(kiosk, department, make_token):
    entry = make_token(department)
    url = f"/patients/api/visit/{entry.public_id}/cancel/"

    first = kiosk.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="leave-1")
    again = kiosk.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="leave-1")
    without_key = kiosk.post(url, {}, format="json")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == "cancelled"
    assert without_key.status_code == 400  # no key: a new request, refused as before


def test_the_key_sent_with_another_body_is_refused_naming_the_header_and_nothing_is_issued(kiosk, registration):
    kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    other = kiosk.post(REGISTER, {**registration, "name": "Ravi Patel"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert other.status_code == 422
    assert list(other.json()) == ["Idempotency-Key"]
    assert Queue.objects.count() == 1


def test_the_key_of_a_request_still_running_answers_409(kiosk, registration):
    scope = hashlib.sha256(b"address:127.0.0.1\nrunning").hexdigest()
    cache.set(f"idempotency:running:{scope}", "fingerprint", idempotency.IN_FLIGHT_SECONDS)

    answer = kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="running")

    assert answer.status_code == 409 and answer["Retry-After"] == "1"
    assert list(answer.json()) == ["Idempotency-Key"]
    assert Queue.objects.count() == 0


def test_a_malformed_key_is_refused_naming_the_header_in_the_staff_apis_shape(make_doctor, department):
    doctor = make_doctor(department=department)
    desk = APIClient()
    desk.force_authenticate(doctor.user)

    answer = desk.post("/doctors/api/", {"action": "call_next"}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)

    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["Idempotency-Key"]


def as_form(boundary):
    body = encode_multipart(boundary, {"action": "call_next"})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.parametrize(
    "sent",
    [
        [{"data": {"action": "call_next"}, "format": "json"}] * 2,
        # A browser draws a new boundary each time it sends a form: still the same request.
        [as_form("first-boundary"), as_form("second-boundary")],
    ],
    ids=["json", "form"],
)
def test_a_staff_action_retried_with_its_key_calls_one_patient_only(make_doctor, department, make_token, sent):
    doctor = make_doctor(department=department)
    make_token(department), make_token(department)
    desk = APIClient()
    desk.force_authenticate(doctor.user)

    for request in sent:
        answer = desk.post("/doctors/api/", **request, HTTP_IDEMPOTENCY_KEY="call")

    assert answer.status_code == 200 and answer["Idempotent-Replayed"] == "true"
    assert Queue.objects.filter(status=Queue.Status.CALLED).count() == 1


def test_another_client_sending_the_same_key_and_body_is_not_given_the_first_answer(registration):
    APIClient(REMOTE_ADDR="10.0.0.1").post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="shared")

    stranger = APIClient(REMOTE_ADDR="10.0.0.2").post(
        REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )

    # Its own request: the phone is now known, so the token goes to the phone on file, and no status link is shown.
    assert stranger.status_code == 202
    assert "Idempotent-Replayed" not in stranger


def test_a_throttled_answer_is_not_kept_so_the_retry_runs(kiosk, registration, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "register", "0/hour")
    throttled = kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="later")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "register", "100/hour")

    later = kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="later")

    assert (throttled.status_code, later.status_code) == (429, 201)


def test_the_refusal_is_in_the_clients_language(kiosk, registration):
    kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="k-es")

    other = kiosk.post(
        REGISTER, {**registration, "age": 35}, format="json", HTTP_IDEMPOTENCY_KEY="k-es", HTTP_ACCEPT_LANGUAGE="es"
    )

    assert other.json()["Idempotency-Key"] == [
        "Esta Idempotency-Key ya se usó para otra solicitud (otra dirección u otro cuerpo). Envíe una clave nueva "
        "para cada solicitud nueva."
    ]


@override_settings(CORS_ALLOWED_ORIGINS=["https://portal.example-hospital.org"])
def test_a_portal_on_another_origin_may_send_a_key_and_read_the_answers_headers(kiosk, registration, monkeypatch):
    portal = {"HTTP_ORIGIN": "https://portal.example-hospital.org"}
    preflight = kiosk.options(
        REGISTER,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,idempotency-key",
        **portal,
    )
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "register", "0/hour")
    throttled = kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="p-1", **portal)

    assert "idempotency-key" in preflight["Access-Control-Allow-Headers"]
    exposed = {name.strip() for name in throttled["Access-Control-Expose-Headers"].split(",")}
    assert {"Idempotent-Replayed", "Retry-After", "ETag"} <= exposed


def test_a_method_the_address_does_not_take_is_its_405_whatever_the_key(kiosk, registration):
    kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="k-put")

    for method in ("put", "delete"):
        answer = getattr(kiosk, method)(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="k-put")

        assert answer.status_code == 405


@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_once_with_one_key_issue_one_token(registration, at_once):
    def send():
        return APIClient().post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="twice").status_code

    statuses = sorted(at_once(send, send))

    # The second is told the first still runs (409), or, finishing after it, given its answer (201).
    assert statuses in ([201, 409], [201, 201])
    assert Queue.objects.count() == 1


def test_with_the_cache_unreachable_a_keyed_request_runs_as_without_a_key(kiosk, registration, monkeypatch):
    # django-redis with IGNORE_EXCEPTIONS answers None to every call while Redis is down: not "already running".
    class CacheDown:
        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    monkeypatch.setattr(idempotency, "cache", CacheDown())

    statuses = [kiosk.post(REGISTER, registration, format="json", HTTP_IDEMPOTENCY_KEY="down").status_code
                for _ in range(2)]

    assert statuses == [201, 202]  # as today: the second finds the phone known, and no 409 blocks the kiosk
