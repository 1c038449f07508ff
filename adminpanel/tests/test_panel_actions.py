"""The panel's actions are one table (adminpanel.actions): its pages and POST /adminpanel/api/ agree."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from adminpanel.actions import PANEL_ACTIONS
from adminpanel.models import AuditLog
from adminpanel.tests.browser_posts import form_as_sent
from doctors.models import DoctorAbsence
from patients import services as queue_services
from patients.models import ClosedDay, Department
from patients.tests.factories import register_patient

API = "/adminpanel/api/"


def through_the_api(client, data):
    response = client.post(API, data, content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "page, action, data, field",
    [
        ("adminpanel:broadcast", "broadcast", {"message": "   "}, "message"),
        ("adminpanel:department-create", "create_department", {"name": "Cardio 2", "code": "CARD"}, "code"),
        (
            "adminpanel:department-create",
            "create_department",
            {"name": "Oncology", "code": "ONC", "average_consultation_minutes": 0},
            "average_consultation_minutes",
        ),
    ],
)
def test_a_page_and_the_api_refuse_the_same_input_with_the_same_words(
    admin_client, department, page, action, data, field
):
    status, body = through_the_api(admin_client, {"action": action, **data})
    assert status == 400
    form = admin_client.post(reverse(page), data).context["form"]
    assert form.errors[field] == body["errors"][field]
    assert not AuditLog.objects.exclude(action__startswith="auth.").exists()


def test_an_unknown_action_is_a_400_naming_action(admin_client):
    status, body = through_the_api(admin_client, {"action": "close_hospital"})
    assert status == 400
    assert list(body["errors"]) == ["action"]


def test_the_edit_page_sends_the_whole_form_and_the_api_only_the_changes(admin_client, department):
    # Unticking "Active" on the page is a change; the API keeps every field it was not sent.
    edit = reverse("adminpanel:department-edit", args=[department.pk])
    assert admin_client.get(edit).context["form"].initial["code"] == "CARD"
    page = form_as_sent(admin_client.get(edit).content.decode(), "code")
    del page["is_active"]
    response = admin_client.post(edit, {**page, "average_consultation_minutes": ["12"]})
    assert response.status_code == 302
    department.refresh_from_db()
    assert (department.average_consultation_minutes, department.is_active) == (12, False)
    status, body = through_the_api(
        admin_client, {"action": "update_department", "department": department.pk, "room": "B4"}
    )
    assert (status, body["message"]) == (200, "Saved Cardiology (CARD).")
    department.refresh_from_db()
    assert (department.room, department.average_consultation_minutes, department.is_active) == ("B4", 12, False)
    edits = AuditLog.objects.filter(action="department.updated").order_by("id")
    assert [edit.after.get("room") for edit in edits] == [None, "B4"]


def test_deactivating_from_the_page_runs_the_tables_action(admin_client, department):
    response = admin_client.post(reverse("adminpanel:department-deactivate", args=[department.pk]), follow=True)
    assert [message.message for message in response.context["messages"]] == ["Cardiology is deactivated."]
    assert not Department.objects.get(pk=department.pk).is_active
    missing = reverse("adminpanel:department-deactivate", args=[987654])
    assert admin_client.post(missing).status_code == 404


def test_the_table_names_every_action_the_api_documents(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    description = schema["paths"]["/adminpanel/api/"]["post"]["description"]
    assert all(f"`{name}`" in description for name in PANEL_ACTIONS.actions)


def test_a_departments_code_is_kept_while_patients_in_line_today_hold_tokens_numbered_with_it(
    admin_client, department, make_token
):
    entry = make_token(department)

    refused = through_the_api(admin_client, {"action": "update_department", "department": department.pk, "code": "HRT"})
    cleared = through_the_api(admin_client, {"action": "update_department", "department": department.pk, "code": ""})
    queue_services.cancel(entry=entry)
    changed = through_the_api(admin_client, {"action": "update_department", "department": department.pk, "code": "HRT"})

    assert refused[0] == 400 and "code" in refused[1]["errors"]
    assert cleared[0] == 400 and "code" in cleared[1]["errors"]
    assert changed[0] == 200
    department.refresh_from_db()
    assert department.code == "HRT"


def test_a_departments_name_and_room_in_other_languages_are_edited_with_it(admin_client, department):
    edit = reverse("adminpanel:department-edit", args=[department.pk])
    page = admin_client.get(edit).content.decode()
    assert 'name="name_es"' in page and 'lang="ar" dir="rtl"' in page
    typed = {"name": "Cardiology", "code": "CARD", "average_consultation_minutes": 10, "is_active": "on"}

    admin_client.post(edit, {**typed, "name_es": " Cardiología ", "room_es": "Sala 2", "name_ar": "أمراض القلب"})
    through_the_api(admin_client, {"action": "update_department", "department": department.pk, "room": "B4"})

    department.refresh_from_db()
    assert department.translations == {"es": {"name": "Cardiología", "room": "Sala 2"}, "ar": {"name": "أمراض القلب"}}
    audited = AuditLog.objects.filter(action="department.updated").order_by("id").first()
    assert audited.after["translations"] == department.translations
    status, body = through_the_api(
        admin_client, {"action": "update_department", "department": department.pk, "name_hi": "ह" * 101}
    )
    assert (status, list(body["errors"])) == (400, ["name_hi"])
    admin_client.post(edit, {**typed, "name_es": "", "room_es": "", "name_ar": ""})
    department.refresh_from_db()
    assert department.translations == {}


def test_the_words_as_written_are_typed_in_the_sites_language_on_a_page_in_another(admin_client, department,
                                                                                  make_doctor):
    """On a panel page in Arabic, "Cardiology" and "Room 2" were typed right to left and read in the page's voice,
    while "Name in Español" beside them carried its language: the record's own words are the site's language."""
    doctor = make_doctor(department=department)
    forms = {
        reverse("adminpanel:department-edit", args=[department.pk]): ("name", "room"),
        reverse("adminpanel:doctor-edit", args=[doctor.pk]): ("room",),
    }
    for address, fields in forms.items():
        page = admin_client.get(address, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
        for field in fields:
            written = re.search(rf'<input type="text" name="{field}"[^>]*>', page).group()
            assert 'lang="en"' in written and 'dir="ltr"' in written, written
            assert f'name="{field}_ar"' in page and re.search(rf'name="{field}_ar"[^>]*lang="ar" dir="rtl"', page)


def test_a_broadcast_and_a_closed_days_reason_are_typed_and_shown_in_the_sites_language_on_a_page_in_another(
    admin_client, department, make_doctor
):
    """The boards and the booking page mark a broadcast and a closed day's reason as written in the site's language;
    on the panel's Arabic page they were typed right to left in the page's voice, and the broadcast's confirmation,
    the closed days and the absences read them unmarked beside the translations that carried theirs."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    ClosedDay.objects.create(day=tomorrow, department=department, reason="Staff training")
    DoctorAbsence.objects.create(doctor=make_doctor(department=department), day=tomorrow, reason="Conference")
    arabic = {"HTTP_ACCEPT_LANGUAGE": "ar"}
    for address, fields in {
        reverse("adminpanel:broadcast"): ['name="message"'],
        reverse("adminpanel:appointments"): ['name="close_day-reason"', 'name="absence-reason"'],
    }.items():
        page = admin_client.get(address, **arabic).content.decode()
        for field in fields:
            written = re.search(rf"<(?:input|textarea)[^>]*{field}[^>]*>", page).group()
            assert 'lang="en"' in written and 'dir="ltr"' in written, written
    page = admin_client.get(reverse("adminpanel:appointments"), **arabic).content.decode()
    assert '<span lang="en" dir="ltr">Staff training</span>' in page
    assert '<span lang="en" dir="ltr">Conference</span>' in page

    register_patient(department=department, name="Asha Rao", phone="+14155550101", age=34, gender="female",
                     priority="normal", notes="", actor=None, ip_address=None, self_service=False)
    confirmation = admin_client.post(
        reverse("adminpanel:broadcast"), {"message": "Dr. Rao is delayed.", "department": ""}, **arabic
    ).content.decode()
    assert '“<span lang="en" dir="ltr">Dr. Rao is delayed.</span>”' in confirmation


def test_the_panel_in_another_language_marks_names_as_written_in_the_sites(admin_client, department, make_doctor):
    page = admin_client.get(reverse("adminpanel:departments"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert '<td><span lang="en" dir="ltr">Cardiology</span></td>' in page
    # Its buttons name it in the same voice ("Editar Cardiology"), and so do the doctors' forms' choices of it.
    assert '>Editar<span class="visually-hidden"> <span lang="en" dir="ltr">Cardiology</span></span>' in page
    doctor = make_doctor(department=department)
    for form in (reverse("adminpanel:doctor-create"), reverse("adminpanel:doctor-edit", args=[doctor.pk])):
        page = admin_client.get(form, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert re.search(rf'<option value="{department.pk}"( selected)? lang="en" dir="ltr">Cardiology</option>', page)
