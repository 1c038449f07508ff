"""Patients registering or booking by themselves give numbers of the hospital's regions that a patient carries: each
such registration texts whatever number is typed, and numbers an accomplice is paid for would make the hospital pay
("SMS pumping"). Reception staff register any number."""

import json
from datetime import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from notifications.models import Notification
from patients.models import Appointment, Patient, Queue
from patients.phone import check_self_service_phone
from patients.tests.appointment_helpers import at, clinic  # noqa: F401 - clinic is a fixture
from smartqueue.tests.test_settings import run_in_fresh_process

from .test_api_appointments import booking_body

BRITISH_MOBILE = "+447400123456"
SATELLITE = "+881612345678"
PREMIUM_RATE = "+19002345678"
TOLL_FREE = "+18002345678"
# A British "personal number" (070): it forwards to whatever phone its owner names and each text to it pays them.
PERSONAL_NUMBER = "+447012345678"


@pytest.fixture(autouse=True)
def regions_of_the_hospital(settings):
    """A hospital texting through Twilio, whose patients' numbers are American by default."""
    settings.SELF_SERVICE_PHONE_REGIONS = ["US"]


def typed(department, phone):
    return {"name": "Asha Rao", "phone": phone, "age": 30, "gender": "female", "department": department.pk}


@pytest.mark.parametrize("phone", [BRITISH_MOBILE, SATELLITE, PREMIUM_RATE, TOLL_FREE])
def test_a_self_registration_with_a_number_the_hospital_does_not_text_is_refused_naming_the_phone(department, phone):
    api = APIClient().post("/patients/api/register/", typed(department, phone), format="json")
    page = Client().post("/patients/register/", typed(department, phone))

    assert api.status_code == 400 and list(api.json()) == ["phone"], api.json()
    assert page.status_code == 400 and list(page.context["form"].errors) == ["phone"]
    assert not Patient.objects.exists() and not Queue.objects.exists() and not Notification.objects.exists()


def test_the_refusal_names_the_regions_and_sends_the_patient_to_the_desk(department):
    api = APIClient().post("/patients/api/register/", typed(department, SATELLITE), format="json")
    premium = APIClient().post("/patients/api/register/", typed(department, PREMIUM_RATE), format="json")

    assert api.json()["phone"] == [
        "We can only text numbers from United States here: please ask at the desk to register."
    ]
    assert "premium-rate" in premium.json()["phone"][0]


def test_the_refusal_names_the_regions_in_the_patients_language(settings):
    settings.SELF_SERVICE_PHONE_REGIONS = ["US", "IN"]

    with translation.override("es"), pytest.raises(Exception) as refused:
        check_self_service_phone(BRITISH_MOBILE)

    assert "Estados Unidos, India" in str(refused.value.messages[0])


def test_reception_staff_register_a_visitor_from_abroad(department, make_doctor):
    staff = APIClient()
    staff.force_authenticate(make_doctor(department=department).user)

    answer = staff.post("/patients/api/register/", typed(department, BRITISH_MOBILE), format="json")

    assert answer.status_code == 201, answer.json()
    assert Patient.objects.get().phone == BRITISH_MOBILE


def self_registered(department, phone):
    return APIClient().post("/patients/api/register/", typed(department, phone), format="json").status_code


def test_the_hospital_names_its_regions_or_any(department, settings):
    settings.SELF_SERVICE_PHONE_REGIONS = ["US", "GB"]
    assert self_registered(department, BRITISH_MOBILE) == 201

    settings.SELF_SERVICE_PHONE_REGIONS = ["*"]
    assert self_registered(department, "+8613912345678") == 201
    # Whatever the regions, a premium-rate number is no patient's.
    assert self_registered(department, PREMIUM_RATE) == 400


@pytest.mark.parametrize("phone", [SATELLITE, "+870772001899", "+883510012345"])
def test_any_region_is_any_countrys_not_a_satellite_or_international_network_number(department, settings, phone):
    settings.SELF_SERVICE_PHONE_REGIONS = ["*"]

    answer = APIClient().post("/patients/api/register/", typed(department, phone), format="json")

    assert answer.status_code == 400 and answer.json() == {
        "phone": ["We cannot text satellite numbers or numbers of no country here: please ask at the desk to register."]
    }
    assert not Patient.objects.exists() and not Notification.objects.exists()


def test_a_personal_number_is_refused_even_in_the_hospitals_region(department, settings):
    settings.SELF_SERVICE_PHONE_REGIONS = ["GB"]

    answer = APIClient().post("/patients/api/register/", typed(department, PERSONAL_NUMBER), format="json")

    assert answer.status_code == 400 and list(answer.json()) == ["phone"], answer.json()
    assert not Patient.objects.exists() and not Notification.objects.exists()
    assert self_registered(department, BRITISH_MOBILE) == 201


def test_a_self_booking_with_a_premium_rate_number_is_refused_naming_the_phone(api_client, clinic):
    response = api_client.post(
        reverse("patients:api-book"), booking_body(clinic, at(time(13)), phone=PREMIUM_RATE), format="json"
    )

    assert response.status_code == 400 and list(response.json()) == ["phone"]
    assert not Appointment.objects.exists()


def test_a_stranger_is_not_told_whether_a_number_registering_refuses_is_known(department, make_doctor):
    # The desk registered a visitor from abroad; registering with the number is refused before it is looked up, so
    # "is it known?" must be too: the answer would tell a stranger that its owner is this hospital's patient.
    staff = APIClient()
    staff.force_authenticate(make_doctor(department=department).user)
    staff.post("/patients/api/register/", typed(department, BRITISH_MOBILE), format="json")

    stranger = APIClient().post("/patients/api/check-patient/", {"phone": BRITISH_MOBILE}, format="json")
    desk = staff.post("/patients/api/check-patient/", {"phone": BRITISH_MOBILE}, format="json")

    assert stranger.status_code == 400 and list(stranger.json()) == ["phone"], stranger.json()
    assert desk.json() == {"phone": BRITISH_MOBILE, "exists": True}


TWILIO_CONFIGURED = {
    "TWILIO_ACCOUNT_SID": "AC123",
    "TWILIO_AUTH_TOKEN": "secret",
    "TWILIO_PHONE_NUMBER": "+12025550100",
}


@pytest.mark.parametrize(
    "environment, regions",
    [
        ({}, ["*"]),
        (TWILIO_CONFIGURED, ["US"]),
        (TWILIO_CONFIGURED | {"PHONE_DEFAULT_REGION": "IN"}, ["IN"]),
        (TWILIO_CONFIGURED | {"SELF_SERVICE_PHONE_REGIONS": "in, gb"}, ["IN", "GB"]),
    ],
)
def test_any_region_is_taken_while_texts_go_to_the_log_and_the_hospitals_own_once_they_cost_money(
    environment, regions
):
    unset = dict.fromkeys(TWILIO_CONFIGURED, "") | {"SELF_SERVICE_PHONE_REGIONS": ""}
    started = run_in_fresh_process(
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.SELF_SERVICE_PHONE_REGIONS))",
        **(unset | environment),
    )

    assert json.loads(started.stdout) == regions, started.stderr
