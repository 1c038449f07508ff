"""A status link follows its token for life, whatever else is registered with the same phone."""

import pytest
from channels.testing import WebsocketCommunicator

from notifications.models import Notification
from patients import services
from patients.models import Queue
from smartqueue.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+14155550199"


@pytest.fixture
def cardiology_then_dermatology(department, make_department, make_doctor, api_client):
    """CARD-010 registered online; then someone types the same phone for Dermatology (DERM-003)."""
    dermatology = make_department(name="Dermatology", code="DERM")
    for _ in range(9):
        services.register_visit(department=department, name="Other", phone=f"+1415555{_:04d}", age=30, gender="other")
    for _ in range(2):
        services.register_visit(department=dermatology, name="Other", phone=f"+1415556{_:04d}", age=30, gender="other")
    details = {"name": "Asha Patel", "phone": PHONE, "age": 34, "gender": "female"}
    first = api_client.post("/patients/api/register/", {**details, "department": department.pk}, format="json")
    second = api_client.post("/patients/api/register/", {**details, "department": dermatology.pk}, format="json")
    assert (first.status_code, first.json()["token"], second.status_code) == (201, "CARD-010", 202)
    return first.json()


def test_the_first_tokens_pages_and_api_keep_showing_it(client, api_client, cardiology_then_dermatology):
    link = cardiology_then_dermatology["status_url"].removeprefix("http://testserver")
    registered = link.replace("/status/", "/registered/")

    for page in (link, registered):
        text = client.get(page).content.decode()
        assert "CARD-010" in text and "DERM-003" not in text
    visit_id = link.rstrip("/").rsplit("/", 1)[1]
    assert api_client.get(f"/patients/api/visit/{visit_id}/status/").json()["token"] == "CARD-010"
    patient_id = cardiology_then_dermatology["patient_id"]
    listed = api_client.get(f"/patients/api/patient/{patient_id}/status/").json()["visits"]
    # DERM-003 went to the phone, not to whoever holds the id the first registration answered with.
    assert [visit["token"] for visit in listed] == ["CARD-010"]


async def test_the_first_tokens_socket_keeps_following_it(cardiology_then_dermatology):
    visit_id = cardiology_then_dermatology["status_url"].rstrip("/").rsplit("/", 1)[1]
    socket = WebsocketCommunicator(application, f"/ws/patient/{visit_id}/", headers=[(b"origin", b"http://testserver")])
    connected, _ = await socket.connect()
    assert connected
    snapshot = await socket.receive_json_from(timeout=5)
    await socket.disconnect()

    assert snapshot["payload"]["visit"]["token"] == "CARD-010"


def test_each_token_is_messaged_with_its_own_link_and_told_its_turn(
    department, make_doctor, tasks_run_inline, cardiology_then_dermatology
):
    card_link = cardiology_then_dermatology["status_url"].removeprefix("http://testserver")
    for _ in range(10):
        called = services.call_next(doctor=make_doctor(department=department))

    assert called.token == "CARD-010"
    assert "CARD-010" in Notification.objects.get(queue_entry=called, event="your_turn").body
    confirmations = Notification.objects.filter(patient=called.patient, event="registration")
    bodies = {notification.queue_entry.token: notification.body for notification in confirmations}
    assert card_link in bodies["CARD-010"] and card_link not in bodies["DERM-003"]
    assert bodies["DERM-003"].count("/patients/status/") == 1


def test_a_link_issued_for_the_patient_leads_to_the_token_its_registration_answered_with(
    client, cardiology_then_dermatology
):
    patient_link = f"/patients/status/{cardiology_then_dermatology['patient_id']}/"

    response = client.get(patient_link)

    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "CARD-010" in page and "DERM-003" not in page


def test_the_patients_id_opens_no_visit_the_desk_registered_later(api_client, client, department, make_user):
    """Whoever first typed a phone holds its patient id; the visits the desk registers for the phone's owner
    later stay off it (status, link, feedback), as those sent to the phone do."""
    details = {"name": "Asha Patel", "phone": PHONE, "age": 34, "gender": "female", "department": department.pk}
    patient_id = api_client.post("/patients/api/register/", details, format="json").json()["patient_id"]
    first = Queue.objects.get(patient__phone=PHONE)
    services.cancel(entry=first)
    api_client.force_authenticate(make_user(is_superuser=True))
    desk = api_client.post("/patients/api/register/", details, format="json").json()
    api_client.force_authenticate(None)

    listed = api_client.get(f"/patients/api/patient/{patient_id}/status/").json()["visits"]
    followed = client.get(f"/patients/status/{patient_id}/", follow=True).content.decode()

    assert [visit["token"] for visit in listed] == [first.token]
    assert desk["token"] not in followed

