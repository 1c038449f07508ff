import re
import uuid

import jsonschema
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture
def two_per_minute(monkeypatch, clock):
    # DRF copies the configured rates onto the throttle class at import, so patch them there. The clock stopped:
    # a limit's window (a minute) cannot end between a test's requests.
    for scope in ("register", "check_patient", "feedback"):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "2/min")


@pytest.mark.parametrize(
    "url, body",
    [
        ("/patients/api/register/", {}),
        ("/patients/api/check-patient/", {"phone": "415 555 0150"}),
        ("/patients/api/feedback/", {}),
    ],
)
def test_too_many_requests_get_429_with_retry_after(api_client, db, two_per_minute, url, body):
    for _ in range(2):
        assert api_client.post(url, body, format="json").status_code in (200, 400)

    response = api_client.post(url, body, format="json")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


def test_reading_is_not_throttled(api_client, db, two_per_minute):
    for _ in range(5):
        assert api_client.get("/patients/api/departments/").status_code == 200


def test_schema_documents_every_patient_endpoint_with_examples(api_client, db):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        ("/patients/api/register/", "post"),
        ("/patients/api/departments/", "get"),
        ("/patients/api/queue/{dept_id}/", "get"),
        ("/patients/api/patient/{patient_id}/status/", "get"),
        ("/patients/api/check-patient/", "post"),
        ("/patients/api/feedback/", "post"),
    }
    for path, method in expected:
        operation = paths[path][method]
        examples = [
            content.get("examples")
            for response in operation["responses"].values()
            for content in response.get("content", {}).values()
        ]
        assert any(examples), f"{method.upper()} {path} has no response example"
        if method == "post":
            assert operation["requestBody"]["content"]["application/json"].get("examples"), path


def is_one_documented_error_shape(body):
    """{"detail": message} for a refusal of no one field, else DRF's {field: [messages]}: never anything else."""
    if list(body) == ["detail"]:
        return isinstance(body["detail"], str)
    return all(isinstance(problems, list) and all(isinstance(p, str) for p in problems) for problems in body.values())


def test_every_documented_patient_api_error_has_one_shape(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    errors = {
        (path, method, code, name): example["value"]
        for path, operations in schema["paths"].items()
        if path.startswith("/patients/api/")
        for method, operation in operations.items()
        for code, answer in operation["responses"].items()
        if code.startswith("4")
        for content in answer.get("content", {}).values()
        for name, example in content.get("examples", {}).items()
    }

    assert ("/patients/api/appointments/", "post", "409", "SlotTaken") in errors
    assert [where for where, body in errors.items() if not is_one_documented_error_shape(body)] == []


def test_docs_page_serves_swagger_from_our_own_static_files(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content.decode()
    assert "cdn" not in response.content.decode().lower()


def test_while_the_cache_is_unreachable_the_limits_let_requests_through(api_client, db, two_per_minute, monkeypatch):
    # What django-redis answers with IGNORE_EXCEPTIONS while its Redis is down.
    for method in ("add", "incr", "get"):
        monkeypatch.setattr(cache, method, lambda *args, **kwargs: None)

    answers = [
        api_client.post("/patients/api/check-patient/", {"phone": "415 555 0150"}, format="json") for _ in range(4)
    ]

    assert [answer.status_code for answer in answers] == [200] * 4


def test_a_signed_in_user_counts_apart_from_the_address_they_share(api_client, db, two_per_minute, make_user):
    staff = APIClient()
    staff.force_authenticate(make_user())

    def check(client):
        return client.post("/patients/api/check-patient/", {"phone": "415 555 0150"}, format="json").status_code

    assert [check(api_client) for _ in range(3)] == [200, 200, 429]
    assert [check(staff) for _ in range(3)] == [200, 200, 429]


def patient_api_posts(schema):
    """Every POST of the patient API, its path's ids filled with one that leads nowhere."""
    for path, operations in schema["paths"].items():
        if path.startswith("/patients/api/") and "post" in operations:
            yield path, re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path), operations["post"]["responses"]


def test_every_answer_to_a_body_that_is_not_json_is_documented(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    answers = {
        path: (api_client.post(url, "name=Asha", content_type="text/plain").status_code, sorted(documented))
        for path, url, documented in patient_api_posts(schema)
    }

    assert answers["/patients/api/register/"][0] == 415
    assert {path: answer for path, answer in answers.items() if str(answer[0]) not in answer[1]} == {}


def test_every_answer_to_a_signed_in_post_without_its_csrf_token_is_documented(db, make_user):
    desk = APIClient(enforce_csrf_checks=True)
    desk.force_login(make_user())
    schema = desk.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    answers = {
        path: (desk.post(url, {}, format="json").status_code, sorted(documented))
        for path, url, documented in patient_api_posts(schema)
    }

    assert answers["/patients/api/register/"][0] == 403
    assert {path: answer for path, answer in answers.items() if str(answer[0]) not in answer[1]} == {}


def test_every_documented_example_is_in_the_shape_it_illustrates(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    examples = [
        (f"{method.upper()} {path} {where} {name}", content["schema"], example["value"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for where, content in [
            *((code, content) for code, answer in operation["responses"].items()
              for content in answer.get("content", {}).values()),
            *(("request", content) for content in operation.get("requestBody", {}).get("content", {}).values()),
        ]
        for name, example in content.get("examples", {}).items()
    ]

    wrong = [
        (where, error.message)
        for where, shape, value in examples
        for error in jsonschema.Draft202012Validator(
            {**shape, "components": schema["components"]}
        ).iter_errors(value)
    ]

    assert len(examples) > 20 and wrong == []
