"""Patients' texts: POST /notifications/twilio/inbound/ with X-Twilio-Signature, keywords, replies."""

import re
import threading
import uuid
from unittest import mock

import pytest
from django.db import connection
from twilio.request_validator import RequestValidator

from adminpanel.models import AuditLog, SystemConfiguration
from conftest import requires_postgresql
from notifications.defaults import default_text, install_default_templates
from notifications import inbound
from notifications.inbound import read_keyword, split_sender
from notifications.models import (
    InboundMessage,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    NumberOptOut,
)
from notifications.services import deliver_notification, notify_broadcast, prepare_queue_notification
from notifications.tasks import redispatch_outbox
from patients.models import Patient, Queue
from patients.selectors import visit_status
from patients.services import allocate_token, cancel, register_visit

from .conftest import TEST_AUTH_TOKEN, TEST_SMS_NUMBER, TEST_WHATSAPP_NUMBER

INBOUND_PATH = "/notifications/twilio/inbound/"
INBOUND_URL = "http://127.0.0.1:8000" + INBOUND_PATH
PHONE = "+14155550123"
Effect = InboundMessage.Effect
TemplateType = NotificationTemplate.TemplateType


def text_params(body, *, sender=PHONE, sid=None, **twilio_fields):
    message_sid = sid or f"SM{uuid.uuid4().hex}"
    return {"MessageSid": message_sid, "From": sender, "To": TEST_SMS_NUMBER, "Body": body, **twilio_fields}


def signed_post(client, params, token=TEST_AUTH_TOKEN):
    signature = RequestValidator(token).compute_signature(INBOUND_URL, params)
    return client.post(INBOUND_PATH, params, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def post_text(django_capture_on_commit_callbacks):
    """Post a signed text as Twilio would, running what its transaction left for after commit (the reply)."""

    def post(client, params, token=TEST_AUTH_TOKEN):
        with django_capture_on_commit_callbacks(execute=True):
            return signed_post(client, params, token)

    return post


def messages_to_patient(fake_twilio):
    """What the texting patient was sent (others in line may get "N ahead" messages meanwhile)."""
    return [message for message in fake_twilio.received if message.to.endswith(PHONE)]


def last_reply(fake_twilio):
    return messages_to_patient(fake_twilio)[-1]


@pytest.fixture
def line(department, make_patient, waiting_entry):
    """The patient (PHONE) is first in a line of five."""
    behind = [
        allocate_token(department=department, patient=make_patient(name=f"P{number}", phone=f"+1415555020{number}"))
        for number in range(4)
    ]
    return [waiting_entry, *behind]


def code_asked_for(fake_twilio):
    """The one-time code of the LATE or CANCEL question last sent to the patient's phone."""
    return re.search(r"(?<!\d)\d{4}(?!\d)", last_reply(fake_twilio).body).group()


def confirm_with_the_code(post_text, client, fake_twilio):
    """The patient's YES to the question their phone was just sent, repeating its code."""
    return post_text(client, text_params(f"YES {code_asked_for(fake_twilio)}"))


def place_of(entry):
    entry.refresh_from_db()
    return entry.get_position_in_queue()


@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("status", "STATUS"),
        ("  Late! ", "LATE"),
        ("CANCEL please", "CANCEL"),
        ("yes", "YES"),
        ("Help", "HELP"),
        ("Estado", "STATUS"),
        ("tarde", "LATE"),
        ("Sí", "YES"),
        ("रद्द", "CANCEL"),
        ("مساعدة", "HELP"),
        ("stop", "STOP"),
        ("Unsubscribe.", "STOP"),
        ("QUIT", "STOP"),
        ("baja", "STOP"),
        ("إيقاف", "STOP"),
        ("Start", "START"),
        ("UNSTOP", "START"),
        ("शुरू", "START"),
        ("when is my turn", ""),
        ("", ""),
    ],
)
def test_keywords_are_read_in_any_case_and_supported_language(body, command):
    assert read_keyword(body) == command


@pytest.mark.parametrize(
    "body",
    [
        "\u200fإيقاف",  # a right-to-left mark, as Arabic keyboards add
        "ايقاف\u200f",
        "STOP\u200b",  # a zero-width space
        "\ufeffSTOP",  # a byte-order mark
        "ＳＴＯＰ",  # full-width letters
        "Ｓｔｏｐ",
        "बंद\u200d",  # the joiners Hindi keyboards insert
        "\u200cबंद",
        "बन्द",  # the other common spelling
        "PARAR\u200b",
    ],
)
def test_an_opt_out_is_read_through_invisible_characters_full_width_letters_and_spellings(body):
    """Each was read as no keyword and answered with HELP: the patient went on getting messages."""
    assert read_keyword(body) == "STOP"


@pytest.mark.parametrize("sender", ["+1555010000712345678901234567", "whatsapp:+1555010000712345678901234567"])
def test_a_sender_longer_than_a_phone_number_is_refused_naming_from_and_nothing_is_stored(
    post_text, client, db, fake_twilio, sender
):
    response = post_text(client, {"MessageSid": "SM" + "7" * 32, "From": sender, "Body": "STATUS"})

    assert response.status_code == 400
    assert "From" in response.content.decode()
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("sender", ["hello", "whatsapp:<b>x</b>", "14155550123", "+1 415 555 0123", "whatsapp:+999"])
def test_a_sender_that_is_not_a_phone_number_is_refused_naming_from_and_nothing_is_stored(
    post_text, client, db, fake_twilio, sender
):
    response = post_text(client, {"MessageSid": "SM" + "8" * 32, "From": sender, "Body": "STATUS"})

    assert response.status_code == 400
    assert response.content.decode().startswith("From:")
    assert not InboundMessage.objects.exists()


# +44 7700 900xxx is the UK regulator's range kept for drama: real in form, unknown to the phone metadata, as a newly
# allocated range is until the library catches up. Twilio forwards such a sender's texts all the same.
UNLISTED_NUMBER = "+447700900123"


def test_a_stop_from_a_number_the_phone_metadata_does_not_list_still_opts_it_out(post_text, client, fake_twilio, db):
    response = post_text(client, text_params("STOP", sender=UNLISTED_NUMBER))

    assert response.status_code == 200
    assert InboundMessage.objects.get().effect == Effect.OPTED_OUT
    assert NumberOptOut.objects.filter(phone=UNLISTED_NUMBER).exists()


def test_a_patient_whose_stored_number_the_metadata_no_longer_lists_is_opted_out_by_their_stop(
    post_text, client, fake_twilio, db
):
    # Stored before the metadata changed: clean_phone_fields does not check a kept number again.
    patient = Patient.objects.create(name="Ruth Okafor", phone=UNLISTED_NUMBER, age=40)

    assert post_text(client, text_params("STOP", sender=f"whatsapp:{UNLISTED_NUMBER}")).status_code == 200

    assert opted_out(patient)


def test_a_whatsapp_prefix_in_any_case_is_read_as_whatsapp():
    assert split_sender("WhatsApp:+14155550123") == ("whatsapp", "+14155550123")


def test_status_replies_with_place_and_wait_by_sms(post_text, client, fake_twilio, line):
    response = post_text(client, text_params("STATUS"))

    assert response.status_code == 200
    assert "<Response" in response.content.decode()
    inbound = InboundMessage.objects.get()
    assert (inbound.keyword, inbound.effect, inbound.queue_entry) == ("STATUS", Effect.STATUS_SENT, line[0])
    reply = last_reply(fake_twilio)
    assert (reply.to, reply.from_) == (PHONE, TEST_SMS_NUMBER)
    assert "You are number 1 in line" in reply.body
    assert inbound.reply.status == Notification.Status.SENT


def test_status_without_a_doctor_on_duty_says_so_instead_of_a_wait(post_text, client, fake_twilio, line):
    post_text(client, text_params("STATUS"))

    body = last_reply(fake_twilio).body
    assert "You are number 1 in line. No doctor is on duty yet." in body
    assert " min." not in body


def test_status_with_a_doctor_on_duty_gives_the_wait(post_text, client, fake_twilio, make_doctor, department, line):
    make_doctor(department=department)

    post_text(client, text_params("STATUS"))

    assert "You are number 1 in line; expected wait: any moment now." in last_reply(fake_twilio).body


def test_status_gives_the_range_the_status_page_gives(
    post_text, client, fake_twilio, make_doctor, make_patient, department
):
    make_doctor(department=department)
    for number in range(4):
        allocate_token(department=department, patient=make_patient(name=f"P{number}", phone=f"+1415555020{number}"))
    entry = allocate_token(department=department, patient=make_patient(name="Asha Rao", phone=PHONE))

    post_text(client, text_params("STATUS"))

    visit = visit_status(entry=entry)
    assert (visit["estimated_wait_low_minutes"], visit["estimated_wait_high_minutes"]) == (25, 55)
    assert "You are number 5 in line; expected wait: about 25 to 55 min." in last_reply(fake_twilio).body


