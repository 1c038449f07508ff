"""Every message to a patient is in the language stored with them at registration, English where an
administrator has not written that language yet."""

import pytest
from django.urls import reverse
from django.utils import translation

from notifications.defaults import (
    DEFAULT_TEMPLATES,
    DEFAULT_TRANSLATIONS,
    install_default_templates,
    install_default_translations,
)
from notifications.inbound import CANCEL, CONFIRM, HELP, KEYWORDS, LATE, START, STATUS, STOP
from notifications.models import Notification, NotificationTemplate, NotificationTemplateTranslation
from notifications.services import patients_ahead_words, prepare_queue_notification, render_message
from patients.models import Patient

TemplateType = NotificationTemplate.TemplateType
HINDI_REGISTRATION_START = "नमस्ते Asha, Cardiology में आपका टोकन CARD-001 है।"


@pytest.fixture
def register_on_the_page(client, department, django_capture_on_commit_callbacks, tasks_run_inline):
    def register(language, phone="+14155550140"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("patients:register"),
                {"name": "Asha", "phone": phone, "age": "34", "gender": "female", "department": department.pk},
                HTTP_ACCEPT_LANGUAGE=language,
            )
        assert response.status_code == 302
        return Patient.objects.get(phone=phone)

    return register


@pytest.fixture
def templates(db):
    install_default_templates()


def test_a_patient_registered_in_hindi_gets_a_hindi_sms_by_the_console_backend(templates, register_on_the_page):
    patient = register_on_the_page("hi")

    assert patient.language == "hi"
    [message] = Notification.objects.filter(patient=patient, event=TemplateType.REGISTRATION)
    assert message.backend == "console"
    assert message.body.startswith(HINDI_REGISTRATION_START)
    # The token code and the link reach the patient exactly as they are.
    assert f"/patients/status/{patient.visits.get().public_id}/" in message.body


def test_a_patient_registered_in_hindi_gets_a_hindi_sms_through_twilio(fake_twilio, templates, register_on_the_page):
    register_on_the_page("hi")

    [sent] = fake_twilio.received
    assert sent.body.startswith(HINDI_REGISTRATION_START)


def test_a_language_without_a_text_falls_back_to_english(templates, register_on_the_page):
    NotificationTemplate.objects.get(template_type=TemplateType.REGISTRATION).translations.filter(
        language="ar"
    ).delete()

    patient = register_on_the_page("ar")

    assert patient.language == "ar"
    assert Notification.objects.get(patient=patient).body.startswith("Hello Asha, your token is CARD-001")


def test_an_administrators_translation_is_sent_instead_of_the_default(templates, register_on_the_page):
    template = NotificationTemplate.objects.get(template_type=TemplateType.REGISTRATION)
    template.translations.filter(language="es").update(sms_template="Turno {token}: {link}")

    patient = register_on_the_page("es")

    assert Notification.objects.get(patient=patient).body.startswith("Turno CARD-001: http")


def test_every_event_has_a_shipped_text_in_every_language_but_english():
    languages = {"es", "hi", "ar"}
    assert {event: set(texts) for event, texts in DEFAULT_TRANSLATIONS.items()} == {
        event: languages for event in DEFAULT_TRANSLATIONS
    }


def test_every_event_has_shipped_translations():
    assert set(DEFAULT_TRANSLATIONS) == set(DEFAULT_TEMPLATES)


@pytest.mark.parametrize("language", ["es", "hi", "ar"])
def test_each_languages_replies_name_that_languages_keywords(language):
    words = {command: [] for command in (STATUS, LATE, CANCEL, CONFIRM, HELP, STOP, START)}
    for word, command in KEYWORDS[language].items():
        words[command].append(word)

    def names(template_type, command):
        return any(word in DEFAULT_TRANSLATIONS[template_type][language] for word in words[command])

    assert all(names(TemplateType.REPLY_HELP, command) for command in (STATUS, LATE, CANCEL))
    assert names(TemplateType.REPLY_CANCEL_ASK, CONFIRM)
    assert names(TemplateType.REPLY_REFUSED, HELP)
    assert names(TemplateType.REPLY_OPTED_OUT, START)
    assert names(TemplateType.REPLY_OPTED_IN, STOP) and names(TemplateType.REPLY_OPTED_IN, HELP)


