"""POST /doctors/api/ and POST /adminpanel/api/ declare in /api/schema/ the body of each of their actions (one
object per action, its fields from the action's form), and the API holds a body to exactly that declaration."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from adminpanel.actions import PANEL_ACTIONS
from adminpanel.models import AdminUser
from doctors.actions import DOCTOR_ACTIONS

WRONG_JSON_TYPE = {"integer": "seven", "string": 7, "boolean": "yes"}


@pytest.fixture
def staff_api(db, department, make_doctor, make_user):
    doctor = APIClient()
    doctor.force_login(make_doctor(department=department).user)
    manager = make_user()
    AdminUser.objects.create(user=manager)
    admin = APIClient()
    admin.force_login(manager)
    return {"/doctors/api/": doctor, "/adminpanel/api/": admin}


def declared_actions(client, path):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return {alternative["properties"]["action"]["enum"][0]: alternative for alternative in body["oneOf"]}


@pytest.mark.parametrize(
    "path, actions",
    [
        ("/doctors/api/", {"call_next", "start", "complete", "skip", "recall", "transfer", "refer",
                           "set_availability"}),
        (
            "/adminpanel/api/",
            {"create_department", "update_department", "deactivate_department", "cancel_token", "reinstate_token",
             "change_priority", "move_token", "correct_phone", "return_to_line", "end_consultation", "broadcast",
             "redeliver_webhook"},
        ),
    ],
)
def test_every_action_is_declared_and_its_required_fields_are_the_ones_refused_when_missing(staff_api, path, actions):
    client = staff_api[path]
    declared = declared_actions(client, path)

    assert set(declared) == actions
    for action, alternative in declared.items():
        answer = client.post(path, {"action": action}, format="json")
        required = set(alternative["required"]) - {"action"}
        if required:
            assert answer.status_code == 400 and required <= set(answer.json()["errors"]), (action, answer.json())


@pytest.mark.parametrize("path", ["/doctors/api/", "/adminpanel/api/"])
def test_every_declared_field_is_held_to_its_declared_json_type(staff_api, path, department):
    client = staff_api[path]

    refused = {}
    for action, alternative in declared_actions(client, path).items():
        for name, field in alternative["properties"].items():
            if name == "action":
                continue
            # An edit names its department first: the other fields are read once it is found.
            chosen = {"department": department.pk} if action == "update_department" and name != "department" else {}
            [json_type] = {field["type"]} if isinstance(field["type"], str) else set(field["type"]) - {"null"}
            body = {"action": action, **chosen, name: WRONG_JSON_TYPE[json_type]}
            answer = client.post(path, body, format="json")
            refused[(action, name)] = answer.status_code == 400 and name in answer.json()["errors"]

    assert refused and all(refused.values()), [where for where, named in refused.items() if not named]


def test_readme_names_every_action_of_the_staff_apis():
    section = (settings.BASE_DIR / "README.md").read_text().split("### Doctor and admin APIs")[1].split("###")[0]

    assert [name for name, _label in [*DOCTOR_ACTIONS.choices(), *PANEL_ACTIONS.choices()]
            if f"`{name}`" not in section] == []


def test_recall_declares_the_token_it_always_needs(staff_api):
    # Recalling is of a skipped token, never of the patient with the doctor: nothing to default to.
    doctor = staff_api["/doctors/api/"]

    answer = doctor.post("/doctors/api/", {"action": "recall"}, format="json")

    assert answer.status_code == 400 and list(answer.json()["errors"]) == ["entry"]
    assert "entry" in declared_actions(doctor, "/doctors/api/")["recall"]["required"]
