"""A token's text written before the token moved on (called, skipped, put back in line, called again), or before its
department's day changed (reopened), and not sent yet, waiting in the outbox for a retry after Twilio's rate limit or
for a worker, is withdrawn ('outdated'), never sent: its writing was the only moment it was checked (ONLY_WHILE)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from notifications import inbound
from notifications import services as notification_services
from notifications.models import InboundMessage, Notification, NotificationTemplate
from notifications.tasks import resume_notification
from patients import appointments
from patients import services as queue
from patients.models import Queue

TemplateType = NotificationTemplate.TemplateType
Status = Notification.Status
pytestmark = pytest.mark.django_db
PHONE = "+14155550123"


@pytest.fixture
def doctor(make_doctor, department, make_user):
    return make_doctor(department=department, user=make_user(username="dr.rao", password=None), room="Room 4")


@pytest.fixture
def entry(department, make_token, act):
    return act(make_token, department=department, name="Asha Rao", phone=PHONE)


def waiting_for_its_retry(fake_twilio, entry, template_type):
    """The token's text of that type, written and refused once by Twilio's rate limit: back in the outbox."""
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    text = notification_services.prepare_queue_notification(entry_id=entry.pk, template_type=template_type)
    assert notification_services.deliver_notification(notification_id=text.pk).status == Status.QUEUED
    return text


def retry(text):
    resume_notification.apply(kwargs={"notification_id": text.pk})
    text.refresh_from_db()
    return text


def bodies_to_the_patient(fake_twilio):
    return [message.body for message in fake_twilio.received if message.to == PHONE]


def test_a_your_turn_waiting_for_its_retry_is_not_sent_after_the_patient_was_skipped(fake_twilio, entry, doctor, act):
    queue.call_next(doctor=doctor)
    your_turn = waiting_for_its_retry(fake_twilio, entry, TemplateType.YOUR_TURN)

    act(queue.skip, entry=entry)
    retried = retry(your_turn)

    assert (retried.status, retried.attempts) == (Status.OUTDATED, 1)
    assert "no longer holds" in retried.error_message
    # The registration, the rate-limited "your turn", then the skip's text: no "go to Room 4" after it.
    assert len(bodies_to_the_patient(fake_twilio)) == 3
    assert Notification.objects.filter(queue_entry=entry, status=Status.SENT).latest("pk").event == TemplateType.SKIPPED


def test_a_patient_called_and_put_back_in_line_is_not_told_how_many_were_ahead_before_the_call(
    fake_twilio, department, make_token, doctor, act
):
    ahead_of_her = act(make_token, department=department, name="Ben", phone="+14155550124")
    entry = act(make_token, department=department, name="Asha Rao", phone=PHONE)
    ahead = waiting_for_its_retry(fake_twilio, entry, TemplateType.PATIENTS_AHEAD)
    assert "1 patient is ahead of you" in ahead.body
    queue.cancel(entry=ahead_of_her)

    act(queue.call_next, doctor=doctor)
    # Put back in line, waiting again as when the text was written: its status alone cannot tell it is stale.
    act(queue.return_to_line, entry=entry)

    assert retry(ahead).status == Status.OUTDATED
    sent = [text.event for text in Notification.objects.filter(queue_entry=entry, status=Status.SENT).order_by("pk")]
    assert sent == [TemplateType.REGISTRATION, TemplateType.YOUR_TURN, TemplateType.RETURNED_TO_LINE]


def test_the_your_turn_of_an_earlier_call_is_not_sent_once_the_token_is_called_again(fake_twilio, entry, doctor, act):
    queue.call_next(doctor=doctor)
    first_call = waiting_for_its_retry(fake_twilio, entry, TemplateType.YOUR_TURN)
    act(queue.return_to_line, entry=entry)
    # Back in line, and called again: the status is 'called' as when the first text was written.
    act(queue.call_next, doctor=doctor)

    assert retry(first_call).status == Status.OUTDATED
    your_turns = Notification.objects.filter(queue_entry=entry, event=TemplateType.YOUR_TURN)
    assert sorted(your_turns.values_list("status", flat=True)) == [Status.OUTDATED, Status.SENT]


def test_a_closed_today_text_waiting_for_its_retry_is_not_sent_after_the_reopening_nor_answered(
    fake_twilio, entry, department, act
):
    closed = appointments.close_day(day=timezone.localdate(), department=department)
    closed_text = waiting_for_its_retry(fake_twilio, entry, TemplateType.CLOSED_TODAY)

    act(appointments.reopen_day, closed=closed)

    assert retry(closed_text).status == Status.OUTDATED
    # Never told it was closed, the patient is not told it is open again either.
    assert not Notification.objects.filter(queue_entry=entry, event=TemplateType.OPEN_AGAIN_TODAY).exists()
    assert len(bodies_to_the_patient(fake_twilio)) == 2


def test_a_text_is_checked_again_when_it_is_sent(fake_twilio, entry, doctor):
    queue.call_next(doctor=doctor)
    your_turn = waiting_for_its_retry(fake_twilio, entry, TemplateType.YOUR_TURN)
    # Skipped without its change announced (a data fix in a shell): no change withdrew the text, its sending asks.
    Queue.objects.filter(pk=entry.pk).update(status=Queue.Status.SKIPPED, skipped_at=timezone.now())

    retried = retry(your_turn)

    assert (retried.status, retried.attempts) == (Status.OUTDATED, 1)
    assert len(bodies_to_the_patient(fake_twilio)) == 2


def test_the_answer_to_status_written_before_the_call_says_it_is_their_turn_when_it_is_sent_after_it(
    fake_twilio, entry, doctor, act
):
    # Received while the worker was down: its answer waits in the outbox.
    inbound.receive_text(message_sid="SM" + "1" * 32, from_address=PHONE, body="STATUS")
    text = InboundMessage.objects.get()
    assert "number 1 in line" in text.reply.body

    act(queue.call_next, doctor=doctor)

    # The patient asked where they stand: answered with what is true when the answer goes, not withdrawn unanswered.
    answer = retry(text.reply)
    assert answer.status == Status.SENT
    assert "It is your turn: please go to Room 4 now." in answer.body and "number 1" not in answer.body
    assert bodies_to_the_patient(fake_twilio)[-1] == answer.body
    text.refresh_from_db()
    assert text.effect == InboundMessage.Effect.STATUS_SENT


def test_the_answer_to_status_waiting_for_its_retry_gives_the_place_the_patient_has_when_it_is_sent(
    fake_twilio, department, make_token, act
):
    ahead_of_her = act(make_token, department=department, name="Ben", phone="+14155550124")
    act(make_token, department=department, name="Asha Rao", phone=PHONE)
    inbound.receive_text(message_sid="SM" + "2" * 32, from_address=PHONE, body="STATUS")
    answer = InboundMessage.objects.get().reply
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    assert notification_services.deliver_notification(notification_id=answer.pk).status == Status.QUEUED
    assert "number 2 in line" in answer.body

    act(queue.cancel, entry=ahead_of_her)

    assert "number 1 in line" in retry(answer).body
    assert "number 1 in line" in bodies_to_the_patient(fake_twilio)[-1]


def test_the_answer_to_status_about_a_token_seen_since_tells_of_the_patients_other_token(
    fake_twilio, entry, doctor, make_department, act
):
    dermatology = make_department(name="Dermatology", code="DERM")
    other = act(queue.allocate_token, department=dermatology, patient=entry.patient)
    inbound.receive_text(message_sid="SM" + "3" * 32, from_address=PHONE, body="STATUS")
    text = InboundMessage.objects.get()
    assert text.reply.body.startswith("Token CARD-001 (Cardiology): You are number 1 in line")

    act(queue.call_next, doctor=doctor)
    act(queue.start_consultation, entry=Queue.objects.get(pk=entry.pk))
    act(queue.complete_consultation, entry=Queue.objects.get(pk=entry.pk))

    answer = retry(text.reply)
    assert answer.status == Status.SENT and answer.queue_entry_id == other.pk
    assert answer.body.startswith("Token DERM-001 (Dermatology): You are number 1 in line")
    assert "CARD-001" not in answer.body


def test_the_answer_to_status_of_a_patient_left_with_no_token_is_withdrawn_and_the_text_left_unanswered(
    fake_twilio, entry, make_user, act
):
    inbound.receive_text(message_sid="SM" + "4" * 32, from_address=PHONE, body="STATUS")
    text = InboundMessage.objects.get()

    # Their own text's (the staff's cancellation) tells them; an answer giving a place would not hold.
    act(queue.cancel, entry=entry, actor=make_user(username="desk", password=None))

    assert retry(text.reply).status == Status.OUTDATED
    text.refresh_from_db()
    assert text.effect == InboundMessage.Effect.NOT_ANSWERED and "no longer held" in text.detail
    assert "cancelled by the hospital staff" in bodies_to_the_patient(fake_twilio)[-1]


def test_a_patients_ahead_text_waiting_for_its_retry_says_how_many_are_ahead_when_it_is_sent(
    fake_twilio, department, make_token, doctor, act
):
    for number, name in enumerate(("Ben", "Chen")):
        act(make_token, department=department, name=name, phone=f"+1415555013{number}")
    entry = act(make_token, department=department, name="Asha Rao", phone=PHONE)
    Queue.objects.filter(pk=entry.pk).update(notify_when_patients_ahead=2)
    ahead = waiting_for_its_retry(fake_twilio, entry, TemplateType.PATIENTS_AHEAD)
    assert "2 patients are ahead of you" in ahead.body

    # Another token's call moves her up: nothing of hers changed, so nothing withdrew the text.
    act(queue.call_next, doctor=doctor)

    retried = retry(ahead)
    assert retried.status == Status.SENT and "1 patient is ahead of you" in retried.body
    assert "1 patient is ahead of you" in bodies_to_the_patient(fake_twilio)[-1]


def test_a_patients_ahead_text_is_withdrawn_when_nobody_is_ahead_any_more_when_it_is_sent(
    fake_twilio, department, make_token, doctor, act
):
    act(make_token, department=department, name="Ben", phone="+14155550124")
    entry = act(make_token, department=department, name="Asha Rao", phone=PHONE)
    ahead = waiting_for_its_retry(fake_twilio, entry, TemplateType.PATIENTS_AHEAD)

    act(queue.call_next, doctor=doctor)
    texts_before = len(bodies_to_the_patient(fake_twilio))

    assert retry(ahead).status == Status.OUTDATED
    assert len(bodies_to_the_patient(fake_twilio)) == texts_before


def test_a_registration_text_waiting_for_its_retry_gives_the_place_in_line_when_it_is_sent(
    fake_twilio, department, make_token, act
):
    ahead_of_her = act(make_token, department=department, name="Ben", phone="+14155550124")
    entry = make_token(department=department, name="Asha Rao", phone=PHONE)
    registration = waiting_for_its_retry(fake_twilio, entry, TemplateType.REGISTRATION)
    assert "number 2 in line" in registration.body

    act(queue.cancel, entry=ahead_of_her)

    assert "You are number 1 in line" in retry(registration).body


def test_a_hindi_patients_ahead_text_is_worded_again_in_hindi(fake_twilio, department, make_token, doctor, act):
    for number, name in enumerate(("Ben", "Chen")):
        act(make_token, department=department, name=name, phone=f"+1415555013{number}")
    entry = act(make_token, department=department, name="Asha Rao", phone=PHONE)
    Queue.objects.filter(pk=entry.pk).update(notify_when_patients_ahead=2)
    entry.patient.language = "hi"
    entry.patient.save(update_fields=["language"])
    ahead = waiting_for_its_retry(fake_twilio, entry, TemplateType.PATIENTS_AHEAD)

    act(queue.call_next, doctor=doctor)

    with translation.override("hi"):
        one_ahead = notification_services.patients_ahead_words(1)
    assert one_ahead != notification_services.patients_ahead_words(1)
    assert one_ahead in retry(ahead).body


def test_a_text_its_token_still_fits_is_sent_after_a_change_that_leaves_it_true(fake_twilio, entry, act):
    registration = Notification.objects.get(queue_entry=entry, event=TemplateType.REGISTRATION)
    Notification.objects.filter(pk=registration.pk).update(status=Status.QUEUED)

    # The patient chose when to hear they are close: their token and place stand.
    act(queue.choose_patients_ahead_notice, entry=entry, patients_ahead=2)

    assert retry(registration).status == Status.SENT


def test_a_yes_to_cancel_a_token_moved_to_another_department_since_says_where_it_is_and_cancels_nothing(
    fake_twilio, entry, make_department, act
):
    def text(number, body):
        return act(inbound.receive_text, message_sid=f"SM{number:032d}", from_address=PHONE, body=body)[0]

    asked = text(1, "CANCEL")
    act(queue.transfer, entry=entry, to_department=make_department(name="Dermatology", code="DERM"))

    answered = text(2, f"YES {asked.confirmation_code}")

    moved_to = Queue.objects.get(transferred_from=entry)
    assert moved_to.status == Queue.Status.WAITING and answered.effect == InboundMessage.Effect.REFUSED
    assert answered.reply.body.startswith(
        "Token CARD-001 is no longer in line: it was moved to Dermatology as token DERM-001. Nothing was done to "
        "either."
    )


def test_a_patient_whose_closed_today_text_was_withdrawn_by_the_reopening_is_told_when_it_closes_again(
    fake_twilio, entry, department, act
):
    closed = appointments.close_day(day=timezone.localdate(), department=department)
    waiting_for_its_retry(fake_twilio, entry, TemplateType.CLOSED_TODAY)
    act(appointments.reopen_day, closed=closed)

    act(appointments.close_day, day=timezone.localdate(), department=department)

    texts = Notification.objects.filter(queue_entry=entry, event=TemplateType.CLOSED_TODAY).order_by("pk")
    assert list(texts.values_list("status", flat=True)) == [Status.OUTDATED, Status.SENT]


def test_a_patient_whose_patients_ahead_text_was_withdrawn_is_told_again_when_the_line_brings_them_near(
    fake_twilio, department, make_token, act
):
    act(make_token, department=department, name="Ben", phone="+14155550124")
    entry = act(make_token, department=department, name="Asha Rao", phone=PHONE)
    act(make_token, department=department, name="Chen", phone="+14155550125")
    # Asha chose to hear when two are ahead.
    Queue.objects.filter(pk=entry.pk).update(notify_when_patients_ahead=2)
    ahead = waiting_for_its_retry(fake_twilio, entry, TemplateType.PATIENTS_AHEAD)

    # Running late: moved back behind Chen, two ahead now. The text written before says one.
    act(queue.postpone_running_late, entry=entry)

    assert retry(ahead).status == Status.OUTDATED
    [told] = Notification.objects.filter(queue_entry=entry, event=TemplateType.PATIENTS_AHEAD, status=Status.SENT)
    assert "2 patients are ahead of you" in told.body


def test_a_reopening_asks_the_day_once_for_all_the_closed_today_texts_waiting_in_the_outbox(
    fake_twilio, department, make_token, act
):
    closed = appointments.close_day(day=timezone.localdate(), department=department)
    for number in range(4):
        entry = act(make_token, department=department, name=f"Patient {number}", phone=f"+1415555020{number}")
        waiting_for_its_retry(fake_twilio, entry, TemplateType.CLOSED_TODAY)

    with CaptureQueriesContext(connection) as reopening:
        act(appointments.reopen_day, closed=closed)

    # The texts share their department and day: the day's closing is read once, not once per text.
    closings_read = [query for query in reopening.captured_queries if 'FROM "patients_closedday" WHERE' in query["sql"]
                     and query["sql"].endswith("LIMIT 1")]
    assert len(closings_read) == 1
    assert Notification.objects.filter(event=TemplateType.CLOSED_TODAY, status=Status.OUTDATED).count() == 4


def with_place_in_line(template_type, text):
    """The event's template as an admin worded it, giving the patient's place."""
    NotificationTemplate.objects.update_or_create(
        template_type=template_type, defaults={"name": "With the place", "sms_template": text}
    )


def test_a_broadcast_waiting_for_its_retry_keeps_its_message_and_gives_the_place_the_patient_has_when_it_is_sent(
    fake_twilio, department, make_token, act
):
    with_place_in_line(TemplateType.BROADCAST, "{message} You are number {position} in line.")
    ahead_of_her = act(make_token, department=department, name="Ben", phone="+14155550124")
    entry = act(make_token, department=department, name="Asha Rao", phone=PHONE)
    entry.patient.language = "es"
    entry.patient.save(update_fields=["language"])
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    broadcast = notification_services.prepare_queue_notification(
        entry_id=entry.pk,
        template_type=TemplateType.BROADCAST,
        message="Dr. Rao is delayed.",
        translations={"es": "El Dr. Rao llega tarde."},
        broadcast_id="b1",
    )
    assert notification_services.deliver_notification(notification_id=broadcast.pk).status == Status.QUEUED
    assert broadcast.body == "El Dr. Rao llega tarde. You are number 2 in line."

    act(queue.cancel, entry=ahead_of_her)

    assert retry(broadcast).body == "El Dr. Rao llega tarde. You are number 1 in line."
    assert bodies_to_the_patient(fake_twilio)[-1] == "El Dr. Rao llega tarde. You are number 1 in line."


def test_a_broadcast_written_before_its_message_was_kept_goes_as_written(fake_twilio, entry):
    broadcast = waiting_for_its_retry(fake_twilio, entry, TemplateType.BROADCAST)
    Notification.objects.filter(pk=broadcast.pk).update(body="Cardiology (token CARD-001): Fire drill at noon.")

    assert retry(broadcast).body == "Cardiology (token CARD-001): Fire drill at noon."


@pytest.mark.parametrize(
    ("keyword", "question"), [("LATE", TemplateType.REPLY_LATE_ASK), ("CANCEL", TemplateType.REPLY_CANCEL_ASK)]
)
def test_a_late_or_cancel_question_waiting_for_its_retry_keeps_its_code_and_gives_the_place_when_it_is_sent(
    fake_twilio, department, make_token, act, keyword, question
):
    with_place_in_line(question, "You are number {position} in line. Reply YES {code} to go on.")
    ahead_of_her = act(make_token, department=department, name="Ben", phone="+14155550124")
    act(make_token, department=department, name="Asha Rao", phone=PHONE)
    act(make_token, department=department, name="Chen", phone="+14155550125")
    inbound.receive_text(message_sid="SM" + "5" * 32, from_address=PHONE, body=keyword)
    text = InboundMessage.objects.get()
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    assert notification_services.deliver_notification(notification_id=text.reply.pk).status == Status.QUEUED
    assert text.reply.body == f"You are number 2 in line. Reply YES {text.confirmation_code} to go on."

    act(queue.cancel, entry=ahead_of_her)

    expected = f"You are number 1 in line. Reply YES {text.confirmation_code} to go on."
    assert retry(text.reply).body == expected
    assert bodies_to_the_patient(fake_twilio)[-1] == expected


def test_a_question_worded_without_its_code_gets_it_again_when_it_is_worded_again(
    fake_twilio, department, make_token, act
):
    with_place_in_line(TemplateType.REPLY_LATE_ASK, "You are number {position} in line.")
    ahead_of_her = act(make_token, department=department, name="Ben", phone="+14155550124")
    act(make_token, department=department, name="Asha Rao", phone=PHONE)
    act(make_token, department=department, name="Chen", phone="+14155550125")
    inbound.receive_text(message_sid="SM" + "6" * 32, from_address=PHONE, body="LATE")
    text = InboundMessage.objects.get()
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    notification_services.deliver_notification(notification_id=text.reply.pk)

    act(queue.cancel, entry=ahead_of_her)

    assert retry(text.reply).body == (
        f"You are number 1 in line. To be moved back, reply YES {text.confirmation_code}."
    )


def test_a_refusal_waiting_for_its_retry_keeps_its_reason_and_gives_the_place_when_it_is_sent(
    fake_twilio, department, make_token, act
):
    with_place_in_line(TemplateType.REPLY_REFUSED, "{message} You are number {position} in line.")
    ahead_of_her = act(make_token, department=department, name="Ben", phone="+14155550124")
    act(make_token, department=department, name="Asha Rao", phone=PHONE)
    # Nobody behind her: she cannot be moved back.
    inbound.receive_text(message_sid="SM" + "7" * 32, from_address=PHONE, body="LATE")
    refusal = InboundMessage.objects.get().reply
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    notification_services.deliver_notification(notification_id=refusal.pk)
    assert refusal.body == "Nobody is waiting behind token CARD-002. You are number 2 in line."

    act(queue.cancel, entry=ahead_of_her)

    assert retry(refusal).body == "Nobody is waiting behind token CARD-002. You are number 1 in line."


def test_a_late_question_whatsapp_could_not_deliver_goes_by_sms_worded_again_with_its_code(
    fake_twilio, department, make_token, act, django_capture_on_commit_callbacks
):
    act(make_token, department=department, name="Asha Rao", phone=PHONE)
    act(make_token, department=department, name="Chen", phone="+14155550125")
    inbound.receive_text(message_sid="SM" + "8" * 32, from_address=f"whatsapp:{PHONE}", body="LATE")
    text = InboundMessage.objects.get()
    question = notification_services.deliver_notification(notification_id=text.reply.pk)
    assert (question.channel, question.status) == ("whatsapp", Status.SENT)

    # 63003: the number is not on WhatsApp after all. The question goes again by SMS, worded when it is sent.
    with django_capture_on_commit_callbacks(execute=True):
        notification_services.record_delivery_status(
            message_sid=question.twilio_sid, twilio_status="failed", error_code="63003"
        )

    again = Notification.objects.get(channel="sms", event=TemplateType.REPLY_LATE_ASK)
    assert again.status == Status.SENT and again.body == question.body
    assert f"Reply YES {text.confirmation_code} within 10 minutes" in bodies_to_the_patient(fake_twilio)[-1]
