"""The pages that update live: each loads the LiveSocket client and names the right socket (docs/realtime.md)."""

import re

import pytest
from django.urls import reverse

from adminpanel.models import AdminUser
from patients import services

LIVE_SOCKET_SCRIPT = "/static/js/live-socket.js"


def scripts(page):
    return re.findall(r'<script src="([^"]+)"', page)


def assert_loads_live_socket_before(page, page_script):
    loaded = scripts(page)
    assert LIVE_SOCKET_SCRIPT in loaded
    assert loaded.index(LIVE_SOCKET_SCRIPT) < loaded.index(page_script)
    assert re.search(r'id="live-status"[^>]*data-live-status="connecting"', page)


def test_patient_status_page_follows_its_own_socket_and_shows_nothing_of_another_patient(
    client, department, make_token
):
    mine = make_token(department, name="Asha Patel", phone="+14155550181")
    other = make_token(department, name="Bilal Okafor", phone="+14155550182")

    page = client.get(mine.get_absolute_url()).content.decode()

    assert_loads_live_socket_before(page, "/static/js/patient-status.js")
    assert f'data-socket-path="/ws/patient/{mine.public_id}/"' in page
    assert f'data-visit-id="{mine.pk}"' in page
    for personal in ("Bilal", "Okafor", "+14155550182", "4155550182", str(other.patient.public_id)):
        assert personal not in page


def test_patient_status_page_says_its_your_turn_and_where_to_go_once_called(client, department, make_token, make_doctor):
    entry = make_token(department)
    url = entry.get_absolute_url()
    waiting = client.get(url).content.decode()
    assert re.search(r'class="alert[^"]* d-none"[^>]*data-field="your-turn"', waiting)
    assert 'data-field="status" data-value="waiting">Waiting<' in waiting

    services.call_patient(entry=entry, doctor=make_doctor(department=department, room="Room 7"))
    called = client.get(url).content.decode()

    banner = re.search(r'<div class="([^"]*)"[^>]*data-field="your-turn"[^>]*>(.*?)</div>', called, re.S)
    assert "d-none" not in banner.group(1)
    assert re.sub(r"<[^>]+>", "", banner.group(2)).split() == "It's your turn — go to Room 7".split()
    assert 'data-field="status" data-value="called">Called<' in called


def test_doctor_dashboard_listens_on_the_doctors_socket_with_the_queue_in_call_order(
    client, department, make_doctor, make_token
):
    doctor = make_doctor(department=department)
    client.force_login(doctor.user)
    normal = make_token(department)
    emergency = make_token(department, priority="emergency")
    high = make_token(department, priority="high")

    page = client.get(reverse("doctors:dashboard")).content.decode()

    assert_loads_live_socket_before(page, "/static/js/doctor-dashboard.js")
    assert f'data-socket-path="/ws/doctor/{doctor.pk}/"' in page
    rows = re.findall(r'<tr class="([^"]*)" data-token="([^"]+)" data-priority="([^"]+)" data-position="(\d+)"', page)
    assert rows == [
        ("table-danger", emergency.token, "emergency", "1"),
        ("table-warning", high.token, "high", "2"),
        ("", normal.token, "normal", "3"),
    ]


@pytest.fixture
def panel_client(client, make_user):
    manager = make_user()
    AdminUser.objects.create(user=manager)
    client.force_login(manager)
    return client


def test_admin_live_queues_listen_on_every_active_departments_queue_socket(panel_client, department, make_department):
    closed = make_department(name="Closed wing", code="CLOS", is_active=False)
    dermatology = make_department(name="Dermatology", code="DERM")

    page = panel_client.get(reverse("adminpanel:queues")).content.decode()

    assert_loads_live_socket_before(page, "/static/js/live-queues.js")
    assert sorted(re.findall(r'data-socket-path="([^"]+)"', page)) == sorted(
        [f"/ws/queue/{department.pk}/", f"/ws/queue/{dermatology.pk}/"]
    )
    assert f'data-department-id="{closed.pk}">' in page
