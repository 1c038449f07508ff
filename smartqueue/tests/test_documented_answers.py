"""Walks /api/schema/ and calls every operation as an integrator's mistakes would: bad input, a method its address
does not take, an Accept it cannot answer, and a malformed or reused Idempotency-Key. Each answer must be one its
operation documents, in the documented body, and a refusal of input names the field (or header) at fault.

New operations are walked as soon as they are in the schema."""

import uuid

import jsonschema
import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from adminpanel.models import AdminUser

pytestmark = pytest.mark.django_db

STATE_CHANGING = {"post", "put", "patch", "delete"}


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", HTTP_ACCEPT="application/json").json()


@pytest.fixture
def caller(department, make_doctor, make_user, unthrottled):
    """A client signed in as the role the address is for (a doctor, an admin), else a stranger's."""
    doctor, admin = APIClient(), APIClient()
    doctor.force_authenticate(make_doctor(department=department).user)
    admin_user = make_user()
    AdminUser.objects.create(user=admin_user)
    admin.force_authenticate(admin_user)

    def for_path(path):
        return {"/doctors/": doctor, "/adminpanel/": admin}.get(path[: path.find("/", 1) + 1], APIClient())

    return for_path


def operations(schema):
    return [(path, method, operation) for path, ops in schema["paths"].items() for method, operation in ops.items()]


def address(path, operation):
    """The path with each parameter filled by a value nothing has: an id of no department, a link of no visit."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            value = 987654 if parameter["schema"].get("type") == "integer" else uuid.uuid4()
            path = path.replace("{" + parameter["name"] + "}", str(value))
    return path


def check_documented(schema, operation, answer):
    """The answer's status is one the operation documents, its body valid against that answer's schema."""
    documented = operation["responses"]
    assert str(answer.status_code) in documented, (answer.status_code, answer.content[:200])
    body_schema = documented[str(answer.status_code)]["content"]["application/json"]["schema"]
    jsonschema.validate(answer.json(), {**body_schema, "components": schema["components"]})
    return answer.json()


def named_fields(body):
    return set(body.get("errors", body)) - {"detail"}


def test_every_operation_documents_the_405_its_address_answers_another_method(schema, caller):
    for path, method, operation in operations(schema):
        taken = set(schema["paths"][path])
        other = next(m for m in ("put", "patch", "delete") if m not in taken)
        answer = getattr(caller(path), other)(address(path, operation), {}, format="json")

        assert answer.status_code == 405, (path, other)
        assert answer["Allow"]
        check_documented(schema, operation, answer)


def test_every_operation_documents_the_406_of_an_accept_it_cannot_answer(schema, caller):
    for path, method, operation in operations(schema):
        answer = getattr(caller(path), method)(address(path, operation), HTTP_ACCEPT="text/csv")

        assert answer.status_code == 406, (method, path)
        check_documented(schema, operation, answer)


def test_every_operation_answers_bad_input_as_documented_naming_the_field(schema, caller):
    for path, method, operation in operations(schema):
        client = caller(path)
        if method in STATE_CHANGING:
            answer = getattr(client, method)(address(path, operation), {"no_such_field": 1}, format="json")
        elif any(parameter["in"] in ("path", "query") for parameter in operation.get("parameters", [])):
            # An id or link of nothing in the path, or query parameters that are not a day nor a department.
            answer = client.get(address(path, operation), {"day": "not a day", "department": "x"})
        else:
            continue  # takes no input (its query string's NUL characters: test_null_characters)
        body = check_documented(schema, operation, answer)

        assert answer.status_code in (400, 404), (method, path, answer.status_code)
        if answer.status_code == 400:
            assert named_fields(body), (method, path, body)


def test_every_state_changing_operation_documents_its_idempotency_key_and_its_refusals(schema, caller):
    for path, method, operation in operations(schema):
        if method not in STATE_CHANGING:
            continue
        client = caller(path)
        assert "Idempotency-Key" in [parameter["name"] for parameter in operation["parameters"]], path

        url = address(path, operation)
        malformed = getattr(client, method)(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="two words")
        getattr(client, method)(url, {"no_such_field": 1}, format="json", HTTP_IDEMPOTENCY_KEY=f"{path}-1")
        reused = getattr(client, method)(url, {"another_field": 1}, format="json", HTTP_IDEMPOTENCY_KEY=f"{path}-1")

        assert (malformed.status_code, reused.status_code) == (400, 422), path
        replayed = getattr(client, method)(url, {"no_such_field": 1}, format="json", HTTP_IDEMPOTENCY_KEY=f"{path}-1")
        assert replayed["Idempotent-Replayed"] == "true", path
        assert "Idempotent-Replayed" in operation["responses"][str(replayed.status_code)]["headers"], path
        for answer in (malformed, reused):
            assert named_fields(check_documented(schema, operation, answer)) == {"Idempotency-Key"}, path


@pytest.fixture
def real_values(department, make_token):
    entry = make_token(department)
    return {"dept_id": department.pk, "public_id": entry.public_id, "patient_id": entry.patient.public_id}


def test_every_read_that_sends_an_etag_documents_its_304_and_answers_it(schema, caller, real_values, department):
    conditional = set()
    for path, method, operation in operations(schema):
        if method != "get":
            continue
        url = path.format(**real_values)
        client = caller(path)
        query = {"department": department.pk, "day": timezone.localdate().isoformat()} if "slots" in path else {}
        first = client.get(url, query)
        if first.status_code != 200 or not first.has_header("ETag"):
            assert "304" not in operation["responses"], path  # documented, never answered
            continue
        again = client.get(url, query, HTTP_IF_NONE_MATCH=first["ETag"])

        assert again.status_code == 304 and again.content == b"", path
        assert "304" in operation["responses"], path
        assert "If-None-Match" in [parameter["name"] for parameter in operation["parameters"]], path
        conditional.add(path)

    # The public reads a display or an integrator polls; never a private link's nor a signed-in member of staff's.
    assert conditional == {
        "/patients/api/departments/", "/patients/api/queue/{dept_id}/", "/patients/api/appointments/slots/"
    }


def test_every_operation_a_rate_limit_refuses_documents_its_429_and_says_when_to_retry(schema, caller, monkeypatch):
    for scope in list(SimpleRateThrottle.THROTTLE_RATES):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "0/hour")
    limited = set()
    for path, method, operation in operations(schema):
        answer = getattr(caller(path), method)(address(path, operation), {}, format="json")
        check_documented(schema, operation, answer)
        if answer.status_code == 429:
            assert int(answer["Retry-After"]) > 0, path
            assert "Retry-After" in operation["responses"]["429"]["headers"], path
            limited.add(f"{method.upper()} {path}")

    # Every patient submission (rate-limited per address), none of the reads nor the staff's signed-in actions.
    assert limited == {
        f"POST {path}" for path, ops in schema["paths"].items() if path.startswith("/patients/") and "post" in ops
    }
