"""The dashboard's actions are one table (doctors.actions): the page and POST /doctors/api/ accept and refuse alike."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from doctors.actions import DOCTOR_ACTIONS
from patients import services as queue_services
from patients.models import Queue

API = "/doctors/api/"
NOTES_MAX_LENGTH = Queue._meta.get_field("consultation_notes").max_length


def on_the_page(client, data):
    response = client.post(reverse("doctors:dashboard"), data, follow=True)
    messages = [(message.level_tag, message.message) for message in response.context["messages"]]
    # Refused, the dashboard is answered at once with the refusal (400); done, the page is read again (redirect).
    assert response.status_code == (400 if any(level == "error" for level, _ in messages) else 200)
    assert bool(response.redirect_chain) == (response.status_code == 200)
    return messages


def through_the_api(client, data):
    response = client.post(API, data, content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"action": "dance"}, "action"),
        ({}, "action"),
        ({"action": "call_next"}, "action"),
        ({"action": "start"}, "entry"),
        ({"action": "transfer", "entry": 1}, "to_department"),
        ({"action": "set_availability", "availability": "asleep"}, "availability"),
        ({"action": "complete", "entry": 1, "consultation_notes": "x" * (NOTES_MAX_LENGTH + 1)}, "consultation_notes"),
    ],
)
def test_the_page_and_the_api_refuse_the_same_input_with_the_same_words(doctor_client, data, field):
    status, body = through_the_api(doctor_client, data)
    assert status == 400
    assert set(body["errors"]) == {field}
    page = on_the_page(doctor_client, data)
    assert page == [("error", problem) for problem in body["errors"][field]]
    # In words: no field name in front of the message.
    assert not any(re.match(rf"{field}\b", text) for _, text in page)


def test_an_unknown_action_is_a_400_naming_action(doctor_client):
    status, body = through_the_api(doctor_client, {"action": "discharge_everyone"})
    assert status == 400
    assert "discharge_everyone" in body["errors"]["action"][0]


def test_a_refusal_by_the_queue_rules_reads_the_same_on_the_page(doctor_client, department, make_token):
    entry = make_token(department)
    status, body = through_the_api(doctor_client, {"action": "start", "entry": entry.pk})
    assert status == 400
    assert body["errors"]["entry"] == [f"{entry.token} is waiting in the queue: the page now shows it as it is."]
    assert on_the_page(doctor_client, {"action": "start", "entry": entry.pk}) == [("error", body["errors"]["entry"][0])]


def test_completing_a_called_patient_whose_consultation_has_not_started_says_so(doctor_client, doctor, make_token):
    entry = make_token(doctor.department)
    queue_services.call_patient(entry=entry, doctor=doctor)

    status, body = through_the_api(doctor_client, {"action": "complete", "entry": entry.pk})

    assert status == 400
    assert body["errors"]["entry"] == [
        f"{entry.token} has been called and its consultation has not started yet: the page now shows it as it is."
    ]


def test_the_same_action_succeeds_with_the_same_message(doctor_client, department, make_token):
    first, second = make_token(department), make_token(department)
    status, body = through_the_api(doctor_client, {"action": "call_next"})
    assert (status, body["message"]) == (200, f"Called {first.token}.")
    queue_services.skip(entry=Queue.objects.get(pk=first.pk))
    assert on_the_page(doctor_client, {"action": "call_next"}) == [("success", f"Called {second.token}.")]


def test_every_button_on_the_page_names_an_action_of_the_table(doctor_client, doctor, department, make_token):
    missed = make_token(department)
    queue_services.call_patient(entry=missed, doctor=doctor)
    queue_services.skip(entry=missed)
    make_token(department)

    def buttons():
        page = doctor_client.get(reverse("doctors:dashboard")).content.decode()
        return page, set(re.findall(r'name="action" value="(\w+)"', page))

    page, idle = buttons()
    queue_services.call_next(doctor=doctor)
    _, called = buttons()
    queue_services.start_consultation(entry=queue_services.current_patient_of(doctor))
    page, consulting = buttons()

    assert {"call_next", "recall", "set_availability"} <= idle
    assert {"start", "skip", "transfer"} <= called
    assert "complete" in consulting
    assert idle | called | consulting <= set(DOCTOR_ACTIONS.actions)
    assert f'maxlength="{NOTES_MAX_LENGTH}"' in page


def test_the_dashboard_heading_is_the_doctors_name_and_the_connection_status_sits_beside_it(doctor_client, doctor):
    page = doctor_client.get(reverse("doctors:dashboard")).content.decode()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert "Connecting" not in heading and "live-status" not in heading and doctor.user.last_name in heading
    assert re.search(r'<span id="live-status"[^>]*role="status"', page)


def test_a_field_given_twice_on_the_page_is_refused_naming_it_and_nothing_is_done(
    doctor_client, department, make_token
):
    entry = make_token(department)

    response = doctor_client.post(reverse("doctors:dashboard"), "action=call_next&action=set_availability",
                                  content_type="application/x-www-form-urlencoded", follow=True)

    messages = [(message.level_tag, message.message) for message in response.context["messages"]]
    assert messages == [("error", '"Action" is given more than once.')]
    entry.refresh_from_db()
    assert entry.status == Queue.Status.WAITING


@pytest.mark.parametrize(
    "data",
    [
        # Refused for a direction control pasted in with the text.
        {"action": "complete", "consultation_notes": "BP 150/95\u202e; start amlodipine"},
        # Refused for want of the department: the notes and the note for the next doctor were both typed.
        {"action": "refer", "consultation_notes": "X-ray of the left wrist", "referral_notes": "Suspected fracture"},
    ],
)
def test_notes_refused_on_the_page_are_given_back_in_their_fields(
    doctor_client, doctor, department, make_department, make_token, data
):
    """Without scripts the dashboard is answered again after a refusal: the notes the doctor typed came back empty."""
    make_department(name="Radiology", code="XRAY")
    entry = make_token(department)
    queue_services.call_patient(entry=entry, doctor=doctor)
    queue_services.start_consultation(entry=entry)

    response = doctor_client.post(reverse("doctors:dashboard"), {**data, "entry": entry.pk})

    assert response.status_code == 400
    page = response.content.decode()
    for name in ("consultation_notes", "referral_notes"):
        typed = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
        assert typed == escape(data.get(name, ""))
    assert ('<details class="mt-2" open>' in page) == (data["action"] == "refer")
    entry.refresh_from_db()
    assert entry.status == Queue.Status.IN_CONSULTATION


def test_notes_refused_for_another_token_are_not_put_in_the_consultation_under_way(
    doctor_client, doctor, department, make_token
):
    entry, other = make_token(department), make_token(department)
    queue_services.call_patient(entry=entry, doctor=doctor)
    queue_services.start_consultation(entry=entry)

    response = doctor_client.post(
        reverse("doctors:dashboard"), {"action": "complete", "entry": other.pk, "consultation_notes": "Not theirs"}
    )

    assert response.status_code == 400 and "Not theirs" not in response.content.decode()
