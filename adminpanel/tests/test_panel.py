"""Admin panel pages and POST /adminpanel/api/: every action saves, audits, and says why when it cannot."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from adminpanel.models import AdminUser, AuditLog, SystemConfiguration
from adminpanel.services import record_audit
from adminpanel.tests.browser_posts import form_as_sent
from doctors.models import Doctor
from patients.models import Department, Queue

API = "/adminpanel/api/"


def panel_actions():
    """Audit rows of panel actions, leaving out the sign-in every test starts with."""
    return AuditLog.objects.exclude(action__startswith="auth.")


@pytest.fixture
def manager(make_user):
    user = make_user(username="manager")
    AdminUser.objects.create(user=user)
    return user


@pytest.fixture
def admin_client(client, manager):
    client.force_login(manager)
    return client


def api_post(client, **data):
    return client.post(API, data, content_type="application/json", REMOTE_ADDR="10.9.8.7")


def test_create_edit_and_deactivate_a_department_from_the_pages(admin_client, manager):
    response = admin_client.post(
        reverse("adminpanel:department-create"),
        {
            "name": "Neurology",
            "code": "NEURO",
            "average_consultation_minutes": 20,
            "daily_capacity": 40,
            "is_active": "on",
        },
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 302
    neurology = Department.objects.get(code="NEURO")
    assert (neurology.average_consultation_minutes, neurology.daily_capacity) == (20, 40)
    created = AuditLog.objects.get(action="department.created")
    assert (created.actor, created.ip_address, created.after["code"]) == (manager, "10.9.8.7", "NEURO")

    edit = reverse("adminpanel:department-edit", args=[neurology.pk])
    page = form_as_sent(admin_client.get(edit).content.decode(), "code")
    admin_client.post(edit, {**page, "average_consultation_minutes": ["25"], "daily_capacity": [""]})
    edited = AuditLog.objects.get(action="department.updated")
    assert (edited.before["average_consultation_minutes"], edited.after["average_consultation_minutes"]) == (20, 25)
    assert (edited.before["daily_capacity"], edited.after["daily_capacity"]) == (40, None)

    admin_client.post(reverse("adminpanel:department-deactivate", args=[neurology.pk]))
    neurology.refresh_from_db()
    assert not neurology.is_active
    assert AuditLog.objects.get(action="department.deactivated").after == {"is_active": False}


def test_department_form_errors_name_the_field(admin_client, department):
    response = admin_client.post(
        reverse("adminpanel:department-create"), {"name": "Cardio 2", "code": "card", "average_consultation_minutes": 0}
    )
    assert response.status_code == 400
    assert {"code", "average_consultation_minutes"} <= set(response.context["form"].errors)
    assert not panel_actions().exists()


def test_create_a_doctor_who_can_then_sign_in(admin_client, client, department):
    response = admin_client.post(
        reverse("adminpanel:doctor-create"),
        {
            "username": "dr.new",
            "first_name": "Nia",
            "last_name": "New",
            "password": "Consult-2026-ok",
            "department": department.pk,
            "specialization": "Cardiologist",
        },
    )
    assert response.status_code == 302
    doctor = Doctor.objects.get(user__username="dr.new")
    assert (doctor.department, doctor.specialization) == (department, "Cardiologist")
    assert AuditLog.objects.get(action="doctor.created").after["department"] == department.pk
    admin_client.logout()
    signed_in = client.post(reverse("doctors:login"), {"username": "dr.new", "password": "Consult-2026-ok"})
    assert signed_in.status_code == 302 and signed_in.url == reverse("doctors:dashboard")


def test_new_doctor_needs_a_free_username_and_a_strong_password(admin_client, department, make_user):
    make_user(username="dr.taken")
    response = admin_client.post(
        reverse("adminpanel:doctor-create"),
        {"username": "DR.TAKEN", "first_name": "A", "last_name": "B", "password": "123", "department": department.pk},
    )
    assert {"username", "password"} <= set(response.context["form"].errors)


def test_reassign_and_deactivate_a_doctor(admin_client, make_doctor, make_department):
    doctor = make_doctor()
    ent = make_department(name="ENT", code="ENT")
    admin_client.post(reverse("adminpanel:doctor-edit", args=[doctor.pk]), {"department": ent.pk, "is_active": "on"})
    doctor.refresh_from_db()
    assert doctor.department == ent
    admin_client.post(reverse("adminpanel:doctor-deactivate", args=[doctor.pk]))
    doctor.refresh_from_db()
    assert not doctor.is_active
    assert list(panel_actions().order_by("id").values_list("action", flat=True)) == [
        "doctor.updated",
        "doctor.deactivated",
    ]


def test_system_configuration_is_validated_and_audited(admin_client):
    url = reverse("adminpanel:configuration")
    fields = {
        "hospital_name": "St Mary",
        "notify_when_patients_ahead": 5,
        "late_moves_back_places": 3,
        "wait_alert_minutes": 45,
        "clinic_opens_at": "08:00",
        "appointment_early_check_in_minutes": 20,
        "appointment_grace_minutes": 5,
        "appointment_walk_in_share_percent": 40,
        "appointment_booking_days_ahead": 7,
    }
    response = admin_client.post(url, {**fields, "clinic_closes_at": "08:00"})
    assert "clinic_closes_at" in response.context["form"].errors
    admin_client.post(url, {**fields, "clinic_closes_at": "18:30", "registration_open": "on"})
    configuration = SystemConfiguration.load()
    assert (configuration.hospital_name, configuration.notify_when_patients_ahead) == ("St Mary", 5)
    assert (configuration.appointment_grace_minutes, configuration.appointment_walk_in_share_percent) == (5, 40)
    audit = AuditLog.objects.get(action="configuration.updated")
    assert (audit.before["clinic_closes_at"], audit.after["clinic_closes_at"]) == ("17:00:00", "18:30:00")


def test_an_evening_and_night_clinic_closes_the_next_morning(admin_client):
    # Open 18:00 to 02:00: a closing time before the opening is the next morning's, no longer refused.
    fields = {
        "hospital_name": "St Mary",
        "notify_when_patients_ahead": 3,
        "late_moves_back_places": 3,
        "wait_alert_minutes": 45,
        "clinic_opens_at": "18:00",
        "clinic_closes_at": "02:00",
        "appointment_early_check_in_minutes": 30,
        "appointment_grace_minutes": 10,
        "appointment_walk_in_share_percent": 30,
        "appointment_booking_days_ahead": 14,
    }
    response = admin_client.post(reverse("adminpanel:configuration"), fields)

    assert response.status_code == 302, response.context["form"].errors
    configuration = SystemConfiguration.load()
    assert (configuration.clinic_opens_at, configuration.clinic_closes_at) == (time(18), time(2))


@pytest.fixture
def sent(monkeypatch):
    calls = {"notify": [], "publish": []}
    monkeypatch.setattr("adminpanel.services.notify_broadcast", lambda **kwargs: calls["notify"].append(kwargs))
    monkeypatch.setattr(
        "patients.broadcasts.publish_department_change", lambda **kwargs: calls["publish"].append(kwargs)
    )
    return calls


def test_broadcast_to_one_department(admin_client, department, make_token, sent, django_capture_on_commit_callbacks):
    make_token(department)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("adminpanel:broadcast"),
            {"message": "Dr. Smith is delayed 20 minutes.", "department": department.pk, "confirmed": "yes"},
        )
    assert response.status_code == 302
    assert sent["notify"] == [
        {"message": "Dr. Smith is delayed 20 minutes.", "department_id": department.pk, "broadcast_id": None}
    ]
    assert sent["publish"] == [
        {
            "event": "broadcast",
            "department_id": department.pk,
            "payload": {"message": "Dr. Smith is delayed 20 minutes."},
        }
    ]
    assert AuditLog.objects.get(action="broadcast.sent").object_id == str(department.pk)


def test_broadcast_to_all_departments(
    admin_client, department, make_department, make_token, sent, django_capture_on_commit_callbacks
):
    ent = make_department(name="ENT", code="ENT")
    make_department(name="Closed wing", code="SHUT", is_active=False)
    make_token(ent)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("adminpanel:broadcast"), {"message": "Fire drill at 11:00.", "confirmed": "yes"})
    assert sent["notify"] == [{"message": "Fire drill at 11:00.", "department_id": None, "broadcast_id": None}]
    assert {call["department_id"] for call in sent["publish"]} == {department.pk, ent.pk}


def test_the_broadcast_confirmation_says_how_many_broadcasts_a_patient_is_texted_a_day(
    admin_client, department, make_token, sent, settings
):
    settings.BROADCAST_TEXTS_PER_PATIENT_PER_DAY = 4
    make_token(department)

    page = admin_client.post(reverse("adminpanel:broadcast"), {"message": "Dr. Smith is delayed 20 minutes."})

    assert "A patient is texted at most 4 broadcasts a day; the screens show every one." in page.content.decode()


def test_empty_broadcast_is_refused(admin_client, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("adminpanel:broadcast"), {"message": "   "})
    assert "message" in response.context["form"].errors
    assert sent == {"notify": [], "publish": []}


def test_audit_log_filters_by_user_action_and_date(admin_client, manager, make_user, department):
    from adminpanel.services import record_audit

    other = make_user(username="someone")
    record_audit(actor=manager, action="department.updated", target=department)
    record_audit(actor=other, action="department.updated", target=department)
    record_audit(actor=manager, action="doctor.created", target=department)
    page = admin_client.get(reverse("adminpanel:audit"), {"user": "manager", "action": "department.updated"})
    assert [(entry.actor, entry.action) for entry in page.context["entries"]] == [(manager, "department.updated")]
    assert (
        len(
            admin_client.get(reverse("adminpanel:audit"), {"date_from": "2001-01-01", "date_to": "2001-01-02"}).context[
                "entries"
            ]
        )
        == 0
    )
    bad = admin_client.get(reverse("adminpanel:audit"), {"date_from": "soon"})
    assert bad.status_code == 400 and "date_from" in bad.context["filter_form"].errors


def test_live_queues_show_lengths_longest_wait_and_who_is_with_whom(
    clock, admin_client, department, make_department, make_doctor, make_token
):
    from patients import services

    doctor = make_doctor(department=department)
    first = make_token(department, name="Ann Called")
    clock.shift(timedelta(minutes=10))
    make_token(department)
    clock.shift(timedelta(minutes=5))
    make_token(department)
    make_token(make_department(name="Radiology", code="RAD"))
    clock.shift(timedelta(minutes=7))
    services.call_patient(entry=first, doctor=doctor)
    data = admin_client.get(API).json()
    cardiology = next(row for row in data["departments"] if row["id"] == department.pk)
    assert cardiology["waiting"] == 2
    # The longest wait is of the first patient still waiting; the one called earlier is with the doctor.
    assert cardiology["longest_wait_minutes"] == 12
    assert cardiology["with_doctors"][0]["token"] == first.token
    assert cardiology["with_doctors"][0]["doctor"] == str(doctor)
    assert "Ann Called" in admin_client.get(reverse("adminpanel:queues")).content.decode()


def test_api_department_actions(admin_client, manager):
    response = api_post(
        admin_client, action="create_department", name="Oncology", code="ONC", average_consultation_minutes=30
    )
    assert response.status_code == 200, response.json()
    oncology = Department.objects.get(code="ONC")
    response = api_post(admin_client, action="update_department", department=oncology.pk, daily_capacity=25)
    assert response.status_code == 200, response.json()
    oncology.refresh_from_db()
    assert (oncology.daily_capacity, oncology.average_consultation_minutes, oncology.name) == (25, 30, "Oncology")
    assert api_post(admin_client, action="deactivate_department", department=oncology.pk).status_code == 200
    oncology.refresh_from_db()
    assert not oncology.is_active
    assert list(AuditLog.objects.filter(ip_address="10.9.8.7").values_list("action", flat=True).order_by("id")) == [
        "department.created",
        "department.updated",
        "department.deactivated",
    ]


def test_api_queue_actions(admin_client, department, make_token, sent, django_capture_on_commit_callbacks):
    entry = make_token(department)
    assert api_post(admin_client, action="change_priority", entry=entry.pk, priority="emergency").status_code == 200
    entry.refresh_from_db()
    assert entry.priority == Queue.Priority.EMERGENCY
    assert api_post(admin_client, action="cancel_token", entry=entry.pk).status_code == 200
    entry.refresh_from_db()
    assert entry.status == Queue.Status.CANCELLED
    response = api_post(admin_client, action="cancel_token", entry=entry.pk)
    assert response.status_code == 400
    assert response.json()["errors"]["entry"] == [
        f"Token {entry.token} cannot be cancelled. It was cancelled or transferred."
    ]
    refused = api_post(admin_client, action="broadcast", message="Lunch break 1-2 pm.")
    assert refused.status_code == 400 and "Nobody is waiting today" in refused.json()["errors"]["department"][0]
    make_token(department)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_post(admin_client, action="broadcast", message="Lunch break 1-2 pm.").status_code == 200
    assert sent["notify"] == [{"message": "Lunch break 1-2 pm.", "department_id": None, "broadcast_id": None}]


def test_api_refuses_to_change_the_priority_of_an_earlier_days_token_naming_the_day(
    client, manager, department, make_token, clock
):
    entry = make_token(department)
    clock.shift(timedelta(days=1))
    # Signed in the next morning: a session idle since yesterday has ended.
    client.force_login(manager)

    response = api_post(client, action="change_priority", entry=entry.pk, priority="emergency")

    assert response.status_code == 400
    assert f"was for {date_format(entry.token_date)}" in response.json()["errors"]["entry"][0]
    entry.refresh_from_db()
    assert entry.priority == Queue.Priority.NORMAL
    assert not AuditLog.objects.filter(action="queue.priority_changed").exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"action": "close_hospital"}, "action"),
        ({"action": "update_department"}, "department"),
        ({"action": "update_department", "department": 999999}, "department"),
        ({"action": "create_department", "name": "", "average_consultation_minutes": 5}, "name"),
        ({"action": "change_priority", "entry": 999999, "priority": "high"}, "entry"),
        ({"action": "change_priority"}, "priority"),
        ({"action": "broadcast", "message": ""}, "message"),
    ],
)
def test_api_bad_requests_get_400_naming_the_field(admin_client, data, field):
    response = api_post(admin_client, **data)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not panel_actions().exists()


def test_api_body_that_is_not_an_object_is_a_400(admin_client):
    response = admin_client.post(API, '["create_department"]', content_type="application/json")
    assert response.status_code == 400
    assert "object of fields" in response.json()["detail"]


def test_live_queue_queries_do_not_grow_with_departments(admin_client, make_department, make_doctor, make_token):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from patients import services

    def add_busy_department():
        department = make_department()
        make_token(department)
        make_token(department)
        services.call_next(doctor=make_doctor(department=department))

    add_busy_department()
    with CaptureQueriesContext(connection) as one_department:
        admin_client.get(API)
    for _ in range(3):
        add_busy_department()
    with CaptureQueriesContext(connection) as four_departments:
        admin_client.get(API)
    assert len(four_departments) == len(one_department)


def test_every_event_the_core_announces_reads_as_words_in_the_audit_log():
    """An event audited without a label showed as its code ("Queue: postponed"), in English on every page."""
    from adminpanel.audit_actions import AUDIT_ACTIONS
    from patients import hooks

    announced = {f"queue.{event}" for event in hooks.QUEUE_EVENTS} | {
        f"appointment.{event}" for event in hooks.APPOINTMENT_EVENTS
    }

    assert sorted(announced - set(AUDIT_ACTIONS)) == []


def test_a_refused_panel_form_sums_up_its_errors_by_field_and_its_help_is_read_with_each_field(admin_client):
    """Panel forms had neither (staff accessibility review): focus stayed on the body, and fields pointed their
    aria-describedby at help text that had no such id."""
    page = admin_client.post("/adminpanel/departments/new/", {}).content.decode()

    summary = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", page, re.S)
    assert summary and "autofocus" in summary.group(0)
    assert re.search(r'<a class="alert-link" href="#id_name">[^<]+</a>', summary.group(1))
    described = set(re.findall(r'aria-describedby="([^"]+)"', page))
    helps = [token for ids in described for token in ids.split() if token.endswith("_helptext")]
    assert helps and all(f'id="{help_id}"' in page for help_id in helps)


def test_the_audit_log_gives_its_times_in_the_pages_language_not_iso(admin_client, manager, department):
    admin_client.post("/i18n/setlang/", {"language": "es", "next": "/adminpanel/"})
    record_audit(
        actor=manager, action="department.updated", target=department, before={"room": ""}, after={"room": "B"}
    )

    page = admin_client.get("/adminpanel/audit/").content.decode()

    assert not re.search(r"<td[^>]*>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>", page)
    assert re.search(r"<td[^>]*>\d\d/\d\d/\d{4} \d\d:\d\d</td>", page)


def test_the_live_queues_heading_is_its_name_and_the_connection_status_sits_beside_it(admin_client):
    page = admin_client.get(reverse("adminpanel:queues")).content.decode()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert heading == "Live queues"
    assert re.search(r'<span id="live-status"[^>]*role="status"', page)


@pytest.mark.parametrize("minutes", [{}, {"average_consultation_minutes": 20}])
def test_a_department_created_through_the_api_takes_the_defaults_of_the_fields_it_leaves_out(
    admin_client, manager, minutes
):
    response = api_post(admin_client, action="create_department", name="Neurology", **minutes)

    assert response.status_code == 200, response.json()
    neurology = Department.objects.get(name="Neurology")
    assert (neurology.is_active, neurology.average_consultation_minutes, neurology.code) == (
        True,
        minutes.get("average_consultation_minutes", 10),
        "NEUR",
    )
    assert "NEUR" in [row["code"] for row in admin_client.get("/patients/api/departments/").json()]
