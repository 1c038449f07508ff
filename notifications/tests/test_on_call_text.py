"""A department's on-call number is texted once when its long-wait alert starts, never again in that episode."""

import pytest

from notifications import inbound
from notifications.tasks import text_on_call
from patients import services
from patients.models import WaitAlert

from .conftest import TEST_SMS_NUMBER

ON_CALL = "+14155550199"


def test_the_on_call_number_is_texted_once_per_episode(
    clock, fake_twilio, department, make_token, django_capture_on_commit_callbacks
):
    department.wait_alert_minutes = 10
    department.on_call_phone = ON_CALL
    department.save()
    make_token(department)
    clock.shift(11 * 60)

    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.review_wait_alert(department_id=department.pk)
    alert = WaitAlert.objects.get()
    text_on_call.apply(kwargs={"alert_id": alert.pk})  # a duplicated task

    on_call_texts = [message for message in fake_twilio.received if message.to == ON_CALL]
    assert len(on_call_texts) == 1
    assert on_call_texts[0].from_ == TEST_SMS_NUMBER
    assert "Cardiology has waited 11 min, over the 10 min limit" in on_call_texts[0].body
    alert.refresh_from_db()
    assert alert.on_call_notified_at is not None


def test_no_on_call_number_no_text(clock, fake_twilio, department, make_token, django_capture_on_commit_callbacks):
    department.wait_alert_minutes = 10
    department.save()
    make_token(department)
    clock.shift(11 * 60)

    with django_capture_on_commit_callbacks(execute=True):
        services.review_wait_alert(department_id=department.pk)

    assert WaitAlert.objects.get().on_call_notified_at is None
    assert fake_twilio.received == []


@pytest.mark.parametrize("phone_holder", ["no patient", "a patient"])
def test_an_on_call_number_that_texted_stop_is_not_texted(
    clock, fake_twilio, department, make_token, make_patient, django_capture_on_commit_callbacks, phone_holder
):
    department.wait_alert_minutes = 10
    department.on_call_phone = ON_CALL
    department.save()
    if phone_holder == "a patient":
        make_patient(name="Dr. Rao at home", phone=ON_CALL)
    with django_capture_on_commit_callbacks(execute=True):
        inbound.receive_text(message_sid="SM" + "9" * 32, from_address=ON_CALL, body="STOP")
    make_token(department)
    clock.shift(11 * 60)

    with django_capture_on_commit_callbacks(execute=True):
        services.review_wait_alert(department_id=department.pk)

    assert WaitAlert.objects.get().on_call_notified_at is not None
    assert not any("over the 10 min limit" in message.body for message in fake_twilio.received)
