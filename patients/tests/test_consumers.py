import json
import logging
from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from doctors.models import Doctor
from patients import services
from patients.broadcasts import FORWARD_MESSAGE_TYPE, publish_department_change, visit_group
from patients.models import Queue
from patients.tasks import close_days_over
from patients.tests.factories import register_patient

from .live_helpers import next_frame, open_socket  # noqa: F401  (open_socket is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cardiology(make_department):
    return make_department(name="Cardiology", code="CARD", room="Block B", average_consultation_minutes=10)


@pytest.fixture
def dr_house(make_doctor, make_user, cardiology):
    return make_doctor(department=cardiology, user=make_user(username="house", first_name="Gregory", last_name="House"), room="Room 4")


def register(department, name, phone):
    entry, _ = register_patient(department=department, name=name, phone=phone, age=52, gender="male")
    return entry


async def test_queue_socket_sends_the_department_snapshot_on_connect(cardiology, open_socket):
    await database_sync_to_async(register)(cardiology, "Alice Waiting", "+15550000001")

    socket, connected, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    assert connected
    snapshot = await next_frame(socket)
    await socket.disconnect()

    assert snapshot["type"] == "snapshot" and snapshot["version"] == 1 and snapshot["department"] == cardiology.pk
    queue = snapshot["payload"]["queue"]
    assert [t["token"] for t in queue["waiting"]] == ["CARD-001"]
    assert queue["queue_length"] == 1 and queue["now_serving"] == []
    assert queue["estimated_wait_minutes"] == 20  # one ahead of a newcomer, no doctor on duty: two rounds of 10


async def test_queue_socket_receives_each_change_in_order_with_consecutive_numbers(cardiology, dr_house, open_socket):
    socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    snapshot = await next_frame(socket)

    await database_sync_to_async(register)(cardiology, "Alice", "+15550000001")
    await database_sync_to_async(register)(cardiology, "Bob", "+15550000002")
    called = await database_sync_to_async(services.call_next)(doctor=dr_house)
    frames = [await next_frame(socket) for _ in range(3)]
    await socket.disconnect()

    assert [f["payload"]["event"] for f in frames] == ["registered", "registered", "called"]
    assert [f["seq"] for f in frames] == [snapshot["seq"] + 1, snapshot["seq"] + 2, snapshot["seq"] + 3]
    assert all(f["type"] == "queue.changed" and f["department"] == cardiology.pk for f in frames)
    after_call = frames[-1]["payload"]
    assert after_call["entry"]["token"] == called.token == "CARD-001"
    assert after_call["queue"]["now_serving"] == [
        {
            "token": "CARD-001",
            "priority": "normal",
            "status": "called",
            "called_at": after_call["queue"]["now_serving"][0]["called_at"],
            "doctor_id": dr_house.pk,
            "doctor": "Dr. Gregory House",
            "doctor_name": "Gregory House",
            "room": "Room 4",
            "room_translations": {},
        }
    ]
    assert [t["token"] for t in after_call["queue"]["waiting"]] == ["CARD-002"]


async def test_emergency_tokens_are_listed_first(cardiology, open_socket):
    await database_sync_to_async(register)(cardiology, "Alice", "+15550000001")
    emergency, _ = await database_sync_to_async(register_patient)(
        department=cardiology, name="Eve", phone="+15550000009", age=70, gender="female", priority="emergency"
    )
    socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    waiting = (await next_frame(socket))["payload"]["queue"]["waiting"]
    await socket.disconnect()

    assert [(t["token"], t["priority"], t["position"]) for t in waiting] == [
        ("CARD-002", "emergency", 1),
        ("CARD-001", "normal", 2),
    ]


@pytest.mark.parametrize("department_id", ["999999", "cardiology", "²", "١", "9" * 40])
async def test_unknown_department_gets_an_error_frame_and_close_code(department_id, db, open_socket):
    socket, connected, _ = await open_socket(f"/ws/queue/{department_id}/")
    error = await next_frame(socket)
    closed = await socket.receive_output(timeout=2)

    assert error["type"] == "error" and error["payload"]["code"] == "unknown_department"
    assert closed == {"type": "websocket.close", "code": 4404}


