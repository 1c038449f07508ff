import uuid

import pytest

from patients.models import PatientFeedback

CHECK_URL = "/patients/api/check-patient/"
FEEDBACK_URL = "/patients/api/feedback/"


def test_check_patient_says_whether_a_number_is_known_without_saying_who_or_whether_they_are_here(
    api_client, register
):
    entry = register(name="Ravi Kumar", phone="+14155550131")

    known = api_client.post(CHECK_URL, {"phone": "415 555 0131"}, format="json")
    unknown = api_client.post(CHECK_URL, {"phone": "415 555 0132"}, format="json")

    # Ravi holds an open token today; a stranger with his number must not learn that he is at the hospital.
    assert known.json() == {"phone": "+14155550131", "exists": True}
    assert unknown.json() == {"phone": "+14155550132", "exists": False}
    assert "Ravi" not in known.content.decode() and entry.token not in known.content.decode()


@pytest.mark.parametrize("body", [{}, {"phone": ""}, {"phone": "123"}, {"phone": "x" * 100}])
def test_check_patient_rejects_missing_or_invalid_phone(api_client, db, body):
    response = api_client.post(CHECK_URL, body, format="json")

    assert response.status_code == 400
    assert "phone" in response.json()


def test_feedback_after_completion_is_recorded(api_client, register, complete_visit):
    entry = complete_visit(register())

    response = api_client.post(
        FEEDBACK_URL, {"patient_id": str(entry.patient.public_id), "rating": 5, "comment": "Quick."}, format="json"
    )

    assert response.status_code == 201
    assert response.json() == {"visit_id": entry.pk, "token": entry.token, "rating": 5, "comment": "Quick."}
    assert PatientFeedback.objects.get().queue_entry == entry
    status = api_client.get(f"/patients/api/visit/{entry.public_id}/status/").json()
    assert (status["feedback_given"], status["can_give_feedback"]) == (True, False)


def test_feedback_before_completion_is_refused(api_client, register):
    entry = register()

    response = api_client.post(FEEDBACK_URL, {"patient_id": str(entry.patient.public_id), "rating": 5}, format="json")

    assert response.status_code == 400
    assert "once the consultation" in response.json()["visit_id"][0]
    assert not PatientFeedback.objects.exists()


def test_second_feedback_for_the_same_visit_is_refused(api_client, register, complete_visit):
    entry = complete_visit(register())
    body = {"patient_id": str(entry.patient.public_id), "visit_id": entry.pk, "rating": 4}
    api_client.post(FEEDBACK_URL, body, format="json")

    response = api_client.post(FEEDBACK_URL, {**body, "rating": 1}, format="json")

    assert response.status_code == 400
    assert "already been given" in response.json()["visit_id"][0]
    assert PatientFeedback.objects.get().rating == 4


def test_feedback_cannot_target_another_patients_visit(api_client, register, complete_visit):
    someone_else = complete_visit(register(phone="+14155550141"))
    me = register(phone="+14155550142")

    response = api_client.post(
        FEEDBACK_URL,
        {"patient_id": str(me.patient.public_id), "visit_id": someone_else.pk, "rating": 1},
        format="json",
    )

    assert response.status_code == 400
    assert "visit_id" in response.json()
    assert not PatientFeedback.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("rating", 0),
        ("rating", 6),
        ("rating", "great"),
        ("comment", "x" * 2001),
        ("patient_id", "not-a-uuid"),
        ("visit_id", 0),
        ("visit_id", "abc"),
    ],
)
def test_bad_feedback_fields_are_named(api_client, register, complete_visit, field, value):
    entry = complete_visit(register())
    body = {"patient_id": str(entry.patient.public_id), "rating": 5, field: value}

    response = api_client.post(FEEDBACK_URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not PatientFeedback.objects.exists()


@pytest.mark.parametrize("missing", ["patient_id", "rating"])
def test_missing_feedback_fields_are_named(api_client, register, complete_visit, missing):
    entry = complete_visit(register())
    body = {"patient_id": str(entry.patient.public_id), "rating": 5}
    del body[missing]

    response = api_client.post(FEEDBACK_URL, body, format="json")

    assert response.status_code == 400
    assert missing in response.json()


def test_feedback_for_an_unknown_patient_is_refused(api_client, db):
    response = api_client.post(FEEDBACK_URL, {"patient_id": str(uuid.uuid4()), "rating": 5}, format="json")

    assert response.status_code == 400
    assert response.json() == {"patient_id": ["No patient has this id."]}


def test_malformed_feedback_json_is_a_400(api_client, db):
    response = api_client.post(FEEDBACK_URL, "{rating: 5", content_type="application/json")

    assert response.status_code == 400
