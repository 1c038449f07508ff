import uuid
from datetime import time, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from adminpanel.models import SystemConfiguration
from notifications.webhooks import active_subscriptions
from patients import appointments, hooks, services
from patients.models import Queue
from patients.tests.factories import CHANGE_NUMBER_QUERIES, register_patient
from smartqueue.days import moment_on


def queries_for(api_client, url):
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_departments_lists_active_ones_with_queue_length_and_wait(
    api_client, department, make_department, register, make_doctor, clock
):
    make_department(name="Closed wing", code="CLOS", is_active=False)
    make_doctor(department=department)
    register()
    register(phone="+14155550188")

    response = api_client.get("/patients/api/departments/")

    assert response.status_code == 200
    # At noon, a doctor without weekly hours works the clinic's, until it closes at 5 p.m.
    listed = response.json()
    assert parse_datetime(listed[0].pop("hours_end_at")) == moment_on(timezone.localdate(), time(17))
    assert listed == [
        {
            "id": department.pk,
            "name": "Cardiology",
            "code": "CARD",
            "room": "",
            "translations": {},
            "description": "",
            "queue_length": 2,
            "doctors_on_duty": 1,
            "doctors_expected_at": None,
            "no_doctor_left_today": False,
            # The doctor is free: the first waiting token is next, a newcomer is two consultations away, with
            # the range each waiting token has.
            "estimated_wait_minutes": 20,
            "estimated_wait_low_minutes": 10,
            "estimated_wait_high_minutes": 30,
            "maybe_not_today": False,
            "full_today": False,
            "capacity_today": None,
            "closed_today": False,
        }
    ]


def newcomer_waits(api_client, department):
    """A newcomer's wait as the departments list gives it, and as the queue API works it out on its own."""
    [listed] = [row for row in api_client.get("/patients/api/departments/").json() if row["id"] == department.pk]
    cache.clear()  # nothing the list kept: the queue is read from the database again
    return listed["estimated_wait_minutes"], api_client.get(f"/patients/api/queue/{department.pk}/").json()[
        "estimated_wait_minutes"
    ]


def test_the_departments_list_and_the_queue_give_a_newcomer_the_same_wait(
    api_client, department, register, make_doctor, clock
):
    doctor = make_doctor(department=department)
    seen = register(phone="+14155550101")
    register(phone="+14155550102", priority=Queue.Priority.HIGH)
    register(phone="+14155550103")
    register(phone="+14155550104", priority=Queue.Priority.EMERGENCY)
    services.start_consultation(entry=services.call_patient(entry=seen, doctor=doctor))
    clock.shift(60 * 3)  # three minutes into the consultation

    listed, queued = newcomer_waits(api_client, department)

    assert listed == queued
    last_in_line = api_client.get(f"/patients/api/queue/{department.pk}/").json()["waiting"][-1]
    assert listed >= last_in_line["estimated_wait_minutes"]


def test_the_departments_list_reads_any_number_of_departments_in_the_same_queries(
    api_client, make_department, make_doctor, register
):
    hooks.hospital_settings()  # The hospital's configuration row, which an installed hospital has.
    counts = []
    for added in (1, 3):  # one department, then four
        for _ in range(added):
            department = make_department()
            make_doctor(department=department)
            register(into=department, phone=f"+14155550{department.pk:03d}")
        cache.clear()
        counts.append(queries_for(api_client, "/patients/api/departments/"))
    kept = queries_for(api_client, "/patients/api/departments/")

    # The departments (and their change numbers), the day's closed days, then one statement of every department's
    # tokens, their bookings, their roster, (each department's first read of the day) their history and, the cache
    # cleared, the hospital's settings (its doctors have no weekly hours: they work the clinic's); once their queues
    # and the day's closed days are kept, the departments (and their change numbers) only.
    assert counts == [7 + CHANGE_NUMBER_QUERIES] * 2
    assert kept == 1 + CHANGE_NUMBER_QUERIES


def test_queue_lists_tokens_in_service_order_without_names_or_phones(api_client, department, register, make_doctor):
    first = register(name="Ravi Kumar", phone="+14155550101")
    register(name="Mei Lin", phone="+14155550102", priority=Queue.Priority.EMERGENCY)
    serving = register(name="Omar Said", phone="+14155550103")
    services.call_patient(entry=serving, doctor=make_doctor(department=department))

    response = api_client.get(f"/patients/api/queue/{department.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert [(t["token"], t["priority"], t["position"]) for t in body["waiting"]] == [
        ("CARD-002", "emergency", 1),
        (first.token, "normal", 2),
    ]
    assert [(s["token"], s["status"], s["priority"]) for s in body["now_serving"]] == [("CARD-003", "called", "normal")]
    assert body["queue_length"] == 2
    text = response.content.decode()
    for private in ["Ravi", "Mei", "Omar", "4155550101", "4155550102", "4155550103", "patient"]:
        assert private not in text


