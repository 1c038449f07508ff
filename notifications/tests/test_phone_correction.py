"""After the desk corrects a mistyped phone (patients.services.correct_phone), the right number is texted the token's
new link in the patient's language, the stranger at the wrong number can no longer act on the token by text, and a
message about the token written before the correction and not yet sent is withdrawn, never sent."""

import uuid

import pytest
from django.utils import translation

from notifications import services as notification_services
from notifications.inbound import receive_text
from notifications.models import PHONE_CORRECTED_REASON, InboundMessage, Notification, NotificationTemplate, NumberOptOut
from notifications.senders import TwilioSender
from notifications.tasks import send_queue_message
from patients import services
from patients.models import Queue

WRONG, RIGHT = "+12025550111", "+12025550122"
Effect = InboundMessage.Effect
REGISTRATION = NotificationTemplate.TemplateType.REGISTRATION
Status = Notification.Status


@pytest.fixture
def desk(make_user):
    return make_user(username="desk", is_superuser=True)


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    """Run an action and what its transaction left for after commit (the messages)."""

    def run(action, **arguments):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**arguments)

    return run


@pytest.fixture
def mistyped(department, desk, run_after_commit):
    """Ana, who reads Spanish, registered at the desk with a digit of her phone wrong: the stranger got her text."""
    return run_after_commit(
        services.register_visit,
        department=department,
        name="Ana Ruiz",
        phone=WRONG,
        age=34,
        gender="female",
        language="es",
        actor=desk,
    ).entry


def text_from(phone, body, run_after_commit):
    inbound, _acted = run_after_commit(
        receive_text, message_sid=f"SM{uuid.uuid4().hex}", from_address=phone, body=body
    )
    return inbound


def bodies_to(fake_twilio, phone):
    return [message.body for message in fake_twilio.received if message.to == phone]


def test_the_right_number_is_texted_the_new_link_in_the_patients_language(
    fake_twilio, mistyped, desk, run_after_commit
):
    [to_stranger] = bodies_to(fake_twilio, WRONG)
    assert f"/patients/status/{mistyped.public_id}/" in to_stranger

    run_after_commit(services.correct_phone, entry=mistyped, phone=RIGHT, actor=desk)

    entry = Queue.objects.get(pk=mistyped.pk)
    [to_patient] = bodies_to(fake_twilio, RIGHT)
    assert to_patient == (
        "Hola Ana Ruiz, la recepción ha corregido su número de teléfono para el turno CARD-001 (Cardiology). Siga su "
        f"lugar con este nuevo enlace (uno anterior ya no funciona): http://127.0.0.1:8000/patients/status/"
        f"{entry.public_id}/"
    )
    assert len(bodies_to(fake_twilio, WRONG)) == 1


def test_the_strangers_cancel_asked_before_the_correction_is_not_confirmed_after_it(
    fake_twilio, mistyped, desk, run_after_commit
):
    assert text_from(WRONG, "CANCEL", run_after_commit).effect == Effect.CANCEL_ASKED

    run_after_commit(services.correct_phone, entry=mistyped, phone=RIGHT, actor=desk)
    stranger_yes = text_from(WRONG, "YES", run_after_commit)
    stranger_cancel = text_from(WRONG, "CANCEL CARD-001", run_after_commit)

    assert (stranger_yes.patient, stranger_yes.queue_entry) == (None, None)
    assert (stranger_cancel.patient, stranger_cancel.queue_entry) == (None, None)
    assert Queue.objects.get(pk=mistyped.pk).status == Queue.Status.WAITING


def test_a_yes_from_the_right_number_does_not_confirm_the_strangers_cancel(
    fake_twilio, mistyped, desk, run_after_commit
):
    code_sent_to_the_stranger = text_from(WRONG, "CANCEL", run_after_commit).confirmation_code
    assert code_sent_to_the_stranger
    run_after_commit(services.correct_phone, entry=mistyped, phone=RIGHT, actor=desk)

    patient_yes = text_from(RIGHT, f"YES {code_sent_to_the_stranger}", run_after_commit)

    assert patient_yes.effect != Effect.CANCELLED
    assert Queue.objects.get(pk=mistyped.pk).status == Queue.Status.WAITING
    assert text_from(RIGHT, "STATUS", run_after_commit).effect == Effect.STATUS_SENT


def test_a_stop_from_the_wrong_number_stays_with_it_and_the_patient_is_texted(
    fake_twilio, mistyped, desk, run_after_commit
):
    assert text_from(WRONG, "STOP", run_after_commit).effect == Effect.OPTED_OUT

    run_after_commit(services.correct_phone, entry=mistyped, phone=RIGHT, actor=desk)

    assert len(bodies_to(fake_twilio, RIGHT)) == 1
    assert NumberOptOut.objects.filter(phone=WRONG).exists()


