"""The refusals of the doctors' and the panel's APIs have the bodies /api/schema/ declares for them, and no other."""

import jsonschema
import pytest
from rest_framework.test import APIClient

from adminpanel.models import AdminUser


@pytest.fixture
def schema(db):
    return APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def declared_body(schema, path, code):
    answer = schema["paths"][path]["post"]["responses"][str(code)]
    return {**answer["content"]["application/json"]["schema"], "components": schema["components"]}


def refusals(client, path):
    return [
        client.post(path, {"action": 5, "schedule": "every day"}, format="json"),
        client.post(path, "{", content_type="application/json"),
        client.post(path, "call_next", content_type="text/plain"),
    ]


@pytest.mark.parametrize("path", ["/doctors/api/", "/doctors/api/schedule/", "/adminpanel/api/"])
def test_every_refusal_has_a_declared_body(schema, path, department, make_doctor, make_user):
    staff = APIClient()
    manager = make_user()
    AdminUser.objects.create(user=manager)
    staff.force_login(manager if path.startswith("/adminpanel/") else make_doctor(department=department).user)

    answers = [*refusals(staff, path), *refusals(APIClient(), path)]

    assert sorted({answer.status_code for answer in answers}) == [400, 403, 415]
    for answer in answers:
        jsonschema.validate(answer.json(), declared_body(schema, path, answer.status_code))


@pytest.mark.parametrize("code, body", [(400, {"errors": "action"}), (400, {"message": "no"}), (403, {}), (415, [])])
def test_a_refusal_in_another_shape_fails_the_schema(schema, code, body):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, declared_body(schema, "/doctors/api/", code))
