"""A department closed for today after its patients registered (an admin's ClosedDay) promises them no wait in its
texts: the texts quoting {expected_wait} and the STATUS reply say it is closed and to ask at the desk, in the patient's
language, as the status page does, and "N patients ahead" (whose "Please stay nearby" it no longer is) is not sent."""

import uuid

import pytest
from django.utils import timezone

from adminpanel.models import SystemConfiguration
from notifications.inbound import receive_text
from patients import appointments
from patients import services as queue

from .conftest import TEST_SMS_NUMBER

CLOSED_WORDS = {
    "en": "expected wait: the department is closed today (please ask at the desk)",
    "es": "espera prevista: el servicio está cerrado hoy (pregunte en el mostrador)",
    "hi": "अनुमानित प्रतीक्षा: विभाग आज बंद है (कृपया काउंटर पर पूछें)",
    "ar": "الانتظار المتوقع: القسم مغلق اليوم (يُرجى السؤال في مكتب الاستقبال)",
}


@pytest.fixture
def line(department, make_patient, make_doctor, django_capture_on_commit_callbacks):
    """Three patients registered while a doctor was on duty, then the department closed for today."""
    doctor = make_doctor(department=department)
    with django_capture_on_commit_callbacks(execute=True):
        entries = [
            queue.allocate_token(department=department, patient=make_patient(phone=f"+1415555030{number}"))
            for number in range(3)
        ]
        appointments.close_day(day=timezone.localdate(), department=department, reason="Water leak")
    return doctor, entries


def bodies_to(fake_twilio, phone):
    return [message.body for message in fake_twilio.received if message.to == phone]


def test_patients_ahead_in_a_department_closed_today_are_not_asked_to_stay_nearby(
    fake_twilio, line, django_capture_on_commit_callbacks
):
    # Its "N patients ahead" said "expected wait: the department is closed today (please ask at the desk). Please
    # stay nearby.", after the "closed today" text: the patient told to ask at the desk was then told to wait on.
    SystemConfiguration.objects.update_or_create(pk=1, defaults={"notify_when_patients_ahead": 1})
    doctor, entries = line

    with django_capture_on_commit_callbacks(execute=True):
        queue.call_next(doctor=doctor)

    told = bodies_to(fake_twilio, entries[-1].patient.phone)
    assert "is closed today" in told[-1]
    assert not any("stay nearby" in body for body in told)


@pytest.mark.parametrize("language", CLOSED_WORDS)
def test_status_in_a_department_closed_today_says_it_is_closed_not_a_wait(
    fake_twilio, line, language, django_capture_on_commit_callbacks
):
    _doctor, entries = line
    patient = entries[0].patient
    patient.language = language
    patient.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        receive_text(message_sid=f"SM{uuid.uuid4().hex}", from_address=patient.phone, body="STATUS")

    reply = fake_twilio.received[-1]
    assert (reply.to, reply.from_) == (patient.phone, TEST_SMS_NUMBER)
    assert CLOSED_WORDS[language] in reply.body


def test_status_in_a_department_closed_today_without_a_doctor_says_it_is_closed(
    fake_twilio, department, make_patient, django_capture_on_commit_callbacks
):
    # "No doctor is on duty yet" let the patient wait on for one who would not come that day.
    with django_capture_on_commit_callbacks(execute=True):
        entry = queue.allocate_token(department=department, patient=make_patient(phone="+14155550301"))
        appointments.close_day(day=timezone.localdate(), department=department)
    with django_capture_on_commit_callbacks(execute=True):
        receive_text(message_sid=f"SM{uuid.uuid4().hex}", from_address=entry.patient.phone, body="STATUS")

    assert CLOSED_WORDS["en"] in fake_twilio.received[-1].body
