"""Twilio delivery reports: POST /notifications/twilio/status/ with X-Twilio-Signature."""

from urllib.parse import urlsplit

import pytest
from twilio.request_validator import RequestValidator

from notifications.models import Notification
from notifications.senders import NETWORK_ERROR, SendError, TwilioSender
from notifications.services import deliver_notification, set_message_opt_out

from .conftest import TEST_AUTH_TOKEN, TEST_SMS_NUMBER

CALLBACK_PATH = "/notifications/twilio/status/"
CALLBACK_URL = "http://127.0.0.1:8000" + CALLBACK_PATH


@pytest.fixture
def sent_notification(settings, waiting_entry):
    settings.TWILIO_AUTH_TOKEN = TEST_AUTH_TOKEN
    return Notification.objects.create(
        patient=waiting_entry.patient,
        queue_entry=waiting_entry,
        channel="sms",
        event="registration",
        idempotency_key="queue-test-registration",
        body="Hello",
        status=Notification.Status.SENT,
        backend="twilio",
        twilio_sid="SM0123456789abcdef0123456789abcdef",
        attempts=1,
    )


def post_callback(client, params, token=TEST_AUTH_TOKEN):
    signature = RequestValidator(token).compute_signature(CALLBACK_URL, params)
    return client.post(CALLBACK_PATH, params, headers={"X-Twilio-Signature": signature})


def test_signed_delivery_report_marks_the_message_delivered(client, sent_notification):
    """The callback URL of a message sent before callbacks named their row: found by its MessageSid."""
    response = post_callback(client, {"MessageSid": sent_notification.twilio_sid, "MessageStatus": "delivered"})

    assert response.status_code == 204
    sent_notification.refresh_from_db()
    assert sent_notification.status == Notification.Status.DELIVERED