def register_mistyped_without_sending(department, desk):
    """Ana registered with the wrong number; her registration message is not sent yet (still in the outbox)."""
    return services.register_visit(
        department=department, name="Ana Ruiz", phone=WRONG, age=34, gender="female", language="es", actor=desk
    ).entry


def send_registration(entry):
    """The registration's task, as Celery runs it (again, for a retry or a redelivered task)."""
    send_queue_message.apply(kwargs={"entry_id": entry.pk, "template_type": REGISTRATION})
    return Notification.objects.get(queue_entry=entry, event=REGISTRATION)


def test_a_message_written_before_the_visit_moved_to_the_right_numbers_patient_is_not_sent_to_the_stranger(
    fake_twilio, department, desk, make_patient, run_after_commit
):
    make_patient(name="Ana Ruiz", phone=RIGHT, age=34)
    entry = register_mistyped_without_sending(department, desk)
    written = notification_services.prepare_queue_notification(entry_id=entry.pk, template_type=REGISTRATION)

    run_after_commit(services.correct_phone, entry=entry, phone=RIGHT, actor=desk)
    withdrawn = send_registration(entry)

    assert withdrawn.pk == written.pk
    assert (withdrawn.status, withdrawn.attempts) == (Status.WITHDRAWN, 0)
    with translation.override("es"):
        assert withdrawn.get_status_display() == "Retirado: número de teléfono corregido"
    assert bodies_to(fake_twilio, WRONG) == []
    [to_patient] = bodies_to(fake_twilio, RIGHT)
    assert f"/patients/status/{Queue.objects.get(pk=entry.pk).public_id}/" in to_patient


def test_a_message_waiting_for_its_retry_is_not_sent_with_the_link_that_stopped_working(
    fake_twilio, department, desk, run_after_commit
):
    entry = register_mistyped_without_sending(department, desk)
    fake_twilio.fail_next(503, 20503, "Service Unavailable")
    written = notification_services.prepare_queue_notification(entry_id=entry.pk, template_type=REGISTRATION)
    assert notification_services.deliver_notification(notification_id=written.pk).status == Status.QUEUED
    old_link = f"/patients/status/{entry.public_id}/"

    run_after_commit(services.correct_phone, entry=entry, phone=RIGHT, actor=desk)
    retried = send_registration(entry)

    assert retried.status == Status.WITHDRAWN
    assert len(fake_twilio.received) == 2  # the attempt Twilio answered with a 503, then the correction's message
    [to_patient] = bodies_to(fake_twilio, RIGHT)
    assert old_link not in to_patient
    assert f"/patients/status/{Queue.objects.get(pk=entry.pk).public_id}/" in to_patient


def test_a_correction_during_an_attempt_twilio_rate_limits_leaves_nothing_to_retry(
    fake_twilio, department, desk, make_patient, monkeypatch
):
    make_patient(name="Ana Ruiz", phone=RIGHT, age=34)
    entry = register_mistyped_without_sending(department, desk)
    fake_twilio.fail_next(429, 20429, "Too Many Requests")
    send = TwilioSender.send

    def corrected_while_sending(sender, **message):
        if not fake_twilio.received:
            services.correct_phone(entry=entry, phone=RIGHT, actor=desk)
        return send(sender, **message)

    monkeypatch.setattr(TwilioSender, "send", corrected_while_sending)
    notification = send_registration(entry)

    assert notification.status == Status.WITHDRAWN
    assert len(fake_twilio.received) == 1  # the attempt Twilio refused; no retry
    assert notification.error_message == PHONE_CORRECTED_REASON


def test_messages_after_the_correction_go_to_the_right_number_with_the_new_link(
    fake_twilio, mistyped, desk, make_patient, run_after_commit
):
    make_patient(name="Ana Ruiz", phone=RIGHT, age=34)
    run_after_commit(services.correct_phone, entry=mistyped, phone=RIGHT, actor=desk)

    run_after_commit(
        notification_services.notify_broadcast,
        message="Cardiology is running late.",
        department_id=mistyped.department_id,
    )

    assert len(bodies_to(fake_twilio, WRONG)) == 1  # the registration, before the correction
    corrected, broadcast = bodies_to(fake_twilio, RIGHT)
    assert f"/patients/status/{Queue.objects.get(pk=mistyped.pk).public_id}/" in corrected
    assert "Cardiology is running late." in broadcast
