"""Sending through the real twilio client against a fake Twilio server on a loopback port."""

import logging
import threading

import pytest
from django.db import close_old_connections

from notifications.models import Notification, NotificationPreference, NotificationTemplate
from notifications.services import deliver_notification, prepare_queue_notification
from notifications.tasks import send_queue_message
from patients.services import allocate_token

from .conftest import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SMS_NUMBER, TEST_WHATSAPP_NUMBER

REGISTRATION = NotificationTemplate.TemplateType.REGISTRATION
BROADCAST = NotificationTemplate.TemplateType.BROADCAST
Status = Notification.Status


def send_registration(entry):
    send_queue_message.apply(kwargs={"entry_id": entry.pk, "template_type": REGISTRATION})
    return Notification.objects.get(queue_entry=entry, event=REGISTRATION)


def test_registration_sms_reaches_twilio_and_is_recorded_sent(fake_twilio, waiting_entry):
    notification = send_registration(waiting_entry)

    [message] = fake_twilio.received
    assert (message.account_sid, message.username, message.password) == (
        TEST_ACCOUNT_SID,
        TEST_ACCOUNT_SID,
        TEST_AUTH_TOKEN,
    )
    assert (message.to, message.from_) == ("+14155550123", TEST_SMS_NUMBER)
    assert message.body == (
        "Hello Asha Rao, your token is CARD-001 for Cardiology. You are number 1 in line; "
        "expected wait: no doctor on duty yet. "
        f"Follow your place: http://127.0.0.1:8000/patients/status/{waiting_entry.public_id}/"
    )
    assert message.form["StatusCallback"] == (
        f"http://127.0.0.1:8000/notifications/twilio/status/?notification={notification.pk}"
    )
    assert notification.status == Status.SENT
    assert notification.backend == "twilio"
    assert notification.twilio_sid.startswith("SM")
    assert notification.attempts == 1
    assert notification.body == message.body
    assert notification.sent_at is not None


def test_whatsapp_preference_sends_from_the_whatsapp_number(fake_twilio, waiting_entry):
    NotificationPreference.objects.create(patient=waiting_entry.patient, channel="whatsapp")

    notification = send_registration(waiting_entry)

    [message] = fake_twilio.received
    assert (message.to, message.from_) == ("whatsapp:+14155550123", f"whatsapp:{TEST_WHATSAPP_NUMBER}")
    assert notification.channel == "whatsapp"
    assert notification.status == Status.SENT


def test_rate_limit_is_retried_then_sent(fake_twilio, waiting_entry):
    fake_twilio.fail_next(429, 20429, "Too Many Requests")

    notification = send_registration(waiting_entry)

    assert len(fake_twilio.received) == 2
    assert notification.status == Status.SENT
    assert notification.attempts == 2


def test_server_errors_stop_at_the_attempt_limit_and_fail(fake_twilio, waiting_entry):
    for _ in range(5):
        fake_twilio.fail_next(503, 20503, "Service Unavailable")

    notification = send_registration(waiting_entry)

    assert len(fake_twilio.received) == 3  # NOTIFICATION_MAX_ATTEMPTS in the fixture
    assert notification.status == Status.FAILED
    assert notification.attempts == 3
    assert (notification.error_code, notification.error_message) == ("20503", "Unable to create record: Service Unavailable")


def test_invalid_number_fails_at_once_without_retry(fake_twilio, waiting_entry):
    fake_twilio.fail_next(400, 21211, "The 'To' number +14155550123 is not a valid phone number.")

    notification = send_registration(waiting_entry)

    assert len(fake_twilio.received) == 1
    assert notification.status == Status.FAILED
    assert notification.attempts == 1
    assert notification.error_code == "21211"
    assert "not a valid phone number" in notification.error_message


def test_unsubscribed_recipient_is_a_permanent_failure(fake_twilio, waiting_entry):
    fake_twilio.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")

    notification = send_registration(waiting_entry)

    assert len(fake_twilio.received) == 1
    assert (notification.status, notification.error_code) == (Status.FAILED, "21610")


def test_credentials_twilio_refuses_are_said_at_error_level_naming_the_settings(fake_twilio, waiting_entry, caplog):
    """A mistyped TWILIO_AUTH_TOKEN failed every text with a warning per message saying only "Authenticate"."""
    fake_twilio.fail_next(401, 20003, "Authenticate")

    with caplog.at_level(logging.WARNING):
        notification = send_registration(waiting_entry)

    assert (notification.status, notification.error_code) == (Status.FAILED, "20003")
    [refusal] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert "no text can be sent until TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are corrected" in refusal.getMessage()
    assert TEST_AUTH_TOKEN not in caplog.text


