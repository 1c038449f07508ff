"""Attacks on what exists today (guessing ids, cross-site posts, reading personal data) and that they fail.

Throttling has its own tests in patients/tests/test_api_throttling_schema.py.
"""

import logging
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import Notification
from patients import services
from patients.models import Patient, PatientFeedback, Queue
from patients.tests.factories import register_patient

from .conftest import registration

ASHA = {"name": "Asha Patel", "phone": "+14155550123", "age": 34, "gender": "female"}
RAVI = {"name": "Ravi Kumar", "phone": "+14155550145", "age": 61, "gender": "male"}
# A phone shows up as typed, in E.164, or as its bare national digits.
ASHA_TRACES = ["Asha", "Patel", "+14155550123", "4155550123", "(415) 555-0123", "Chest pain"]
RAVI_TRACES = ["Ravi", "Kumar", "+14155550145", "4155550145", "Knee swelling"]


@pytest.fixture
def asha(department):
    entry, _ = register_patient(department=department, notes="Chest pain", **ASHA)
    return entry


@pytest.fixture
def ravi(department):
    entry, _ = register_patient(department=department, notes="Knee swelling", **RAVI)
    return entry


def complete(entry, doctor):
    services.call_patient(entry=entry, doctor=doctor)
    services.start_consultation(entry=entry)
    return services.complete_consultation(entry=entry)


def assert_no_trace(text, traces):
    leaked = [trace for trace in traces if trace in text]
    assert not leaked, f"personal data leaked: {leaked}"


# IDOR: a patient's pages answer only to the unguessable public id, and show only that patient's visit.


@pytest.mark.parametrize("page", ["/patients/status/{id}/", "/patients/registered/{id}/"])
def test_patient_pages_do_not_answer_to_integer_ids(client, asha, page):
    for guess in (asha.patient.pk, asha.pk):
        assert client.get(page.format(id=guess)).status_code == 404


def test_another_patients_status_page_reveals_nothing_of_the_first(client, asha, ravi):
    page = client.get(ravi.get_absolute_url())

    assert page.status_code == 200
    text = page.content.decode()
    assert ravi.token in text
    assert asha.token not in text and str(asha.patient.public_id) not in text
    assert_no_trace(text, ASHA_TRACES)


def test_feedback_posted_on_ones_own_page_cannot_land_on_another_visit(client, asha, ravi, make_doctor):
    doctor = make_doctor(department=asha.department)
    complete(asha, doctor)
    complete(ravi, doctor)

    client.post(ravi.get_absolute_url(), {"rating": "1", "visit_id": asha.pk, "patient_id": asha.pk})

    assert list(PatientFeedback.objects.values_list("queue_entry_id", "rating")) == [(ravi.pk, 1)]


def test_a_tokens_link_leads_to_nothing_of_the_patients_other_visits(client, asha, make_department):
    """A ticket left in the lobby or a forwarded message must not follow the patient to their next visit."""
    later, _ = register_patient(department=make_department(name="Dermatology", code="DERM"), **ASHA)
    patient_id = str(asha.patient.public_id)

    answers = [
        client.get(f"/patients/api/visit/{asha.public_id}/status/").content.decode(),
        client.get(f"/patients/status/{asha.public_id}/").content.decode(),
        client.get(f"/kiosk/site/ticket/{asha.public_id}/").content.decode(),
    ]

    for answer in answers:
        assert patient_id not in answer
        assert str(later.public_id) not in answer


def test_public_ids_are_random_not_sequential(asha, ravi):
    first, second = asha.patient.public_id, ravi.patient.public_id

    assert first.version == second.version == 4
    assert abs(first.int - second.int) > 2**64


# Someone who knows a patient's phone number registers with it: the match must not hand them the visit.

MALLORY_WITH_ASHAS_PHONE = {"name": "Mallory", "phone": "(415) 555-0123", "age": 77, "gender": "male"}