def test_a_reply_by_sms_naming_a_department_with_typography_is_sent_in_the_gsm_alphabet(
    post_text, client, fake_twilio, line
):
    line[0].department.name = "Children’s Clinic"
    line[0].department.save()

    post_text(client, text_params("STATUS"))

    assert last_reply(fake_twilio).body.startswith("Token CARD-001 (Children's Clinic): ")


def test_a_whatsapp_text_is_answered_on_whatsapp(post_text, client, fake_twilio, line):
    post_text(client, text_params("estado", sender=f"whatsapp:{PHONE}"))

    inbound = InboundMessage.objects.get()
    assert (inbound.channel, inbound.effect) == ("whatsapp", Effect.STATUS_SENT)
    reply = last_reply(fake_twilio)
    assert (reply.to, reply.from_) == (f"whatsapp:{PHONE}", f"whatsapp:{TEST_WHATSAPP_NUMBER}")


def test_late_moves_back_the_configured_places_once_per_visit(post_text, client, fake_twilio, line):
    configuration = SystemConfiguration.load()
    configuration.late_moves_back_places = 2
    configuration.save()

    post_text(client, text_params("LATE"))

    assert place_of(line[0]) == 1
    assert "within 10 minutes to move token CARD-001 for Cardiology back a few places" in last_reply(fake_twilio).body
    confirm_with_the_code(post_text, client, fake_twilio)

    assert place_of(line[0]) == 3
    assert [place_of(entry) for entry in line[1:]] == [1, 2, 4, 5]
    # Now within the hospital's 3 ahead, the patient is also told how close they are.
    bodies = [message.body for message in messages_to_patient(fake_twilio)]
    assert len(bodies) == 3
    assert any("You are now number 3 in line" in body for body in bodies)
    assert any("2 patients are ahead of you in Cardiology (token CARD-001" in body for body in bodies)
    assert AuditLog.objects.filter(action="queue.postponed", object_id=str(line[0].pk)).count() == 1

    post_text(client, text_params("late"))

    assert place_of(line[0]) == 3
    second = InboundMessage.objects.first()
    assert second.effect == Effect.REFUSED
    assert second.detail == f"Token {line[0].token} has already been moved back once today."
    assert last_reply(fake_twilio).body == (
        f"Token {line[0].token} has already been moved back once today. Reply HELP for what you can do."
    )


@pytest.fixture
def second_token(make_department, line):
    """The same patient also waits in Dermatology, behind one other patient."""
    dermatology = make_department(name="Dermatology", code="DERM")
    allocate_token(department=dermatology, patient=Patient.objects.create(name="Ravi", phone="+14155550888", age=30))
    return allocate_token(department=dermatology, patient=line[0].patient)


def test_status_names_each_of_the_patients_open_tokens(post_text, client, fake_twilio, line, second_token):
    post_text(client, text_params("STATUS"))

    reply = last_reply(fake_twilio).body
    assert reply.startswith(f"Token {line[0].token} (Cardiology): You are number 1 in line")
    assert f"Also token {second_token.token} (Dermatology): You are number 2 in line" in reply


def test_status_reads_the_patients_open_tokens_once(post_text, client, fake_twilio, line, second_token):
    with mock.patch("notifications.inbound.open_visits_of", wraps=inbound.open_visits_of) as read_open_visits:
        post_text(client, text_params("STATUS"))

    assert "Also token" in last_reply(fake_twilio).body
    read_open_visits.assert_called_once()


def test_a_text_naming_a_token_acts_on_that_token(post_text, client, fake_twilio, line, second_token):
    post_text(client, text_params(f"cancel {second_token.token.lower()}"))
    code = code_asked_for(fake_twilio)
    asked = f"Reply YES {code} within 10 minutes to cancel token DERM-002 for Dermatology"
    assert asked in last_reply(fake_twilio).body

    post_text(client, text_params(f"YES {code}"))

    second_token.refresh_from_db()
    line[0].refresh_from_db()
    assert second_token.status == Queue.Status.CANCELLED
    assert line[0].status == Queue.Status.WAITING


def test_a_yes_after_another_text_keeps_the_token_the_cancel_was_about(
    post_text, client, fake_twilio, line, second_token
):
    post_text(client, text_params(f"CANCEL {second_token.token}"))
    code = code_asked_for(fake_twilio)
    post_text(client, text_params("STATUS"))

    post_text(client, text_params(f"YES {code}"))

    assert [place_of(line[0]), place_of(second_token)] == [1, 2]
    assert InboundMessage.objects.first().effect == Effect.HELP_SENT


@pytest.mark.parametrize(
    "body",
    # The number in the digits of the patient's phone (Arabic-Indic, Devanagari, full-width), or without its zeros.
    ["cancel DERM-٠٠٢", "रद्द DERM-००२", "إلغاء \u200fDERM-٢", "CANCEL ＤＥＲＭ－００２", "cancel derm-2"],
)
def test_a_token_named_in_other_digits_or_without_its_zeros_is_that_token(
    post_text, client, fake_twilio, line, second_token, body
):
    post_text(client, text_params(body))

    assert InboundMessage.objects.get().queue_entry_id == second_token.pk
    assert InboundMessage.objects.get().effect == Effect.CANCEL_ASKED


@pytest.mark.parametrize("body", ["LATE DERM-009", "LATE CARD-099"])
def test_a_text_naming_a_token_not_of_the_patients_changes_nothing(
    post_text, client, fake_twilio, line, second_token, body
):
    post_text(client, text_params(body))

    assert InboundMessage.objects.get().effect == Effect.REFUSED
    assert [place_of(line[0]), place_of(second_token)] == [1, 2]
    assert f"Your tokens: {line[0].token}, {second_token.token}." in last_reply(fake_twilio).body


def test_a_cancel_naming_no_token_from_a_patient_with_two_asks_which_and_changes_nothing(
    post_text, client, fake_twilio, line, second_token
):
    post_text(client, text_params("CANCEL"))

    text = InboundMessage.objects.get()
    assert (text.effect, text.confirmation_code) == (Effect.WHICH_TOKEN, "")
    assert last_reply(fake_twilio).body == (
        f"You have more than one token today: {line[0].token} (Cardiology), {second_token.token} (Dermatology). To "
        f"cancel one, reply CANCEL followed by its token, for example CANCEL {line[0].token}. Reply HELP for what you "
        "can do."
    )
    post_text(client, text_params("YES"))
    assert [place_of(line[0]), place_of(second_token)] == [1, 2]


def test_a_refusal_longer_than_its_record_keeps_is_answered_whole_and_recorded_cut(
    post_text, client, fake_twilio, line, make_department
):
    for number in range(3):
        department = make_department(name=f"Department {number} " + "of long names " * 6, code=f"LONG{number}")
        allocate_token(department=department, patient=line[0].patient)

    response = post_text(client, text_params("CANCEL"))

    assert response.status_code == 200
    text = InboundMessage.objects.get()
    longest = InboundMessage._meta.get_field("detail").max_length
    assert text.effect == Effect.WHICH_TOKEN and len(text.detail) == longest and text.detail.endswith("…")
    assert "for example CANCEL CARD-001. Reply HELP" in last_reply(fake_twilio).body


def test_a_cancel_naming_no_token_after_a_stop_is_recorded_not_answered_not_asked_which(
    post_text, client, fake_twilio, line, second_token
):
    post_text(client, text_params("STOP"))

    post_text(client, text_params("CANCEL"))

    text = InboundMessage.objects.first()
    assert (text.effect, text.reply) == (Effect.NOT_ANSWERED, None)
    assert text.detail.startswith("Not answered: the patient opted out of messages (STOP)")


def test_a_late_naming_no_token_asks_which_when_both_can_be_moved_back(
    post_text, client, fake_twilio, line, second_token, make_patient
):
    allocate_token(department=second_token.department, patient=make_patient(name="Behind", phone="+14155550999"))

    post_text(client, text_params("देर"))

    assert InboundMessage.objects.get().effect == Effect.WHICH_TOKEN
    assert f"reply LATE followed by the token, for example LATE {line[0].token}." in last_reply(fake_twilio).body


def test_a_late_naming_no_token_is_about_the_one_token_it_can_move_back(
    post_text, client, fake_twilio, line, second_token, make_patient, make_user
):
    # Nobody behind her in Cardiology any more; someone behind her in Dermatology.
    for entry in line[1:]:
        cancel(entry=entry, actor=make_user(username=f"desk{entry.pk}", password=None))
    allocate_token(department=second_token.department, patient=make_patient(name="Behind", phone="+14155550999"))

    post_text(client, text_params("LATE"))
    confirm_with_the_code(post_text, client, fake_twilio)

    assert InboundMessage.objects.first().effect == Effect.POSTPONED
    assert [place_of(line[0]), place_of(second_token)] == [1, 3]


