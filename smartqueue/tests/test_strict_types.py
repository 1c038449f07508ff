"""Finding 7: every API refuses a JSON value of the wrong type with a 400 naming the field; nothing is coerced."""

import json

import pytest
from django.test import Client

from adminpanel.models import AdminUser
from patients.models import Department
from patients.tests.factories import register_patient


@pytest.fixture
def admin(make_user):
    manager = make_user()
    AdminUser.objects.create(user=manager)
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def doctor(make_doctor, department):
    client = Client()
    client.force_login(make_doctor(department=department).user)
    return client


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


DEPARTMENT = {"action": "create_department", "name": "Radiology", "code": "RAD", "average_consultation_minutes": 10}


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ["a"]),
        ("name", 12),
        ("code", {"x": 1}),
        ("is_active", "maybe"),
        ("is_active", 1),
        ("average_consultation_minutes", "10"),
        ("average_consultation_minutes", True),
        ("daily_capacity", 2.5),
        ("action", ["create_department"]),
    ],
)
def test_the_admin_api_refuses_wrong_types(admin, db, field, value):
    response = post(admin, "/adminpanel/api/", {**DEPARTMENT, field: value})

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Department.objects.filter(code="RAD").exists()


def test_an_edit_with_a_list_for_a_name_leaves_the_department_as_it_was(admin, department):
    body = {"action": "update_department", "department": department.pk, "name": ["a"]}

    response = post(admin, "/adminpanel/api/", body)

    assert response.status_code == 400 and "name" in response.json()["errors"]
    department.refresh_from_db()
    assert department.name == "Cardiology"


@pytest.mark.parametrize(
    "edit, field",
    [({"is_active": None}, "is_active"), ({"department": True}, "department"), ({"department": 1.5}, "department")],
)
def test_an_edit_with_null_for_a_tick_box_or_a_department_of_another_type_changes_nothing(
    admin, department, edit, field
):
    body = {"action": "update_department", "department": department.pk, "room": "Room 99", **edit}

    response = post(admin, "/adminpanel/api/", body)

    assert response.status_code == 400 and field in response.json()["errors"], response.json()
    department.refresh_from_db()
    assert department.is_active and department.room != "Room 99"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "cancel_token", "entry": "1"}, "entry"),
        ({"action": "broadcast", "message": ["hello"]}, "message"),
        ({"action": "broadcast", "message": "hello", "department": "1"}, "department"),
        ({"action": "change_priority", "entry": 1, "priority": 2}, "priority"),
    ],
)
def test_the_admin_api_refuses_wrong_types_for_queue_actions(admin, department, body, field):
    response = post(admin, "/adminpanel/api/", body)

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": 1}, "action"),
        ({"action": "skip", "entry": "5"}, "entry"),
        ({"action": "set_availability", "availability": ["busy"]}, "availability"),
        ({"action": "complete", "entry": 1, "consultation_notes": 42}, "consultation_notes"),
        ({"action": "transfer", "entry": 1, "to_department": "2"}, "to_department"),
    ],
)
def test_the_doctor_api_refuses_wrong_types(doctor, body, field):
    response = post(doctor, "/doctors/api/", body)

    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize(
    "interval, field",
    [
        ({"weekday": "0", "starts_at": "09:00", "ends_at": "13:00"}, "weekday"),
        ({"weekday": 0, "starts_at": 900, "ends_at": "13:00"}, "starts_at"),
        ({"weekday": True, "starts_at": "09:00", "ends_at": "13:00"}, "weekday"),
    ],
)
def test_the_schedule_api_refuses_wrong_types(doctor, interval, field):
    response = post(doctor, "/doctors/api/schedule/", {"schedule": [interval]})

    assert response.status_code == 400
    assert f"schedule[0].{field}" in response.json()["errors"]


@pytest.mark.parametrize(
    "field, value",
    [("name", 12), ("name", ["Asha"]), ("phone", 4155550123), ("age", "34"), ("age", 34.0), ("age", True),
     ("department", "1"), ("gender", 1), ("notes", {"a": 1})],
)
def test_the_registration_api_refuses_wrong_types(department, unthrottled, field, value):
    body = {"name": "Asha", "phone": "+14155550123", "age": 34, "department": department.pk, field: value}

    response = post(Client(), "/patients/api/register/", body)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("field, value", [("patient_id", 5), ("rating", "5"), ("visit_id", "1"), ("comment", 5)])