async def test_malformed_client_messages_get_an_error_and_the_socket_stays_usable(cardiology, open_socket):
    socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    await next_frame(socket)

    replies = []
    malformed = ["not json", "[1, 2]", '{"type": 5}', '{"type": "dance"}', "x" * 5000, "[" * 1990, '{"type": "\\ud800"}']
    # Which of two types was meant? json keeps the last silently, as it does in the REST API's bodies (refused there).
    malformed.append('{"type": "snapshot", "type": "ping"}')
    for text in malformed:
        await socket.send_to(text_data=text)
        replies.append(await next_frame(socket))
    await socket.send_to(bytes_data=b"\x00\x01")
    replies.append(await next_frame(socket))
    await socket.send_to(text_data='{"type": "snapshot"}')
    snapshot = await next_frame(socket)
    await socket.send_to(text_data='{"type": "ping"}')
    pong = await next_frame(socket)
    await socket.disconnect()

    assert [r["type"] for r in replies] == ["error"] * 9
    assert [r["payload"]["code"] for r in replies] == ["bad_message"] * 3 + ["unknown_message"] + ["bad_message"] * 5
    assert replies[7]["payload"]["message"] == '"type" is given more than once.'
    assert all(r["payload"]["field"] == "type" and r["payload"]["message"] for r in replies)
    assert snapshot["type"] == "snapshot" and pong["type"] == "pong"


async def test_a_refused_socket_explains_itself_in_the_language_of_its_page(db, open_socket):
    # The switcher's cookie first, else the browser's Accept-Language, as the page around the socket picks.
    department, _, _ = await open_socket("/ws/queue/999999/", cookie="django_language=es", accept_language="ar")
    bad_id, _, _ = await open_socket("/ws/patient/not-a-uuid/", accept_language="hi-IN,hi;q=0.9,en;q=0.5")
    unknown, _, _ = await open_socket(
        "/ws/patient/00000000-0000-4000-8000-000000000000/", accept_language="ar-EG,ar;q=0.9"
    )
    english, _, _ = await open_socket("/ws/patient/00000000-0000-4000-8000-000000000000/")

    messages = [(await next_frame(socket))["payload"]["message"] for socket in (department, bad_id, unknown, english)]

    assert messages == [
        "Ningún servicio tiene este identificador.",
        "पहचान संख्या एक UUID होनी चाहिए।",
        "لا توجد زيارة بهذا المعرّف.",
        "No visit has this id.",
    ]


async def test_a_malformed_message_is_answered_in_the_language_of_the_sockets_page(cardiology, open_socket):
    socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/", cookie="django_language=ar")
    await next_frame(socket)

    await socket.send_to(text_data='{"type": "dance"}')
    unknown = await next_frame(socket)
    await socket.send_to(text_data="x" * 5000)
    too_long = await next_frame(socket)

    assert unknown["payload"]["message"] == 'نوع رسالة غير معروف "dance"؛ أرسلوا "snapshot" أو "ping".'
    assert too_long["payload"]["message"] == "لا يزيد طول الرسالة على 2000 حرف."


def register_in(department, language):
    entry = register(department, "Asha", "+15550000031")
    entry.patient.language = language
    entry.patient.save(update_fields=["language"])
    return entry


async def test_a_patients_socket_answers_in_the_patients_language_unless_the_switcher_picked_one(
    cardiology, open_socket
):
    # As the token's own page does: someone helping the patient may have picked another language.
    entry = await database_sync_to_async(register_in)(cardiology, "hi")
    path = f"/ws/patient/{entry.public_id}/"
    patients_page, _, _ = await open_socket(path, accept_language="es")
    switched, _, _ = await open_socket(path, cookie="django_language=ar", accept_language="es")
    answers = []
    for socket in (patients_page, switched):
        await next_frame(socket)
        await socket.send_to(text_data="not json")
        answers.append((await next_frame(socket))["payload"]["message"])

    assert answers == ["संदेश मान्य JSON नहीं है।", "الرسالة ليست JSON صالحًا."]