def test_words_after_a_keyword_that_are_not_a_token_are_ignored(post_text, client, fake_twilio, line, second_token):
    post_text(client, text_params("LATE sorry, stuck in traffic"))
    confirm_with_the_code(post_text, client, fake_twilio)

    assert InboundMessage.objects.first().effect == Effect.POSTPONED
    assert place_of(second_token) == 2


def test_late_for_the_last_in_line_is_refused_at_once_not_asked_for_a_code_the_yes_could_not_use(
    post_text, client, fake_twilio, waiting_entry
):
    post_text(client, text_params("LATE"))

    waiting_entry.refresh_from_db()
    assert waiting_entry.postponed_at is None
    assert InboundMessage.objects.get().effect == Effect.REFUSED
    assert "Reply YES" not in last_reply(fake_twilio).body
    assert "Nobody is waiting behind token" in last_reply(fake_twilio).body


def test_cancel_needs_a_yes_to_cancel(post_text, client, fake_twilio, line):
    post_text(client, text_params("CANCEL"))

    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.WAITING
    assert InboundMessage.objects.get().effect == Effect.CANCEL_ASKED
    assert "Reply YES" in last_reply(fake_twilio).body

    post_text(client, text_params(f"yes {code_asked_for(fake_twilio)}"))

    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.CANCELLED
    assert InboundMessage.objects.first().effect == Effect.CANCELLED
    assert "is cancelled" in last_reply(fake_twilio).body
    assert AuditLog.objects.filter(action="queue.cancelled", object_id=str(line[0].pk)).exists()


def test_cancel_from_a_patient_in_consultation_is_refused_at_once_not_asked_to_confirm(
    post_text, client, fake_twilio, line, make_doctor, department
):
    from patients import services

    services.start_consultation(entry=services.call_next(doctor=make_doctor(department=department)))

    post_text(client, text_params("CANCEL"))

    assert InboundMessage.objects.get().effect == Effect.REFUSED
    assert "Reply YES" not in last_reply(fake_twilio).body
    assert "in consultation" in last_reply(fake_twilio).body


@pytest.mark.parametrize("yes_after_the_call", [False, True])
def test_a_called_patient_texting_cancel_is_refused_as_the_status_page_refuses_leaving_the_line(
    post_text, client, fake_twilio, line, make_doctor, department, yes_after_the_call
):
    """The text CANCEL and the status page's "Leave the line" are one patient action (services.leave_line): a token
    already called is refused by both, whether it was called before the CANCEL or between the CANCEL and its YES."""
    from patients import services
    from patients.selectors import visit_status

    doctor = make_doctor(department=department)
    if yes_after_the_call:
        post_text(client, text_params("CANCEL"))
        code = code_asked_for(fake_twilio)
        services.call_next(doctor=doctor)
        post_text(client, text_params(f"YES {code}"))
    else:
        services.call_next(doctor=doctor)
        post_text(client, text_params("CANCEL"))

    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.CALLED
    assert visit_status(entry=line[0])["can_leave"] is False
    assert InboundMessage.objects.first().effect == Effect.REFUSED
    assert "cannot be cancelled" in last_reply(fake_twilio).body


def test_yes_without_a_recent_cancel_cancels_nothing_even_with_its_code(post_text, client, fake_twilio, clock, line):
    post_text(client, text_params("CANCEL"))
    clock.shift(11 * 60)

    post_text(client, text_params(f"YES {code_asked_for(fake_twilio)}"))

    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.WAITING
    assert InboundMessage.objects.first().effect == Effect.HELP_SENT


@pytest.mark.parametrize("body", ["HELP", "what now?"])
def test_help_and_unknown_text_get_the_keyword_list(post_text, client, fake_twilio, line, body):
    post_text(client, text_params(body))

    assert InboundMessage.objects.get().effect == Effect.HELP_SENT
    assert "Reply STATUS" in last_reply(fake_twilio).body
    assert "STOP for no more messages" in last_reply(fake_twilio).body


@pytest.mark.parametrize("language", inbound.KEYWORDS)
def test_the_shipped_help_reply_says_how_to_opt_out_in_each_language(language):
    stop_words = [word for word, command in inbound.KEYWORDS[language].items() if command == inbound.STOP]

    assert any(word in default_text(TemplateType.REPLY_HELP, language).split() for word in stop_words)


def test_a_patient_texting_on_and_on_gets_a_few_replies_a_window_and_no_question_left_unsent(
    post_text, client, fake_twilio, clock, settings, line
):
    settings.INBOUND_REPLIES_PER_WINDOW, settings.INBOUND_REPLY_WINDOW_SECONDS = 3, 600
    for _ in range(5):
        post_text(client, text_params("hi there"))
    post_text(client, text_params("LATE"))

    replies = [message.body for message in messages_to_patient(fake_twilio)]
    assert len(replies) == 3 and all("Reply STATUS" in body for body in replies)
    assert InboundMessage.objects.count() == 6
    # The LATE's question was not sent, so no code can confirm it, and the text is recorded unanswered.
    late = InboundMessage.objects.first()
    assert (late.keyword, late.effect, late.confirmation_code) == ("LATE", Effect.NOT_ANSWERED, "")
    assert late.detail == "Not answered: this phone had as many replies as a few minutes allow."
    post_text(client, text_params("YES 0000"))
    assert place_of(line[0]) == 1

    post_text(client, text_params("STOP"))

    assert "Reply START to get them again" in last_reply(fake_twilio).body
    clock.shift(600)
    post_text(client, text_params("START"))

    assert "You will get our messages again" in last_reply(fake_twilio).body


def test_an_auto_responder_answering_each_reply_gets_the_days_replies_and_no_more(
    post_text, client, fake_twilio, clock, settings, line
):
    settings.INBOUND_REPLIES_PER_WINDOW, settings.INBOUND_REPLY_WINDOW_SECONDS = 5, 600
    settings.INBOUND_REPLIES_PER_DAY = 8
    # A bot that answers every text it gets ("Thank you for your message, we will get back to you"), for two hours.
    for _ in range(12):
        for _ in range(5):
            post_text(client, text_params("Auto-reply: I am away from my phone"))
        clock.shift(600)

    assert len(messages_to_patient(fake_twilio)) == 8
    unanswered = InboundMessage.objects.filter(reply=None)
    assert unanswered.count() == 52
    assert unanswered.first().detail == "Not answered: this phone had as many replies as a day allows."

    clock.shift(24 * 3600)
    post_text(client, text_params("STATUS"))

    assert len(messages_to_patient(fake_twilio)) == 9


def test_a_stranger_is_recorded_and_not_answered(post_text, client, fake_twilio, line):
    response = post_text(client, text_params("STATUS", sender="+14155559999"))

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.patient, inbound.effect) == (None, Effect.NO_OPEN_VISIT)
    assert fake_twilio.received == []
    assert AuditLog.objects.filter(action="inbound.received").count() == 1


@pytest.mark.parametrize("body", ["STATUS", "LATE", "CANCEL", "YES", "HELP", "when can I come?"])
def test_a_patient_whose_visit_is_over_is_told_they_have_no_token_and_how_to_join(
    post_text, client, fake_twilio, line, body
):
    from patients.services import cancel

    cancel(entry=line[0])

    post_text(client, text_params(body))

    inbound = InboundMessage.objects.get()
    assert (inbound.patient, inbound.effect) == (line[0].patient, Effect.NO_OPEN_VISIT)
    reply = last_reply(fake_twilio).body
    assert reply.startswith("Asha Rao, you have no token in line today.")
    assert reply.endswith("http://127.0.0.1:8000/patients/register/")
    assert Queue.objects.get(pk=line[0].pk).status == Queue.Status.CANCELLED


def test_a_patient_who_missed_their_turn_is_sent_to_the_desk_to_get_their_place_back_not_to_a_new_token(
    post_text, client, fake_twilio, line, make_doctor, department, make_patient
):
    # Told "you have no token in line today ... take a token ... here: <registration link>", the patient who missed
    # their turn registered online and went to the back of the line, where the desk would have put them back at
    # their place (the status page and the skipped message send them to the desk).
    from patients.services import call_next, skip

    skip(entry=call_next(doctor=make_doctor(department=department)))

    post_text(client, text_params("STATUS"))

    assert InboundMessage.objects.get().effect == Effect.STATUS_SENT
    assert last_reply(fake_twilio).body.startswith(
        "Token CARD-001 (Cardiology): You were called but we did not see you. Please go to the reception desk: they "
        "can put you back in line."
    )
    allocate_token(department=department, patient=line[0].patient)  # registered again: the missed turn is left

    post_text(client, text_params("STATUS"))

    assert last_reply(fake_twilio).body.startswith("Token CARD-006 (Cardiology): You are number 5 in line")
    assert "CARD-001" not in last_reply(fake_twilio).body