def visible_to_requester(response):
    """Everything the requester's browser or client got: status, headers (Location included) and body."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return f"{response.status_code}\n{headers}\n{response.content.decode()}"


def assert_visit_not_revealed(seen, patient):
    tokens = list(Queue.objects.filter(patient=patient).values_list("token_number", "department__code"))
    assert tokens, "the patient should hold tokens to leak"
    leaked = [f"{code}-{number:03d}" for number, code in tokens if f"{code}-{number:03d}" in seen]
    assert str(patient.public_id) not in seen, "the patient's public id / status link leaked"
    assert not leaked, f"the patient's tokens leaked: {leaked}"
    assert "/patients/status/" not in seen and "/patients/registered/" not in seen


def assert_details_untouched(patient):
    patient.refresh_from_db()
    assert (patient.name, patient.age, patient.gender) == (ASHA["name"], ASHA["age"], ASHA["gender"])


@pytest.mark.parametrize("same_department", [True, False], ids=["open-token", "new-token"])
def test_registering_with_a_known_phone_through_the_api_reveals_nothing_and_changes_nothing(
    asha, make_department, unthrottled, same_department
):
    department = asha.department if same_department else make_department(name="Dermatology", code="DERM")

    response = APIClient().post(
        "/patients/api/register/", {**MALLORY_WITH_ASHAS_PHONE, "department": department.pk}, format="json"
    )

    assert response.status_code == 202
    assert response.json()["phone"] == "\u2022" * 6 + "0123"
    seen = visible_to_requester(response)
    assert_visit_not_revealed(seen, asha.patient)
    assert_no_trace(seen, ASHA_TRACES)
    assert_details_untouched(asha.patient)
    assert Patient.objects.count() == 1


@pytest.mark.parametrize("same_department", [True, False], ids=["open-token", "new-token"])
def test_registering_with_a_known_phone_on_the_page_reveals_nothing_and_changes_nothing(
    client, asha, make_department, same_department
):
    department = asha.department if same_department else make_department(name="Dermatology", code="DERM")

    posted = client.post("/patients/register/", {**MALLORY_WITH_ASHAS_PHONE, "department": department.pk})
    shown = client.get(posted["Location"])

    assert (posted.status_code, posted["Location"].split("?")[0]) == (302, "/patients/register/sent/")
    assert "already registered with us" in shown.content.decode()
    for response in (posted, shown):
        seen = visible_to_requester(response)
        assert_visit_not_revealed(seen, asha.patient)
        assert_no_trace(seen, ASHA_TRACES)
    assert_details_untouched(asha.patient)


def test_the_owner_of_the_phone_gets_the_token_and_link_by_sms(
    asha, unthrottled, tasks_run_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/patients/api/register/", {**MALLORY_WITH_ASHAS_PHONE, "department": asha.department_id}, format="json"
        )

    assert response.status_code == 202
    repeat = Notification.objects.exclude(idempotency_key=f"queue-{asha.pk}-registration").get()
    assert (repeat.patient, repeat.queue_entry, repeat.channel) == (asha.patient, asha, "sms")
    assert (repeat.status, repeat.backend) == (Notification.Status.SENT, "console")
    assert f"/patients/status/{asha.public_id}/" in repeat.body and asha.token in repeat.body
    assert repeat.body.startswith("Hello Asha Patel,"), "the message uses the stored name, not the requester's"


# CSRF: a page on another site cannot post a patient's forms, nor act with a logged-in staff member's session.


def test_registration_form_rejects_a_post_without_the_csrf_token(department):
    browser = Client(enforce_csrf_checks=True)
    form = {**ASHA, "department": department.pk}

    forged = browser.post("/patients/register/", form)

    assert forged.status_code == 403
    assert not Patient.objects.exists()
    browser.get("/patients/register/")
    genuine = browser.post("/patients/register/", {**form, "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert genuine.status_code == 302
    assert Queue.objects.filter(patient__phone=ASHA["phone"]).exists()


def test_feedback_form_rejects_a_post_without_the_csrf_token(asha, make_doctor):
    complete(asha, make_doctor(department=asha.department))
    browser = Client(enforce_csrf_checks=True)
    status_page = asha.get_absolute_url()

    forged = browser.post(status_page, {"rating": "1"})

    assert forged.status_code == 403
    assert not PatientFeedback.objects.exists()
    browser.get(status_page)
    genuine = browser.post(status_page, {"rating": "5", "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert genuine.status_code == 302
    assert PatientFeedback.objects.get().rating == 5


def test_api_rejects_a_staff_session_post_without_the_csrf_token(department, make_user):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(make_user(is_superuser=True))

    forged = browser.post(
        "/patients/api/register/", registration(department, priority="emergency"), format="json"
    )

    assert forged.status_code == 403
    assert "CSRF" in forged.json()["detail"]
    assert not Queue.objects.exists()


# Personal data: never on public pages, never in INFO logs.


def test_public_pages_and_queue_api_show_tokens_but_no_names_or_phones(client, department, asha, ravi, make_doctor):
    services.call_patient(entry=asha, doctor=make_doctor(department=department))
    public_pages = ["/", "/patients/", "/patients/api/departments/", f"/patients/api/queue/{department.pk}/"]

    for url in public_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_trace(response.content.decode(), ASHA_TRACES + RAVI_TRACES)
    queue = client.get(f"/patients/api/queue/{department.pk}/").content.decode()
    assert asha.token in queue and ravi.token in queue


def test_a_whole_visit_logs_no_name_or_phone_at_info(
    department, make_doctor, unthrottled, tasks_run_inline, django_capture_on_commit_callbacks, caplog
):
    api = APIClient()
    doctor = make_doctor(department=department)
    caplog.set_level(logging.INFO)

    with django_capture_on_commit_callbacks(execute=True):
        registered = api.post(
            "/patients/api/register/",
            {**ASHA, "phone": "(415) 555-0123", "department": department.pk, "notes": "Chest pain"},
            format="json",
        )
    assert registered.status_code == 201
    entry = Queue.objects.get(pk=registered.json()["visit_id"])
    # Each step commits before the next, as separate requests would, so each message is still due when sent.
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/patients/api/check-patient/", {"phone": ASHA["phone"]}, format="json")
        services.call_patient(entry=entry, doctor=doctor)
    with django_capture_on_commit_callbacks(execute=True):
        services.start_consultation(entry=entry)
        services.complete_consultation(entry=entry)
    with django_capture_on_commit_callbacks(execute=True):
        feedback = api.post(
            "/patients/api/feedback/",
            {"patient_id": registered.json()["patient_id"], "rating": 5, "comment": "Kind staff"},
            format="json",
        )
    assert feedback.status_code == 201

    sent = [record for record in caplog.records if re.match(r"Console \w+ message to", record.getMessage())]
    assert len(sent) >= 3, "the registration, your-turn and feedback messages should all have been sent"
    assert_no_trace(caplog.text, ASHA_TRACES)
    assert_no_trace("\n".join(repr(record.args) for record in caplog.records), ASHA_TRACES)


# Shared desks: what a signed-in member of staff saw must not come back from a cache after sign-out.


@pytest.mark.parametrize("path", ["/doctors/", "/doctors/api/"])
def test_a_doctors_pages_are_kept_out_of_caches(client, asha, make_doctor, path):
    doctor = make_doctor(department=asha.department)
    client.force_login(doctor.user)

    response = client.get(path)

    assert response.status_code == 200
    assert {"no-store", "private"} <= set(re.split(r",\s*", response["Cache-Control"]))


@pytest.mark.parametrize("path", ["/adminpanel/", "/adminpanel/audit/", "/adminpanel/reports/export.csv"])
def test_the_admin_panels_pages_are_kept_out_of_caches(client, make_user, asha, path):
    from adminpanel.models import AdminUser

    client.force_login(AdminUser.objects.create(user=make_user(username="manager")).user)

    response = client.get(path)

    assert response.status_code == 200
    assert {"no-store", "private"} <= set(re.split(r",\s*", response["Cache-Control"]))