async def test_snapshot_requests_in_a_loop_cost_one_read_a_second_and_each_is_answered(
    cardiology, open_socket, monkeypatch
):
    from patients import consumers

    reads = []
    read = consumers.department_snapshot_frame
    monkeypatch.setattr(consumers, "department_snapshot_frame", lambda department: reads.append(1) or read(department))
    socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    await next_frame(socket)

    for _ in range(50):
        await socket.send_to(text_data='{"type": "snapshot"}')
    await socket.send_to(text_data='{"type": "ping"}')
    # Other messages are not held up by the wait; the fifty requests get one snapshot, at the second's end.
    pong = await next_frame(socket)
    answer = await next_frame(socket)
    nothing_more = await socket.receive_nothing(timeout=1.5)

    assert pong["type"] == "pong" and answer["type"] == "snapshot" and nothing_more
    assert len(reads) == 2


async def queue_socket_opens(department, *, origin, host):
    from channels.testing import WebsocketCommunicator

    from smartqueue.asgi import application

    communicator = WebsocketCommunicator(
        application, f"/ws/queue/{department.pk}/", headers=[(b"origin", origin), (b"host", host)]
    )
    connected, _ = await communicator.connect(timeout=5)
    await communicator.disconnect()
    return connected


@pytest.mark.parametrize(
    ("origin", "host", "opens"),
    [
        (b"http://localhost:8000", b"localhost:8000", True),
        (b"https://localhost", b"localhost", True),
        (b"https://localhost", b"localhost:443", True),
        (b"http://localhost:9999", b"localhost:8000", False),
        (b"http://localhost", b"localhost:8000", False),
        (b"http://127.0.0.1:8000", b"localhost:8000", False),
        (b"http://localhost:99999", b"localhost:8000", False),
        (b"http://localhost", b"localhost", True),
        (b"https://localhost:8443", b"localhost", False),
        (b"http://localhost:8080", b"localhost", False),
    ],
)
async def test_sockets_open_only_from_pages_on_their_own_host_and_port(cardiology, origin, host, opens):
    """Browsers send a host's cookies to all its ports: another site on another port is not the app."""
    assert await queue_socket_opens(cardiology, origin=origin, host=host) is opens


@pytest.mark.parametrize(
    ("origin", "host", "opens"),
    [
        (b"https://localhost", b"localhost", True),
        (b"https://localhost:8443", b"localhost:8443", True),
        (b"http://localhost", b"localhost", False),
        (b"http://localhost:443", b"localhost", False),
        (b"http://localhost:8443", b"localhost:8443", False),
    ],
)
async def test_an_https_only_site_opens_no_socket_for_a_page_of_http(cardiology, settings, origin, host, opens):
    """A page of http:// on the host is whatever a network on the way answered, not the app's."""
    settings.SECURE_SSL_REDIRECT = True

    assert await queue_socket_opens(cardiology, origin=origin, host=host) is opens


async def test_sockets_from_another_site_are_refused(cardiology, open_socket):
    _, connected, _ = await open_socket(f"/ws/queue/{cardiology.pk}/", origin=b"https://evil.example")
    _, connected_without_origin, _ = await open_socket(f"/ws/queue/{cardiology.pk}/", origin=None)

    assert not connected and not connected_without_origin


async def test_unknown_socket_path_is_closed(db, open_socket):
    _, connected, close_code = await open_socket("/ws/nowhere/")

    assert not connected and close_code == 4404


async def test_patient_socket_follows_place_in_line_then_your_turn(cardiology, dr_house, open_socket):
    first = await database_sync_to_async(register)(cardiology, "Alice", "+15550000001")
    second = await database_sync_to_async(register)(cardiology, "Bob", "+15550000002")
    public_id = await database_sync_to_async(lambda: second.patient.public_id)()

    socket, connected, _ = await open_socket(f"/ws/patient/{public_id}/")
    snapshot = await next_frame(socket)
    await database_sync_to_async(services.call_next)(doctor=dr_house)
    first_called = await next_frame(socket)
    await database_sync_to_async(services.start_consultation)(entry=first)
    # Nothing Bob sees changed (still first in line, CARD-001 still being served): no frame for him.
    assert await socket.receive_nothing(timeout=0.5)
    await database_sync_to_async(services.complete_consultation)(entry=first)
    nobody_served = await next_frame(socket)
    await database_sync_to_async(services.call_next)(doctor=dr_house)
    my_turn = await next_frame(socket)
    await socket.disconnect()

    visit = snapshot["payload"]["visit"]
    assert (visit["token"], visit["status"], visit["position"]) == ("CARD-002", "waiting", 2)
    assert visit["estimated_wait_minutes"] == 10  # one free doctor on duty: one consultation of 10 minutes ahead
    assert snapshot["payload"]["sequences"] == {str(cardiology.pk): first_called["seq"] - 1}
    assert first_called["type"] == "patient.status" and first_called["payload"]["visit"]["position"] == 1
    assert first_called["payload"]["visit"]["now_serving"] == ["CARD-001"]
    assert nobody_served["seq"] == first_called["seq"] + 2
    assert nobody_served["payload"]["visit"]["now_serving"] == [] and nobody_served["payload"]["event"] == "completed"
    mine = my_turn["payload"]["visit"]
    assert (mine["status"], mine["your_turn"], mine["go_to"], mine["doctor"]) == (
        "called",
        True,
        "Room 4",
        "Dr. Gregory House",
    )


