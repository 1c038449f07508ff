"""A doctor's room in the site's other languages: a called patient is sent there in their own language (page,
board, text); where it is not translated, as written."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from adminpanel.models import AuditLog
from notifications.models import NotificationTemplate
from notifications.services import message_values
from patients import services

SPANISH_ROOM = {"es": {"room": "Consultorio 4"}}


@pytest.fixture
def cardiology(make_department):
    return make_department(
        name="Cardiology", code="CARD", room="Block A", translations={"es": {"name": "Cardiología", "room": "Bloque A"}}
    )


@pytest.mark.parametrize(
    ("translations", "problem"),
    [
        ({"es": {"specialization": "Cardióloga"}}, "Only a doctor's room is translated, not specialization."),
        ({"es": "Consultorio 4"}, 'Give the translations by language, e.g. {"es": {"room": "Consultorio 4"}}.'),
        ({"es": {"room": "Consultorio\n4"}}, "one line"),
    ],
)
def test_translations_of_another_shape_are_refused_in_words(make_doctor, translations, problem):
    doctor = make_doctor(room="Room 4")
    doctor.translations = translations

    with pytest.raises(ValidationError) as refused:
        doctor.full_clean()

    assert problem in " ".join(refused.value.messages)


def test_a_called_patients_text_names_the_doctors_room_in_their_language(cardiology, make_doctor, make_token):
    doctor = make_doctor(department=cardiology, room="Room 4", translations=SPANISH_ROOM)
    entry = services.call_patient(entry=make_token(department=cardiology, language="es"), doctor=doctor)

    with translation.override("es"):
        spanish = message_values(entry, NotificationTemplate.TemplateType.YOUR_TURN, "")
    with translation.override("hi"):
        hindi = message_values(entry, NotificationTemplate.TemplateType.YOUR_TURN, "")

    assert spanish["doctor"].endswith("Consultorio 4")
    assert hindi["doctor"].endswith("Room 4")


def test_a_doctor_without_a_room_sends_patients_to_the_departments_room_in_their_language(
    cardiology, make_doctor, make_token
):
    doctor = make_doctor(department=cardiology, room="")
    entry = services.call_patient(entry=make_token(department=cardiology, language="es"), doctor=doctor)

    with translation.override("es"):
        assert message_values(entry, NotificationTemplate.TemplateType.YOUR_TURN, "")["doctor"].endswith("Bloque A")
        assert doctor.location == "Bloque A"


def test_the_status_answer_and_the_queue_carry_the_room_in_every_language(client, cardiology, make_doctor, make_token):
    doctor = make_doctor(department=cardiology, room="Room 4", translations=SPANISH_ROOM)
    entry = services.call_patient(entry=make_token(department=cardiology), doctor=doctor)

    # As written in every reader's answer (a shared frame is built by whoever's change it follows).
    visit = client.get(f"/patients/api/visit/{entry.public_id}/status/", HTTP_ACCEPT_LANGUAGE="es").json()
    queue = client.get(f"/patients/api/queue/{cardiology.pk}/", HTTP_ACCEPT_LANGUAGE="hi").json()

    assert (visit["go_to"], visit["go_to_translations"]) == ("Room 4", {"es": "Consultorio 4"})
    serving = queue["now_serving"][0]
    assert (serving["room"], serving["room_translations"]) == ("Room 4", {"es": "Consultorio 4"})


def test_the_panel_edits_a_doctors_room_in_other_languages_audited(admin_client, cardiology, make_doctor):
    doctor = make_doctor(department=cardiology, room="Room 4")
    edit = reverse("adminpanel:doctor-edit", args=[doctor.pk])
    page = admin_client.get(edit).content.decode()
    assert 'name="room_es"' in page and 'lang="ar" dir="rtl"' in page
    assert 'name="name_es"' not in page
    typed = {"department": cardiology.pk, "room": "Room 4", "language": "", "is_active": "on"}

    admin_client.post(edit, {**typed, "room_es": " Consultorio 4 ", "room_ar": "الغرفة 4"})

    doctor.refresh_from_db()
    assert doctor.translations == {"es": {"room": "Consultorio 4"}, "ar": {"room": "الغرفة 4"}}
    audited = AuditLog.objects.get(action="doctor.updated")
    assert audited.after["translations"] == doctor.translations

    refused = admin_client.post(edit, {**typed, "room_hi": "क" * 51})
    assert refused.status_code == 400
    doctor.refresh_from_db()
    assert "hi" not in doctor.translations