def test_queue_of_an_unknown_department_is_404(api_client, db):
    assert api_client.get("/patients/api/queue/999999/").status_code == 404
    assert api_client.get("/patients/api/queue/abc/").status_code == 404
    assert api_client.get(f"/patients/api/queue/{10**30}/").status_code == 404


def test_patient_status_shows_own_token_position_and_now_serving(api_client, department, register, make_doctor):
    serving = register(phone="+14155550111")
    services.call_patient(entry=serving, doctor=make_doctor(department=department, room="Room 4"))
    register(phone="+14155550112")
    mine = register(phone="+14155550113")

    body = api_client.get(f"/patients/api/visit/{mine.public_id}/status/").json()

    assert body["token"] == "CARD-003"
    assert body["status"] == "waiting"
    assert body["position"] == 2
    assert body["patients_ahead"] == 1
    assert body["estimated_wait_minutes"] == 20
    assert body["now_serving"] == ["CARD-001"]
    assert body["go_to"] is None
    assert body["can_give_feedback"] is False


def test_a_called_patient_is_told_where_to_go(api_client, department, register, make_doctor):
    entry = register()
    services.call_patient(entry=entry, doctor=make_doctor(department=department, room="Room 4"))

    body = api_client.get(f"/patients/api/visit/{entry.public_id}/status/").json()

    assert (body["status"], body["position"], body["go_to"]) == ("called", None, "Room 4")


def test_a_token_left_open_at_the_end_of_its_day_is_no_longer_in_line_the_next_day(
    api_client, clock, department, register, make_doctor, django_capture_on_commit_callbacks
):
    # Published as the day goes: the department's last published queue is of that day and still lists them.
    with django_capture_on_commit_callbacks(execute=True):
        called = register(phone="+14155550114")
        services.call_patient(entry=called, doctor=make_doctor(department=department, room="Room 4"))
        register(phone="+14155550115")
        waiting = register(phone="+14155550116")
    assert api_client.get(f"/patients/api/visit/{waiting.public_id}/status/").json()["position"] == 2

    clock.shift(timedelta(days=1))

    for entry, status in ((waiting, "waiting"), (called, "called")):
        body = api_client.get(f"/patients/api/visit/{entry.public_id}/status/").json()
        assert (body["status"], body["date"], body["expired"]) == (status, str(entry.token_date), True)
        # Not "Waiting" nor "Called" beside the page's notice that the token is no longer in line.
        assert body["status_display"] == "No longer in line"
        assert (body["position"], body["patients_ahead"], body["estimated_wait_minutes"]) == (None, None, None)
        assert (body["your_turn"], body["go_to"], body["now_serving"]) == (False, None, [])


def test_a_patients_status_reveals_nothing_of_another_patient(api_client, register):
    first = register(name="Ravi Kumar", phone="+14155550121", notes="Private complaint")
    second = register(name="Mei Lin", phone="+14155550122")

    response = api_client.get(f"/patients/api/patient/{second.patient.public_id}/status/")

    text = response.content.decode()
    assert [visit["token"] for visit in response.json()["visits"]] == [second.token]
    for private in ["Ravi", "Mei", "4155550121", "4155550122", "Private complaint", str(first.patient.public_id)]:
        assert private not in text
    assert first.token not in text


def test_status_of_an_unknown_or_malformed_patient_id_is_404(api_client, db):
    assert api_client.get(f"/patients/api/patient/{uuid.uuid4()}/status/").status_code == 404
    assert api_client.get("/patients/api/patient/42/status/").status_code == 404


@pytest.mark.parametrize("address", [
    "/patients/api/queue/999999/",
    # Fixed ids: every pytest-xdist worker must collect the same test names.
    "/patients/api/patient/00000000-0000-4000-8000-000000000001/status/",
    "/patients/api/visit/00000000-0000-4000-8000-000000000002/status/",
    "/patients/api/appointments/00000000-0000-4000-8000-000000000003/",
])
def test_an_unknown_link_or_id_is_refused_in_the_askers_language(api_client, db, address):
    """A patient's app asking in Spanish was told "No Department matches the given query." (Django's words, which
    gettext never sees) or "No visit has this link." in English: the one answer it can show them was not theirs."""
    english = api_client.get(address).json()["detail"]
    spanish = api_client.get(address, HTTP_ACCEPT_LANGUAGE="es").json()["detail"]

    assert "Department" not in english
    assert spanish != english


