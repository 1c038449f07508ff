"""Findings 5, 6 and 8: the panel's date filters, its CSV export and the users it creates."""

import csv
import html
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from adminpanel.forms import AuditFilterForm, ReportRangeForm
from adminpanel.models import AdminUser
from adminpanel.services import create_doctor
from doctors.models import Doctor
from notifications.models import Notification
from patients.models import ClosedDay, Department
from patients.tests.factories import register_patient


@pytest.fixture
def admin_client(make_user):
    manager = make_user()
    AdminUser.objects.create(user=manager)
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    return client


OUT_OF_RANGE = [
    ("end", {"end": "0001-01-01"}),
    ("start", {"start": "0001-01-01", "end": "0001-01-02"}),
    ("end", {"start": "9999-12-30", "end": "9999-12-31"}),
    ("start", {"start": "99999-01-01"}),
    ("start", {"start": "1999-12-31", "end": "2000-01-02"}),
    ("end", {"start": "2026-03-10", "end": "2026-03-01"}),
    ("start", {"start": "2026-01-01", "end": "2026-12-31"}),
    ("start", {"start": "not a date"}),
]


@pytest.mark.parametrize("field, query", OUT_OF_RANGE)
@pytest.mark.parametrize("url", ["/adminpanel/reports/", "/adminpanel/reports/export.csv"])
def test_report_dates_out_of_range_are_a_400_naming_the_field(admin_client, url, field, query):
    response = admin_client.get(url, query)

    assert response.status_code == 400
    assert f"{ReportRangeForm()[field].label}:" in response.content.decode()