def test_the_no_token_reply_is_in_the_patients_language(post_text, client, fake_twilio, make_patient):
    install_default_templates()
    make_patient(name="José", phone=PHONE, language="es")

    post_text(client, text_params("TARDE"))

    assert last_reply(fake_twilio).body.startswith("José, no tiene ningún turno en la fila hoy.")


def test_a_redelivered_message_acts_once(post_text, client, fake_twilio, line):
    post_text(client, text_params("LATE"))
    params = text_params(f"YES {code_asked_for(fake_twilio)}")

    assert post_text(client, params).status_code == 200
    assert post_text(client, params).status_code == 200

    assert InboundMessage.objects.count() == 2
    assert AuditLog.objects.filter(action="queue.postponed").count() == 1
    assert len([message for message in fake_twilio.received if "you have been moved back" in message.body]) == 1


@pytest.mark.parametrize("signature_token", ["someone-elses-token", None])
def test_unsigned_or_forged_text_is_refused_and_changes_nothing(post_text, client, fake_twilio, line, signature_token):
    params = text_params("CANCEL")
    if signature_token:
        response = post_text(client, params, token=signature_token)
    else:
        response = client.post(INBOUND_PATH, params)

    assert response.status_code == 403
    assert not InboundMessage.objects.exists()
    assert fake_twilio.received == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"From": PHONE, "Body": "STATUS"}, "MessageSid"), ({"MessageSid": "SM" + "1" * 32, "From": "+1" * 30}, "From")],
)
def test_bad_form_data_is_refused_naming_the_field(post_text, client, db, fake_twilio, params, field):
    response = post_text(client, params)

    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field}:")
    assert not InboundMessage.objects.exists()


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_deliveries_act_once(fake_twilio, line):
    from django.test import Client

    params = text_params("LATE")
    barrier = threading.Barrier(2)
    statuses = []

    def deliver():
        barrier.wait()
        try:
            statuses.append(signed_post(Client(), params).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200]
    assert InboundMessage.objects.count() == 1
    assert Notification.objects.filter(event=TemplateType.REPLY_LATE_ASK).count() == 1


def test_staff_see_a_visits_texts_on_its_admin_page(post_text, client, admin_user, fake_twilio, line):
    post_text(client, text_params("STATUS"))
    client.force_login(admin_user)

    page = client.get(f"/admin/patients/queue/{line[0].pk}/change/").content.decode()

    assert "Place and wait sent" in page and "STATUS" in page
    assert "You are number 1 in line" in page  # the reply, among the messages sent


def test_a_spanish_patients_help_reply_is_in_spanish_with_the_spanish_keywords(post_text, client, fake_twilio, line):
    install_default_templates()
    Patient.objects.filter(pk=line[0].patient_id).update(language="es")

    post_text(client, text_params("ayuda"))

    body = last_reply(fake_twilio).body
    assert body.startswith(f"Turno {line[0].token}. Responda ESTADO para saber su lugar y espera, TARDE")
    assert "CANCELAR para salir de la fila" in body


@pytest.fixture
def broadcast(django_capture_on_commit_callbacks):
    """An admin's broadcast to the line's department; returns the Notification recorded for the texting patient."""

    def send(entry, message="The lab closes at noon."):
        with django_capture_on_commit_callbacks(execute=True):
            notify_broadcast(message=message, department_id=entry.department_id)
        return Notification.objects.get(queue_entry=entry, event=NotificationTemplate.TemplateType.BROADCAST)

    return send


def opted_out(patient):
    return NotificationPreference.objects.get(patient=patient).opted_out


def test_stop_opts_the_patient_out_of_every_later_message_after_one_confirmation(
    post_text, client, fake_twilio, line, broadcast
):
    post_text(client, text_params("STOP"))

    inbound = InboundMessage.objects.get()
    assert (inbound.keyword, inbound.effect, inbound.queue_entry) == ("STOP", Effect.OPTED_OUT, line[0])
    assert opted_out(line[0].patient)
    [confirmation] = messages_to_patient(fake_twilio)
    assert "Reply START to get them again" in confirmation.body
    assert inbound.reply.status == Notification.Status.SENT
    audit = AuditLog.objects.get(action="inbound.received")
    assert (audit.after["keyword"], audit.after["effect"]) == ("STOP", "opted_out")

    skipped = broadcast(line[0])
    post_text(client, text_params("STATUS"))

    assert skipped.status == Notification.Status.SKIPPED_BY_PREFERENCE
    assert skipped.error_message == "Patient opted out of messages."
    assert messages_to_patient(fake_twilio) == [confirmation]
    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.WAITING


def test_a_stop_naming_a_token_longer_than_any_is_kept_and_honoured(post_text, client, fake_twilio, line):
    # "⑳" reads as two digits: a WhatsApp text of 4,096 characters named a number of 4,400 digits, more than
    # Python turns into an int, and the STOP was lost with a 500.
    response = post_text(client, text_params("BAJA CARD-" + "⑳" * 2200, sender=f"whatsapp:{PHONE}"))

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.effect, inbound.queue_entry) == (Effect.OPTED_OUT, line[0])
    assert opted_out(line[0].patient)


def test_stop_from_a_patient_without_an_open_token_opts_them_out(post_text, client, fake_twilio, make_patient):
    patient = make_patient(phone=PHONE)

    post_text(client, text_params("unsubscribe", sender=f"whatsapp:{PHONE}"))

    inbound = InboundMessage.objects.get()
    assert (inbound.effect, inbound.queue_entry) == (Effect.OPTED_OUT, None)
    assert opted_out(patient)
    assert "Reply START" in last_reply(fake_twilio).body


def test_a_stop_from_a_number_not_yet_a_patients_holds_once_it_registers_until_start(
    post_text, client, fake_twilio, department, django_capture_on_commit_callbacks
):
    newcomer = "+12125550147"
    post_text(client, text_params("BAJA", sender=f"whatsapp:{newcomer}"))

    stop = InboundMessage.objects.get()
    assert (stop.patient, stop.keyword, stop.effect) == (None, "STOP", Effect.OPTED_OUT)
    with django_capture_on_commit_callbacks(execute=True):
        registration = register_visit(department=department, name="Lucía", phone=newcomer, age=31, gender="female")

    message = Notification.objects.get(queue_entry=registration.entry, event=TemplateType.REGISTRATION)
    assert (message.status, message.error_message) == (
        Notification.Status.SKIPPED_BY_PREFERENCE, "Patient opted out of messages."
    )
    (confirmation,) = fake_twilio.received  # the BAJA's, in Spanish: the one message after it
    assert confirmation.body.startswith("Se ha dado de baja")

    post_text(client, text_params("ALTA", sender=f"whatsapp:{newcomer}"))

    assert not opted_out(registration.entry.patient)
    assert not NumberOptOut.objects.exists()
    assert "You will get our messages again" in fake_twilio.received[-1].body


def test_a_start_from_a_number_not_yet_a_patients_undoes_its_stop(
    post_text, client, fake_twilio, department, django_capture_on_commit_callbacks
):
    newcomer = "+12125550148"
    post_text(client, text_params("STOP", sender=newcomer))
    post_text(client, text_params("START", sender=newcomer))

    assert InboundMessage.objects.first().effect == Effect.OPTED_IN
    with django_capture_on_commit_callbacks(execute=True):
        register_visit(department=department, name="Lucía", phone=newcomer, age=31, gender="female")
    assert "your token is" in fake_twilio.received[-1].body


def test_a_long_whatsapp_stop_opts_out_and_a_longer_text_is_stored_cut(post_text, client, fake_twilio, line):
    long_stop = "STOP please, " + "I no longer need these messages. " * 64
    assert len(long_stop) > 2000

    assert post_text(client, text_params(long_stop, sender=f"whatsapp:{PHONE}")).status_code == 200

    assert opted_out(line[0].patient)
    assert InboundMessage.objects.get().body == long_stop
    assert post_text(client, text_params("START " + "x" * 5000)).status_code == 200
    started = InboundMessage.objects.first()
    assert (started.effect, len(started.body)) == (Effect.OPTED_IN, InboundMessage._meta.get_field("body").max_length)


def test_a_spanish_patients_baja_opts_out_with_a_spanish_confirmation(post_text, client, fake_twilio, line):
    Patient.objects.filter(pk=line[0].patient_id).update(language="es")

    post_text(client, text_params("Baja"))

    assert opted_out(line[0].patient)
    assert "Responda ALTA para recibirlos de nuevo" in last_reply(fake_twilio).body