@pytest.mark.parametrize(
    "patient_id, close_code, error_code",
    [("3f2b8e0e-0000-4000-8000-000000000000", 4404, "unknown_patient"), ("42", 4400, "bad_patient_id")],
)
async def test_unknown_or_malformed_patient_id_is_refused_with_a_reason(patient_id, close_code, error_code, db, open_socket):
    socket, _, _ = await open_socket(f"/ws/patient/{patient_id}/")
    error = await next_frame(socket)
    closed = await socket.receive_output(timeout=2)

    assert error["payload"]["code"] == error_code
    assert closed == {"type": "websocket.close", "code": close_code}


@pytest.mark.parametrize(
    "path", ["/ws/queue/999999/", "/ws/patient/3f2b8e0e-0000-4000-8000-000000000000/", "/ws/patient/42/"]
)
async def test_messages_sent_to_a_refused_socket_before_its_close_are_left_unanswered(path, db, open_socket):
    # Second input fuzz run: a snapshot asked for between the refusal and the close crashed the consumer
    # (it has no department or visit to show), which the server logged as an exception.
    socket, _, _ = await open_socket(path)
    await next_frame(socket)
    await socket.receive_output(timeout=2)

    await socket.send_to(text_data=json.dumps({"type": "snapshot"}))
    await socket.send_to(text_data=json.dumps({"type": "ping"}))

    assert await socket.receive_nothing(timeout=1)
    assert not socket.future.done()


async def test_a_socket_on_the_link_a_mistyped_phone_was_sent_is_closed_once_the_desk_corrects_it(
    cardiology, open_socket
):
    mistyped = await database_sync_to_async(register)(cardiology, "Ana", "+12025550111")
    behind = await database_sync_to_async(register)(cardiology, "Ravi", "+12025550100")
    stranger, _, _ = await open_socket(f"/ws/patient/{mistyped.public_id}/")
    other_patient, _, _ = await open_socket(f"/ws/patient/{behind.public_id}/")
    await next_frame(stranger)
    await next_frame(other_patient)

    corrected = await database_sync_to_async(services.correct_phone)(entry=mistyped, phone="+12025550122")
    error = await next_frame(stranger)
    closed = await stranger.receive_output(timeout=2)
    patient, connected, _ = await open_socket(f"/ws/patient/{corrected.entry.public_id}/")
    snapshot = await next_frame(patient)

    assert error["payload"]["code"] == "unknown_patient"
    assert closed == {"type": "websocket.close", "code": 4404}
    assert connected and snapshot["payload"]["visit"]["token"] == "CARD-001"
    assert await other_patient.receive_nothing(timeout=0.5)