@pytest.mark.parametrize("url", ["/adminpanel/reports/", "/adminpanel/reports/export.csv"])
def test_a_report_date_given_twice_is_a_400_naming_it(admin_client, url):
    today = timezone.localdate()

    response = admin_client.get(url, {"start": [today - timedelta(days=2), today - timedelta(days=1)]})

    assert response.status_code == 400
    assert 'From: "From" is given more than once.' in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "field, query",
    [
        ("date_from", {"date_from": "0001-01-01"}),
        ("date_to", {"date_to": "9999-12-31"}),
        ("date_from", {"date_from": "x"}),
        # Refused as the reports refuse it, not answered with an empty log as if nothing had happened.
        ("date_to", {"date_from": "2026-03-10", "date_to": "2026-03-01"}),
        ("date_from", {"date_from": ["2026-03-01", "2026-03-02"]}),
    ],
)
def test_audit_log_dates_out_of_range_are_a_400_naming_the_field(admin_client, field, query):
    response = admin_client.get("/adminpanel/audit/", query)

    assert response.status_code == 400
    assert f"{AuditFilterForm()[field].label}:" in response.content.decode()


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(admin_client, make_department, name):
    department = make_department(name=name)
    register_patient(department=department, name="A", phone="+14155550123", age=30, gender="female")

    response = admin_client.get("/adminpanel/reports/export.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    cells = [row[1] for row in rows[1:]]
    assert "'" + name in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


@pytest.mark.parametrize("separator", [";", ","])
def test_every_csv_cell_is_quoted_so_that_a_spreadsheet_splitting_on_other_separators_runs_no_formula(
    admin_client, make_department, separator
):
    department = make_department(name=f"Ward{separator}=1+1")
    register_patient(department=department, name="A", phone="+14155550123", age=30, gender="female")

    response = admin_client.get("/adminpanel/reports/export.csv")

    lines = response.content.decode("utf-8-sig").splitlines()
    assert f'"Ward{separator}=1+1"' in lines[1]
    assert all(line.startswith('"') and line.endswith('"') for line in lines)


NEW_DEPARTMENT = {"name": "Ward 7", "code": "WARD", "average_consultation_minutes": "10", "is_active": "on"}


@pytest.mark.parametrize("break_", ["\n", "\r\n", "\t", "\u2028"])
@pytest.mark.parametrize(
    "url, form, typed, field",
    [
        ("/adminpanel/departments/new/", "form", {**NEW_DEPARTMENT, "name": "Ward{}=1+1"}, "name"),
        ("/adminpanel/departments/new/", "form", {**NEW_DEPARTMENT, "room": "B{}4"}, "room"),
        ("/adminpanel/departments/new/", "form", {**NEW_DEPARTMENT, "name_es": "Sala{}7"}, "name_es"),
        ("/adminpanel/doctors/new/", "form", {"first_name": "Asha{}Rao", "room": "4"}, "first_name"),
        ("/adminpanel/doctors/new/", "form", {"first_name": "Asha", "room": "Room{}4"}, "room"),
        ("/adminpanel/appointments/close-day/", "close_day_form", {"close_day-reason": "Holiday{}Eve"}, "reason"),
    ],
)
def test_names_rooms_and_reasons_on_more_than_one_line_are_refused_naming_the_field(
    admin_client, department, url, form, typed, field, break_
):
    # Boards, tickets, texts and the report's CSV print each in a line of its own.
    defaults = {
        "/adminpanel/doctors/new/": {
            "username": "dr.rao", "last_name": "Rao", "password": "a-long-unusual-passphrase-9",
            "department": department.pk,
        },
        "/adminpanel/appointments/close-day/": {"close_day-day": "2099-01-01"},
    }
    data = {**defaults.get(url, {}), **{name: value.format(break_) for name, value in typed.items()}}

    response = admin_client.post(url, data)

    assert response.status_code == 400
    assert "Write it on one line" in response.context[form].errors[field][0]
    assert not Department.objects.exclude(pk=department.pk).exists()
    assert not Doctor.objects.exists() and not ClosedDay.objects.exists()


@pytest.mark.parametrize("username", ["<script>", "dr smith", "a" * 151, "dr/../smith", "dr;drop"])
def test_the_new_doctor_form_applies_the_user_models_username_rules(admin_client, department, username):
    response = admin_client.post(
        "/adminpanel/doctors/new/",
        {
            "username": username,
            "first_name": "Mallory",
            "last_name": "Evil",
            "password": "a-long-unusual-passphrase-9",
            "department": department.pk,
        },
    )

    assert response.status_code == 400
    assert "username" in response.context["form"].errors
    assert not get_user_model().objects.filter(first_name="Mallory").exists()
    assert not Doctor.objects.exists()


def test_the_service_itself_refuses_a_username_the_model_forbids(department, make_user):
    with pytest.raises(ValidationError) as refused:
        create_doctor(
            username="<script>", password="a-long-unusual-passphrase-9", first_name="M", last_name="E",
            department=department, actor=make_user(),
        )

    assert "username" in refused.value.message_dict
    assert not get_user_model().objects.filter(username="<script>").exists()


@pytest.mark.parametrize("typed", ["-5", "0", "601", "ten"])
def test_a_number_out_of_its_limits_is_refused_naming_both_limits_at_once(admin_client, typed):
    # The form field alone knew "0 or more": each try taught one more limit, and never the highest.
    response = admin_client.post("/adminpanel/departments/new/", {**NEW_DEPARTMENT, "wait_alert_minutes": typed})

    assert response.status_code == 400
    assert response.context["form"].errors["wait_alert_minutes"] == ["Enter a whole number from 5 to 600."]


@pytest.mark.parametrize("capacity", [100_001, 2**31, 2**63])
def test_a_daily_capacity_past_its_limit_is_refused_naming_the_limit(admin_client, department, capacity):
    # Told "a whole number of 0 or more" for 2,147,483,648 (past PostgreSQL's column; SQLite took it).
    fields = {"action": "update_department", "department": department.pk, "daily_capacity": capacity}

    response = admin_client.post("/adminpanel/api/", fields, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"errors": {"daily_capacity": ["Enter a whole number from 0 to 100000."]}}


def test_required_fields_are_refused_by_their_labels(admin_client):
    department = admin_client.post("/adminpanel/departments/new/", {"is_active": "on"})
    doctor = admin_client.post("/adminpanel/doctors/new/", {"username": "dr.rao"})

    assert department.context["form"].errors["name"] == ["Fill in “Name”."]
    assert department.context["form"].errors["average_consultation_minutes"] == [
        "Fill in “Average consultation (minutes)”."
    ]
    assert doctor.context["form"].errors["department"] == ["Choose “Department”."]
    assert doctor.context["form"].errors["first_name"] == ["Fill in “First name”."]


@pytest.mark.parametrize("page", ["x", "-1", "0", "999", "last", ""])
def test_an_audit_log_page_past_the_end_or_not_a_number_shows_the_nearest_page(admin_client, page):
    response = admin_client.get("/adminpanel/audit/", {"page": page})

    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2067", "\u2069"])
@pytest.mark.parametrize(
    "url, form, typed, field",
    [
        ("/adminpanel/departments/new/", "form", {**NEW_DEPARTMENT, "name": "ENT{}"}, "name"),
        ("/adminpanel/departments/new/", "form", {**NEW_DEPARTMENT, "room": "B{}4"}, "room"),
        ("/adminpanel/departments/new/", "form", {**NEW_DEPARTMENT, "name_ar": "الأنف{}"}, "name_ar"),
        ("/adminpanel/departments/new/", "form", {**NEW_DEPARTMENT, "description": "Ear{}\nand throat"}, "description"),
        ("/adminpanel/doctors/new/", "form", {"first_name": "Asha{}", "room": "4"}, "first_name"),
        ("/adminpanel/appointments/close-day/", "close_day_form", {"close_day-reason": "Holiday{}"}, "reason"),
        ("/adminpanel/broadcast/", "form", {"message": "Delays of{} 20 minutes"}, "message"),
    ],
)
def test_text_with_a_direction_override_is_refused_naming_the_field(
    admin_client, department, url, form, typed, field, control
):
    # Ninth attack run: a department named "ENT\u202e" turned the rest of each text message sent for it, its status
    # link too, back to front; a broadcast's message stands before the link in its text.
    defaults = {
        "/adminpanel/doctors/new/": {
            "username": "dr.rao", "last_name": "Rao", "password": "a-long-unusual-passphrase-9",
            "department": department.pk,
        },
        "/adminpanel/appointments/close-day/": {"close_day-day": "2099-01-01"},
    }
    data = {**defaults.get(url, {}), **{name: value.format(control) for name, value in typed.items()}}

    response = admin_client.post(url, data)

    assert response.status_code == 400
    assert "change the direction" in response.context[form].errors[field][0]
    assert not Department.objects.exclude(pk=department.pk).exists()
    assert not Doctor.objects.exists() and not ClosedDay.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("typed", ["ＤＲ.ＳＭＩＴＨ", "ＤR.smith", "Dr.Smith"])
def test_a_username_taken_in_another_form_or_case_is_refused_on_the_page_and_by_the_service(
    admin_client, department, make_user, typed
):
    # Compared before NFKC folding, the full-width name passed as new and was stored as "DR.SMITH" beside "dr.smith".
    make_user(username="dr.smith")
    response = admin_client.post(
        "/adminpanel/doctors/new/",
        {
            "username": typed,
            "first_name": "Mallory",
            "last_name": "Evil",
            "password": "a-long-unusual-passphrase-9",
            "department": department.pk,
        },
    )
    with pytest.raises(ValidationError) as refused:
        create_doctor(
            username=typed, password="a-long-unusual-passphrase-9", first_name="M", last_name="E",
            department=department, actor=make_user(),
        )

    assert response.status_code == 400
    assert "is taken" in response.context["form"].errors["username"][0]
    assert "username" in refused.value.message_dict
    assert get_user_model().objects.filter(username__iexact="dr.smith").count() == 1


@pytest.mark.parametrize(("existing", "typed"), [("dr.émile", "DR.ÉMILE"), ("dr.strauß", "DR.STRAUSS")])
def test_a_username_in_another_case_of_letters_beyond_ascii_is_taken(
    admin_client, department, make_user, existing, typed
):
    # Twenty-first attack run: SQLite's case-insensitive match folds ASCII letters only, so "DR.ÉMILE" was created
    # beside "dr.émile", two accounts that read the same in the audit log and the lists.
    make_user(username=existing)
    response = admin_client.post(
        "/adminpanel/doctors/new/",
        {
            "username": typed,
            "first_name": "Mallory",
            "last_name": "Evil",
            "password": "a-long-unusual-passphrase-9",
            "department": department.pk,
        },
    )

    assert response.status_code == 400
    assert "is taken" in response.context["form"].errors["username"][0]
    assert not get_user_model().objects.filter(username=typed).exists()


@pytest.mark.parametrize(
    ("username", "typed"), [("dr.émile", "DR.ÉMILE"), ("dr.strauß", "DR.STRAUSS"), ("dr.lee", "ＤＲ.ＬＥＥ")]
)
def test_the_audit_log_finds_a_username_typed_in_another_case_of_letters_beyond_ascii(
    admin_client, department, make_user, username, typed
):
    # Twenty-second attack run: the user filter matched with the ORM's iexact, SQLite's LIKE, which folds ASCII letters
    # only: "DR.ÉMILE" found nothing of dr.émile while the panel refuses it as a new username for being the same one.
    from adminpanel.services import record_audit

    actor, bystander = make_user(username=username), make_user(username="dr.émilie")
    record_audit(actor=actor, action="department.updated", target=department)
    record_audit(actor=bystander, action="department.updated", target=department)

    page = admin_client.get("/adminpanel/audit/", {"user": typed})

    assert page.status_code == 200
    assert [entry.actor for entry in page.context["entries"]] == [actor]


def test_a_name_sent_in_bytes_that_are_not_utf8_is_refused_naming_it_not_saved_as_question_marks(admin_client):
    # %ED%A0%80: a lone surrogate, as a script encoding it would send it; a browser sends only UTF-8.
    body = "name=Ward%ED%A0%80&code=WARD&average_consultation_minutes=10&daily_capacity=50&wait_alert_minutes=30"

    response = admin_client.post("/adminpanel/departments/new/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["This holds characters that could not be read. Type it again."]
    assert not Department.objects.filter(code="WARD").exists()
