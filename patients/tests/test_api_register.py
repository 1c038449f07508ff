import pytest
from django.urls import reverse

from adminpanel.models import AdminUser, AuditLog, SystemConfiguration
from patients import api, broadcasts, published, selectors
from patients.models import Patient, Queue

URL = "/patients/api/register/"


@pytest.fixture
def registration(department):
    return {
        "name": "Asha Patel",
        "phone": "(415) 555-0123",
        "age": 34,
        "gender": "female",
        "department": department.pk,
        "notes": "Chest pain",
    }


def test_registration_issues_a_token_and_returns_the_status_link(api_client, registration):
    response = api_client.post(URL, registration, format="json")

    assert response.status_code == 201
    body = response.json()
    patient = Patient.objects.get()
    assert patient.phone == "+14155550123"
    assert body["token"] == "CARD-001"
    assert body["created"] is True
    assert body["position"] == 1
    assert body["estimated_wait_minutes"] == 10
    assert body["patient_id"] == str(patient.public_id)
    assert body["status_url"] == f"http://testserver/patients/status/{patient.visits.get().public_id}/"
    assert AuditLog.objects.filter(action="queue.registered").count() == 1



@pytest.mark.django_db(transaction=True)
def test_the_answer_comes_from_the_queue_the_registration_just_published(
    api_client, registration, register, monkeypatch
):
    for _ in range(3):
        register()

    def database_path(**_):
        raise AssertionError("the registration's own broadcast already computed this visit's place")

    monkeypatch.setattr(selectors, "visit_status", database_path)
    response = api_client.post(URL, registration, format="json")

    assert response.status_code == 201
    assert (response.json()["token"], response.json()["position"]) == ("CARD-004", 4)
    assert response.json()["estimated_wait_minutes"] == 40


@pytest.mark.django_db(transaction=True)
def test_the_answer_is_the_status_its_broadcast_worked_out_without_reading_the_queue_back(
    api_client, registration, register, monkeypatch
):
    register()
    sent = []
    note_status_published = published.note_status_published

    def noting(entry_id, status):
        sent.append(status)
        note_status_published(entry_id, status)

    def read_back(**_):
        raise AssertionError("the registration's own broadcast already worked out this visit's status")

    monkeypatch.setattr(published, "note_status_published", noting)
    monkeypatch.setattr(api, "current_visit_status", read_back)
    response = api_client.post(URL, registration, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["token"], body["position"], body["estimated_wait_minutes"]) == ("CARD-002", 2, 20)
    assert {key: value for key, value in body.items() if key in sent[-1]} == sent[-1]


SENT_TO_PHONE = {
    "detail": "This phone number is already registered with us. "
    "We have sent a message to that phone: your token and a link to follow your place, or your appointment today "
    "and how to check in for it.",
    "phone": "\u2022\u2022\u2022\u2022\u2022\u20220123",
    "sent_by": "sms",
}


def test_a_returning_patient_is_matched_by_phone_in_any_format_and_the_token_goes_to_that_phone(
    api_client, registration, make_department
):
    api_client.post(URL, registration, format="json")
    other = make_department(name="Dermatology", code="DERM")

    response = api_client.post(
        URL, {**registration, "phone": "+1 415-555-0123", "department": other.pk}, format="json"
    )

    assert response.status_code == 202
    assert response.json() == SENT_TO_PHONE
    assert Patient.objects.count() == 1
    new_token = Queue.objects.get(department=other)
    assert (new_token.token, new_token.patient.phone) == ("DERM-001", "+14155550123")


def test_registering_twice_for_the_same_department_keeps_the_open_token_and_says_it_was_sent(
    api_client, registration
):
    first = api_client.post(URL, registration, format="json").json()

    again = api_client.post(URL, registration, format="json")

    assert again.status_code == 202
    assert again.json() == SENT_TO_PHONE
    assert first["token"] not in again.content.decode()
    assert Queue.objects.count() == 1
    assert AuditLog.objects.filter(action="queue.registration_repeated").count() == 1


def test_a_returning_patient_registering_online_cannot_change_the_stored_details(api_client, registration):
    api_client.post(URL, registration, format="json")

    api_client.post(URL, {**registration, "name": "Someone Else", "age": 90, "gender": "male"}, format="json")

    patient = Patient.objects.get()
    assert (patient.name, patient.age, patient.gender) == ("Asha Patel", 34, "female")


