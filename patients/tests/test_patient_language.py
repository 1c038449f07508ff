"""The patient's language: taken from the page they registered on (or chosen by reception, or sent to the API),
and the language of their token's own pages unless the visitor picked another with the switcher."""

import re

import pytest
from django.conf import settings

from adminpanel.models import AdminUser
from patients.models import Patient


@pytest.fixture
def typed(department):
    return {"name": "Asha", "phone": "+14155550150", "age": "34", "gender": "female", "department": department.pk}


def html_tag(page):
    return page.split("<html", 1)[1].split(">", 1)[0]


def test_the_page_language_becomes_the_patients(client, typed):
    client.post("/patients/register/", typed, HTTP_ACCEPT_LANGUAGE="hi-IN,hi;q=0.9,en;q=0.5")

    assert Patient.objects.get().language == "hi"


def test_reception_chooses_the_patients_language(client, typed, make_user):
    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)

    page = client.get("/patients/register/").content.decode()
    assert 'name="language"' in page
    # Each language by its own name, said in its own voice (WCAG 3.1.2).
    assert '<option value="ar" lang="ar" dir="rtl">العربية</option>' in page
    response = client.post("/patients/register/", {**typed, "priority": "normal", "language": "ar"})

    assert response.status_code == 302, response.context["form"].errors
    assert Patient.objects.get().language == "ar"


def test_a_patient_cannot_pick_another_language_than_the_pages(client, typed):
    client.post("/patients/register/", {**typed, "language": "ar"}, HTTP_ACCEPT_LANGUAGE="es")

    assert Patient.objects.get().language == "es"


def test_the_api_takes_the_language_field_else_accept_language(api_client, typed):
    api_client.post("/patients/api/register/", {**typed, "age": 34, "language": "hi"}, format="json")
    api_client.post(
        "/patients/api/register/",
        {**typed, "age": 34, "phone": "+14155550151"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
    )

    assert dict(Patient.objects.values_list("phone", "language")) == {"+14155550150": "hi", "+14155550151": "es"}


def test_the_api_refuses_an_unknown_language_naming_the_field(api_client, typed):
    response = api_client.post("/patients/api/register/", {**typed, "age": 34, "language": "xx"}, format="json")

    assert response.status_code == 400
    assert "language" in response.json()
    assert not Patient.objects.exists()


def test_a_hindi_patients_status_page_is_in_hindi(client, typed):
    client.post("/patients/register/", typed, HTTP_ACCEPT_LANGUAGE="hi")
    status_url = Patient.objects.get().visits.get().get_absolute_url()

    page = client.get(status_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'lang="hi"' in html_tag(page)
    assert "कतार में आपकी जगह" in page
    assert "/i18n/hi/catalog.js" in page


def test_a_visitor_who_switched_language_reads_the_status_page_in_theirs(client, typed):
    client.post("/patients/register/", typed, HTTP_ACCEPT_LANGUAGE="hi")
    status_url = Patient.objects.get().visits.get().get_absolute_url()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    page = client.get(status_url).content.decode()

    assert 'lang="es"' in html_tag(page)
    assert "Su lugar en la fila" in page


@pytest.mark.parametrize(
    "language, listed",
    [
        ("en", ["Cardiology", "ENT", "General Medicine", "Orthopedics"]),
        ("es", ["Cardiología", "Medicina general", "Otorrinolaringología", "Traumatología"]),
        ("ar", ["الأنف والأذن والحنجرة", "الطب العام", "أمراض القلب", "جراحة العظام"]),
    ],
)
def test_the_departments_are_listed_in_the_alphabetical_order_of_the_pages_language(
    client, make_department, language, listed
):
    # Ordered by the names as written, a Spanish list read "Cardiología, Otorrinolaringología, Medicina general, …".
    for code, english, spanish, arabic in [
        ("CARD", "Cardiology", "Cardiología", "أمراض القلب"),
        ("ENT", "ENT", "Otorrinolaringología", "الأنف والأذن والحنجرة"),
        ("GEN", "General Medicine", "Medicina general", "الطب العام"),
        ("ORTH", "Orthopedics", "Traumatología", "جراحة العظام"),
    ]:
        make_department(name=english, code=code, translations={"es": {"name": spanish}, "ar": {"name": arabic}})

    page = client.get("/patients/register/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    landing = client.get("/patients/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", page) == listed
    assert re.findall(r'<h2 class="h5 card-title">(?:<span[^>]*>)?([^<]+)<', landing) == listed


@pytest.fixture
def hindi_booking(make_patient, department):
    from datetime import timedelta

    from django.utils import timezone

    from patients.models import Appointment

    patient = make_patient(language="hi")
    return Appointment.objects.create(
        patient=patient, department=department, slot_start=timezone.now() + timedelta(days=1), seat=1
    )


def test_a_hindi_patients_booking_page_and_calendar_file_are_in_hindi(client, hindi_booking):
    """The manage link their Hindi texts give them opened in the phone's English."""
    page = client.get(hindi_booking.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    calendar = client.get(
        f"{hindi_booking.get_absolute_url()}calendar.ics", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'lang="hi"' in html_tag(page)
    assert "आपका अपॉइंटमेंट" in page
    assert "/i18n/hi/catalog.js" in page
    assert "अपॉइंटमेंट" in calendar


def test_a_visitor_who_switched_language_reads_the_booking_page_in_theirs(client, hindi_booking):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    page = client.get(hindi_booking.get_absolute_url()).content.decode()

    assert 'lang="es"' in html_tag(page)
    assert "Su cita" in page


@pytest.fixture
def desk(client, make_user):
    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)
    return client


def test_the_desk_registering_a_known_patient_keeps_their_language_unless_it_chooses_one(desk, typed, make_patient):
    """The select was preset to the desk page's language: a Spanish-speaking patient registered again at an English
    desk had every message in English from then on."""
    make_patient(phone=typed["phone"], language="es")

    page = desk.get("/patients/register/").content.decode()
    response = desk.post("/patients/register/", {**typed, "priority": "normal", "language": ""})

    assert '<option value="" selected>As on file (a new patient: English)</option>' in page
    assert response.status_code == 302, response.context["form"].errors
    assert Patient.objects.get().language == "es"


def test_a_new_patient_the_desk_registers_without_a_choice_takes_the_pages_language(desk, typed):
    desk.post("/patients/register/", {**typed, "priority": "normal", "language": ""}, HTTP_ACCEPT_LANGUAGE="hi")

    assert Patient.objects.get().language == "hi"
