"""Faults: the database connection dropping mid-request, and Redis stopping while patients register."""

import asyncio
import itertools
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import psycopg
import pytest
import redis
import requests
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import OperationalError, connection, connections
from django.test import Client
from rest_framework.test import APIClient

from adminpanel.models import AuditLog
from conftest import requires_postgresql
from patients import published, services
from patients.broadcasts import department_group
from patients.models import Patient, Queue
from smartqueue.middleware import DATABASE_UNAVAILABLE_DETAIL

from .conftest import new_phone, registration

# What psycopg says when the server drops a connection; real messages can quote the statement's values.
DROPPED = "terminating connection due to administrator command; Key (phone)=(+14155550123)"


@pytest.fixture
def database_drops_during_registration(monkeypatch):
    def lose_connection(**details):
        raise OperationalError(DROPPED)

    monkeypatch.setattr(services, "register_visit", lose_connection)


def test_api_registration_that_loses_the_database_gets_503_json_with_retry_after(
    client, department, database_drops_during_registration, caplog
):
    response = client.post(
        "/patients/api/register/", registration(department, name="Asha Patel"), content_type="application/json"
    )

    assert response.status_code == 503
    assert response.json() == {"detail": DATABASE_UNAVAILABLE_DETAIL}
    assert int(response["Retry-After"]) > 0
    logged = [record for record in caplog.records if record.name == "smartqueue.middleware"]
    assert [record.levelno for record in logged] == [logging.ERROR]
    assert "POST /patients/api/register/" in logged[0].getMessage()
    assert "+14155550123" not in caplog.text and "Asha" not in caplog.text


def test_form_registration_that_loses_the_database_gets_a_friendly_page(
    client, department, database_drops_during_registration
):
    form = {"name": "Asha Patel", "phone": new_phone(), "age": 34, "gender": "female", "department": department.pk}

    response = client.post("/patients/register/", form)

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Please try again in a few seconds" in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert int(response["Retry-After"]) > 0


def test_page_asked_for_as_json_gets_the_json_error(client, department, monkeypatch):
    def lose_connection():
        raise OperationalError(DROPPED)

    monkeypatch.setattr("patients.views.department_overview", lose_connection)

    response = client.get("/patients/", HTTP_ACCEPT="application/json")

    assert response.status_code == 503
    assert response.json()["detail"] == DATABASE_UNAVAILABLE_DETAIL


def test_other_errors_are_not_disguised_as_a_database_outage(client, department, monkeypatch):
    def broken(**details):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "register_visit", broken)

    with pytest.raises(RuntimeError):
        client.post("/patients/api/register/", registration(department), content_type="application/json")


def _terminate_other_connections(database, stop, terminated):
    """Keep killing every other backend of the test database, as a failing server or pgbouncer would."""
    with psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"] or None,
        host=database["HOST"],
        port=database["PORT"] or None,
        autocommit=True,
    ) as killer:
        while not stop.is_set():
            rows = killer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            terminated[0] += sum(1 for (killed,) in rows if killed)
            time.sleep(0.5)


def _register_until_stopped(url, departments, stop, results, phones):
    with requests.Session() as session:
        for department in itertools.cycle(departments):
            if stop.is_set():
                return
            body = registration(department, phone=next(phones))
            try:
                response = session.post(url, json=body, timeout=30)
            except requests.RequestException as error:
                results.append(("no answer", body, repr(error)))
                continue
            results.append((response.status_code, body, response))


@requires_postgresql()
@pytest.mark.real_services
def test_registrations_survive_dropped_database_connections(
    live_server, make_department, unthrottled, tasks_run_inline
):
    departments = [make_department(), make_department()]
    results, terminated, stop = [], [0], threading.Event()
    phones = (f"+1415555{n:04d}" for n in itertools.count(1000))  # shared, so no two requests share a phone
    clients = [
        threading.Thread(
            target=_register_until_stopped,
            args=(f"{live_server.url}/patients/api/register/", departments, stop, results, phones),
        )
        for _ in range(6)
    ]
    killer = threading.Thread(
        target=_terminate_other_connections, args=(connection.settings_dict, stop, terminated)
    )
    killer.start()
    for registering in clients:
        registering.start()
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        outcomes = Counter(status for status, *_ in results)
        if outcomes[503] >= 5 and outcomes[201] >= 30:
            break
        time.sleep(0.2)
    stop.set()
    for thread in [killer, *clients]:
        thread.join(timeout=60)
    # This thread's own connection was killed too.
    connections.close_all()

    outcomes = Counter(status for status, *_ in results)
    assert terminated[0] > 0
    assert set(outcomes) <= {201, 503}, [result for result in results if result[0] not in (201, 503)][:3]
    assert outcomes[201] > 0 and outcomes[503] > 0, outcomes
    for status, body, response in results:
        if status == 503:
            assert response.json() == {"detail": DATABASE_UNAVAILABLE_DETAIL}
            assert int(response.headers["Retry-After"]) > 0

    issued = {response.json()["token"]: body for status, body, response in results if status == 201}
    assert len(issued) == outcomes[201], "two registrations were given the same token"
    entries = Queue.objects.select_related("patient", "department")
    for department in departments:
        numbers = sorted(entry.token_number for entry in entries if entry.department_id == department.pk)
        assert numbers == list(range(1, len(numbers) + 1)), f"gap or duplicate in {department.code}: {numbers}"
    stored = {entry.token: entry for entry in entries}
    for token, body in issued.items():
        assert stored[token].patient.phone == body["phone"]
        assert stored[token].department_id == body["department"]
    audited = AuditLog.objects.filter(action="queue.registered", object_type="queue").values_list("object_id", flat=True)
    assert sorted(audited) == sorted(str(entry.pk) for entry in entries), "a token without its audit row, or the reverse"
    assert not Patient.objects.filter(visits__isnull=True).exists(), "a patient was saved without a token"