async def test_a_no_shows_socket_on_the_link_a_mistyped_phone_was_sent_is_refused_its_next_snapshot(
    cardiology, dr_house, open_socket, caplog
):
    # Twenty-second attack run: a no-show's socket listens to its visit's group only, which after the correction is
    # the new link's, so no frame closed it; its next snapshot read the visit by the retired id, found none and
    # crashed the consumer (1011, a traceback in the server's log).
    mistyped = await database_sync_to_async(register)(cardiology, "Ana", "+12025550111")
    await database_sync_to_async(services.skip)(entry=await database_sync_to_async(services.call_next)(doctor=dr_house))
    stranger, _, _ = await open_socket(f"/ws/patient/{mistyped.public_id}/")
    assert (await next_frame(stranger))["payload"]["visit"]["status"] == "skipped"

    await database_sync_to_async(services.correct_phone)(entry=mistyped, phone="+12025550122")
    await stranger.send_to(text_data=json.dumps({"type": "snapshot"}))
    error = await next_frame(stranger)
    closed = await stranger.receive_output(timeout=2)

    assert error["payload"]["code"] == "unknown_patient"
    assert closed == {"type": "websocket.close", "code": 4404}
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_a_patient_sockets_snapshot_is_read_from_the_published_queue_not_the_line(
    cardiology, open_socket, monkeypatch
):
    # Twenty-second attack run: each snapshot a patient's socket asked for read the department's whole line again (six
    # queries, 10 ms of the server for a line of 150), once a second on each of a client's sockets.
    from patients import selectors

    await database_sync_to_async(register)(cardiology, "Ravi", "+12025550100")
    mine = await database_sync_to_async(register)(cardiology, "Ana", "+12025550111")
    socket, _, _ = await open_socket(f"/ws/patient/{mine.public_id}/")
    await next_frame(socket)

    def database_path(**_):
        raise AssertionError("the published queue holds this visit; its line must not be read again")

    monkeypatch.setattr(selectors, "department_line", database_path)
    await socket.send_to(text_data=json.dumps({"type": "snapshot"}))
    snapshot = await next_frame(socket)

    assert snapshot["type"] == "snapshot"
    assert (snapshot["payload"]["visit"]["token"], snapshot["payload"]["visit"]["position"]) == ("CARD-002", 2)


async def test_public_sockets_never_carry_patient_names_or_phones(cardiology, dr_house, open_socket):
    alice = await database_sync_to_async(register)(cardiology, "Alicia Privatename", "+15550001234")
    public_id = await database_sync_to_async(lambda: alice.patient.public_id)()
    queue_socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    patient_socket, _, _ = await open_socket(f"/ws/patient/{public_id}/")
    texts = [await queue_socket.receive_from(timeout=5), await patient_socket.receive_from(timeout=5)]

    await database_sync_to_async(register)(cardiology, "Bertram Secretson", "+15550005678")
    await database_sync_to_async(services.call_next)(doctor=dr_house)
    texts += [await queue_socket.receive_from(timeout=5) for _ in range(2)]
    # Bertram's arrival leaves Alicia first in line, so her socket only hears of her own call.
    texts.append(await patient_socket.receive_from(timeout=5))
    await queue_socket.disconnect()
    await patient_socket.disconnect()

    frames = "\n".join(texts)
    assert "CARD-001" in frames and "CARD-002" in frames
    for secret in ["Alicia", "Privatename", "Bertram", "Secretson", "5550001234", "5550005678", "+1555"]:
        assert secret not in frames


async def test_doctor_availability_change_reaches_queue_and_waiting_patients(cardiology, dr_house, open_socket):
    alice = await database_sync_to_async(register)(cardiology, "Alice", "+15550000001")
    public_id = await database_sync_to_async(lambda: alice.patient.public_id)()
    queue_socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    patient_socket, _, _ = await open_socket(f"/ws/patient/{public_id}/")
    await next_frame(queue_socket)
    await next_frame(patient_socket)

    def doctor_goes_on_break():
        Doctor.objects.filter(pk=dr_house.pk).update(availability=Doctor.Availability.ON_BREAK)
        publish_department_change(
            event="doctor_availability",
            department_id=cardiology.pk,
            payload={"doctor_id": dr_house.pk, "availability": "on_break"},
        )

    await database_sync_to_async(doctor_goes_on_break)()
    queue_frame = await next_frame(queue_socket)
    patient_frame = await next_frame(patient_socket)
    await queue_socket.disconnect()
    await patient_socket.disconnect()

    assert queue_frame["type"] == "department.changed"
    assert queue_frame["payload"]["event"] == "doctor_availability"
    assert queue_frame["payload"]["detail"] == {"doctor_id": dr_house.pk, "availability": "on_break"}
    assert queue_frame["payload"]["queue"]["doctors_on_duty"] == 0
    assert patient_frame["type"] == "patient.status" and patient_frame["seq"] == queue_frame["seq"]
    assert patient_frame["payload"]["detail"]["availability"] == "on_break"


