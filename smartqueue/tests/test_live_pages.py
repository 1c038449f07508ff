"""The pages that update live: each loads the LiveSocket client and names the right socket (docs/realtime.md)."""

import json
import re

import pytest
from django.urls import reverse

from adminpanel.models import AdminUser
from patients import services

LIVE_SOCKET_SCRIPT = "/static/js/live-socket.js"
# Writes the time of the figures a lost socket leaves on the page ("Not live: last updated 10:42").
WAIT_WORDS_SCRIPT = "/static/js/wait-words.js"


def scripts(page):
    return re.findall(r'<script src="([^"]+)"', page)


def assert_loads_live_socket_before(page, page_script):
    loaded = scripts(page)
    assert LIVE_SOCKET_SCRIPT in loaded and WAIT_WORDS_SCRIPT in loaded
    assert loaded.index(LIVE_SOCKET_SCRIPT) < loaded.index(page_script)
    assert loaded.index(WAIT_WORDS_SCRIPT) < loaded.index(page_script)
    assert re.search(r'id="live-status"[^>]*data-live-status="connecting"', page)


def embedded_json(page, element_id):
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_patient_status_page_follows_its_own_socket_and_shows_nothing_of_another_patient(
    client, department, make_token
):
    mine = make_token(department, name="Asha Patel", phone="+14155550181")
    other = make_token(department, name="Bilal Okafor", phone="+14155550182")

    page = client.get(mine.get_absolute_url()).content.decode()

    assert_loads_live_socket_before(page, "/static/js/patient-status.js")
    assert f'data-socket-path="/ws/patient/{mine.public_id}/"' in page
    assert embedded_json(page, "visit-status")["visit_id"] == mine.pk
    for personal in ("Bilal", "Okafor", "+14155550182", "4155550182", str(other.patient.public_id)):
        assert personal not in page


def test_patient_status_page_hands_its_script_the_turn_and_where_to_go_once_called(
    client, department, make_token, make_doctor
):
    entry = make_token(department)
    url = entry.get_absolute_url()
    waiting = client.get(url).content.decode()
    assert embedded_json(waiting, "visit-status")["your_turn"] is False

    services.call_patient(entry=entry, doctor=make_doctor(department=department, room="Room 7"))
    called = client.get(url).content.decode()

    visit = embedded_json(called, "visit-status")
    assert (visit["your_turn"], visit["go_to"], visit["status"], visit["status_display"]) == (
        True, "Room 7", "called", "Called"
    )
    # The banner is the page's frame, hidden until the script draws the visit.
    assert re.search(r'class="alert[^"]* d-none"[^>]*data-field="your-turn"', called)
    assert 'data-field="go_to" data-written-in="en" data-written-dir="ltr"></span>' in called


def waiting_rows(html):
    return re.findall(r'<tr class="([^"]*)" data-token="([^"]+)" data-priority="([^"]+)" data-position="(\d+)"', html)


def live_regions(html):
    return re.findall(r'id="([^"]+)"[^>]*data-live-region', html)


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
    assert scripts(page).index("/static/js/live-fragment.js") < scripts(page).index("/static/js/doctor-dashboard.js")
    assert f'data-socket-path="/ws/doctor/{doctor.pk}/"' in page
    assert f'data-fragment-url="{reverse("doctors:dashboard-live")}"' in page
    assert waiting_rows(page) == [
        ("table-danger", emergency.token, "emergency", "1"),
        ("table-warning", high.token, "high", "2"),
        ("", normal.token, "normal", "3"),
    ]


def test_the_doctors_fragment_is_the_dashboard_body_with_fresh_rows_and_the_actions_of_the_moment(
    client, department, make_doctor, make_token
):
    doctor = make_doctor(department=department, availability="on_break")
    client.force_login(doctor.user)
    page = client.get(reverse("doctors:dashboard")).content.decode()
    first = make_token(department, name="Asha Patel")
    emergency = make_token(department, priority="emergency")
    services.call_next(doctor=doctor)

    response = client.get(reverse("doctors:dashboard-live"))

    fragment = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert "<html" not in fragment and "<script" not in fragment
    # The same regions as the page, so the script has something to swap for each.
    assert live_regions(fragment) == live_regions(page) == [
        "availability-form",
        "wait-alert",
        "current-patient",
        "today-statistics",
        "waiting-queue",
        "expected-appointments",
        "skipped-rows",
    ]
    assert waiting_rows(fragment) == [("", first.token, "normal", "1")]
    assert re.search(rf'id="current-patient"[^>]*data-status="called" data-token="{emergency.token}"', fragment)
    assert f'data-live-key="{emergency.pk}:called:' in fragment
    actions = re.findall(r'name="action" value="([a-z_]+)"', fragment)
    assert actions == ["set_availability", "start", "skip", "transfer"]
    assert 'id="waiting-count">1<' in fragment
    assert '<option value="on_break" selected>On break</option>' in fragment


def test_the_doctors_fragment_is_for_the_signed_in_doctor_only(client, department, make_doctor, make_user):
    assert client.get(reverse("doctors:dashboard-live")).status_code == 403
    client.force_login(make_user())
    assert client.get(reverse("doctors:dashboard-live")).status_code == 403
    client.force_login(make_doctor(department=department).user)
    assert client.post(reverse("doctors:dashboard-live")).status_code == 405


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
    assert f'data-fragment-url="{reverse("adminpanel:queues-live")}"' in page
    assert live_regions(page) == ["live-queues"]


def test_the_admins_fragment_renders_every_departments_card_in_words(
    panel_client, department, make_department, make_doctor, make_token
):
    doctor = make_doctor(department=department, availability="on_break", room="Room 7")
    entry = make_token(department, name="Ann Called")
    make_token(department)
    services.call_patient(entry=entry, doctor=doctor)
    make_department(name="Closed wing", code="CLOS", is_active=False)

    response = panel_client.get(reverse("adminpanel:queues-live"))

    fragment = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert "<html" not in fragment and "<script" not in fragment
    assert live_regions(fragment) == ["live-queues"]
    assert re.search(r'data-field="waiting">1<', fragment)
    called_line = f'<li data-token="{entry.token}" data-status="called">{entry.token} Ann Called — Called by {doctor}'
    assert called_line in fragment
    assert f"{doctor}: On break" in fragment and "on_break<" not in fragment
    assert "Closed wing" in fragment and ">Closed</span>" in fragment


def test_the_admins_fragment_is_for_administrators_only(client, department, make_doctor):
    assert client.get(reverse("adminpanel:queues-live")).status_code == 403
    client.force_login(make_doctor(department=department).user)
    assert client.get(reverse("adminpanel:queues-live")).status_code == 403
