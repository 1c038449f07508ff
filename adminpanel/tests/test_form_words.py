"""The panel's forms speak the reader's language in words: no model or field names in code, no untranslated
Django messages, no empty choice read out as dashes."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from adminpanel.forms import DepartmentForm, DoctorForm, NewDoctorForm
from adminpanel.models import AuditLog
from patients import services
from adminpanel.audit_log import audit_field_name
from patients.services import entry_snapshot


def test_a_department_name_already_taken_is_refused_in_the_readers_words(admin_client, department):
    with translation.override("es"):
        form = DepartmentForm({"name": department.name, "average_consultation_minutes": 10})
        assert not form.is_valid()
        assert form.errors["name"] == ["Ya hay otro servicio con este nombre."]


def test_a_short_password_is_refused_in_hindi_and_arabic_too(department):
    details = {"username": "dr.new", "first_name": "Asha", "last_name": "Rao", "department": department.pk}
    for language in ("hi", "ar"):
        with translation.override(language):
            form = NewDoctorForm({**details, "password": "12345"})
            assert not form.is_valid()
            refusals = " ".join(form.errors["password"])
            assert "password" not in refusals.lower() and "digits" not in refusals, refusals


def test_no_select_offers_dashes_as_its_empty_choice(admin_client, make_doctor):
    doctor = make_doctor()
    assert "---------" not in str(DoctorForm(instance=doctor)["department"])
    page = admin_client.get(reverse("adminpanel:doctor-create"))
    assert page.status_code == 200 and "---------" not in page.content.decode()


def test_every_field_a_token_change_records_is_named_in_the_readers_words(department, make_token):
    entry = make_token(department)
    with translation.override("es"):
        names = {field: str(audit_field_name(field)) for field in entry_snapshot(entry)}
    assert all(name != field.replace("_", " ").capitalize() for field, name in names.items()), names
    assert names["priority"] == "Prioridad"


def test_the_audit_log_says_which_token_in_the_readers_words(admin_client, department, make_token):
    entry = make_token(department)
    admin_client.cookies["django_language"] = "es"
    page = admin_client.get(reverse("adminpanel:audit")).content.decode()
    assert f"{entry.token} · En espera" in page and f"{entry.token} · Waiting" not in page


def test_a_new_doctors_password_rules_are_told_before_a_save_refuses_them():
    with translation.override("es"):
        help_text = NewDoctorForm()["password"].help_text
    assert "8" in help_text and "Que no sean solo cifras." in help_text


def test_the_audit_log_names_records_statuses_and_times_in_words(admin_client, department, make_doctor, make_token):
    entry = make_token(department)
    doctor = make_doctor(department=department)
    services.call_patient(entry=entry, doctor=doctor)
    AuditLog.objects.create(
        action="appointment.booked", object_type="appointment", object_id="1",
        after={"status": "booked", "slot_start": "2026-12-04T10:00:00+00:00"},
    )

    page = admin_client.get(reverse("adminpanel:audit")).content.decode()

    assert "Status: <ins>Booked</ins>" in page and "<ins>booked</ins>" not in page
    assert "2026-12-04T10:00" not in page and "Fri 4 Dec, 10:00" in page
    assert f"<ins>{doctor}</ins>" in page and f"<ins>{doctor.pk}</ins>" not in page


def test_the_audit_log_reads_the_records_it_names_together_not_one_per_row(admin_client, make_department):
    def audit_rows_naming(count):
        for department in [make_department() for _ in range(count)]:
            AuditLog.objects.create(
                action="queue.transferred", object_type="queue", object_id="1", after={"department_id": department.pk}
            )

    audit_rows_naming(2)
    admin_client.get(reverse("adminpanel:audit"))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse("adminpanel:audit"))
    audit_rows_naming(8)
    with CaptureQueriesContext(connection) as many:
        page = admin_client.get(reverse("adminpanel:audit")).content.decode()

    assert len(many.captured_queries) == len(few.captured_queries)
    assert page.count("Department: <ins>") == 10


def test_the_audit_logs_change_arrow_points_from_before_to_after_in_right_to_left_pages(
    admin_client, department, make_token
):
    from patients import services

    services.change_priority(entry=make_token(department), priority="emergency")
    admin_client.cookies["django_language"] = "ar"

    page = admin_client.get(reverse("adminpanel:audit")).content.decode()

    assert '<span aria-hidden="true">←</span>' in page and '<span aria-hidden="true">→</span>' not in page