def test_a_failed_broadcast_is_logged_and_never_undoes_the_change(cardiology, monkeypatch, caplog):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("redis is down")

    monkeypatch.setattr("patients.broadcasts.get_channel_layer", BrokenLayer)
    with caplog.at_level(logging.ERROR, logger="patients.broadcasts"):
        entry = register(cardiology, "Alice", "+15550000001")

    assert entry.pk is not None and entry.token == "CARD-001"
    assert "Could not broadcast registered" in caplog.text


async def test_published_frames_are_valid_json_envelopes(cardiology, open_socket):
    socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    await next_frame(socket)
    await database_sync_to_async(register)(cardiology, "Alice", "+15550000001")
    text = await socket.receive_from(timeout=5)
    await socket.disconnect()

    assert set(json.loads(text)) == {"type", "version", "department", "seq", "payload"}


async def test_a_waiting_patient_whose_place_moved_gets_it_from_the_department_frame(
    cardiology, dr_house, open_socket
):
    await database_sync_to_async(register)(cardiology, "Alice", "+15550000001")
    bob = await database_sync_to_async(register)(cardiology, "Bob", "+15550000002")
    public_id = await database_sync_to_async(lambda: bob.patient.public_id)()
    queue_socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    bob_socket, _, _ = await open_socket(f"/ws/patient/{public_id}/")
    await next_frame(queue_socket)
    assert (await next_frame(bob_socket))["payload"]["visit"]["position"] == 2

    await database_sync_to_async(register_patient)(
        department=cardiology,
        name="Evelyn Urgentname",
        phone="+15550007777",
        age=70,
        gender="female",
        priority="emergency",
    )
    pushed_back_text = await bob_socket.receive_from(timeout=5)
    await database_sync_to_async(services.call_next)(doctor=dr_house)
    moved_up = await next_frame(bob_socket)
    department_frames = [await next_frame(queue_socket) for _ in range(2)]
    nothing_more = await bob_socket.receive_nothing(timeout=0.5)

    pushed_back = json.loads(pushed_back_text)
    assert [pushed_back["seq"], moved_up["seq"]] == [f["seq"] for f in department_frames]
    assert pushed_back["type"] == moved_up["type"] == "patient.status"
    assert pushed_back["department"] == cardiology.pk and pushed_back["payload"]["event"] == "registered"
    visit = pushed_back["payload"]["visit"]
    assert (visit["token"], visit["status"], visit["position"]) == ("CARD-002", "waiting", 3)
    assert visit["patients_ahead"] == 2
    assert visit["estimated_wait_minutes"] == 20  # one free doctor on duty, two consultations of 10 minutes ahead
    assert set(pushed_back["payload"]) == {"event", "visit"}
    # Nothing about the emergency patient but the token now being called, once it is.
    for secret in ["Evelyn", "Urgentname", "5550007777", "CARD-003", "emergency"]:
        assert secret not in pushed_back_text
    mine = moved_up["payload"]["visit"]
    assert (mine["token"], mine["position"], mine["estimated_wait_minutes"], mine["now_serving"]) == (
        "CARD-002",
        2,
        20,
        ["CARD-003"],
    )
    assert nothing_more


async def test_a_patient_recalled_after_missing_their_turn_follows_the_line_again(cardiology, dr_house, open_socket):
    # The page stays open through the call, the no-show (the visit leaves the line, and its socket the department's
    # frames) and the desk's recall: back in line, the patient is moved by others' changes again.
    alice = await database_sync_to_async(register)(cardiology, "Alice", "+15550000001")
    socket, _, _ = await open_socket(f"/ws/patient/{alice.public_id}/")
    await next_frame(socket)
    await database_sync_to_async(services.call_next)(doctor=dr_house)
    assert (await next_frame(socket))["payload"]["visit"]["status"] == "called"
    await database_sync_to_async(services.skip)(entry=alice)
    assert (await next_frame(socket))["payload"]["visit"]["status"] == "skipped"
    await database_sync_to_async(services.recall)(entry=alice)
    recalled = await next_frame(socket)

    await database_sync_to_async(register_patient)(
        department=cardiology, name="Evelyn", phone="+15550007777", age=70, gender="female", priority="emergency"
    )
    pushed_back = await next_frame(socket)

    assert (recalled["payload"]["event"], recalled["payload"]["visit"]["position"]) == ("recalled", 1)
    assert pushed_back["seq"] == recalled["seq"] + 1
    assert (pushed_back["payload"]["event"], pushed_back["payload"]["visit"]["position"]) == ("registered", 2)


