"""An edit page left open saves only what its person changed there: another admin's changes made since it was
opened stay (adminpanel.forms.SavesWhatThePageChangedMixin)."""

from django.urls import reverse

from adminpanel.models import SystemConfiguration
from adminpanel.tests.browser_posts import form_as_sent
from doctors.models import Doctor

API = "/adminpanel/api/"


def another_admin_edits(client, **data):
    response = client.post(API, {"action": "update_department", **data}, content_type="application/json")
    assert response.status_code == 200, response.content


def test_a_department_page_left_open_does_not_deactivate_it_again(admin_client, department):
    edit = reverse("adminpanel:department-edit", args=[department.pk])
    department.is_active = False
    department.save()
    page = form_as_sent(admin_client.get(edit).content.decode(), "description")
    another_admin_edits(admin_client, department=department.pk, is_active=True)

    response = admin_client.post(edit, {**page, "description": ["Heart and vessels"]})

    assert response.status_code == 302
    department.refresh_from_db()
    assert (department.is_active, department.description) == (True, "Heart and vessels")


def test_a_translation_added_meanwhile_stays_when_another_is_changed(admin_client, department):
    edit = reverse("adminpanel:department-edit", args=[department.pk])
    page = form_as_sent(admin_client.get(edit).content.decode(), "description")
    another_admin_edits(admin_client, department=department.pk, name_es="Cardiología")

    response = admin_client.post(edit, {**page, "room_ar": ["الغرفة ٤"]})

    assert response.status_code == 302

    department.refresh_from_db()
    assert department.translations == {"es": {"name": "Cardiología"}, "ar": {"room": "الغرفة ٤"}}


def test_a_field_both_changed_is_refused_shown_as_stored_now_and_saved_when_sent_again(admin_client, department):
    edit = reverse("adminpanel:department-edit", args=[department.pk])
    page = form_as_sent(admin_client.get(edit).content.decode(), "description")
    another_admin_edits(admin_client, department=department.pk, room="B4")

    refused = admin_client.post(edit, {**page, "room": ["C9"], "description": ["Heart"]})

    assert refused.status_code == 400
    assert "Another admin changed this after you opened the page" in refused.context["form"].errors["room"][0]
    department.refresh_from_db()
    assert (department.room, department.description) == ("B4", "")
    shown_again = form_as_sent(refused.content.decode(), "description")
    assert (shown_again["room"], shown_again["description"]) == (["B4"], ["Heart"])

    admin_client.post(edit, {**shown_again, "room": ["C9"]})

    department.refresh_from_db()
    assert (department.room, department.description) == ("C9", "Heart")


def test_a_doctor_page_left_open_does_not_move_the_doctor_back(admin_client, make_doctor, make_department):
    doctor = make_doctor()
    edit = reverse("adminpanel:doctor-edit", args=[doctor.pk])
    page = form_as_sent(admin_client.get(edit).content.decode(), "specialization")
    pediatrics = make_department(name="Pediatrics", code="PED")
    Doctor.objects.filter(pk=doctor.pk).update(department=pediatrics)

    response = admin_client.post(edit, {**page, "specialization": ["Child cardiology"]})

    assert response.status_code == 302
    doctor.refresh_from_db()
    assert (doctor.department, doctor.specialization) == (pediatrics, "Child cardiology")


def test_a_configuration_page_left_open_does_not_open_registration_again(admin_client):
    edit = reverse("adminpanel:configuration")
    page = form_as_sent(admin_client.get(edit).content.decode(), "hospital_name")
    SystemConfiguration.objects.update(registration_open=False)

    response = admin_client.post(edit, {**page, "wait_alert_minutes": ["75"]})

    assert response.status_code == 302
    configuration = SystemConfiguration.load()
    assert (configuration.registration_open, configuration.wait_alert_minutes) == (False, 75)