def test_undelivered_report_records_the_failure(client, sent_notification):
    response = post_callback(
        client, {"MessageSid": sent_notification.twilio_sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    )

    assert response.status_code == 204
    sent_notification.refresh_from_db()
    assert (sent_notification.status, sent_notification.error_code) == (Notification.Status.FAILED, "30003")
    assert sent_notification.error_message == "Twilio reported the message undelivered."


@pytest.mark.parametrize(
    ("twilio_status", "status"),
    [("partially_delivered", Notification.Status.SENT), ("canceled", Notification.Status.FAILED)],
)
def test_every_outbound_status_twilio_reports_is_recorded(client, sent_notification, twilio_status, status):
    """Twilio's statuses for a message it was given; these two were answered 400, "Unknown MessageStatus"."""
    response = post_callback(client, {"MessageSid": sent_notification.twilio_sid, "MessageStatus": twilio_status})

    assert response.status_code == 204
    sent_notification.refresh_from_db()
    assert sent_notification.status == status


def test_a_delivery_reported_after_a_failure_clears_the_error(client, sent_notification):
    sid = sent_notification.twilio_sid
    post_callback(client, {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})

    post_callback(client, {"MessageSid": sid, "MessageStatus": "delivered"})

    sent_notification.refresh_from_db()
    assert sent_notification.status == Notification.Status.DELIVERED
    assert (sent_notification.error_code, sent_notification.error_message) == ("", "")


@pytest.mark.parametrize("signature_token", ["someone-elses-token", None])
def test_unsigned_or_forged_report_is_refused_and_changes_nothing(client, sent_notification, signature_token):
    params = {"MessageSid": sent_notification.twilio_sid, "MessageStatus": "failed", "ErrorCode": "30008"}
    if signature_token:
        response = post_callback(client, params, token=signature_token)
    else:
        response = client.post(CALLBACK_PATH, params)

    assert response.status_code == 403
    sent_notification.refresh_from_db()
    assert (sent_notification.status, sent_notification.error_code) == (Notification.Status.SENT, "")


def test_tampered_parameters_fail_the_signature(client, sent_notification):
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(
        CALLBACK_URL, {"MessageSid": sent_notification.twilio_sid, "MessageStatus": "sent"}
    )

    response = client.post(
        CALLBACK_PATH,
        {"MessageSid": sent_notification.twilio_sid, "MessageStatus": "failed"},
        headers={"X-Twilio-Signature": signature},
    )

    assert response.status_code == 403
    sent_notification.refresh_from_db()
    assert sent_notification.status == Notification.Status.SENT


def test_late_sent_report_does_not_undo_delivery(client, sent_notification):
    post_callback(client, {"MessageSid": sent_notification.twilio_sid, "MessageStatus": "delivered"})
    post_callback(client, {"MessageSid": sent_notification.twilio_sid, "MessageStatus": "sent"})

    sent_notification.refresh_from_db()
    assert sent_notification.status == Notification.Status.DELIVERED


@pytest.mark.parametrize("twilio_status", ["failed", "undelivered"])
def test_a_failure_reported_after_the_delivery_is_a_replay_and_changes_nothing(
    client, sent_notification, twilio_status
):
    """Thirteenth attack run: Twilio's signature carries no time, so a captured failure report posted again marked a
    delivered message failed."""
    sid = sent_notification.twilio_sid
    post_callback(client, {"MessageSid": sid, "MessageStatus": "delivered"})

    response = post_callback(client, {"MessageSid": sid, "MessageStatus": twilio_status, "ErrorCode": "30003"})

    assert response.status_code == 204
    sent_notification.refresh_from_db()
    assert (sent_notification.status, sent_notification.error_code) == (Notification.Status.DELIVERED, "")


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"MessageStatus": "delivered"}, 400, "MessageSid: This field is required."),
        ({"MessageSid": "SM0123456789abcdef0123456789abcdef", "MessageStatus": "teleported"}, 400, "MessageStatus"),
        ({"MessageSid": "SMunknown", "MessageStatus": "delivered"}, 404, "No message with this MessageSid."),
    ],
)
def test_bad_reports_get_a_clear_4xx(client, sent_notification, params, status, text):
    response = post_callback(client, params)

    assert response.status_code == status
    assert text in response.content.decode()
    sent_notification.refresh_from_db()
    assert sent_notification.status == Notification.Status.SENT


def test_get_is_not_allowed(client):
    assert client.get(CALLBACK_PATH).status_code == 405


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"MessageStatus": "undelivered", "ErrorCode": "3" * 21}, "ErrorCode"),
        ({"MessageStatus": "undelivered", "ErrorCode": "30\x0003"}, "ErrorCode"),
        ({"MessageStatus": "undelivered", "ErrorCode": "30003", "ErrorMessage": "Lost\x00"}, "ErrorMessage"),
        ({"MessageStatus": "delivered", "MessageSid": "SM\x00"}, "MessageSid"),
        ({"MessageStatus": "delivered\x00"}, "MessageStatus"),
    ],
)
def test_malformed_report_fields_are_refused_naming_them(client, sent_notification, params, field):
    response = post_callback(client, {"MessageSid": sent_notification.twilio_sid, **params})

    assert response.status_code == 400
    assert field in response.content.decode()
    sent_notification.refresh_from_db()
    assert (sent_notification.status, sent_notification.error_code) == (Notification.Status.SENT, "")


def failure_report(notification, error_code):
    return {"MessageSid": notification.twilio_sid, "MessageStatus": "failed", "ErrorCode": error_code}


@pytest.fixture
def whatsapp_notification(sent_notification):
    # An admin's broadcast: its words are sent again as written (a token's own text is worded again from the line).
    sent_notification.channel, sent_notification.event = "whatsapp", "broadcast"
    sent_notification.save(update_fields=["channel", "event"])
    return sent_notification


