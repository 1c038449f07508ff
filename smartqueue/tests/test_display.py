import json

import pytest

from adminpanel.models import SystemConfiguration
from patients import services
from patients.tests.factories import register_patient


@pytest.fixture
def busy_department(department, make_doctor, make_user):
    doctor = make_doctor(department=department, user=make_user(first_name="Meredith", last_name="Grey"), room="Room 7")
    for n, name in enumerate(["Alicia Privatename", "Bertram Secretson", "Carla Hidden"]):
        register_patient(department=department, name=name, phone=f"+1555000100{n}", age=40, gender="other")
    services.call_next(doctor=doctor)
    return department


def embedded_boards(response):
    return [
        json.loads(chunk.split(">", 1)[1].split("</script>", 1)[0])
        for chunk in response.content.decode().split('<script type="application/json"')[1:]
    ]


def test_department_board_shows_now_serving_and_next_tokens_without_names(client, busy_department):
    response = client.get(f"/display/{busy_department.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    (board,) = embedded_boards(response)
    queue = board["payload"]["queue"]
    assert [(t["token"], t["room"]) for t in queue["now_serving"]] == [("CARD-001", "Room 7")]
    assert [t["token"] for t in queue["waiting"]] == ["CARD-002", "CARD-003"]
    assert "js/live-socket.js" in page and "js/display-board.js" in page
    for secret in ["Alicia", "Bertram", "Carla", "+1555"]:
        assert secret not in page


@pytest.mark.parametrize(("board_languages", "can_stop_switching"), [(["en"], False), (["en", "hi"], True)])
def test_a_board_offers_to_stop_switching_languages_only_when_it_shows_several(
    client, department, board_languages, can_stop_switching
):
    configuration = SystemConfiguration.load()
    configuration.board_languages = board_languages
    configuration.save()

    page = client.get(f"/display/{department.pk}/").content.decode()

    assert ("Stop switching languages" in page) is can_stop_switching


def test_unknown_department_board_is_a_404(client, db):
    assert client.get("/display/999999/").status_code == 404
    assert client.get("/display/999999/snapshot.json").status_code == 404


def test_all_departments_board_lists_every_open_department(client, busy_department, make_department):
    make_department(name="Dermatology", code="DERM")
    make_department(name="Closed Clinic", code="SHUT", is_active=False)

    response = client.get("/display/")

    names = [board["payload"]["queue"]["department"]["name"] for board in embedded_boards(response)]
    assert names == ["Cardiology", "Dermatology"]


def test_a_department_deactivated_with_patients_in_line_stays_on_the_board_until_they_are_seen(
    client, busy_department, make_department
):
    # Deactivating a department keeps its patients' tokens and its doctors go on calling them: the hall's board must
    # go on showing their calls.
    make_department(name="Dermatology", code="DERM", is_active=False)
    busy_department.is_active = False
    busy_department.save()

    names = [board["payload"]["queue"]["department"]["name"] for board in embedded_boards(client.get("/display/"))]

    assert names == ["Cardiology"]


def test_snapshot_json_is_the_socket_snapshot_frame_for_polling(client, busy_department):
    response = client.get(f"/display/{busy_department.pk}/snapshot.json")

    frame = response.json()
    assert response["Cache-Control"].startswith("max-age=0")
    assert frame["type"] == "snapshot" and frame["department"] == busy_department.pk
    assert frame["payload"]["queue"]["queue_length"] == 2
    assert "Privatename" not in response.content.decode()


def test_a_board_titles_the_calling_doctor_in_each_of_its_languages(client, busy_department):
    """The queue is shared by every board whatever its language: it names the doctor without a title, and each
    board language's words put that language's title to it."""
    configuration = SystemConfiguration.load()
    configuration.board_languages = ["en", "hi", "ar"]
    configuration.save()

    response = client.get(f"/display/{busy_department.pk}/")

    (board,) = embedded_boards(response)
    assert [token["doctor_name"] for token in board["payload"]["queue"]["now_serving"]] == ["Meredith Grey"]
    words = response.context["board_words"]
    assert {language["language"]: language["doctor"] for language in words} == {
        "en": "Dr. %(name)s",
        "hi": "डॉ. %(name)s",
        "ar": "د. %(name)s",
    }