@pytest.mark.parametrize("body", ["START", "unstop", "Yes", "alta"])
def test_start_or_yes_after_stop_opts_back_in_with_a_confirmation(
    post_text, client, fake_twilio, line, broadcast, body
):
    post_text(client, text_params("STOP"))

    post_text(client, text_params(body))

    inbound = InboundMessage.objects.first()
    assert (inbound.keyword, inbound.effect) == ("START", Effect.OPTED_IN)
    assert not opted_out(line[0].patient)
    assert "You will get our messages again" in last_reply(fake_twilio).body
    assert broadcast(line[0]).status == Notification.Status.SENT


def test_a_cancel_after_a_stop_sends_no_code_and_its_yes_opts_back_in_without_cancelling(
    post_text, client, fake_twilio, line
):
    post_text(client, text_params("STOP"))
    post_text(client, text_params("CANCEL"))
    assert InboundMessage.objects.first().confirmation_code == ""
    assert len(messages_to_patient(fake_twilio)) == 1  # the STOP's confirmation only

    post_text(client, text_params("YES"))

    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.WAITING
    assert InboundMessage.objects.first().effect == Effect.OPTED_IN


@pytest.mark.parametrize("body", ["STATUS", "LATE", "CANCEL", "hello?"])
def test_after_a_stop_a_text_other_than_help_or_start_is_recorded_not_answered(
    post_text, client, fake_twilio, line, body
):
    post_text(client, text_params("STOP"))

    post_text(client, text_params(body))

    assert len(messages_to_patient(fake_twilio)) == 1  # the STOP's confirmation only
    inbound = InboundMessage.objects.first()
    assert (inbound.effect, inbound.reply, inbound.confirmation_code) == (Effect.NOT_ANSWERED, None, "")
    assert inbound.detail.startswith("Not answered: the patient opted out of messages (STOP)")
    audit = AuditLog.objects.filter(action="inbound.received").order_by("-pk").first()
    assert audit.after["effect"] == "not_answered"
    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.WAITING


@pytest.mark.parametrize(
    ("sender", "body"), [(PHONE, "HELP"), (PHONE, "info"), (f"whatsapp:{PHONE}", "AYUDA"), (PHONE, "मदद")]
)
def test_a_help_after_a_stop_is_still_answered_and_the_patient_stays_opted_out(
    post_text, client, fake_twilio, line, broadcast, sender, body
):
    post_text(client, text_params("BAJA", sender=sender))

    post_text(client, text_params(body, sender=sender))

    inbound = InboundMessage.objects.first()
    assert (inbound.keyword, inbound.effect) == ("HELP", Effect.HELP_SENT)
    assert inbound.reply.status == Notification.Status.SENT
    assert len(messages_to_patient(fake_twilio)) == 2
    assert opted_out(line[0].patient)
    assert broadcast(line[0]).status == Notification.Status.SKIPPED_BY_PREFERENCE


def test_a_help_after_a_stop_from_a_patient_without_a_token_is_told_how_to_get_one(
    post_text, client, fake_twilio, line
):
    from patients.services import cancel

    cancel(entry=line[0])
    post_text(client, text_params("STOP"))

    post_text(client, text_params("HELP"))

    inbound = InboundMessage.objects.first()
    assert (inbound.keyword, inbound.effect, inbound.reply.status) == ("HELP", Effect.NO_OPEN_VISIT, "sent")
    assert last_reply(fake_twilio).body.startswith("Asha Rao, you have no token in line today.")
    assert opted_out(line[0].patient)


def test_a_help_reply_waiting_in_the_outbox_is_sent_after_a_stop_but_a_keyword_list_for_other_words_is_not(
    post_text, client, fake_twilio, line, broker_down
):
    post_text(client, text_params("HELP"))
    post_text(client, text_params("hello?"))
    post_text(client, text_params("STOP"))
    assert messages_to_patient(fake_twilio) == []

    broker_down()  # back
    redispatch_outbox.apply()

    help_reply = InboundMessage.objects.get(keyword="HELP").reply
    other_reply = InboundMessage.objects.get(keyword="").reply
    help_reply.refresh_from_db()
    other_reply.refresh_from_db()
    assert (help_reply.status, other_reply.status) == (
        Notification.Status.SENT,
        Notification.Status.SKIPPED_BY_PREFERENCE,
    )


def test_a_redelivered_stop_acts_and_confirms_once(post_text, client, fake_twilio, line):
    params = text_params("STOP")

    post_text(client, params)
    post_text(client, params)

    assert InboundMessage.objects.count() == 1
    assert AuditLog.objects.filter(action="inbound.received").count() == 1
    assert len(messages_to_patient(fake_twilio)) == 1


def test_a_captured_text_cannot_be_replayed_under_a_new_message_sid_made_from_its_signed_fields(
    client, fake_twilio, line, django_capture_on_commit_callbacks
):
    """Eighteenth attack run. Twilio signs the URL and each field's name and value run together, in the names' order,
    with nothing between them: a captured START moved NumMedia's name and value into the end of MessageSid under the
    same signature, a "new" message (SM…NumMedia0) that subscribed the number again after its owner's STOP."""
    captured = text_params("START", NumMedia="0", NumSegments="1")
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(INBOUND_URL, captured)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(INBOUND_PATH, captured, headers={"X-Twilio-Signature": signature})
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, text_params("STOP"))
    assert opted_out(line[0].patient)

    forged = {name: value for name, value in captured.items() if name != "NumMedia"}
    forged["MessageSid"] += "NumMedia0"
    assert RequestValidator(TEST_AUTH_TOKEN).validate(INBOUND_URL, forged, signature)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INBOUND_PATH, forged, headers={"X-Twilio-Signature": signature})

    assert response.status_code == 400
    assert response.content.decode().startswith("MessageSid:")
    assert opted_out(line[0].patient)
    assert InboundMessage.objects.count() == 2


def test_twilios_opt_out_type_is_acted_on_without_a_second_reply(post_text, client, fake_twilio, line, broadcast):
    # Twilio's own stop words include CANCEL: when its Advanced Opt-Out took it as STOP, the number is blocked.
    post_text(client, text_params("CANCEL", OptOutType="STOP"))

    stopped = InboundMessage.objects.get()
    assert (stopped.keyword, stopped.effect, stopped.reply) == ("STOP", Effect.OPTED_OUT, None)
    assert opted_out(line[0].patient)
    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.WAITING

    post_text(client, text_params("Arriba", OptOutType="START"))

    started = InboundMessage.objects.first()
    assert (started.keyword, started.effect, started.reply) == ("START", Effect.OPTED_IN, None)
    assert not opted_out(line[0].patient)
    assert messages_to_patient(fake_twilio) == []
    assert broadcast(line[0]).status == Notification.Status.SENT


def test_a_whatsapp_message_waiting_to_retry_is_not_sent_after_stop(post_text, client, fake_twilio, line):
    NotificationPreference.objects.create(patient=line[0].patient, channel="whatsapp")
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    waiting = prepare_queue_notification(entry_id=line[0].pk, template_type=TemplateType.REGISTRATION)
    assert deliver_notification(notification_id=waiting.pk).status == Notification.Status.QUEUED

    post_text(client, text_params("STOP", sender=f"whatsapp:{PHONE}"))
    retried = deliver_notification(notification_id=waiting.pk)

    [refused, confirmation] = messages_to_patient(fake_twilio)
    assert refused.body == waiting.body  # the attempt Twilio answered with a 429
    assert "Reply START to get them again" in confirmation.body
    assert retried.status == Notification.Status.SKIPPED_BY_PREFERENCE
    assert (retried.error_code, retried.error_message) == ("", "Patient opted out of messages.")
    assert retried.attempts == 1


def test_replies_waiting_in_the_outbox_are_not_sent_after_stop_but_its_confirmation(
    post_text, client, fake_twilio, line, broker_down
):
    post_text(client, text_params("STATUS"))
    post_text(client, text_params("STOP"))
    assert messages_to_patient(fake_twilio) == []

    broker_down()  # back
    redispatch_outbox.apply()

    status_text = InboundMessage.objects.get(keyword="STATUS")
    assert status_text.reply.status == Notification.Status.SKIPPED_BY_PREFERENCE
    # The STATUS was recorded answered when its reply was written; the STOP came first to the phone.
    assert status_text.effect == Effect.NOT_ANSWERED
    assert status_text.detail.startswith("Not answered: the patient opted out of messages (STOP)")
    [confirmation] = messages_to_patient(fake_twilio)
    assert "Reply START to get them again" in confirmation.body


def test_a_stop_confirmation_rate_limited_at_first_is_still_sent(post_text, client, fake_twilio, line):
    fake_twilio.fail_next(429, 20429, "Too Many Requests")

    post_text(client, text_params("STOP"))

    confirmation = InboundMessage.objects.get().reply
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == (Notification.Status.SENT, 2)
    assert "Reply START to get them again" in last_reply(fake_twilio).body