@pytest.mark.parametrize("error_code", ["63016", "63003"])
def test_a_whatsapp_message_the_patient_cannot_get_there_is_sent_again_by_sms_once(
    client, fake_twilio, whatsapp_notification, django_capture_on_commit_callbacks, error_code
):
    """63016: outside the 24 hours after the patient's last WhatsApp text, when WhatsApp takes only templates Meta
    approved; 63003: the number is not on WhatsApp. Either left a patient who chose WhatsApp at registration with no
    message at all."""
    report = failure_report(whatsapp_notification, error_code)
    for _ in range(2):  # Twilio reports a failure as "undelivered" and "failed", or posts one twice
        with django_capture_on_commit_callbacks(execute=True):
            assert post_callback(client, report).status_code == 204

    (sms,) = fake_twilio.received
    assert (sms.to, sms.from_, sms.body) == (whatsapp_notification.patient.phone, TEST_SMS_NUMBER, "Hello")
    again = Notification.objects.get(channel="sms")
    assert (again.event, again.queue_entry, again.status) == ("broadcast", whatsapp_notification.queue_entry, "sent")
    whatsapp_notification.refresh_from_db()
    assert (whatsapp_notification.status, whatsapp_notification.error_code) == ("failed", error_code)


@pytest.mark.parametrize(("channel", "error_code"), [("whatsapp", "63024"), ("sms", "63016"), ("sms", "30003")])
def test_other_failures_are_not_sent_again(
    client, fake_twilio, sent_notification, django_capture_on_commit_callbacks, channel, error_code
):
    sent_notification.channel = channel
    sent_notification.save(update_fields=["channel"])

    with django_capture_on_commit_callbacks(execute=True):
        post_callback(client, failure_report(sent_notification, error_code))

    assert fake_twilio.received == []
    assert Notification.objects.count() == 1


def test_a_whatsapp_message_is_not_sent_again_by_sms_to_a_patient_who_opted_out_since(
    client, fake_twilio, whatsapp_notification, django_capture_on_commit_callbacks
):
    set_message_opt_out(patient=whatsapp_notification.patient, opted_out=True)

    with django_capture_on_commit_callbacks(execute=True):
        post_callback(client, failure_report(whatsapp_notification, "63016"))

    assert fake_twilio.received == []


def post_to(client, url, params, token=TEST_AUTH_TOKEN):
    """A callback to the URL the worker gave Twilio, signed, as Twilio signs it, over that whole URL."""
    signature = RequestValidator(token).compute_signature(url, params)
    target = urlsplit(url)
    return client.generic(
        "POST",
        f"{target.path}?{target.query}",
        data="&".join(f"{name}={value}" for name, value in params.items()),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )


@pytest.fixture
def queued_notification(sent_notification):
    sent_notification.status, sent_notification.twilio_sid, sent_notification.attempts = "queued", "", 0
    sent_notification.save(update_fields=["status", "twilio_sid", "attempts"])
    return sent_notification


class EarlyReports:
    """Twilio's first status callback for each message, posted as soon as Twilio accepts it: before the sending worker
    has stored the message's SID. `answers` holds each callback's response and the row as it left it."""

    def __init__(self, client, fake_twilio, report, notification):
        self.client, self.fake_twilio, self.report, self.notification = client, fake_twilio, report, notification
        self.answers = []

    def after_accepting(self, receipt):
        url = self.fake_twilio.received[-1].form["StatusCallback"]
        response = post_to(self.client, url, {"MessageSid": receipt.sid, **self.report})
        self.answers.append((response, Notification.objects.get(pk=self.notification.pk)))


@pytest.fixture
def report_at_once(client, fake_twilio, queued_notification, monkeypatch):
    """Makes Twilio report the queued message at once with the given report when it accepts it; returns the
    EarlyReports."""

    def install(report):
        early = EarlyReports(client, fake_twilio, report, queued_notification)
        real_send = TwilioSender.send

        def send_and_report(self, **message):
            receipt = real_send(self, **message)
            early.after_accepting(receipt)
            return receipt

        monkeypatch.setattr(TwilioSender, "send", send_and_report)
        return early

    return install