def test_reception_staff_see_a_returning_patients_token_and_may_correct_their_details(
    api_client, registration, make_user
):
    first = api_client.post(URL, registration, format="json").json()
    api_client.force_authenticate(make_user(is_superuser=True))

    again = api_client.post(URL, {**registration, "name": "Asha R. Patel", "age": 35}, format="json")

    assert again.status_code == 200
    assert (again.json()["token"], again.json()["created"]) == (first["token"], False)
    kept = f"{first['token']} is this patient's token here today already: it keeps its place in line."
    assert again.json()["detail"] == kept
    patient = Patient.objects.get()
    assert (patient.name, patient.age) == ("Asha R. Patel", 35)


@pytest.mark.parametrize("missing", ["name", "phone", "age", "department"])
def test_each_missing_field_is_named(api_client, registration, missing):
    del registration[missing]

    response = api_client.post(URL, registration, format="json")

    assert response.status_code == 400
    assert missing in response.json()
    assert not Queue.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("phone", "12345"),
        ("phone", "not a phone"),
        ("phone", "+1" + "5" * 40),
        ("age", -1),
        ("age", 131),
        ("age", "thirty"),
        ("gender", "robot"),
        ("department", 999999),
        ("department", "cardiology"),
        ("department", 10**30),
        ("name", "x" * 121),
        ("notes", "x" * 1001),
        ("name", "null\x00byte"),
        ("priority", "urgent"),
    ],
)
def test_each_bad_value_is_a_400_naming_its_field(api_client, registration, field, value):
    response = api_client.post(URL, {**registration, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Queue.objects.exists()


def test_inactive_department_is_refused(api_client, registration, department):
    department.is_active = False
    department.save()

    response = api_client.post(URL, registration, format="json")

    assert response.status_code == 400
    assert "No active department" in response.json()["department"][0]


@pytest.mark.parametrize(
    ("language", "id_word"), [("es", "identificador"), ("hi", "पहचान संख्या"), ("ar", "المعرّف")]
)
def test_an_unknown_department_is_named_by_its_id_in_the_words_the_catalogue_has_for_an_id(
    api_client, registration, language, id_word
):
    # Arabic said "بالرقم 999" ("with the number"), the word its pages used for a token and a phone number.
    response = api_client.post(URL, {**registration, "department": 999}, format="json", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 400
    assert id_word in response.json()["department"][0] and "999" in response.json()["department"][0]


def test_a_full_department_refuses_with_the_reason(api_client, registration, department):
    department.daily_capacity = 1
    department.save()
    api_client.post(URL, registration, format="json")

    response = api_client.post(URL, {**registration, "phone": "+14155550124"}, format="json")

    assert response.status_code == 400
    assert "has issued its one token for today" in response.json()["department"][0]


@pytest.mark.parametrize("body", ['{"name": "Asha",', "[1, 2]", '"just a string"', "null"])
def test_malformed_or_non_object_json_is_a_400(api_client, db, body):
    response = api_client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert not Queue.objects.exists()


def test_a_patient_cannot_give_themselves_priority(api_client, registration):
    response = api_client.post(URL, {**registration, "priority": "emergency"}, format="json")

    assert response.status_code == 400
    assert response.json()["priority"] == ["Only reception staff can set a priority."]


@pytest.mark.parametrize("staff_kind", ["doctor", "admin_user", "superuser"])
def test_reception_staff_can_register_an_emergency(
    api_client, registration, make_user, make_doctor, staff_kind, department
):
    user = make_user(is_superuser=staff_kind == "superuser")
    if staff_kind == "doctor":
        make_doctor(user=user, department=department)
    elif staff_kind == "admin_user":
        AdminUser.objects.create(user=user)
    api_client.force_authenticate(user)

    response = api_client.post(URL, {**registration, "priority": "emergency"}, format="json")

    assert response.status_code == 201
    assert response.json()["priority"] == "emergency"
    assert AuditLog.objects.get(action="queue.registered").actor == user


def test_reception_registering_a_waiting_patient_again_as_an_emergency_moves_their_token_up(
    api_client, registration, make_user
):
    first = api_client.post(URL, registration, format="json").json()
    api_client.force_authenticate(make_user(is_superuser=True))

    again = api_client.post(URL, {**registration, "priority": "emergency", "notes": "Chest pain, triaged"}, format="json")
    lower = api_client.post(URL, {**registration, "priority": "normal"}, format="json")

    assert again.status_code == 200
    assert (again.json()["token"], again.json()["priority"]) == (first["token"], "emergency")
    assert Queue.objects.get().priority == "emergency" and lower.json()["priority"] == "emergency"
    assert AuditLog.objects.filter(action="queue.priority_changed").count() == 1
    assert "Chest pain, triaged" in Queue.objects.get().notes


def test_reception_registering_a_patient_who_missed_their_turn_puts_their_token_back_in_its_place(
    api_client, registration, make_user, make_doctor, department
):
    from patients import services

    missed = api_client.post(URL, registration, format="json").json()
    behind = api_client.post(URL, {**registration, "phone": "+14155550177"}, format="json").json()
    doctor = make_doctor(department=department)
    services.skip(entry=services.call_next(doctor=doctor))
    api_client.force_authenticate(make_user(is_superuser=True))

    # The missed patient's status page sends them to the desk, which "can put you back in line".
    again = api_client.post(URL, registration, format="json")

    assert again.status_code == 200
    assert (again.json()["token"], again.json()["status"], again.json()["position"]) == (missed["token"], "waiting", 1)
    assert Queue.objects.count() == 2
    assert Queue.objects.get(pk=behind["visit_id"]).get_position_in_queue() == 2
    assert AuditLog.objects.filter(action="queue.recalled").count() == 1


def test_the_desks_notes_on_a_waiting_patient_registered_again_are_audited_and_reach_the_doctors_at_once(
    api_client, registration, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    api_client.post(URL, {**registration, "notes": "Came with a cough"}, format="json")
    desk = make_user(is_superuser=True)
    api_client.force_authenticate(desk)
    published_events = []
    monkeypatch.setattr(broadcasts, "publish_queue_change", lambda *, event, entry: published_events.append(event))

    with django_capture_on_commit_callbacks(execute=True):
        again = api_client.post(URL, {**registration, "notes": "Now feverish"}, format="json")

    assert again.status_code == 200
    assert Queue.objects.get().notes == "Came with a cough\nNow feverish"
    audit = AuditLog.objects.get(action="queue.notes_added")
    assert audit.actor == desk
    assert (audit.before["notes"], audit.after["notes"]) == ("Came with a cough", "Came with a cough\nNow feverish")
    assert published_events == ["notes_added"]


def test_the_desk_correcting_a_waiting_patients_name_and_age_is_audited_and_reaches_the_doctors_at_once(
    api_client, registration, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    """The desk's correction of what is on file for a patient in line changed the record with no audit row, and the
    dashboard of the doctor seeing them went on showing the old name."""
    api_client.post(URL, registration, format="json")
    desk = make_user(is_superuser=True)
    api_client.force_authenticate(desk)
    published_events = []
    monkeypatch.setattr(broadcasts, "publish_queue_change", lambda *, event, entry: published_events.append(event))

    with django_capture_on_commit_callbacks(execute=True):
        corrected = api_client.post(URL, {**registration, "name": "Asha Patil", "age": 43}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(URL, {**registration, "name": "Asha Patil", "age": 43}, format="json")

    assert corrected.status_code == 200
    assert (Patient.objects.get().name, Patient.objects.get().age) == ("Asha Patil", 43)
    audit = AuditLog.objects.get(action="queue.details_corrected")
    assert audit.actor == desk and audit.after["token"] == corrected.json()["token"]
    assert (audit.before["name"], audit.before["age"]) == ("Asha Patel", 34)
    assert (audit.after["name"], audit.after["age"]) == ("Asha Patil", 43)
    assert "gender" not in audit.before
    assert published_events == ["details_corrected"]


def test_the_desk_correcting_a_known_patients_name_on_a_new_token_is_audited_on_it(
    api_client, registration, department, make_department, make_user
):
    api_client.post(URL, registration, format="json")
    api_client.force_authenticate(make_user(is_superuser=True))
    dermatology = make_department(name="Dermatology", code="DERM")

    issued = api_client.post(URL, {**registration, "department": dermatology.pk, "name": "Asha Patil"}, format="json")

    assert issued.status_code == 201
    audit = AuditLog.objects.get(action="queue.details_corrected")
    assert audit.object_id == str(issued.json()["visit_id"])
    assert (audit.before, audit.after) == (
        {**audit.before, "name": "Asha Patel"},
        {**audit.before, "name": "Asha Patil"},
    )


def test_the_desk_registering_a_known_patient_without_a_language_keeps_theirs(
    api_client, registration, department, make_department, make_user
):
    """Registered by a desk whose client reads English, a Spanish-speaking patient was texted in English from then
    on."""
    api_client.post(URL, {**registration, "language": "es"}, format="json")
    api_client.force_authenticate(make_user(is_superuser=True))
    dermatology = make_department(name="Dermatology", code="DERM")

    issued = api_client.post(
        URL, {**registration, "department": dermatology.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert issued.status_code == 201
    assert Patient.objects.get().language == "es"
    assert not AuditLog.objects.filter(action="queue.details_corrected").exists()


def test_the_desk_giving_a_known_patient_another_language_changes_it_audited(api_client, registration, make_user):
    api_client.post(URL, {**registration, "language": "es"}, format="json")
    api_client.force_authenticate(make_user(is_superuser=True))

    api_client.post(URL, {**registration, "language": "hi"}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert Patient.objects.get().language == "hi"
    audit = AuditLog.objects.get(action="queue.details_corrected")
    assert (audit.before["language"], audit.after["language"]) == ("es", "hi")


def test_a_new_patient_registered_without_a_language_gets_the_requests(api_client, registration, make_user):
    api_client.force_authenticate(make_user(is_superuser=True))

    api_client.post(URL, registration, format="json", HTTP_ACCEPT_LANGUAGE="es")

    assert Patient.objects.get().language == "es"


def test_the_url_is_the_briefs():
    assert reverse("patients:api-register") == URL


def test_patients_cannot_register_online_while_registration_is_closed(api_client, registration, make_user):
    SystemConfiguration.objects.create(registration_open=False)

    refused = api_client.post(URL, registration, format="json")
    staff = make_user(is_superuser=True)
    api_client.force_authenticate(staff)
    walk_in = api_client.post(URL, registration, format="json")

    assert refused.status_code == 400
    assert "Online registration is closed" in refused.json()["detail"]
    assert walk_in.status_code == 201


@pytest.mark.parametrize("whole_hospital", [False, True])
def test_patients_cannot_register_themselves_into_a_department_closed_today(
    api_client, registration, department, make_user, whole_hospital
):
    from django.utils import timezone

    from patients.models import ClosedDay

    ClosedDay.objects.create(
        day=timezone.localdate(), department=None if whole_hospital else department, reason="Holiday"
    )

    refused = api_client.post(URL, registration, format="json")
    api_client.force_authenticate(make_user(is_superuser=True))
    at_the_desk = api_client.post(URL, registration, format="json")

    assert refused.status_code == 400 and list(refused.json()) == ["department"], refused.json()
    assert "Cardiology is closed today (Holiday)" in refused.json()["department"][0]
    assert at_the_desk.status_code == 201
    assert Queue.objects.count() == 1


def test_the_api_refuses_in_hindi_where_the_refusal_is_rest_frameworks_own(api_client, department):
    """DRF ships no Hindi: a Hindi caller was told "Method "PUT" not allowed.", ""x" is not a valid choice." and
    "Ensure this field has no more than 120 characters." in English."""
    too_long_name = "A" * 500
    refused = api_client.post(
        "/patients/api/register/",
        {"name": too_long_name, "phone": "+14155550150", "age": 30, "gender": "x", "department": department.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="hi",
    ).json()
    not_allowed = api_client.put("/patients/api/register/", HTTP_ACCEPT_LANGUAGE="hi").json()

    assert refused["gender"] == ['"x" मान्य विकल्प नहीं है।']
    assert "अक्षर" in refused["name"][0]
    assert not_allowed == {"detail": 'विधि "PUT" की अनुमति नहीं है।'}