def test_twilios_help_is_not_answered_twice(post_text, client, fake_twilio, line):
    post_text(client, text_params("INFO", OptOutType="HELP"))

    inbound = InboundMessage.objects.get()
    assert (inbound.keyword, inbound.effect, inbound.reply) == ("HELP", Effect.HELP_SENT, None)
    assert messages_to_patient(fake_twilio) == []


def test_a_yes_confirming_a_cancel_cancels_even_when_twilio_flags_it_as_start(post_text, client, fake_twilio, line):
    post_text(client, text_params("CANCEL"))

    post_text(client, text_params(f"YES {code_asked_for(fake_twilio)}", OptOutType="START"))

    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.CANCELLED
    assert InboundMessage.objects.first().effect == Effect.CANCELLED


def test_a_spoofed_cancel_then_a_bare_yes_keeps_the_place_and_the_phone_is_told_what_to_send(
    post_text, client, fake_twilio, line
):
    # Whoever spoofs the patient's number sends both texts; the question with its code went to the patient's phone.
    post_text(client, text_params("CANCEL"))

    post_text(client, text_params("YES"))

    assert place_of(line[0]) == 1
    refused = InboundMessage.objects.first()
    assert (refused.keyword, refused.effect) == ("YES", Effect.CANCEL_CODE_WRONG)
    assert "is not cancelled" in last_reply(fake_twilio).body
    assert "reply YES followed by the 4-digit code" in last_reply(fake_twilio).body


def test_a_wrong_code_keeps_the_place_and_the_right_one_then_cancels(post_text, client, fake_twilio, line):
    post_text(client, text_params("CANCEL"))
    code = code_asked_for(fake_twilio)
    wrong = f"{(int(code) + 1) % 10000:04d}"

    post_text(client, text_params(f"YES {wrong}"))

    assert place_of(line[0]) == 1
    assert InboundMessage.objects.first().effect == Effect.CANCEL_CODE_WRONG

    post_text(client, text_params(f"YES {code}"))

    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.CANCELLED


def test_after_three_wrong_codes_the_token_can_no_longer_be_cancelled_by_text(post_text, client, fake_twilio, line):
    post_text(client, text_params("CANCEL"))
    code = code_asked_for(fake_twilio)
    wrong = f"{(int(code) + 1) % 10000:04d}"
    for guess in (f"YES {wrong}", "YES", f"YES {wrong}"):
        post_text(client, text_params(guess))
    assert "please ask at the reception desk" in last_reply(fake_twilio).body

    post_text(client, text_params(f"YES {code}"))
    post_text(client, text_params("CANCEL"))

    assert place_of(line[0]) == 1
    asked_again, right_code_too_late = InboundMessage.objects.all()[:2]
    assert right_code_too_late.effect == Effect.HELP_SENT
    assert (asked_again.effect, asked_again.confirmation_code) == (Effect.REFUSED, "")
    assert "can no longer be cancelled by text" in asked_again.detail


@pytest.mark.parametrize(
    ("language", "yes", "digits"),
    [("es", "SÍ", "0123456789"), ("ar", "نعم", "٠١٢٣٤٥٦٧٨٩"), ("hi", "हाँ", "०१२३४५६७८९")],
)
def test_the_code_is_sent_and_read_in_the_patients_language_and_digits(
    post_text, client, fake_twilio, line, language, yes, digits
):
    install_default_templates()
    Patient.objects.filter(pk=line[0].patient_id).update(language=language)
    post_text(client, text_params("CANCEL"))
    code = code_asked_for(fake_twilio)
    assert f"{yes} {code}" in last_reply(fake_twilio).body

    post_text(client, text_params(f"{yes} {code.translate(str.maketrans('0123456789', digits))}"))

    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.CANCELLED


@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("STOP🛑", "STOP"),  # an emoji against the word
        ("🛑 STOP", "STOP"),  # an emoji before it
        ("“Stop”", "STOP"),  # a phone's typographic quotes
        ("«baja»", "STOP"),
        ("ＳＴＯＰ！", "STOP"),  # full-width punctuation
        ("Stop,please", "STOP"),
        ("बंद।", "STOP"),  # the Hindi full stop (danda)
        ("रद्द।", "CANCEL"),
        ("हाँ।", "YES"),
        ("إيقاف؛", "STOP"),  # the Arabic semicolon
        ("إلغـاء", "CANCEL"),  # a tatweel stretching the word
        ("إلْغاء", "CANCEL"),  # a vowel mark (harakat)
        ("STATUS…", "STATUS"),
        ("Yes👍", "YES"),
        ("👍", ""),
    ],
)
def test_a_keyword_is_read_through_any_scripts_punctuation_emoji_and_vowel_marks(body, command):
    """Each but the last was read as no keyword: a STOP answered with HELP, the patient texted on."""
    assert read_keyword(body) == command


@pytest.mark.parametrize("body", ["End time of the clinic today?", "Quit smoking clinic: where is it?", "end 👋 now?"])
def test_an_everyday_question_beginning_with_end_or_quit_does_not_opt_out(post_text, client, fake_twilio, line, body):
    """It did: the patient, opted out by asking when the clinic ends, was never texted their call."""
    post_text(client, text_params(body))

    assert not NotificationPreference.objects.filter(patient=line[0].patient, opted_out=True).exists()
    assert InboundMessage.objects.get().effect == Effect.HELP_SENT


@pytest.mark.parametrize("body", ["बंद कब होता है?", "बन्द है क्या आज?"])
def test_a_hindi_question_whether_the_clinic_is_closed_does_not_opt_out(post_text, client, fake_twilio, line, body):
    """"बंद" is also Hindi for "closed": asking when the clinic closes opted the patient out of their call."""
    post_text(client, text_params(body))

    assert not NotificationPreference.objects.filter(patient=line[0].patient, opted_out=True).exists()
    assert InboundMessage.objects.get().effect == Effect.HELP_SENT


@pytest.mark.parametrize("body", ["बंद", "बंद करें।", "बन्द कर दो"])
def test_hindi_stop_alone_or_as_stop_it_still_opts_out(post_text, client, fake_twilio, line, body):
    post_text(client, text_params(body))

    assert opted_out(line[0].patient)


def test_a_sentence_beginning_with_yes_does_not_opt_an_opted_out_patient_back_in(post_text, client, fake_twilio, line):
    """"Si" is also Spanish for "if": "Si llego tarde, ¿pierdo mi turno?" opted the patient back in to messages."""
    post_text(client, text_params("STOP"))

    post_text(client, text_params("Si llego tarde, ¿pierdo mi turno?"))

    assert opted_out(line[0].patient)
    post_text(client, text_params("Sí."))
    assert not opted_out(line[0].patient)


@pytest.mark.parametrize("body", ["END", "quit.", "End 🛑", "STOP texting me"])
def test_end_or_quit_alone_and_stop_before_other_words_still_opt_out(post_text, client, fake_twilio, line, body):
    post_text(client, text_params(body))

    assert opted_out(line[0].patient)


@pytest.mark.parametrize("template", ["YES{code}", "YES:{code}", "Yes, {code}!", "👍 yes {code}", "हाँ।{code}"])
def test_a_code_typed_against_its_yes_or_after_an_emoji_confirms(post_text, client, fake_twilio, line, template):
    """Read as no code (or no YES): the place was kept, and a third try locked the token out of texts."""
    post_text(client, text_params("CANCEL"))
    code = code_asked_for(fake_twilio)

    post_text(client, text_params(template.format(code=code)))

    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.CANCELLED


def test_a_question_an_admin_worded_without_the_code_has_it_added(post_text, client, fake_twilio, line):
    install_default_templates()
    NotificationTemplate.objects.filter(template_type=TemplateType.REPLY_CANCEL_ASK).update(
        sms_template="Cancel {token}? Reply YES."
    )

    post_text(client, text_params("CANCEL"))

    code = code_asked_for(fake_twilio)
    assert last_reply(fake_twilio).body == f"Cancel {line[0].token}? Reply YES. To cancel, reply YES {code}."
    post_text(client, text_params(f"YES {code}"))
    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.CANCELLED


