"""Real answers of the patient API, with real data in them, match /api/schema/ field for field.

The fuzzing (test_fuzz_api) reaches mostly the error paths; here a hospital morning is set up (tokens
waiting, one with a doctor, one completed) so that every documented success shape is answered and checked:
schemathesis validates each answer against the schema, and every object's keys must be the schema's own
(no field the pages read may be missing from it, none may be left undocumented).
"""

import uuid

import pytest
import requests
import schemathesis
from django.core.wsgi import get_wsgi_application

from patients import services
from patients.models import Queue

pytestmark = pytest.mark.django_db(transaction=True)

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def resolve(node):
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = schema.raw_schema["components"]["schemas"][name]
    return node


def undeclared_keys(node, data, where="body"):
    node = resolve(node)
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in node:
            return [key for part in node[combined][:1] for key in undeclared_keys(part, data, where)]
    if isinstance(data, list) and "items" in node:
        return [
            key for index, item in enumerate(data) for key in undeclared_keys(node["items"], item, f"{where}[{index}]")
        ]
    if isinstance(data, dict) and "properties" in node:
        found = [f"{where}.{key}" for key in data if key not in node["properties"]]
        return found + [
            key
            for name, value in data.items()
            if name in node["properties"]
            for key in undeclared_keys(node["properties"][name], value, f"{where}.{name}")
        ]
    return []


def check(path, method, response):
    operation = schema[path][method]
    operation.validate_response(response)
    body_schema = operation.definition.raw["responses"][str(response.status_code)]["content"]["application/json"]
    assert undeclared_keys(body_schema["schema"], response.json()) == []
    return response.json()


@pytest.fixture
def morning(live_server, department, make_doctor, make_token, unthrottled):
    doctor = make_doctor(department=department, room="Room 2A")
    make_token(department)
    done = services.call_next(doctor=doctor)
    services.start_consultation(entry=done)
    services.complete_consultation(entry=done)
    with_doctor = make_token(department, priority="high")
    services.call_next(doctor=make_doctor(department=department))
    waiting = [make_token(department) for _ in range(3)]
    # Each patient made by their visit's registration, whose answer gave out their id.
    Queue.objects.update(listed_under_patient=True)
    return {"url": live_server.url, "done": done, "with_doctor": with_doctor, "waiting": waiting}


def test_every_patient_read_answers_in_its_documented_shape(morning, department):
    url, waiting = morning["url"], morning["waiting"][1]

    departments = check("/patients/api/departments/", "GET", requests.get(f"{url}/patients/api/departments/"))
    queue = check("/patients/api/queue/{dept_id}/", "GET", requests.get(f"{url}/patients/api/queue/{department.pk}/"))
    visit = check(
        "/patients/api/visit/{public_id}/status/",
        "GET",
        requests.get(f"{url}/patients/api/visit/{morning['with_doctor'].public_id}/status/"),
    )
    visits = check(
        "/patients/api/patient/{patient_id}/status/",
        "GET",
        requests.get(f"{url}/patients/api/patient/{waiting.patient.public_id}/status/"),
    )

    assert departments[0]["queue_length"] == 3
    assert queue["now_serving"][0]["room"] == "Room 2A" or queue["now_serving"][0]["doctor"]
    assert (visit["your_turn"], visit["doctor"]) == (True, visit["doctor"]) and visit["doctor"]
    assert visits["visits"][0]["position"] == 2


def test_every_patient_write_answers_in_its_documented_shape(morning, department):
    url, done = morning["url"], morning["done"]
    registration = {"name": "Asha Patel", "phone": "+14155550170", "age": 34, "gender": "female"}

    created = check(
        "/patients/api/register/",
        "POST",
        requests.post(f"{url}/patients/api/register/", json={**registration, "department": department.pk}),
    )
    again = requests.post(f"{url}/patients/api/register/", json={**registration, "department": department.pk})
    check("/patients/api/register/", "POST", again)
    known = check(
        "/patients/api/check-patient/",
        "POST",
        requests.post(f"{url}/patients/api/check-patient/", json={"phone": "+14155550170"}),
    )
    feedback = check(
        "/patients/api/feedback/",
        "POST",
        requests.post(
            f"{url}/patients/api/feedback/",
            json={"patient_id": str(done.patient.public_id), "visit_id": done.pk, "rating": 5, "comment": "Kind."},
        ),
    )

    assert created["created"] is True and again.status_code == 202 and known["exists"] is True
    assert feedback["token"] == done.token


def test_a_field_missing_from_the_schema_is_noticed():
    visit_schema = {"$ref": "#/components/schemas/VisitStatus"}
    assert undeclared_keys(visit_schema, {"token": "CARD-001", "undocumented": 1}) == ["body.undocumented"]


@pytest.mark.parametrize("url", ["/patients/api/departments/", "/doctors/api/", "/adminpanel/api/"])
def test_a_browser_asking_the_api_for_a_page_gets_json_not_drfs_untranslated_browsable_page(client, db, url):
    answer = client.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert answer["Content-Type"] == "application/json"


def documented_404_details(path):
    answer = schema.raw_schema["paths"][path]["get"]["responses"]["404"]["content"]["application/json"]
    return {example["value"]["detail"] for example in answer["examples"].values()}


@pytest.mark.parametrize(
    "path, address",
    [
        ("/patients/api/queue/{dept_id}/", "/patients/api/queue/999/"),
        ("/patients/api/patient/{patient_id}/status/", "/patients/api/patient/{unknown}/status/"),
        ("/patients/api/patient/{patient_id}/status/", "/patients/api/patient/{without_visits}/status/"),
        ("/patients/api/visit/{public_id}/status/", "/patients/api/visit/{unknown}/status/"),
        ("/patients/api/appointments/{public_id}/", "/patients/api/appointments/{unknown}/"),
    ],
)
def test_each_not_found_answer_is_one_its_operation_documents(client, make_patient, path, address):
    # The schema showed DRF's "No Department matches the given query." for every 404, which none of them says.
    address = address.format(unknown=uuid.uuid4(), without_visits=make_patient().public_id)

    answer = client.get(address)

    assert answer.status_code == 404
    assert answer.json()["detail"] in documented_404_details(path)
