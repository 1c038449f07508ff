"""The transactional outbox: messages decided while the broker is down are sent once it is back."""

from notifications.models import Notification, OutboxMessage
from notifications.services import notify_queue_change
from notifications.tasks import redispatch_outbox
from patients.hooks import QueueChange
from patients.tests.factories import register_patient


def register(department, django_capture_on_commit_callbacks, name="Asha Rao", phone="+14155550123"):
    with django_capture_on_commit_callbacks(execute=True):
        entry, _ = register_patient(department=department, name=name, phone=phone, age=34, gender="female")
    return entry


def test_registration_while_the_broker_is_down_is_sent_once_when_it_returns(
    fake_twilio, department, broker_down, django_capture_on_commit_callbacks, caplog
):
    entry = register(department, django_capture_on_commit_callbacks)

    assert entry.token == "CARD-001"
    [waiting] = OutboxMessage.objects.all()
    assert (waiting.task_name, waiting.kwargs) == (
        "notifications.tasks.send_queue_message",
        {"entry_id": entry.pk, "template_type": "registration"},
    )
    assert waiting.dispatched_at is None and waiting.attempts == 1 and waiting.last_error
    assert "Could not dispatch outbox message" in caplog.text
    assert fake_twilio.received == []

    broker_down()  # back
    redispatch_outbox.apply()
    redispatch_outbox.apply()

    assert [message.body[:45] for message in fake_twilio.received] == ["Hello Asha Rao, your token is CARD-001 for Ca"]
    assert Notification.objects.get(queue_entry=entry).status == Notification.Status.SENT
    waiting.refresh_from_db()
    assert waiting.dispatched_at is not None and waiting.attempts == 2


def test_the_next_successful_dispatch_also_sends_the_backlog(
    fake_twilio, department, broker_down, django_capture_on_commit_callbacks
):
    register(department, django_capture_on_commit_callbacks)

    broker_down()  # back: the next registration's dispatch succeeds and takes the first one along
    register(department, django_capture_on_commit_callbacks, name="Ravi", phone="+14155550101")

    assert sorted(message.to for message in fake_twilio.received) == ["+14155550101", "+14155550123"]
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()


def test_a_crash_between_commit_and_dispatch_loses_nothing(
    fake_twilio, department, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=False):  # the process dies before its after-commit hooks
        register_patient(department=department, name="Asha Rao", phone="+14155550123", age=34, gender="female")
    assert OutboxMessage.objects.get().attempts == 0

    redispatch_outbox.apply()
    redispatch_outbox.apply()

    assert [message.to for message in fake_twilio.received] == ["+14155550123"]


def test_recent_rows_are_left_to_their_own_dispatch(department, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        register_patient(department=department, name="Asha Rao", phone="+14155550123", age=34, gender="female")

    assert redispatch_outbox.apply().get() == {"dispatched": 0, "pruned": 0}


def test_a_registration_costs_one_insert_for_its_messages_and_no_withdrawal(
    department, make_patient, django_assert_num_queries
):
    entry = register_patient(department=department, name="Asha Rao", phone="+14155550123", age=34, gender="female")[0]
    OutboxMessage.objects.all().delete()

    # A token just issued has no texts to withdraw: the UPDATE looking for them was one more statement per registration.
    with django_assert_num_queries(1):
        registered = QueueChange(event="registered", entry=entry, before={}, after={"status": "waiting"})
        notify_queue_change(None, change=registered)

    assert OutboxMessage.objects.filter(kwargs__entry_id=entry.pk).exists()


def test_a_queue_change_costs_one_insert_for_its_messages(department, make_patient, django_assert_num_queries):
    entry = register_patient(department=department, name="Asha Rao", phone="+14155550123", age=34, gender="female")[0]

    # The token's texts still waiting to go that the change makes untrue withdrawn (one UPDATE, which finds none),
    # then its messages, "your turn" and "patients ahead" (one INSERT).
    with django_assert_num_queries(2):
        called = QueueChange(event="called", entry=entry, before={"status": "waiting"}, after={"status": "called"})
        notify_queue_change(None, change=called)

    assert OutboxMessage.objects.filter(kwargs__entry_id=entry.pk).count() == 3