def test_a_spoofed_late_moves_no_one_back_without_the_code_sent_to_the_patients_phone(
    post_text, client, fake_twilio, line
):
    # Whoever spoofs the patient's SMS number sends LATE and then guesses; the question and its code went to the
    # patient's phone only. A LATE alone moved the patient back at once.
    post_text(client, text_params("LATE"))

    assert place_of(line[0]) == 1
    assert InboundMessage.objects.get().effect == Effect.LATE_ASKED
    assert AuditLog.objects.filter(action="queue.postponed").count() == 0

    code = code_asked_for(fake_twilio)
    wrong = f"{(int(code) + 1) % 10000:04d}"
    post_text(client, text_params("YES"))
    post_text(client, text_params(f"YES {wrong}"))

    assert place_of(line[0]) == 1
    refused = InboundMessage.objects.first()
    assert (refused.keyword, refused.effect) == ("YES", Effect.LATE_CODE_WRONG)
    assert "is not moved back" in last_reply(fake_twilio).body

    post_text(client, text_params(f"YES {code}"))

    assert place_of(line[0]) > 1
    assert InboundMessage.objects.first().effect == Effect.POSTPONED


def test_after_three_wrong_codes_the_token_can_no_longer_be_moved_back_by_text_but_still_cancelled(
    post_text, client, fake_twilio, line, settings
):
    # Every text of this conversation is answered: the replies of a window are not what is tried here.
    settings.INBOUND_REPLIES_PER_WINDOW = 20
    post_text(client, text_params("LATE"))
    code = code_asked_for(fake_twilio)
    for guess in ("YES", "YES 1", "YES"):
        post_text(client, text_params(guess))
    assert "can no longer be moved back by text" in last_reply(fake_twilio).body

    post_text(client, text_params(f"YES {code}"))
    post_text(client, text_params("LATE"))

    assert place_of(line[0]) == 1
    assert InboundMessage.objects.first().effect == Effect.REFUSED
    # A spoofer spending the LATE's tries leaves the patient's own CANCEL by text as it was.
    post_text(client, text_params("CANCEL"))
    post_text(client, text_params(f"YES {code_asked_for(fake_twilio)}"))
    line[0].refresh_from_db()
    assert line[0].status == Queue.Status.CANCELLED


def test_a_late_question_an_admin_worded_without_the_code_has_it_added(post_text, client, fake_twilio, line):
    install_default_templates()
    NotificationTemplate.objects.filter(template_type=TemplateType.REPLY_LATE_ASK).update(
        sms_template="Running late with {token}? Reply YES."
    )

    post_text(client, text_params("LATE"))

    code = code_asked_for(fake_twilio)
    expected = f"Running late with {line[0].token}? Reply YES. To be moved back, reply YES {code}."
    assert last_reply(fake_twilio).body == expected
    post_text(client, text_params(f"YES {code}"))
    assert place_of(line[0]) > 1


def test_the_late_question_is_in_the_patients_language(post_text, client, fake_twilio, line):
    install_default_templates()
    Patient.objects.filter(pk=line[0].patient_id).update(language="es")

    post_text(client, text_params("TARDE"))

    code = code_asked_for(fake_twilio)
    assert last_reply(fake_twilio).body.startswith(f"Responda SÍ {code} en los próximos 10 minutos para pasar el turno")
    post_text(client, text_params(f"sí {code}"))
    assert place_of(line[0]) > 1


def test_an_arabic_refusal_lists_the_patients_tokens_with_the_arabic_comma(
    post_text, client, fake_twilio, line, second_token
):
    line[0].patient.language = "ar"
    line[0].patient.save(update_fields=["language"])

    post_text(client, text_params("LATE DERM-009"))

    assert f"{line[0].token}، {second_token.token}" in last_reply(fake_twilio).body


@pytest.mark.parametrize(("sent", "kept"), [("3", 3), ("1", 1), ("", None), ("many", None), ("99999", None)])
def test_the_parts_a_text_came_in_are_kept_and_shown_in_django_admin(
    post_text, client, admin_user, fake_twilio, line, sent, kept
):
    # Outbound messages kept Twilio's segment count, what it bills; texts patients sent did not.
    response = post_text(client, text_params("STOP", NumSegments=sent))

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.effect, inbound.segments) == (Effect.OPTED_OUT, kept)
    client.force_login(admin_user)
    listing = client.get("/admin/notifications/inboundmessage/").content.decode()
    assert "column-segments" in listing
    page = client.get(f"/admin/notifications/inboundmessage/{inbound.pk}/change/").content.decode()
    assert "Segments" in page


@pytest.mark.parametrize(
    "body",
    [
        "ok", "OK.", "Okay!", "thanks", "Thank you!!", "ok thanks", "thank-you 🙏", "👍", "🙏🙏", "👌 ok", "👍🏽!",
        "❤️", "\u200f👍",
        "Gracias", "muchas gracias", "Vale, gracias", "De acuerdo",
        "ठीक है", "ठीक है।", "धन्यवाद", "शुक्रिया जी", "theek hai",
        "شكرا", "شكراً", "شكرا جزيلا", "حسناً", "تمام 👍",
    ],
)
def test_an_acknowledgement_in_any_language_gets_no_reply_and_is_recorded_as_needing_none(
    post_text, client, fake_twilio, line, body
):
    response = post_text(client, text_params(body))

    assert response.status_code == 200
    inbound = InboundMessage.objects.get()
    assert (inbound.effect, inbound.reply, inbound.queue_entry) == (Effect.NO_REPLY_NEEDED, None, line[0])
    assert messages_to_patient(fake_twilio) == []


@pytest.mark.parametrize(
    "body", ["ok but when is my turn", "?", "👍?", "thanks, how long now", "no", "🛑", "❌", "...", "👍🏽 🛑"]
)
def test_a_text_that_asks_more_than_an_acknowledgement_still_gets_the_keyword_list(
    post_text, client, fake_twilio, line, body
):
    post_text(client, text_params(body))

    assert InboundMessage.objects.get().effect == Effect.HELP_SENT
    assert "Reply STATUS" in last_reply(fake_twilio).body


def test_an_acknowledgement_after_the_visit_is_over_gets_no_reply(post_text, client, fake_twilio, line):
    from patients.services import cancel

    cancel(entry=line[0])

    post_text(client, text_params("Thanks!"))

    assert InboundMessage.objects.get().effect == Effect.NO_REPLY_NEEDED
    assert messages_to_patient(fake_twilio) == []


def test_an_ok_to_the_cancel_question_leaves_the_question_to_its_yes(post_text, client, fake_twilio, line):
    post_text(client, text_params("CANCEL"))
    code = code_asked_for(fake_twilio)
    post_text(client, text_params("ok 👍"))

    post_text(client, text_params(f"YES {code}"))

    assert Queue.objects.get(pk=line[0].pk).status == Queue.Status.CANCELLED
    assert InboundMessage.objects.first().effect == Effect.CANCELLED


STRANGER = "+14155559999"


def messages_to(fake_twilio, phone):
    return [message for message in fake_twilio.received if message.to.endswith(phone)]


@pytest.mark.parametrize(
    ("body", "opening", "stop_word"),
    [
        ("HELP", "This is the hospital's number for tokens in line.", "STOP"),
        ("info?", "This is the hospital's number for tokens in line.", "STOP"),
        ("Ayuda", "Este es el número del hospital para los turnos de la fila.", "BAJA"),
        ("मदद", "यह अस्पताल की कतार के टोकन का नंबर है।", "बंद"),
        ("مساعدة", "هذا رقم المستشفى لأرقام الدور في الطابور.", "إيقاف"),
    ],
)
def test_a_help_from_a_number_no_patient_has_is_told_what_this_number_is_in_its_language(
    post_text, client, fake_twilio, line, body, opening, stop_word
):
    # A stranger's HELP went unanswered, which carriers do not allow, and told them nothing of how to get a token.
    post_text(client, text_params(body, sender=STRANGER))

    inbound = InboundMessage.objects.get()
    assert (inbound.patient, inbound.keyword, inbound.effect) == (None, "HELP", Effect.NUMBER_EXPLAINED)
    (answer,) = messages_to(fake_twilio, STRANGER)
    assert answer.to == STRANGER and answer.body.startswith(opening) and stop_word in answer.body
    assert "http://127.0.0.1:8000/patients/register/" in answer.body
    reply = Notification.objects.get(pk=inbound.reply.pk)
    assert (reply.patient, reply.to_phone, reply.status) == (None, STRANGER, Notification.Status.SENT)


def test_the_answer_to_an_unknown_number_says_nothing_of_any_patient(
    post_text, client, fake_twilio, line, make_patient
):
    from patients.services import cancel

    cancel(entry=line[0])
    post_text(client, text_params("HELP", sender=STRANGER))

    (answer,) = messages_to(fake_twilio, STRANGER)
    assert "Asha" not in answer.body and "CARD" not in answer.body
    post_text(client, text_params("HELP", sender="+14155559998"))
    assert messages_to(fake_twilio, "+14155559998")[0].body == answer.body


def test_an_unknown_number_is_answered_on_whatsapp_when_it_wrote_there(post_text, client, fake_twilio, line):
    post_text(client, text_params("HELP", sender=f"whatsapp:{STRANGER}"))

    (answer,) = messages_to(fake_twilio, STRANGER)
    assert (answer.to, answer.from_) == (f"whatsapp:{STRANGER}", f"whatsapp:{TEST_WHATSAPP_NUMBER}")