def test_the_feedback_api_refuses_wrong_types(department, unthrottled, field, value):
    entry, _ = register_patient(department=department, name="A", phone="+14155550123", age=3, gender="male")
    body = {"patient_id": str(entry.patient.public_id), "rating": 5, field: value}

    response = post(Client(), "/patients/api/feedback/", body)

    assert response.status_code == 400
    assert field in response.json()


def test_the_check_patient_api_refuses_a_number_for_a_phone(db, unthrottled):
    response = post(Client(), "/patients/api/check-patient/", {"phone": 4155550123})

    assert response.status_code == 400 and "phone" in response.json()



def test_type_and_department_refusals_are_in_the_requests_language(db):
    answer = Client().post(
        "/patients/api/register/",
        {"name": ["Asha"], "phone": "+14155550123", "age": "34", "department": 99},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )

    assert answer.status_code == 400
    assert answer.json()["age"] == ["Se esperaba un número entero, no texto."]
    assert answer.json()["name"] == ["Se esperaba texto, no una lista."]


# Python converts at most 4,300 digits to a whole number (sys.get_int_max_str_digits()).
OVERLONG_NUMBER = "9" * 5000


@pytest.mark.parametrize(
    "field, error",
    [("age", "This number has too many digits."), ("department", "This number has too many digits."),
     ("name", "Expected text, not a number.")],
)
def test_a_whole_number_too_long_to_read_is_refused_under_its_field(department, unthrottled, field, error):
    body = {"name": "Asha", "phone": "+14155550123", "age": 34, "department": department.pk}
    text = json.dumps({**body, field: "OVERLONG"}).replace('"OVERLONG"', OVERLONG_NUMBER)

    response = Client().generic("POST", "/patients/api/register/", text, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {field: [error]}


def test_the_longest_whole_number_python_reads_is_still_a_number(department, unthrottled):
    body = {"name": "Asha", "phone": "+14155550123", "age": 34, "department": department.pk}
    text = json.dumps({**body, "age": "LONG"}).replace('"LONG"', "9" * 4300)

    response = Client().generic("POST", "/patients/api/register/", text, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"age": ["Ensure this value is less than or equal to 130."]}


def test_the_admin_and_doctor_apis_refuse_a_whole_number_too_long_to_read_under_its_field(admin, doctor, department):
    create = json.dumps({**DEPARTMENT, "average_consultation_minutes": "OVERLONG"})
    create = create.replace('"OVERLONG"', OVERLONG_NUMBER)
    skip = '{"action": "skip", "entry": %s}' % OVERLONG_NUMBER

    created = admin.generic("POST", "/adminpanel/api/", create, content_type="application/json")
    skipped = doctor.generic("POST", "/doctors/api/", skip, content_type="application/json")

    assert created.status_code == 400
    assert created.json()["errors"]["average_consultation_minutes"] == ["This number has too many digits."]
    assert not Department.objects.filter(code="RAD").exists()
    assert skipped.status_code == 400 and skipped.json()["errors"] == {"entry": ["This number has too many digits."]}


@pytest.mark.parametrize("value", ["30.5", "30.0", "3e1"])
def test_a_decimal_for_a_whole_number_is_named_as_such(department, unthrottled, value):
    body = {"name": "Asha", "phone": "+14155550123", "age": "AGE", "department": department.pk}
    text = json.dumps(body).replace('"AGE"', value)

    response = Client().generic("POST", "/patients/api/register/", text, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"age": ["Expected a whole number, not a decimal number."]}


# A misspelt field was dropped and the request done without it, answered as a success: an emergency registered as
# normal by the desk's client, an edit of a department "saved" with nothing changed.
UNDECLARED = "This request takes no field of this name."


def test_a_registration_with_a_misspelt_field_is_refused_naming_it_and_issues_no_token(department, unthrottled):
    body = {"name": "Asha", "phone": "+14155550123", "age": 34, "department": department.pk, "prioirty": "emergency"}

    response = post(Client(), "/patients/api/register/", body)

    assert (response.status_code, response.json()) == (400, {"prioirty": [UNDECLARED]})
    assert not department.queue_entries.exists()


def test_feedback_naming_its_visit_by_another_name_is_refused_not_given_to_the_latest_visit(department, unthrottled):
    entry, _ = register_patient(department=department, name="A", phone="+14155550123", age=3, gender="male")

    response = post(Client(), "/patients/api/feedback/", {"patient_id": str(entry.patient.public_id), "rating": 1,
                                                         "visit": entry.pk})

    assert (response.status_code, response.json()) == (400, {"visit": [UNDECLARED]})


def test_a_working_interval_with_a_field_it_does_not_take_is_refused_under_its_place(doctor):
    interval = {"weekday": 0, "starts_at": "09:00", "ends_at": "13:00", "room": "2B"}

    response = post(doctor, "/doctors/api/schedule/", {"schedule": [interval]})

    assert response.status_code == 400
    assert response.json()["errors"] == {"schedule[0].room": [UNDECLARED]}


def test_an_edit_with_a_misspelt_field_is_refused_and_changes_nothing(admin, department):
    body = {"action": "update_department", "department": department.pk, "nmae": "Radiology", "room": "9"}

    response = post(admin, "/adminpanel/api/", body)

    department.refresh_from_db()
    assert (response.status_code, response.json()["errors"]) == (400, {"nmae": [UNDECLARED]})
    assert department.room != "9"


def test_a_form_body_keeps_the_fields_browsers_add(doctor):
    # The dashboard's buttons post forms carrying the CSRF token and the button's own name: not refused.
    response = doctor.post("/doctors/api/", {"action": "set_availability", "availability": "busy", "submit": "Busy"})

    assert response.status_code == 200, response.content


def test_the_schema_says_request_bodies_take_no_other_field(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    panel = schema["paths"]["/adminpanel/api/"]["post"]["requestBody"]["content"]["application/json"]["schema"]

    assert schema["components"]["schemas"]["Registration"]["additionalProperties"] is False
    assert {action["additionalProperties"] for action in panel["oneOf"]} == {False}


def test_the_schema_leaves_form_bodies_open_to_the_fields_browsers_add(client, db):
    # A form's own step ("confirmed") or button was a schema violation to a client kept to the schema.
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schedule = schema["paths"]["/doctors/api/schedule/"]["post"]["requestBody"]["content"]
    dashboard = schema["paths"]["/doctors/api/"]["post"]["requestBody"]["content"]

    for form in (schedule["multipart/form-data"], dashboard["application/x-www-form-urlencoded"]):
        assert "additionalProperties" not in json.dumps(form) and "$ref" not in json.dumps(form)
    assert schedule["multipart/form-data"]["schema"]["properties"]["schedule"]["items"]["properties"]["weekday"]
    assert schedule["application/json"]["schema"] == {"$ref": "#/components/schemas/WeeklySchedule"}
    assert {action["additionalProperties"] for action in dashboard["application/json"]["schema"]["oneOf"]} == {False}


# A field of the wrong type was answered alone: the client corrected it and only then learnt of the blank name and
# the negative age beside it.
def test_a_booking_naming_its_department_in_words_is_told_of_its_other_bad_fields_too(department, unthrottled):
    body = {"name": "", "phone": "+14155550123", "age": -1, "department": "cardiology", "slot": "soon"}

    response = post(Client(), "/patients/api/appointments/", body)

    assert response.status_code == 400
    assert set(response.json()) == {"name", "age", "department", "slot"}
    assert response.json()["department"] == ["Expected an id number, not text."]


def test_a_registration_with_a_misspelt_field_is_told_of_its_other_bad_fields_too(department, unthrottled):
    body = {"name": "Asha", "phone": "+14155550123", "age": 200, "department": department.pk, "prioirty": "high"}

    response = post(Client(), "/patients/api/register/", body)

    assert response.json() == {"prioirty": [UNDECLARED], "age": ["Ensure this value is less than or equal to 130."]}


def test_the_admin_api_names_every_bad_field_of_an_action_at_once(admin, db):
    response = post(admin, "/adminpanel/api/", {**DEPARTMENT, "name": ["a"], "average_consultation_minutes": -5})

    assert response.status_code == 400
    assert {"name", "average_consultation_minutes"} <= set(response.json()["errors"])
    assert response.json()["errors"]["name"] == ["Expected text, not a list."]
    assert not Department.objects.filter(code="RAD").exists()
