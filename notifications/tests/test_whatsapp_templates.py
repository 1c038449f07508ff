"""A WhatsApp message the hospital starts, outside the 24 hours after the patient's last WhatsApp text, goes as the
approved template (Twilio's ContentSid and ContentVariables) configured for the patient's language: through the real
twilio client, against the fake Twilio server."""

import json
import uuid

import pytest

from notifications.inbound import receive_text
from notifications.models import Notification, NotificationPreference, NotificationTemplate
from notifications.services import notify_broadcast, record_delivery_status
from notifications.tasks import send_queue_message

from .conftest import TEST_SMS_NUMBER, TEST_WHATSAPP_NUMBER

REGISTRATION = NotificationTemplate.TemplateType.REGISTRATION
ENGLISH_TEMPLATE = "HX" + "e" * 32
SPANISH_TEMPLATE = "HX" + "5" * 32
PHONE = "+14155550123"


@pytest.fixture
def whatsapp_templates(settings, fake_twilio):
    settings.TWILIO_WHATSAPP_CONTENT_SIDS = {"en": ENGLISH_TEMPLATE, "es": SPANISH_TEMPLATE}
    fake_twilio.content_templates = {
        ENGLISH_TEMPLATE: "Message from the hospital: {{1}}",
        SPANISH_TEMPLATE: "Mensaje del hospital: {{1}}",
    }
    return fake_twilio


@pytest.fixture
def on_whatsapp(waiting_entry):
    NotificationPreference.objects.create(patient=waiting_entry.patient, channel="whatsapp")
    return waiting_entry