async def _receive_within(layer, channel, seconds):
    return await asyncio.wait_for(layer.receive(channel), seconds)


@pytest.mark.real_services
def test_registration_succeeds_while_redis_is_down_and_broadcasts_resume_when_it_returns(
    private_redis, settings, department, tasks_run_inline, unthrottled, django_capture_on_commit_callbacks, caplog
):
    # Setting CHANNEL_LAYERS makes channels drop its cached layers, so the next use connects to this Redis.
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [private_redis.url]}}
    }
    api = APIClient()
    private_redis.stop()

    with caplog.at_level(logging.ERROR, logger="patients.broadcasts"):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/patients/api/register/", registration(department), format="json")

    assert response.status_code == 201
    assert Queue.objects.filter(department=department, token_number=1).exists()
    failures = [record for record in caplog.records if record.name == "patients.broadcasts"]
    assert failures and failures[0].levelno == logging.ERROR
    assert "Could not broadcast registered" in failures[0].getMessage()

    private_redis.start()
    layer = get_channel_layer()
    listener = "fault-test.listener"
    async_to_sync(layer.group_add)(department_group(department.pk), listener)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/patients/api/register/", registration(department), format="json")

    assert response.status_code == 201
    message = json.loads(async_to_sync(_receive_within)(layer, listener, 5)["text"])
    assert (message["type"], message["payload"]["event"]) == ("queue.changed", "registered")
    assert message["department"] == department.pk
    assert message["payload"]["entry"]["token"] == "CARD-002"


@pytest.fixture
def sequence_numbers_in(settings):
    """Numbers the departments' changes in the given Redis (published keeps one client for the process's life)."""

    def counted_in(url):
        settings.REDIS_URL = url
        published._redis.cache_clear()

    yield counted_in
    published._redis.cache_clear()


def test_department_change_numbers_keep_rising_after_redis_restarts_without_its_data(
    private_redis, sequence_numbers_in, department
):
    """Counted from 1 again, every board and patient socket holding a higher number took each change after as one it
    had already, and showed the line of before the restart until its next full refresh (a patient's page: longer)."""
    sequence_numbers_in(private_redis.url)
    before = [published.next_sequence(department.pk) for _ in range(3)]

    private_redis.stop()
    private_redis.start()
    after = published.next_sequence(department.pk)

    assert before == sorted(before)
    # Above every number given before, and a gap after them: each client asks for a snapshot at once.
    assert after > before[-1] + 1
    assert published.next_sequence(department.pk) == after + 1


def production_cache_settings(cache_url, *, base_dir):
    """settings.CACHES as smartqueue/settings.py builds it for CACHE_URL."""
    probe = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=base_dir,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "smartqueue.settings", "CACHE_URL": cache_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_patients_register_and_read_the_queue_while_the_shared_cache_redis_is_down(private_redis, settings, department):
    settings.CACHES = production_cache_settings(private_redis.url, base_dir=settings.BASE_DIR)
    api = APIClient()
    private_redis.stop()

    registered = api.post("/patients/api/register/", registration(department), format="json")
    queue = api.get(f"/patients/api/queue/{department.pk}/")

    assert registered.status_code == 201, registered.content
    assert registered.json()["position"] == 1
    assert queue.status_code == 200
    assert [waiting["token"] for waiting in queue.json()["waiting"]] == ["CARD-001"]


def test_staff_sign_in_while_the_shared_cache_redis_is_down(private_redis, settings, make_doctor):
    # The sign-in limits count in the cache (smartqueue.auth_backends): without it they let sign-ins through, as the
    # rate limits do, and axes' own lockout in the database still holds.
    settings.CACHES = production_cache_settings(private_redis.url, base_dir=settings.BASE_DIR)
    doctor = make_doctor().user
    private_redis.stop()
    client = Client()

    wrong = [
        client.post("/doctors/login/", {"username": doctor.username, "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    other = make_doctor().user
    signed_in = client.post("/doctors/login/", {"username": other.username, "password": "pass-word-123"})

    assert wrong == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert signed_in.status_code == 302


@pytest.fixture
def sequence_numbers_unreachable(monkeypatch):
    def unreachable(department_ids):
        raise redis.ConnectionError("Connection refused")

    # Every read of the numbers goes through it (current_sequence, latest_change, readable_changes).
    monkeypatch.setattr(published, "latest_changes", unreachable)


def test_registration_answers_from_the_database_while_the_sequence_numbers_are_unreachable(
    department, sequence_numbers_unreachable
):
    response = APIClient().post("/patients/api/register/", registration(department), format="json")

    assert response.status_code == 201
    assert (response.json()["token"], response.json()["position"]) == ("CARD-001", 1)


def test_queue_reads_and_display_boards_work_from_the_database_while_the_sequence_numbers_are_unreachable(
    client, department, make_token, sequence_numbers_unreachable
):
    make_token(department)

    queue = client.get(f"/patients/api/queue/{department.pk}/")
    board_poll = client.get(f"/display/{department.pk}/snapshot.json")
    board = client.get(f"/display/{department.pk}/")

    assert queue.status_code == 200 and [t["token"] for t in queue.json()["waiting"]] == ["CARD-001"]
    # Unnumbered: the boards apply it as full state and keep their place in the sequence for when Redis returns.
    assert board_poll.status_code == 200 and board_poll.json()["seq"] is None
    assert board_poll.json()["payload"]["queue"]["waiting"][0]["token"] == "CARD-001"
    assert board.status_code == 200 and "CARD-001" in board.content.decode()
