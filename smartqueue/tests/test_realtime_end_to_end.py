"""Real daphne, real Redis, real WebSocket clients: what a waiting room and a doctor's screen receive."""

import contextlib
import json
import time

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from smartqueue.tests.live_server import running_daphne

pytestmark = [pytest.mark.real_services, pytest.mark.django_db(transaction=True)]


def redis_reachable():
    try:
        return bool(settings.REDIS_URL) and redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis for the server and this process to share groups: set REDIS_URL (CI's second pass does)")
    if not redis_reachable():
        pytest.skip(f"Redis at {settings.REDIS_URL} is unreachable")
    with django_db_blocker.unblock(), running_daphne(database=connection.settings_dict) as live:
        yield live


def open_socket(server, path, cookie=None, origin=None):
    return connect(
        f"{server.ws_url}{path}",
        origin=origin or server.origin,
        additional_headers={"Cookie": cookie} if cookie else None,
        proxy=None,
        open_timeout=10,
    )


def receive(socket):
    return json.loads(socket.recv(timeout=10))


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def register(server, department, name, phone):
    """Register over HTTP as a patient's phone would; returns the API's answer (token, patient_id, ...)."""
    response = requests.post(
        f"{server.origin}/patients/api/register/",
        json={"name": name, "phone": phone, "age": 61, "gender": "female", "department": department.pk},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()


def call_next_over_http(server, doctor):
    """Press "call next" as the doctor's dashboard does: signed-in session, CSRF token, POST /doctors/api/."""
    client = Client()
    client.force_login(doctor.user)
    browser = requests.Session()
    browser.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    browser.get(f"{server.origin}/doctors/", timeout=10)
    response = browser.post(
        f"{server.origin}/doctors/api/",
        json={"action": "call_next"},
        headers={"X-CSRFToken": browser.cookies[settings.CSRF_COOKIE_NAME]},
        timeout=10,
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def sockets():
    with contextlib.ExitStack() as stack:
        yield stack


def test_registration_and_call_reach_every_subscriber_in_order(server, sockets, department, make_doctor, make_user):
    doctor = make_doctor(department=department, user=make_user(first_name="Meredith", last_name="Grey"), room="Room 7")
    display = sockets.enter_context(open_socket(server, f"/ws/queue/{department.pk}/"))
    lobby_phone = sockets.enter_context(open_socket(server, f"/ws/queue/{department.pk}/"))
    doctor_screen = sockets.enter_context(
        open_socket(server, f"/ws/doctor/{doctor.pk}/", cookie=session_cookie(doctor.user))
    )
    public_frames = []

    snapshots = [receive(display), receive(lobby_phone)]
    public_frames += snapshots
    doctor_snapshot = receive(doctor_screen)
    alice = register(server, department, "Alicia Privatename", "+14155552001")
    alice_phone = sockets.enter_context(open_socket(server, f"/ws/patient/{alice['patient_id']}/"))
    alice_snapshot = receive(alice_phone)
    public_frames.append(alice_snapshot)
    register(server, department, "Bertram Secretson", "+14155552002")
    call_next_over_http(server, doctor)

    seq = snapshots[0]["seq"]
    for queue_socket in (display, lobby_phone):
        frames = [receive(queue_socket) for _ in range(3)]
        public_frames += frames
        assert [(f["type"], f["payload"]["event"], f["seq"]) for f in frames] == [
            ("queue.changed", "registered", seq + 1),
            ("queue.changed", "registered", seq + 2),
            ("queue.changed", "called", seq + 3),
        ]
        assert [t["token"] for t in frames[1]["payload"]["queue"]["waiting"]] == ["CARD-001", "CARD-002"]
        assert frames[2]["payload"]["entry"] == {
            **frames[2]["payload"]["entry"],
            "token": "CARD-001",
            "status": "called",
            "room": "Room 7",
            "doctor": "Dr. Meredith Grey",
        }
        assert [t["token"] for t in frames[2]["payload"]["queue"]["waiting"]] == ["CARD-002"]

    doctor_frames = [receive(doctor_screen) for _ in range(3)]
    assert doctor_snapshot["payload"]["doctor"]["id"] == doctor.pk
    assert [(f["payload"]["event"], f["payload"]["entry"]["patient"]["name"]) for f in doctor_frames] == [
        ("registered", "Alicia Privatename"),
        ("registered", "Bertram Secretson"),
        ("called", "Alicia Privatename"),
    ]

    # Bertram's registration (seq + 2) leaves Alicia first in line: her phone only hears of her call.
    alice_frames = [receive(alice_phone)]
    public_frames += alice_frames
    assert alice_snapshot["payload"]["visit"]["position"] == 1
    assert alice_snapshot["payload"]["sequences"] == {str(department.pk): seq + 1}
    assert [(f["seq"], f["payload"]["visit"]["position"]) for f in alice_frames] == [(seq + 3, None)]
    assert alice_frames[0]["payload"]["visit"]["your_turn"] is True
    assert alice_frames[0]["payload"]["visit"]["go_to"] == "Room 7"

    public_text = json.dumps(public_frames)
    for secret in ["Alicia", "Privatename", "Bertram", "Secretson", "4155552001", "4155552002"]:
        assert secret not in public_text


def test_strangers_and_other_sites_are_refused_at_the_handshake(server, department, make_doctor):
    doctor, colleague = make_doctor(department=department), make_doctor(department=department)

    cookie = session_cookie(colleague.user)

    with pytest.raises(InvalidStatus) as colleague_refused, open_socket(server, f"/ws/doctor/{doctor.pk}/", cookie=cookie):
        pass
    with pytest.raises(InvalidStatus) as anonymous_refused, open_socket(server, f"/ws/doctor/{doctor.pk}/"):
        pass
    with pytest.raises(InvalidStatus) as foreign_site_refused, open_socket(
        server, f"/ws/queue/{department.pk}/", origin="https://evil.example"
    ):
        pass

    assert colleague_refused.value.response.status_code == 403
    assert anonymous_refused.value.response.status_code == 403
    assert foreign_site_refused.value.response.status_code == 403


def test_an_idle_display_stays_connected(server, sockets, department):
    """The channel layer's blocking receive must outlast a quiet waiting room (redis-py 8's 5 s read timeout)."""
    display = sockets.enter_context(open_socket(server, f"/ws/queue/{department.pk}/"))
    receive(display)

    time.sleep(6)
    register(server, department, "Quiet Arrival", "+14155552003")

    assert receive(display)["payload"]["event"] == "registered"