async def test_the_days_beginning_redraws_the_boards_with_the_new_days_line(cardiology, open_socket):
    """Nothing else tells a board that midnight came: it showed the day before's "Next" until the first change of the
    morning. Celery beat after midnight (else the day's first queue change) closes the days over and says so."""

    def yesterdays_patient():
        entry = register(cardiology, "Alice Yesterday", "+15550000001")
        Queue.objects.filter(pk=entry.pk).update(token_date=timezone.localdate() - timedelta(days=1))

    await database_sync_to_async(yesterdays_patient)()
    socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    await next_frame(socket)

    await database_sync_to_async(close_days_over.apply)()
    began = await next_frame(socket)

    assert began["type"] == "department.changed" and began["payload"]["event"] == "day_began"
    assert began["payload"]["queue"]["date"] == timezone.localdate().isoformat()
    assert began["payload"]["queue"]["waiting"] == []


async def test_a_board_left_on_for_more_than_a_day_still_hears_each_change(cardiology, open_socket):
    """The channel layer drops a group's member a day after it joined (group_expiry): the board stayed "live" and heard
    no change again. Its client's pings (every 25 s) keep it in its groups."""
    socket, _, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
    await next_frame(socket)

    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=True):
        await socket.send_json_to({"type": "ping"})
        assert (await next_frame(socket))["type"] == "pong"
        await database_sync_to_async(publish_department_change)(event="department_updated", department_id=cardiology.pk)
        changed = await next_frame(socket)

    assert (changed["type"], changed["payload"]["event"]) == ("department.changed", "department_updated")


async def test_a_patients_own_frame_arriving_after_a_newer_snapshot_does_not_set_the_visit_back(
    cardiology, open_socket
):
    """Two processes publish two changes of a department at once: the second's department frame may arrive first, and
    the socket reads a snapshot for the gap. The first's own frame for the patient, arriving after, is older than that
    snapshot; taken as the visit's state, it set the page back (here "called" again) at the next department change."""
    alice = await database_sync_to_async(register)(cardiology, "Alice", "+15550000001")
    socket, _, _ = await open_socket(f"/ws/patient/{alice.public_id}/")
    snapshot = await next_frame(socket)
    seq = snapshot["payload"]["sequences"][str(cardiology.pk)]
    older = {**snapshot["payload"]["visit"], "status": "called", "your_turn": True, "position": None}
    late_frame = {
        "type": "patient.status", "version": 1, "department": cardiology.pk, "seq": seq,
        "payload": {"event": "called", "visit": older},
    }
    await get_channel_layer().group_send(
        visit_group(alice.public_id), {"type": FORWARD_MESSAGE_TYPE, "text": json.dumps(late_frame)}
    )
    await next_frame(socket)  # Forwarded: the client drops it by its number.

    await database_sync_to_async(publish_department_change)(event="department_updated", department_id=cardiology.pk)
    changed = await next_frame(socket)

    assert changed["seq"] == seq + 1
    assert (changed["payload"]["visit"]["status"], changed["payload"]["visit"]["position"]) == ("waiting", 1)


async def test_a_socket_is_closed_4011_with_one_line_logged_while_the_channel_layers_redis_is_unreachable(
    cardiology, open_socket, settings, caplog
):
    """Redis away, daphne closed every socket (and each retry) with 1011 and logged forty lines of traceback for each: a
    thousand boards retrying buried the log. The client takes the close before a snapshot as a failed try and polls."""
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }

    with caplog.at_level(logging.WARNING, logger="patients.live"):
        socket, connected, _ = await open_socket(f"/ws/queue/{cardiology.pk}/")
        closed = await socket.receive_output(timeout=10)

    assert connected is True
    # 1011 "internal error" in the applications' range: autobahn lets a server send no other 1xxx than 1000.
    assert closed == {"type": "websocket.close", "code": 4011}
    assert "QueueConsumer closed: the channel layer's Redis is unreachable (ConnectionError" in caplog.text
