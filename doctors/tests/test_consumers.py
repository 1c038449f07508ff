import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from doctors.serializers import DoctorSnapshotPayloadSerializer
from patients import services
from patients.tests.factories import register_patient
from patients.tests.live_helpers import next_frame, open_socket  # noqa: F401  (open_socket is a fixture)
from patients.tests.test_frame_shapes import problems

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def dr_house(make_doctor, make_user, department):
    return make_doctor(department=department, user=make_user(username="house", first_name="Gregory", last_name="House"), room="Room 4")


async def test_doctor_gets_the_department_queue_with_patient_names(dr_house, department, open_socket):
    cookie = await database_sync_to_async(session_cookie)(dr_house.user)
    socket, connected, _ = await open_socket(f"/ws/doctor/{dr_house.pk}/", cookie=cookie)
    snapshot = await next_frame(socket)

    await database_sync_to_async(register_patient)(
        department=department, name="Alice Smith", phone="+15550000001", age=34, gender="female", notes="Chest pain"
    )
    registered = await next_frame(socket)
    await database_sync_to_async(services.call_next)(doctor=dr_house)
    called = await next_frame(socket)
    await socket.send_to(text_data='{"type": "snapshot"}')
    later = await next_frame(socket)
    await socket.disconnect()

    assert connected
    assert problems(DoctorSnapshotPayloadSerializer(), snapshot["payload"]) == []
    assert problems(DoctorSnapshotPayloadSerializer(), later["payload"]) == []
    assert snapshot["payload"]["doctor"] == {
        "id": dr_house.pk,
        "name": "Dr. Gregory House",
        "availability": "available",
        "room": "Room 4",
    }
    assert snapshot["payload"]["current"] is None and snapshot["department"] == department.pk
    assert registered["payload"]["entry"]["patient"] == {"name": "Alice Smith", "age": 34}
    assert registered["payload"]["entry"]["notes"] == "Chest pain"
    assert called["payload"]["event"] == "called" and called["seq"] == registered["seq"] + 1
    assert later["payload"]["current"]["token"] == "CARD-001"
    assert later["payload"]["current"]["patient"]["name"] == "Alice Smith"


async def test_signed_out_visitors_are_refused(dr_house, open_socket):
    _, connected, close_code = await open_socket(f"/ws/doctor/{dr_house.pk}/")

    assert not connected and close_code == 4401


async def test_another_doctor_cannot_listen_to_a_colleagues_socket(dr_house, make_doctor, department, open_socket):
    colleague = await database_sync_to_async(make_doctor)(department=department)
    cookie = await database_sync_to_async(session_cookie)(colleague.user)

    _, connected, close_code = await open_socket(f"/ws/doctor/{dr_house.pk}/", cookie=cookie)
    _, unknown_connected, unknown_code = await open_socket("/ws/doctor/999999/", cookie=cookie)

    assert not connected and close_code == 4403
    assert not unknown_connected and unknown_code == 4403


@pytest.mark.parametrize("raw_id", ["²", "١", "9" * 40])
async def test_an_id_that_is_no_record_id_is_refused_like_an_unknown_one(dr_house, open_socket, raw_id):
    cookie = await database_sync_to_async(session_cookie)(dr_house.user)

    _, connected, close_code = await open_socket(f"/ws/doctor/{raw_id}/", cookie=cookie)

    assert not connected and close_code == 4403


async def test_a_deactivated_doctor_is_refused(dr_house, open_socket):
    dr_house.is_active = False
    await database_sync_to_async(dr_house.save)()
    cookie = await database_sync_to_async(session_cookie)(dr_house.user)

    _, connected, close_code = await open_socket(f"/ws/doctor/{dr_house.pk}/", cookie=cookie)

    assert not connected and close_code == 4403


async def test_a_doctors_socket_answers_a_malformed_message_in_the_doctors_language(dr_house, open_socket):
    dr_house.language = "hi"
    await database_sync_to_async(dr_house.save)(update_fields=["language"])
    cookie = await database_sync_to_async(session_cookie)(dr_house.user)
    # The profile's language comes first, as on the dashboard around the socket, whatever the browser asks for.
    socket, _, _ = await open_socket(f"/ws/doctor/{dr_house.pk}/", cookie=cookie, accept_language="es")
    await next_frame(socket)

    await socket.send_to(text_data="not json")
    error = await next_frame(socket)

    assert error["payload"] == {"code": "bad_message", "message": "संदेश मान्य JSON नहीं है।", "field": "type"}


async def test_a_patient_called_in_another_department_redraws_this_ones_dashboard_and_board(
    dr_house, department, make_department, make_doctor, open_socket
):
    """The "With a doctor in ENT" mark on Cardiology's dashboard (and Call next passing the patient over) is
    Cardiology's page's, but the call is ENT's change: Cardiology's doctors and board hear of it, and again when ENT
    is done."""
    ent = await database_sync_to_async(make_department)(name="ENT", code="ENT")
    ent_doctor = await database_sync_to_async(make_doctor)(department=ent)

    def register_in_both():
        details = {"name": "Alice Smith", "phone": "+15550000001", "age": 34, "gender": "female"}
        register_patient(department=department, **details)
        entry, _ = register_patient(department=ent, **details)
        return entry

    ent_entry = await database_sync_to_async(register_in_both)()
    cookie = await database_sync_to_async(session_cookie)(dr_house.user)
    dashboard, _, _ = await open_socket(f"/ws/doctor/{dr_house.pk}/", cookie=cookie)
    board, _, _ = await open_socket(f"/ws/queue/{department.pk}/")
    await next_frame(dashboard)
    await next_frame(board)

    await database_sync_to_async(services.call_next)(doctor=ent_doctor)
    called_elsewhere = [await next_frame(dashboard), await next_frame(board)]
    await database_sync_to_async(services.skip)(entry=ent_entry)
    free_again = [await next_frame(dashboard), await next_frame(board)]

    for frame in called_elsewhere + free_again:
        assert frame["type"] == "department.changed" and frame["department"] == department.pk
        assert frame["payload"]["event"] == "with_a_doctor_elsewhere"
    assert free_again[0]["seq"] == called_elsewhere[0]["seq"] + 1
    # The board marks the token in words while ENT has the patient (its place kept), and no longer once they are free.
    board_marks = [
        [(place["position"], place["with_a_doctor_elsewhere"]) for place in frame["payload"]["queue"]["waiting"]]
        for frame in (called_elsewhere[1], free_again[1])
    ]
    assert board_marks == [[(1, True)], [(1, False)]]
    assert await dashboard.receive_nothing() and await board.receive_nothing()