def test_a_duplicated_task_sends_once(fake_twilio, waiting_entry):
    first = send_registration(waiting_entry)
    second = send_registration(waiting_entry)

    assert len(fake_twilio.received) == 1
    assert first.pk == second.pk
    assert second.status == Status.SENT
    assert second.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_running_at_once_send_once(fake_twilio, department, make_patient):
    entry = allocate_token(department=department, patient=make_patient())  # commits: registration is sent
    fake_twilio.delay_seconds = 0.5
    start = threading.Barrier(2)
    broadcast = {"entry_id": entry.pk, "template_type": BROADCAST, "message": "Lab closed", "broadcast_id": "b1"}

    def run_copy():
        start.wait()
        try:
            send_queue_message.apply(kwargs=broadcast)
        finally:
            close_old_connections()

    copies = [threading.Thread(target=run_copy) for _ in range(2)]
    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join(timeout=30)

    assert [message.body for message in fake_twilio.received][1:] == ["Cardiology (token CARD-001): Lab closed"]
    notification = Notification.objects.get(queue_entry=entry, event=BROADCAST)
    assert (notification.status, notification.attempts) == (Status.SENT, 1)


@pytest.mark.parametrize(
    ("preference", "reason"),
    [
        ({"channel": "sms", "opted_out": True}, "Patient opted out of messages."),
        ({"channel": "none"}, "Patient chose to receive no messages."),
    ],
)
def test_preference_skips_the_message_without_sending(fake_twilio, waiting_entry, preference, reason):
    NotificationPreference.objects.create(patient=waiting_entry.patient, **preference)

    notification = send_registration(waiting_entry)

    assert fake_twilio.received == []
    assert notification.status == Status.SKIPPED_BY_PREFERENCE
    assert notification.error_message == reason
    assert notification.attempts == 0


def test_a_message_waiting_to_retry_is_not_sent_once_the_patient_chose_no_messages(fake_twilio, waiting_entry):
    fake_twilio.fail_next(503, 20503, "Service Unavailable")
    waiting = prepare_queue_notification(entry_id=waiting_entry.pk, template_type=REGISTRATION)
    deliver_notification(notification_id=waiting.pk)

    NotificationPreference.objects.create(patient=waiting_entry.patient, channel="none")
    retried = deliver_notification(notification_id=waiting.pk)

    assert len(fake_twilio.received) == 1  # the attempt Twilio answered with a 503
    assert (retried.status, retried.error_message, retried.attempts) == (
        Status.SKIPPED_BY_PREFERENCE,
        "Patient chose to receive no messages.",
        1,
    )


def test_without_credentials_the_console_backend_logs_a_masked_number(settings, waiting_entry, caplog):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""

    with caplog.at_level(logging.INFO, logger="notifications.senders"):
        notification = send_registration(waiting_entry)

    assert (notification.status, notification.backend, notification.twilio_sid) == (Status.SENT, "console", "")
    info = [record.getMessage() for record in caplog.records if record.name == "notifications.senders" and record.levelno == logging.INFO]
    assert info == [f"Console sms message to \u2022\u2022\u2022\u2022\u2022\u20220123 ({len(notification.body)} characters)"]
    assert "+14155550123" not in caplog.text
    assert "Asha Rao" not in caplog.text


def test_missing_sms_number_is_a_clear_failure(fake_twilio, settings, waiting_entry):
    settings.TWILIO_PHONE_NUMBER = ""

    notification = send_registration(waiting_entry)

    assert fake_twilio.received == []
    assert notification.status == Status.FAILED
    assert notification.error_message == "TWILIO_PHONE_NUMBER is not set; cannot send by sms."


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_typography_in_a_name_or_department_does_not_turn_an_english_sms_into_unicode(
    fake_twilio, make_department, make_patient, channel
):
    # An iPhone types the apostrophe of "D’Souza" curly: one such character sent the whole SMS as UCS-2, 70 characters
    # a segment instead of 160, and this registration text in four segments instead of two.
    department = make_department(name="Children’s Clinic — East", code="KIDS")
    patient = make_patient(name="Anne D’Souza", phone="+14155550177")
    NotificationPreference.objects.create(patient=patient, channel=channel)

    notification = send_registration(allocate_token(department=department, patient=patient))

    [message] = fake_twilio.received
    assert message.body == notification.body
    if channel == "sms":
        assert message.body.startswith("Hello Anne D'Souza, your token is KIDS-001 for Children's Clinic - East.")
        assert message.body.isascii()
    else:
        assert message.body.startswith("Hello Anne D’Souza, your token is KIDS-001 for Children’s Clinic — East.")


def test_a_spanish_sms_keeps_its_typography_as_its_accents_make_it_unicode_anyway(
    fake_twilio, department, make_patient
):
    patient = make_patient(name="Lucía D’Souza", phone="+14155550178", language="es")

    notification = send_registration(allocate_token(department=department, patient=patient))

    assert notification.body.startswith("Hola Lucía D’Souza")


@pytest.mark.parametrize(("language", "segments"), [("en", 2), ("ar", 4)])
def test_the_segments_twilio_counts_are_recorded_with_the_message(
    fake_twilio, department, make_patient, language, segments
):
    patient = make_patient(name="Asha Rao", phone="+14155550179", language=language)

    notification = send_registration(allocate_token(department=department, patient=patient))

    assert notification.segments == segments
    assert Notification.objects.get(pk=notification.pk).segments == segments