def test_a_report_that_comes_before_the_worker_stored_the_sid_is_applied(queued_notification, report_at_once):
    """Until 2026-12-05 such a report was answered 404 and lost: Twilio does not send it again."""
    early = report_at_once({"MessageStatus": "delivered"})

    deliver_notification(notification_id=queued_notification.pk)

    [(response, reported)] = early.answers
    assert response.status_code == 204
    assert reported.status == "delivered"
    assert reported.twilio_sid.startswith("SM")


@pytest.mark.parametrize(
    ("report", "status", "error_code"),
    [
        ({"MessageStatus": "delivered"}, "delivered", ""),
        ({"MessageStatus": "undelivered", "ErrorCode": "30003"}, "failed", "30003"),
        ({"MessageStatus": "sent"}, "sent", ""),
    ],
)
def test_the_worker_storing_the_sid_after_the_report_keeps_the_reported_status(
    fake_twilio, queued_notification, report_at_once, report, status, error_code
):
    report_at_once(report)

    notification = deliver_notification(notification_id=queued_notification.pk)

    [accepted] = fake_twilio.accepted
    notification.refresh_from_db()
    assert (notification.status, notification.error_code, notification.twilio_sid) == (status, error_code, accepted.sid)
    assert (notification.backend, notification.attempts) == ("twilio", 1)
    assert notification.sent_at is not None


def test_a_report_naming_its_message_in_the_url_is_checked_by_twilios_signature(client, sent_notification):
    url = f"{CALLBACK_URL}?notification={sent_notification.pk}"
    params = {"MessageSid": sent_notification.twilio_sid, "MessageStatus": "delivered"}
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(CALLBACK_URL, params)

    response = client.post(url, params, headers={"X-Twilio-Signature": signature})

    assert response.status_code == 403
    assert post_to(client, url, params).status_code == 204
    sent_notification.refresh_from_db()
    assert sent_notification.status == "delivered"


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("notification={missing}", 404, "notification: No message with this id."),
        ("notification=99999999999999999999", 404, "notification: No message with this id."),
        ("notification={other}", 400, "notification: Message {other} is not the one Twilio knows as"),
        ("notification=abc", 400, "notification: Enter a whole number."),
        ("notification=0", 400, "notification: "),
        ("notification={own}&notification={other}", 400, "notification: "),
    ],
)
def test_a_report_naming_a_message_it_is_not_about_is_refused_naming_the_field(
    client, sent_notification, query, status, text
):
    other = Notification.objects.create(
        patient=sent_notification.patient,
        channel="sms",
        event="your_turn",
        idempotency_key="queue-test-your-turn",
        status="sent",
        twilio_sid="SM" + "f" * 32,
    )
    ids = {"own": sent_notification.pk, "other": other.pk, "missing": other.pk + 1}
    url = f"{CALLBACK_URL}?{query.format(**ids)}"

    response = post_to(client, url, {"MessageSid": sent_notification.twilio_sid, "MessageStatus": "delivered"})

    assert response.status_code == status
    assert text.format(**ids) in response.content.decode()
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_message_reported_before_its_answer_was_lost_is_not_retried(
    client, fake_twilio, queued_notification, monkeypatch
):
    """Twilio accepted the message and reported it, then the answer to the worker was lost: the report says it went,
    so no retry asks Twilio about it or sends it again."""
    early = EarlyReports(client, fake_twilio, {"MessageStatus": "delivered"}, queued_notification)
    real_send = TwilioSender.send

    def send_report_and_lose_the_answer(self, **message):
        early.after_accepting(real_send(self, **message))
        raise SendError(code=NETWORK_ERROR, message="Read timed out.", transient=True)

    monkeypatch.setattr(TwilioSender, "send", send_report_and_lose_the_answer)

    notification = deliver_notification(notification_id=queued_notification.pk)

    assert (notification.status, notification.twilio_sid) == ("delivered", fake_twilio.accepted[0].sid)
    assert len(fake_twilio.received) == 1
