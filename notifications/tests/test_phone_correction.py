"""After the desk corrects a mistyped phone (patients.services.correct_phone), the right number is texted the token's
new link in the patient's language, and the stranger at the wrong number can no longer act on the token by text."""

import uuid

import pytest

from notifications.inbound import receive_text
from notifications.models import InboundMessage, NumberOptOut
from patients import services
from patients.models import Queue

WRONG, RIGHT = "+12025550111", "+12025550122"
Effect = InboundMessage.Effect


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
    text_from(WRONG, "CANCEL", run_after_commit)
    run_after_commit(services.correct_phone, entry=mistyped, phone=RIGHT, actor=desk)

    patient_yes = text_from(RIGHT, "YES", run_after_commit)

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