def test_shipped_translations_go_only_to_untouched_templates_and_never_twice(db):
    """What setup_smartqueue and the translation migrations run."""
    for template_type in (TemplateType.BOOKING_CONFIRMED, TemplateType.REPLY_HELP):
        name, text = DEFAULT_TEMPLATES[template_type]
        NotificationTemplate.objects.create(template_type=template_type, name=name, sms_template=text)
    NotificationTemplate.objects.filter(template_type=TemplateType.REPLY_HELP).update(sms_template="Our words {link}")
    edited_spanish = NotificationTemplate.objects.get(template_type=TemplateType.BOOKING_CONFIRMED).translations.create(
        language="es", sms_template="Nuestra cita {link}"
    )

    for _ in range(2):
        install_default_translations(NotificationTemplate, NotificationTemplateTranslation)

    booked = NotificationTemplate.objects.get(template_type=TemplateType.BOOKING_CONFIRMED)
    assert dict(booked.translations.values_list("language", "sms_template")) == {
        "es": edited_spanish.sms_template,
        "hi": DEFAULT_TRANSLATIONS[TemplateType.BOOKING_CONFIRMED]["hi"],
        "ar": DEFAULT_TRANSLATIONS[TemplateType.BOOKING_CONFIRMED]["ar"],
    }
    assert not NotificationTemplate.objects.get(template_type=TemplateType.REPLY_HELP).translations.exists()


def test_an_arabic_text_opening_with_a_latin_name_is_marked_right_to_left(templates, register_on_the_page):
    """Phones set a text's direction by its first letter: "Asha، ..." laid the Arabic sentence out left to right."""
    patient = register_on_the_page("ar")

    body = prepare_queue_notification(entry_id=patient.visits.get().pk, template_type=TemplateType.PATIENTS_AHEAD).body
    assert body.startswith("\u200fAsha، لا أحد أمامكم في Cardiology")
    # One that opens with an Arabic word is read right to left as it is.
    assert Notification.objects.get(patient=patient, event=TemplateType.REGISTRATION).body.startswith("مرحبًا Asha، ")


def test_only_a_right_to_left_text_that_starts_left_to_right_is_marked(db):
    with translation.override("ar"):
        assert render_message("{name}، حان دوركم", name="Asha") == "\u200fAsha، حان دوركم"
        assert render_message("{name}، حان دوركم", name="آشا") == "آشا، حان دوركم"
        # An English text (no Arabic translation yet) keeps its own direction, whatever its values.
        assert render_message("{name}, it is your turn", name="Asha") == "Asha, it is your turn"
        assert render_message("Hello {name}: {message}", name="Asha", message="لا يوجد") == "Hello Asha: لا يوجد"
    with translation.override("hi"):
        assert render_message("{name}, आपकी बारी", name="Asha") == "Asha, आपकी बारी"


def test_an_arabic_text_says_nobody_is_ahead_not_zero_patients():
    """The count is taken when the text is written: the line may have moved to nobody ahead since it was due."""
    with translation.override("ar"):
        assert patients_ahead_words(0) == "لا أحد أمامكم"
        assert patients_ahead_words(3) == "أمامكم 3 مرضى"


def test_an_untranslated_value_in_an_arabic_text_keeps_its_full_stop_at_its_end(db):
    """A broadcast an admin wrote in English only, inside the Arabic frame: its full stop was drawn at its start."""
    with translation.override("ar"):
        body = render_message(
            "{department} (الرقم {token}): {message} {link}",
            department="أمراض القلب",
            token="CARD-001",
            message="The clinic closes at noon.",
            link="https://example.org/patients/status/1/",
        )
    assert body == (
        "أمراض القلب (الرقم CARD-001): The clinic closes at noon.\u200e https://example.org/patients/status/1/"
    )
    # An English text keeps its values as they are; a value in the text's own direction needs no mark.
    assert render_message("{token}: {message}", token="CARD-001", message="Closing at noon.") == (
        "CARD-001: Closing at noon."
    )
    assert render_message("الرقم {token}: {message}", token="CARD-001", message="نغلق ظهرًا.") == (
        "الرقم CARD-001: نغلق ظهرًا."
    )
    # Nor after an address, which the phone would make into a link with the mark inside.
    assert render_message("{message} أرسلوا", message="See https://example.org/info.") == (
        "\u200fSee https://example.org/info. أرسلوا"
    )
