"""A broadcast in the site's language and, optionally, in each other one: every patient and screen reads theirs."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from adminpanel.models import AuditLog
from adminpanel.services import BROADCAST_MAX_LENGTH, broadcast_message
from notifications.models import Notification, NotificationTemplate
from patients.selectors import department_snapshot_frame
from patients.serializers import BroadcastSerializer
from patients.tests.factories import register_patient
from patients.tests.test_frame_shapes import problems
from patients.tests.live_helpers import next_frame, open_socket  # noqa: F401  (open_socket is a fixture)

# The texts sent are read from the messages' rows, written by the tasks even with a real broker (REDIS_URL).
pytestmark = pytest.mark.usefixtures("tasks_run_inline")

API = "/adminpanel/api/"
DELAYED = {"message": "Dr. Rao is delayed 30 minutes.", "message_es": "El Dr. Rao llega con 30 minutos de retraso."}


def broadcast_bodies():
    return {
        notification.patient.language: notification.body
        for notification in Notification.objects.filter(event=NotificationTemplate.TemplateType.BROADCAST)
    }


def test_the_form_asks_for_the_message_in_each_other_language_by_its_name(admin_client):
    form = admin_client.get(reverse("adminpanel:broadcast")).context["form"]

    assert list(form.fields) == ["message", "message_es", "message_hi", "message_ar", "department"]
    assert "Español" in form.fields["message_es"].label and "العربية" in form.fields["message_ar"].label
    assert not form.fields["message_es"].required


def test_each_patient_reads_the_broadcast_in_their_language_else_the_message(
    admin_client, department, make_token, django_capture_on_commit_callbacks
):
    make_token(department, language="es")
    make_token(department, language="en")
    make_token(department, language="hi")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("adminpanel:broadcast"),
            {**DELAYED, "message_hi": "  ", "department": department.pk, "confirmed": "yes"},
        )

    assert response.status_code == 302
    assert broadcast_bodies() == {
        "es": "Cardiology (turno CARD-001): El Dr. Rao llega con 30 minutos de retraso.",
        "en": "Cardiology (token CARD-002): Dr. Rao is delayed 30 minutes.",
        # Left empty: the message as written.
        "hi": "Cardiology (टोकन CARD-003): Dr. Rao is delayed 30 minutes.",
    }
    audit = AuditLog.objects.get(action="broadcast.sent")
    assert audit.after == {"message": DELAYED["message"], "translations": {"es": DELAYED["message_es"]}}
    assert f"Español: {DELAYED['message_es']}" in admin_client.get(reverse("adminpanel:audit")).content.decode()


def test_the_confirmation_page_shows_and_carries_each_translation(admin_client, department, make_token):
    make_token(department)

    response = admin_client.post(reverse("adminpanel:broadcast"), {**DELAYED, "department": department.pk})

    page = response.content.decode()
    assert 'lang="es"' in page and DELAYED["message_es"] in page
    assert ("message_es", DELAYED["message_es"]) in response.context["carry"]


def test_the_api_takes_the_translations_as_the_page_does(
    admin_client, department, make_token, django_capture_on_commit_callbacks
):
    make_token(department, language="es")
    make_token(department, language="ar")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(API, {"action": "broadcast", **DELAYED}, content_type="application/json")

    assert response.status_code == 200
    bodies = broadcast_bodies()
    assert bodies["es"].endswith(DELAYED["message_es"])
    # The English message in the Arabic frame keeps its full stop at its end (a left-to-right mark, docs/i18n.md).
    assert bodies["ar"].endswith(DELAYED["message"] + "\u200e")


@pytest.mark.parametrize("how", ["page", "api"])
def test_a_translation_too_long_is_refused_naming_its_field_and_nothing_is_sent(
    how, admin_client, department, make_token, django_capture_on_commit_callbacks
):
    make_token(department, language="es")
    data = {**DELAYED, "message_es": "x" * (BROADCAST_MAX_LENGTH + 1)}

    with django_capture_on_commit_callbacks(execute=True):
        if how == "page":
            # The page's own step: its sender has seen how many patients it goes to (the API takes no such field).
            response = admin_client.post(reverse("adminpanel:broadcast"), {**data, "confirmed": "yes"})
            errors = response.context["form"].errors
        else:
            response = admin_client.post(API, {"action": "broadcast", **data}, content_type="application/json")
            errors = response.json()["errors"]

    assert response.status_code == 400
    assert list(errors) == ["message_es"]
    assert not Notification.objects.exists()
    assert not AuditLog.objects.filter(action="broadcast.sent").exists()


def test_the_service_refuses_a_language_the_site_does_not_speak(admin_user, department, make_token):
    make_token(department)

    with pytest.raises(ValidationError) as refused:
        broadcast_message(message="Fire drill.", translations={"fr": "Exercice d'incendie."}, actor=admin_user)

    assert list(refused.value.message_dict) == ["message_fr"]
    assert "fr is not one of the site's other languages" in refused.value.message_dict["message_fr"][0]


@pytest.mark.django_db(transaction=True)
async def test_board_and_patient_sockets_carry_the_texts_by_language(department, open_socket):
    alice, _ = await database_sync_to_async(register_patient)(
        department=department, name="Alice", phone="+15550000001", age=52, gender="female"
    )
    public_id = await database_sync_to_async(lambda: alice.patient.public_id)()
    board, _, _ = await open_socket(f"/ws/queue/{department.pk}/")
    patient, _, _ = await open_socket(f"/ws/patient/{public_id}/")
    await next_frame(board)
    await next_frame(patient)

    await database_sync_to_async(broadcast_message)(
        message=DELAYED["message"], translations={"es": DELAYED["message_es"], "ar": ""}, actor=None
    )
    board_frame = await next_frame(board)
    patient_frame = await next_frame(patient)

    texts = {"message": DELAYED["message"], "translations": {"es": DELAYED["message_es"]}}
    sent = board_frame["payload"]["detail"]
    assert board_frame["type"] == "department.changed" and board_frame["payload"]["event"] == "broadcast"
    assert sent == {**texts, "shown_until": sent["shown_until"]}
    assert problems(BroadcastSerializer(), sent) == []
    assert patient_frame["type"] == "patient.status" and patient_frame["payload"]["detail"] == sent

    # A board switched on and a status page opened after it was sent show it too, until the same moment.
    late_board, _, _ = await open_socket(f"/ws/queue/{department.pk}/")
    late_patient, _, _ = await open_socket(f"/ws/patient/{public_id}/")
    assert (await next_frame(late_board))["payload"]["broadcast"] == sent
    assert (await next_frame(late_patient))["payload"]["broadcast"] == sent


def test_a_broadcast_is_shown_for_half_an_hour_from_when_it_was_sent(
    department, clock, django_capture_on_commit_callbacks
):
    register_patient(department=department, name="Alice", phone="+15550000001", age=52, gender="female")
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_message(message=DELAYED["message"], department=department, actor=None)

    shown_until = department_snapshot_frame(department)["payload"]["broadcast"]["shown_until"]

    assert parse_datetime(shown_until) == timezone.now() + timedelta(minutes=30)


def test_a_broadcast_confirmed_twice_texts_each_patient_once(
    admin_client, department, make_token, django_capture_on_commit_callbacks
):
    # A double click on "Send to 2 waiting patients" posts the confirmation twice.
    make_token(department)
    make_token(department)
    url = reverse("adminpanel:broadcast")
    review = admin_client.post(url, {**DELAYED, "department": department.pk})
    confirmation = {name: value for name, value in review.context["carry"]}

    for _click in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            sent = admin_client.post(url, {**confirmation, "confirmed": "yes"})
        assert sent.status_code == 302

    texted = Notification.objects.filter(event=NotificationTemplate.TemplateType.BROADCAST)
    assert sorted(texted.values_list("queue_entry__token_number", flat=True)) == [1, 2]


def test_a_confirmation_the_panel_did_not_give_is_refused_naming_it(admin_client, department, make_token):
    make_token(department)

    response = admin_client.post(
        reverse("adminpanel:broadcast"),
        {**DELAYED, "department": department.pk, "confirmed": "yes", "broadcast_id": "not-an-id"},
    )

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This confirmation is not one the panel gave: review the broadcast again."
    ]
    assert not AuditLog.objects.filter(action="broadcast.sent").exists()