def test_an_unknown_number_that_texted_stop_is_still_answered_its_help_and_stays_opted_out(
    post_text, client, fake_twilio, line
):
    post_text(client, text_params("STOP", sender=STRANGER))
    post_text(client, text_params("HELP", sender=STRANGER))

    stop_confirmation, answer = messages_to(fake_twilio, STRANGER)
    assert "unsubscribed" in stop_confirmation.body and "number for tokens in line" in answer.body
    assert InboundMessage.objects.first().effect == Effect.NUMBER_EXPLAINED
    assert NumberOptOut.objects.filter(phone=STRANGER).exists()


@pytest.mark.parametrize("body", ["STATUS", "hello", "CANCEL"])
def test_an_unknown_number_is_answered_its_help_only(post_text, client, fake_twilio, line, body):
    post_text(client, text_params(body, sender=STRANGER))

    assert InboundMessage.objects.get().effect == Effect.NO_OPEN_VISIT
    assert messages_to(fake_twilio, STRANGER) == []


def test_an_unknown_number_is_answered_once_a_day_however_often_it_asks(
    post_text, client, fake_twilio, clock, settings, line
):
    for _ in range(3):
        post_text(client, text_params("HELP", sender=STRANGER))

    assert len(messages_to(fake_twilio, STRANGER)) == 1
    unanswered = InboundMessage.objects.first()
    assert (unanswered.effect, unanswered.reply) == (Effect.NOT_ANSWERED, None)
    assert unanswered.detail == "Not answered: this number had the same answer a short while ago."
    clock.shift(settings.INBOUND_UNKNOWN_NUMBER_ANSWER_SECONDS)
    post_text(client, text_params("HELP", sender=STRANGER))
    assert len(messages_to(fake_twilio, STRANGER)) == 2


def test_unknown_numbers_together_get_a_few_answers_an_hour(post_text, client, fake_twilio, clock, settings, line):
    settings.INBOUND_UNKNOWN_NUMBER_ANSWERS_PER_HOUR = 2
    for number in range(3):
        post_text(client, text_params("HELP", sender=f"+1415555990{number}"))

    assert len(fake_twilio.received) == 2
    last = InboundMessage.objects.first()
    assert (last.effect, last.detail) == (
        Effect.NOT_ANSWERED, "Not answered: unknown numbers had as many answers as an hour allows."
    )
    clock.shift(3601)
    post_text(client, text_params("HELP", sender="+14155599002"))
    assert len(fake_twilio.received) == 3


def test_an_unknown_numbers_help_twilio_answered_is_not_answered_again(post_text, client, fake_twilio, line):
    post_text(client, text_params("HELP", sender=STRANGER, OptOutType="HELP"))

    assert InboundMessage.objects.get().reply is None
    assert fake_twilio.received == []


@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("تاخير", "LATE"),  # تأخير without its hamza, as most Arabic phones are typed
        ("مساعده", "HELP"),  # مساعدة with its final ta marbuta typed as ha
        ("حاله", "STATUS"),
        ("آيقاف", "STOP"),
        ("ألغاء", "CANCEL"),
        ("شكرًا", ""),
    ],
)
def test_an_arabic_keyword_is_read_as_everyday_typing_spells_it(body, command):
    """Each but the last was read as no keyword: "تاخير" got the keyword list, and "مساعده" from an unknown number
    no answer."""
    assert read_keyword(body) == command


def test_an_arabic_patients_everyday_spelling_of_late_is_asked_to_confirm(post_text, client, fake_twilio, line):
    post_text(client, text_params("تاخير"))

    assert InboundMessage.objects.get().effect == Effect.LATE_ASKED



@pytest.mark.parametrize(
    ("body", "confirmation"),
    [
        ("STOP", "You are unsubscribed and will get no more messages from us."),
        ("BAJA", "Se ha dado de baja"),
        ("إيقاف", "أُلغي اشتراككم"),
    ],
)
def test_a_stop_from_a_number_no_patient_has_is_confirmed_in_its_language_once_a_day(
    post_text, client, fake_twilio, line, body, confirmation
):
    # It was kept but not confirmed: Twilio confirms only its English words by SMS, never on WhatsApp.
    post_text(client, text_params(body, sender=f"whatsapp:{STRANGER}"))
    post_text(client, text_params(body, sender=f"whatsapp:{STRANGER}"))

    (answer,) = messages_to(fake_twilio, STRANGER)
    assert answer.to == f"whatsapp:{STRANGER}" and confirmation in answer.body
    first, second = InboundMessage.objects.order_by("received_at", "id")
    assert (first.effect, first.reply.to_phone) == (Effect.OPTED_OUT, STRANGER)
    assert (second.effect, second.reply) == (Effect.OPTED_OUT, None)
    assert second.detail == "Not answered: this number had the same answer a short while ago."
    assert NumberOptOut.objects.filter(phone=STRANGER).exists()


def test_a_stop_twilio_confirmed_for_a_number_no_patient_has_is_not_confirmed_again(
    post_text, client, fake_twilio, line
):
    post_text(client, text_params("STOP", sender=STRANGER, OptOutType="STOP"))

    assert fake_twilio.received == []
    assert NumberOptOut.objects.filter(phone=STRANGER).exists()



@pytest.mark.parametrize(
    ("body", "command"), [("⚠️ STOP", "STOP"), ("✋️STOP", "STOP"), ("⛔️ बंद", "STOP"), ("👍🏽 yes", "YES")]
)
def test_a_keyword_after_an_emoji_with_its_variation_selector_or_skin_tone_is_read(body, command):
    """The variation selector phones add to an emoji ("⚠️" is ⚠ and U+FE0F) was read as a word: no keyword."""
    assert read_keyword(body) == command


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_helps_arriving_at_once_from_an_unknown_number_get_one_answer(fake_twilio, line):
    from django.test import Client

    barrier = threading.Barrier(3)
    statuses = []

    def deliver():
        barrier.wait()
        try:
            statuses.append(signed_post(Client(), text_params("HELP", sender=STRANGER)).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200, 200]
    assert InboundMessage.objects.count() == 3
    assert Notification.objects.filter(to_phone=STRANGER).count() == 1
    assert InboundMessage.objects.filter(effect=Effect.NUMBER_EXPLAINED).count() == 1



@pytest.mark.parametrize(
    ("body", "command"),
    [
        ("स्टॉप", "STOP"), ("स्टाप", "STOP"), ("हेल्प", "HELP"), ("स्टेटस", "STATUS"), ("कैंसल", "CANCEL"),
        ("स्टार्ट", "START"),
    ],
)
def test_the_english_keywords_typed_in_devanagari_are_read(body, command):
    """Each was no keyword: a "स्टॉप" got the keyword list, and the patient went on being texted."""
    assert read_keyword(body) == command


def test_a_stop_typed_in_devanagari_opts_the_patient_out(post_text, client, fake_twilio, line):
    post_text(client, text_params("स्टॉप"))

    assert NotificationPreference.objects.get(patient=line[0].patient).opted_out



def test_staff_find_the_answer_to_an_unknown_number_by_its_number_in_django_admin(
    post_text, client, admin_user, fake_twilio, line
):
    post_text(client, text_params("HELP", sender=STRANGER))
    client.force_login(admin_user)

    response = client.get("/admin/notifications/notification/", {"q": STRANGER})

    assert response.context["cl"].result_count == 1
    assert "column-to_phone" in response.content.decode()



def test_a_yes_alone_from_an_unknown_number_that_stopped_opts_it_back_in_as_twilio_does(
    post_text, client, fake_twilio, department, django_capture_on_commit_callbacks
):
    # Twilio unblocks a number on its YES; the number's opt-out stayed, and the patient who registered with it was
    # never texted.
    post_text(client, text_params("STOP", sender=STRANGER))
    post_text(client, text_params("Yes", sender=STRANGER))

    yes = InboundMessage.objects.first()
    assert (yes.keyword, yes.effect) == ("START", Effect.OPTED_IN)
    assert not NumberOptOut.objects.filter(phone=STRANGER).exists()
    assert "You will get our messages again" in messages_to(fake_twilio, STRANGER)[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        register_visit(department=department, name="Lucía", phone=STRANGER, age=31, gender="female")
    assert "your token is" in messages_to(fake_twilio, STRANGER)[-1].body


def test_a_yes_alone_from_an_unknown_number_that_never_stopped_changes_nothing(post_text, client, fake_twilio, line):
    post_text(client, text_params("YES", sender=STRANGER))

    assert (InboundMessage.objects.get().keyword, fake_twilio.received) == ("YES", [])
