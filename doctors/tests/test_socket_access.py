"""Finding 3: a doctor's socket ends with the access that opened it, and re-checks it before serving anything."""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from adminpanel.models import AdminUser
from conftest import TEST_PASSWORD
from doctors import consumers
from doctors.consumers import CLOSE_DEPARTMENT_CHANGED, DoctorConsumer
from doctors.models import Doctor
from patients.live import CLOSE_FORBIDDEN, CLOSE_NOT_SIGNED_IN
from patients.tests.factories import register_patient
from patients.tests.live_helpers import next_frame, open_socket  # noqa: F401  (open_socket is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def doctor(make_doctor, department):
    return make_doctor(department=department)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


async def open_doctor_socket(open_socket, doctor):
    browser = await database_sync_to_async(signed_in)(doctor.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    socket, connected, _ = await open_socket(f"/ws/doctor/{doctor.pk}/", cookie=cookie)
    assert connected
    await next_frame(socket)  # the snapshot
    return socket, browser


async def closed_with(socket):
    output = await socket.receive_output(timeout=5)
    assert output["type"] == "websocket.close", output
    return output["code"]


async def register_someone(department):
    await database_sync_to_async(register_patient)(
        department=department, name="Alice Smith", phone="+15550000001", age=34, gender="female"
    )


async def test_signing_out_closes_the_socket(doctor, open_socket):
    socket, browser = await open_doctor_socket(open_socket, doctor)

    await database_sync_to_async(browser.post)("/doctors/logout/")

    assert await closed_with(socket) == CLOSE_NOT_SIGNED_IN


async def test_an_admin_deactivating_the_doctor_closes_the_socket(doctor, department, make_user, open_socket):
    socket, _ = await open_doctor_socket(open_socket, doctor)
    manager = await database_sync_to_async(make_user)()
    await database_sync_to_async(AdminUser.objects.create)(user=manager)
    admin = await database_sync_to_async(signed_in)(manager)

    await database_sync_to_async(admin.post)(f"/adminpanel/doctors/{doctor.pk}/deactivate/")

    assert await closed_with(socket) == CLOSE_FORBIDDEN


async def test_deactivating_the_account_closes_the_socket(doctor, open_socket):
    socket, _ = await open_doctor_socket(open_socket, doctor)
    doctor.user.is_active = False

    await database_sync_to_async(doctor.user.save)()

    assert await closed_with(socket) == CLOSE_NOT_SIGNED_IN


async def test_losing_the_doctor_role_closes_the_socket(doctor, open_socket):
    socket, _ = await open_doctor_socket(open_socket, doctor)

    await database_sync_to_async(doctor.delete)()

    assert await closed_with(socket) == CLOSE_FORBIDDEN


async def test_a_new_password_set_in_another_browser_closes_the_socket(doctor, open_socket):
    """The password page ends the account's other sessions by the new session auth hash; the socket opened with
    one of them re-reads its session as soon as the account is saved."""
    socket, _ = await open_doctor_socket(open_socket, doctor)
    elsewhere = await database_sync_to_async(signed_in)(doctor.user)
    new_password = "Ward-7-night-kettle"

    changed = await database_sync_to_async(elsewhere.post)(
        "/doctors/password/",
        {"old_password": TEST_PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert changed.status_code == 302
    assert await closed_with(socket) == CLOSE_NOT_SIGNED_IN


async def test_a_move_to_another_department_closes_the_old_departments_socket(doctor, make_department, open_socket):
    socket, _ = await open_doctor_socket(open_socket, doctor)
    doctor.department = await database_sync_to_async(make_department)()

    await database_sync_to_async(doctor.save)()

    assert await closed_with(socket) == CLOSE_DEPARTMENT_CHANGED


async def test_a_session_ended_without_any_signal_gets_no_more_frames(doctor, department, open_socket):
    socket, _ = await open_doctor_socket(open_socket, doctor)
    # As when the idle session expires: nothing announces it.
    await database_sync_to_async(Session.objects.all().delete)()

    await register_someone(department)

    assert await closed_with(socket) == CLOSE_NOT_SIGNED_IN


async def test_a_snapshot_request_after_the_session_ended_is_refused(doctor, open_socket):
    socket, _ = await open_doctor_socket(open_socket, doctor)
    await database_sync_to_async(Session.objects.all().delete)()

    await socket.send_to(text_data='{"type": "snapshot"}')

    assert await closed_with(socket) == CLOSE_NOT_SIGNED_IN


async def test_a_snapshot_answered_after_its_wait_is_not_sent_once_the_session_ended(doctor, open_socket):
    socket, _ = await open_doctor_socket(open_socket, doctor)
    # Within a second of the first snapshot: answered at the second's end. The pong says the request was read.
    await socket.send_to(text_data='{"type": "snapshot"}')
    await socket.send_to(text_data='{"type": "ping"}')
    assert (await next_frame(socket))["type"] == "pong"
    await database_sync_to_async(Session.objects.all().delete)()

    assert await closed_with(socket) == CLOSE_NOT_SIGNED_IN


async def test_pings_do_not_each_read_the_session_and_the_profile(doctor, open_socket, monkeypatch):
    socket, _ = await open_doctor_socket(open_socket, doctor)
    access_reads = []
    read_access = DoctorConsumer._refusal
    monkeypatch.setattr(DoctorConsumer, "_refusal", lambda consumer: access_reads.append(1) or read_access(consumer))

    for _ in range(3):
        await socket.send_to(text_data='{"type": "ping"}')
        assert (await next_frame(socket))["type"] == "pong"

    assert access_reads == []


async def test_a_burst_of_snapshot_requests_reads_the_session_and_the_profile_once_per_snapshot_sent(
    doctor, open_socket, monkeypatch
):
    # Twenty-second attack run: each request was checked before the requests of a second were answered together, so
    # a client asking in a loop had the session and the profile read for every one.
    socket, _ = await open_doctor_socket(open_socket, doctor)
    access_reads = []
    read_access = DoctorConsumer._refusal
    monkeypatch.setattr(DoctorConsumer, "_refusal", lambda consumer: access_reads.append(1) or read_access(consumer))

    for _ in range(20):
        await socket.send_to(text_data='{"type": "snapshot"}')
    snapshot = await next_frame(socket)

    assert snapshot["type"] == "snapshot"
    assert await socket.receive_nothing(timeout=1.5)
    assert access_reads == [1]


async def test_a_ping_checks_again_once_no_check_has_for_a_while(doctor, open_socket, monkeypatch):
    socket, _ = await open_doctor_socket(open_socket, doctor)
    monkeypatch.setattr(consumers, "PING_ACCESS_RECHECK_SECONDS", 0)
    # As when the idle session expires: nothing announces it.
    await database_sync_to_async(Session.objects.all().delete)()

    await socket.send_to(text_data='{"type": "ping"}')

    assert await closed_with(socket) == CLOSE_NOT_SIGNED_IN


async def test_a_snapshot_request_right_after_pings_is_refused_once_the_doctor_is_deactivated(doctor, open_socket):
    socket, _ = await open_doctor_socket(open_socket, doctor)
    await socket.send_to(text_data='{"type": "ping"}')
    assert (await next_frame(socket))["type"] == "pong"
    # A bulk update: no signal tells the socket.
    await database_sync_to_async(Doctor.objects.filter(pk=doctor.pk).update)(is_active=False)

    await socket.send_to(text_data='{"type": "snapshot"}')

    assert await closed_with(socket) == CLOSE_FORBIDDEN


async def test_a_doctor_still_signed_in_keeps_getting_frames(doctor, department, open_socket):
    socket, _ = await open_doctor_socket(open_socket, doctor)

    await register_someone(department)

    assert (await next_frame(socket))["payload"]["entry"]["patient"]["name"] == "Alice Smith"


def test_the_admin_panels_live_page_opens_only_public_sockets_and_reads_names_over_the_checked_api(
    department, make_user
):
    manager = make_user()
    AdminUser.objects.create(user=manager)
    admin = signed_in(manager)
    page = admin.get("/adminpanel/").content.decode()
    script = (settings.BASE_DIR / "static/js/live-queues.js").read_text()

    assert f'data-socket-path="/ws/queue/{department.pk}/"' in page
    assert "/ws/doctor/" not in page and "/ws/doctor/" not in script
    admin.post("/adminpanel/logout/")
    assert admin.get("/adminpanel/api/").status_code == 403