def test_status_of_a_patient_without_a_token_is_404(api_client, make_patient):
    patient = make_patient()

    response = api_client.get(f"/patients/api/patient/{patient.public_id}/status/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/patients/api/departments/", 4),
        # Cold (nothing kept for the department): its row, then one statement of the day's tokens (the line,
        # who is being served, the pace's history), the day's bookings and the doctors' roster.
        ("/patients/api/queue/{dept}/", 4),
        ("/display/{dept}/snapshot.json", 4),
        # The visit with its department joined, then the same three.
        ("/patients/api/visit/{visit}/status/", 4),
        ("/patients/api/patient/{patient}/status/", 4),
    ],
)
def test_read_endpoints_run_the_same_queries_for_5_or_200_waiting(
    api_client, make_department, make_doctor, fill_queue, register, complete_visit, url, queries
):
    # The day's closed days, which the departments list reads, are read once a day, then kept; the hospital's
    # settings (the clinic's closing, for doctors without weekly hours) once, then kept until saved.
    appointments.closed_department_ids(timezone.localdate())
    hooks.hospital_settings()
    counts = []
    for size in (5, 200):
        department = make_department()
        make_doctor(department=department)
        complete_visit(register(into=department, phone=f"+1415555{size:04d}"))
        fill_queue(department, size)
        services.call_next(doctor=make_doctor(department=department, room="Room 2"))
        last = Queue.objects.filter(department=department).order_by("token_number").last()
        # As if its registration had made its patient and answered with their id.
        Queue.objects.filter(pk=last.pk).update(listed_under_patient=True)
        counts.append(
            queries_for(api_client, url.format(dept=department.pk, visit=last.public_id, patient=last.patient.public_id))
        )

    # Each department is read for the first time of the day: its history of earlier days too (then kept).
    assert counts == [queries + 1 + CHANGE_NUMBER_QUERIES] * 2


@pytest.mark.django_db(transaction=True)
def test_queue_status_is_served_from_the_last_published_snapshot_and_never_lags_a_change(
    api_client, department, django_assert_num_queries
):
    register_patient(department=department, name="Ravi Kumar", phone="+14155550101", age=40, gender="male")

    with django_assert_num_queries(CHANGE_NUMBER_QUERIES):
        first = api_client.get(f"/patients/api/queue/{department.pk}/").json()
    register_patient(department=department, name="Mei Lin", phone="+14155550102", age=40, gender="female")
    second = api_client.get(f"/patients/api/queue/{department.pk}/").json()

    assert [t["token"] for t in first["waiting"]] == ["CARD-001"]
    assert [t["token"] for t in second["waiting"]] == ["CARD-001", "CARD-002"]


@pytest.mark.django_db(transaction=True)
def test_patient_status_reads_the_visits_in_one_query_once_its_queue_is_published(
    api_client, department, django_assert_num_queries
):
    entry, _ = register_patient(department=department, name="Ravi Kumar", phone="+14155550101", age=40, gender="male")

    with django_assert_num_queries(1 + CHANGE_NUMBER_QUERIES):
        status = api_client.get(f"/patients/api/patient/{entry.patient.public_id}/status/").json()

    assert [(visit["token"], visit["position"]) for visit in status["visits"]] == [("CARD-001", 1)]


@pytest.fixture
def queries_at_5_and_200_waiting(client, make_department, make_doctor, fill_queue):
    """Query counts of send(department, waiting) by the department's signed-in doctor, with 5 then 200 waiting."""

    def count(send):
        counts = []
        for size in (5, 200):
            department = make_department()
            client.force_login(make_doctor(department=department).user)
            fill_queue(department, size)
            with CaptureQueriesContext(connection) as captured:
                send(department, size)
            counts.append(len(captured))
        return counts

    return count


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["register", "call next"])
def test_write_endpoints_run_the_same_queries_broadcast_included_for_5_or_200_waiting(
    api_client, client, queries_at_5_and_200_waiting, action
):
    # Read once and kept between saves, which is not what this test counts (the day's closed days, which the
    # dashboard that call next answers with reads for its transfer list).
    SystemConfiguration.cached()
    active_subscriptions()
    appointments.closed_department_ids(timezone.localdate())
    # Done by the day's first change, once a day.
    services.close_days_over_once()

    def send(department, waiting):
        if action == "register":
            body = {"name": "Asha Patel", "phone": f"+1415555{waiting:04d}", "age": 34, "department": department.pk}
            response = api_client.post("/patients/api/register/", body, format="json")
        else:
            response = client.post("/doctors/api/", {"action": "call_next"}, content_type="application/json")
        assert response.status_code in (200, 201), response.content

    counts = queries_at_5_and_200_waiting(send)

    assert counts[0] == counts[1]


def test_doctor_dashboard_runs_the_same_queries_for_5_or_200_waiting(client, queries_at_5_and_200_waiting):
    # Read once and kept between saves (the bookings awaited need the grace minutes; the transfer list, the day's
    # closed days), which is not what this counts.
    SystemConfiguration.cached()
    appointments.closed_department_ids(timezone.localdate())

    def send(department, waiting):
        assert len(client.get("/doctors/api/").json()["waiting"]) == waiting

    counts = queries_at_5_and_200_waiting(send)

    assert counts[0] == counts[1]