def send_registration(entry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_queue_message.apply(kwargs={"entry_id": entry.pk, "template_type": REGISTRATION})
    # The message as first written (one sent again elsewhere has a row of its own).
    return Notification.objects.filter(queue_entry=entry, event=REGISTRATION).earliest("pk")


def whatsapp_text_from_the_patient(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        receive_text(message_sid=f"SM{uuid.uuid4().hex}", from_address=f"whatsapp:{PHONE}", body="ok")


def test_a_message_the_hospital_starts_on_whatsapp_goes_as_the_approved_template(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks
):
    # It went as free text, which WhatsApp refuses outside its 24 hours (63016): the patient got it only by SMS.
    notification = send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    (message,) = whatsapp_templates.received
    assert (message.to, message.from_) == (f"whatsapp:{PHONE}", f"whatsapp:{TEST_WHATSAPP_NUMBER}")
    assert message.form["ContentSid"] == ENGLISH_TEMPLATE and "Body" not in message.form
    assert json.loads(message.form["ContentVariables"]) == {"1": notification.body}
    assert (notification.channel, notification.status) == ("whatsapp", Notification.Status.SENT)


def test_the_template_is_the_patients_languages_or_else_the_sites(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks, settings
):
    on_whatsapp.patient.language = "es"
    on_whatsapp.patient.save(update_fields=["language"])
    send_registration(on_whatsapp, django_capture_on_commit_callbacks)
    settings.TWILIO_WHATSAPP_CONTENT_SIDS = {"en": ENGLISH_TEMPLATE, "hi": "HX" + "1" * 32}
    Notification.objects.all().delete()
    send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    assert [message.form["ContentSid"] for message in whatsapp_templates.received] == [
        SPANISH_TEMPLATE, ENGLISH_TEMPLATE
    ]


def test_within_24_hours_of_the_patients_whatsapp_text_a_message_goes_as_text(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks, clock
):
    whatsapp_text_from_the_patient(django_capture_on_commit_callbacks)
    clock.shift(23 * 3600)

    notification = send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    message = whatsapp_templates.received[-1]
    assert message.body == notification.body and "ContentSid" not in message.form


def test_a_day_after_the_patients_whatsapp_text_a_message_goes_as_the_template(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks, clock
):
    whatsapp_text_from_the_patient(django_capture_on_commit_callbacks)
    clock.shift(24 * 3600 + 1)

    send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    assert whatsapp_templates.received[-1].form["ContentSid"] == ENGLISH_TEMPLATE


def test_a_text_with_line_breaks_goes_in_the_template_on_one_line(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks
):
    # WhatsApp refuses a template variable with a line break, a tab or more than four spaces in a row.
    NotificationTemplate.objects.create(
        name="Registration", template_type=REGISTRATION, sms_template="Hello {name},\n\ntoken {token}.\t     Thanks"
    )

    send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    variables = json.loads(whatsapp_templates.received[0].form["ContentVariables"])
    assert variables == {"1": "Hello Asha Rao, token CARD-001. Thanks"}


def test_without_a_template_a_whatsapp_message_goes_as_text_and_by_sms_once_refused(
    fake_twilio, on_whatsapp, django_capture_on_commit_callbacks
):
    notification = send_registration(on_whatsapp, django_capture_on_commit_callbacks)
    assert "ContentSid" not in fake_twilio.received[0].form

    with django_capture_on_commit_callbacks(execute=True):
        record_delivery_status(message_sid=notification.twilio_sid, twilio_status="undelivered", error_code="63016")

    sms = fake_twilio.received[-1]
    assert (sms.to, sms.from_, sms.body) == (PHONE, TEST_SMS_NUMBER, notification.body)


def test_text_whatsapp_refused_as_outside_its_24_hours_goes_again_as_the_template_not_by_sms(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks, clock
):
    # Our clock said the patient's text was within 24 hours; WhatsApp's did not.
    whatsapp_text_from_the_patient(django_capture_on_commit_callbacks)
    notification = send_registration(on_whatsapp, django_capture_on_commit_callbacks)
    assert "ContentSid" not in whatsapp_templates.received[-1].form
    clock.shift(1)

    for _ in range(2):  # reported as undelivered, then failed
        with django_capture_on_commit_callbacks(execute=True):
            record_delivery_status(
                message_sid=notification.twilio_sid, twilio_status="undelivered", error_code="63016"
            )

    again = whatsapp_templates.received[-1]
    assert again.to == f"whatsapp:{PHONE}" and again.form["ContentSid"] == ENGLISH_TEMPLATE
    assert not any(message.to == PHONE for message in whatsapp_templates.received)
    assert Notification.objects.filter(channel="whatsapp", status=Notification.Status.SENT).count() == 1


def test_a_number_not_on_whatsapp_gets_the_message_by_sms_even_with_a_template(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks
):
    notification = send_registration(on_whatsapp, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        record_delivery_status(message_sid=notification.twilio_sid, twilio_status="failed", error_code="63003")

    assert whatsapp_templates.received[-1].to == PHONE


def test_a_template_message_whose_answer_was_lost_is_looked_up_not_sent_again(
    whatsapp_templates, on_whatsapp, settings, django_capture_on_commit_callbacks
):
    # Twilio lists a template message with the template's words around the text: compared as the body, it was never
    # found, and the message went twice.
    settings.TWILIO_HTTP_TIMEOUT_SECONDS = 1
    whatsapp_templates.hang_next(accept=True)

    notification = send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    (accepted,) = whatsapp_templates.accepted
    assert accepted.body.startswith("Message from the hospital: Hello Asha Rao")
    assert len(whatsapp_templates.received) == 1
    assert (notification.status, notification.twilio_sid) == (Notification.Status.SENT, accepted.sid)


# WhatsApp takes a template's body up to 1,024 characters, its own words and the variable together.
LONG_INSTRUCTIONS = "Bring your referral letter, your insurance card and the results of earlier tests. " * 11


def long_registration_text(**texts):
    return NotificationTemplate.objects.create(
        name="Registration",
        template_type=REGISTRATION,
        sms_template="Hello {name}, token {token}. " + LONG_INSTRUCTIONS + "Follow your place: {link}",
        **texts,
    )


def test_a_message_too_long_for_the_template_goes_whole_by_sms_not_on_whatsapp(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks
):
    # It went as the template and WhatsApp refused it: the patient got nothing, the instructions and link included.
    long_registration_text()

    whatsapp = send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    assert len(whatsapp.body) > 1024
    assert not any("ContentSid" in message.form for message in whatsapp_templates.received)
    (sms,) = whatsapp_templates.received
    assert (sms.to, sms.from_, sms.body) == (PHONE, TEST_SMS_NUMBER, whatsapp.body)
    assert sms.body.endswith(f"Follow your place: http://127.0.0.1:8000/patients/status/{on_whatsapp.public_id}/")
    assert (whatsapp.status, whatsapp.error_code) == (Notification.Status.FAILED, "template-length")
    assert "sent by SMS instead" in whatsapp.error_message
    by_sms = Notification.objects.get(queue_entry=on_whatsapp, channel="sms")
    assert (by_sms.body, by_sms.status) == (whatsapp.body, Notification.Status.SENT)


def test_a_long_broadcast_goes_whole_by_sms_to_a_patient_on_whatsapp(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks
):
    message = "The cardiology clinic moves to building B from today. " + LONG_INSTRUCTIONS

    with django_capture_on_commit_callbacks(execute=True):
        notify_broadcast(message=message, department_id=on_whatsapp.department_id)

    (sms,) = whatsapp_templates.received
    assert (sms.to, sms.body) == (PHONE, f"Cardiology (token CARD-001): {message}")


def test_a_message_within_the_limit_still_goes_as_the_template(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks
):
    NotificationTemplate.objects.create(name="Registration", template_type=REGISTRATION, sms_template="x" * 924)

    send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    (message,) = whatsapp_templates.received
    assert json.loads(message.form["ContentVariables"]) == {"1": "x" * 924}


def test_a_text_twilio_refuses_as_too_long_for_a_template_with_many_words_of_its_own_goes_by_sms(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks
):
    whatsapp_templates.content_templates[ENGLISH_TEMPLATE] = "A long greeting from the hospital. " * 4 + "{{1}}"
    NotificationTemplate.objects.create(name="Registration", template_type=REGISTRATION, sms_template="x" * 924)

    whatsapp = send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    assert (whatsapp.status, whatsapp.error_code) == (Notification.Status.FAILED, "21658")
    assert (whatsapp_templates.received[-1].to, whatsapp_templates.received[-1].body) == (PHONE, "x" * 924)


def test_a_template_message_whatsapp_refuses_as_too_long_goes_again_by_sms(
    whatsapp_templates, on_whatsapp, django_capture_on_commit_callbacks
):
    notification = send_registration(on_whatsapp, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        record_delivery_status(message_sid=notification.twilio_sid, twilio_status="failed", error_code="63021")

    sms = whatsapp_templates.received[-1]
    assert (sms.to, sms.body) == (PHONE, notification.body)
