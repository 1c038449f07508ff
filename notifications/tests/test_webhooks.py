"""Signed webhooks to hospital systems: payloads, signatures, retries, redelivery, the outbox, address checks."""

import importlib
import ipaddress
import json
import re
import uuid
from datetime import UTC, time, timedelta
from time import monotonic

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from adminpanel.models import AuditLog
from doctors.models import Doctor, DoctorSchedule
from doctors.services import set_availability
from notifications import addresses, webhooks
from notifications.addresses import validate_webhook_url
from notifications.models import OutboxMessage, WebhookDelivery, WebhookEndpoint, WebhookEventType, WebhookFailure
from notifications.serializers import WebhookEventSerializer, WebhookPingSerializer
from notifications.tasks import deliver_webhook, redispatch_outbox, resume_due_webhook_deliveries
from patients import appointments, hooks, services
from patients.models import Department
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture
from patients.tests.factories import register_patient

from .webhook_receiver import verify_signature

Status = WebhookDelivery.Status
failure_kinds_migration = importlib.import_module("notifications.migrations.0045_webhook_failure_kinds")
SECRET = "whsec-test-0123456789abcdef0123456789"


@pytest.fixture
def make_endpoint(db, receiver):
    def make(**fields):
        values = {
            "name": "Hospital information system",
            "url": receiver.url,
            "secret": SECRET,
            "event_types": ["token.created", "token.called"],
        } | fields
        endpoint = WebhookEndpoint(**values)
        endpoint.full_clean()
        endpoint.save()
        return endpoint

    return make


@pytest.fixture
def register(department, django_capture_on_commit_callbacks):
    def register(name="Asha Rao", phone="+14155550123"):
        with django_capture_on_commit_callbacks(execute=True):
            entry, _ = register_patient(department=department, name=name, phone=phone, age=34, gender="female")
        return entry

    return register


def test_an_event_is_posted_signed_and_verifiable_without_personal_data(receiver, make_endpoint, register):
    make_endpoint()

    entry = register()

    [post] = receiver.received
    delivery = WebhookDelivery.objects.get()
    assert post.path == "/hooks/smartqueue"
    assert post.headers["X-SmartQueue-Event"] == "token.created"
    assert post.headers["X-SmartQueue-Delivery"] == str(delivery.event_id)
    assert verify_signature(SECRET, post.headers["X-SmartQueue-Signature"], post.body)
    assert not verify_signature("another-secret", post.headers["X-SmartQueue-Signature"], post.body)
    assert not verify_signature(SECRET, post.headers["X-SmartQueue-Signature"], post.body.replace(b"CARD", b"DERM"))
    payload = json.loads(post.body)
    assert (payload["id"], payload["type"]) == (str(delivery.event_id), "token.created")
    assert payload["occurred_at"].endswith("Z") and payload["data"]["checked_in_at"].endswith("Z")
    assert payload["data"]["token"] == "CARD-001"
    assert payload["data"]["visit_id"] == entry.pk
    assert str(entry.public_id) not in post.body.decode()
    assert payload["data"]["department"]["code"] == "CARD"
    assert "patient" not in payload["data"]
    assert "Asha" not in post.body.decode() and "4155550123" not in post.body.decode()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.DELIVERED, 1, 200)
    assert delivery.last_latency_ms is not None and delivery.delivered_at is not None


def test_a_replaced_secret_signs_beside_the_new_one_until_the_overlap_ends_so_no_delivery_is_refused(
    receiver, make_endpoint, register, clock, settings
):
    settings.WEBHOOK_SECRET_OVERLAP_HOURS = 24
    endpoint = webhooks.replace_secret(endpoint=make_endpoint())

    register(name="During the overlap", phone="+14155550301")

    header, body = receiver.received[-1].headers["X-SmartQueue-Signature"], receiver.received[-1].body
    assert verify_signature(SECRET, header, body) and verify_signature(endpoint.secret, header, body)
    # The current secret's last: a receiver that reads only the last v1 checks the secret it was last given.
    timestamp = header.split(",")[0].removeprefix("t=")
    assert header.endswith(webhooks.signature(secrets=[endpoint.secret], timestamp=timestamp, body=body).split(",")[1])

    clock.shift(timedelta(hours=24, seconds=1))
    register(name="After the overlap", phone="+14155550302")

    header, body = receiver.received[-1].headers["X-SmartQueue-Signature"], receiver.received[-1].body
    assert verify_signature(endpoint.secret, header, body) and not verify_signature(SECRET, header, body)
    assert header.count("v1=") == 1


def test_a_secret_replaced_because_it_leaked_stops_at_once(receiver, make_endpoint, register):
    endpoint = webhooks.replace_secret(endpoint=make_endpoint(), keep_previous=False)

    register()

    [post] = receiver.received
    header = post.headers["X-SmartQueue-Signature"]
    assert verify_signature(endpoint.secret, header, post.body) and not verify_signature(SECRET, header, post.body)
    assert (endpoint.previous_secret, endpoint.previous_secret_until) == ("", None)


def test_an_endpoint_trusted_for_personal_data_gets_the_name_and_phone(receiver, make_endpoint, register):
    make_endpoint(trusted_for_pii=True)

    register()

    patient = json.loads(receiver.received[0].body)["data"]["patient"]
    assert patient == {"name": "Asha Rao", "phone": "+14155550123"}


def test_only_subscribed_active_endpoints_hear_an_event(receiver, make_endpoint, register):
    make_endpoint(event_types=["token.completed"])
    make_endpoint(name="Switched off", is_active=False)

    register()

    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_endpoints_added_changed_or_removed_between_events_are_heard_from_the_next_one(
    receiver, make_endpoint, register
):
    register(phone="+14155550101")  # the active endpoints (none) are kept for the events after
    first = make_endpoint(name="First")
    register(phone="+14155550102")
    second = make_endpoint(name="Second", trusted_for_pii=True)
    first.is_active = False
    first.save()
    register(phone="+14155550103")
    second.delete()
    register(phone="+14155550104")

    heard = [json.loads(post.body) for post in receiver.received]
    assert [payload["data"]["token"] for payload in heard] == ["CARD-002", "CARD-003"]
    assert ["patient" in payload["data"] for payload in heard] == [False, True]


def test_a_copy_of_the_endpoints_read_before_a_change_committed_is_not_used_after_it(make_endpoint):
    webhooks.active_subscriptions()
    read_before = (cache.get(webhooks.SUBSCRIPTIONS_VERSION_KEY), ())
    endpoint = make_endpoint()
    # The slow reader keeps its copy only after the change: the version it read no longer holds.
    cache.set(webhooks.SUBSCRIPTIONS_KEY, read_before)

    assert [subscription.endpoint_id for subscription in webhooks.active_subscriptions()] == [endpoint.pk]


def test_a_receiver_failure_is_retried_with_backoff(receiver, make_endpoint, register, clock, settings):
    make_endpoint()
    receiver.fail_next(503)

    register()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.PENDING, 1, 503)
    assert delivery.response_excerpt == "receiver error"
    backoff = (delivery.next_attempt_at - delivery.updated_at).total_seconds()
    assert settings.WEBHOOK_RETRY_BACKOFF_SECONDS / 2 - 1 <= backoff <= settings.WEBHOOK_RETRY_BACKOFF_SECONDS + 1

    assert resume_due_webhook_deliveries.apply().get() == []  # not due yet
    clock.shift(settings.WEBHOOK_RETRY_BACKOFF_SECONDS + settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
    resume_due_webhook_deliveries.apply()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.DELIVERED, 2, 200)
    assert len(receiver.received) == 2
    assert {post.headers["X-SmartQueue-Delivery"] for post in receiver.received} == {str(delivery.event_id)}


def test_deliveries_failed_together_are_retried_spread_out_within_their_backoff(make_endpoint, settings):
    settings.WEBHOOK_RETRY_BACKOFF_SECONDS, settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS = 30, 900
    now = timezone.now()
    failed_together = [WebhookDelivery(attempts=3, created_at=now) for _ in range(20)]

    waits = [(webhooks.next_attempt_at(delivery, now) - now).total_seconds() for delivery in failed_together]

    assert all(60 <= wait <= 120 for wait in waits)
    assert len(set(waits)) > 10


@pytest.fixture
def failing_for_long(settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILED_ATTEMPTS, settings.WEBHOOK_DISABLE_AFTER_FAILING_HOURS = 3, 24


def register_each_hours_apart(register, clock, hours, count, first=0):
    for number in range(first, first + count):
        register(name=f"Patient {number}", phone=f"+1415555030{number}")
        clock.shift(timedelta(hours=hours))


def test_an_endpoint_failing_every_attempt_for_long_is_switched_off_with_a_notice_and_switched_on_again(
    receiver, make_endpoint, register, clock, failing_for_long, client, admin_user
):
    endpoint = make_endpoint()
    for _ in range(4):
        receiver.fail_next(503)

    register_each_hours_apart(register, clock, hours=12, count=3)

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (False, 3)
    assert endpoint.disabled_automatically_at is not None
    audit = AuditLog.objects.get(action="webhook_endpoint.disabled_automatically")
    assert (audit.before, audit.after["is_active"], audit.after["consecutive_failures"]) == (
        {"is_active": True},
        False,
        3,
    )
    register(name="After it was switched off", phone="+14155550399")
    assert len(receiver.received) == 3
    client.force_login(admin_user)
    for page in (reverse("adminpanel:webhooks"), reverse("adminpanel:webhook-edit", args=[endpoint.pk])):
        assert "switched off automatically on" in client.get(page).content.decode()

    response = client.post(
        reverse("adminpanel:webhook-edit", args=[endpoint.pk]),
        {"name": endpoint.name, "url": endpoint.url, "event_types": endpoint.event_types, "is_active": "on"},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.failing_since) == (True, 0, None)
    assert endpoint.disabled_automatically_at is None
    receiver.fail_next(503)  # one failure after the fix does not switch it off again
    register(name="After it was fixed", phone="+14155550398")
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 1)
    assert "switched off automatically on" not in client.get(reverse("adminpanel:webhooks")).content.decode()


def test_the_webhooks_page_warns_of_an_endpoint_failing_before_it_is_switched_off(
    receiver, make_endpoint, register, failing_for_long, admin_client
):
    make_endpoint()
    receiver.fail_next(503)
    register()
    assert "Every attempt has failed since" in admin_client.get(reverse("adminpanel:webhooks")).content.decode()

    register(name="Got through", phone="+14155550399")

    assert "Every attempt has failed since" not in admin_client.get(reverse("adminpanel:webhooks")).content.decode()


def test_a_delivery_between_failures_starts_the_count_again(receiver, make_endpoint, register, clock, failing_for_long):
    endpoint = make_endpoint()
    for status in (503, 503, 200, 503, 503):
        receiver.fail_next(status)

    register_each_hours_apart(register, clock, hours=12, count=5)

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 2)


def test_failures_in_a_short_outage_or_too_few_attempts_do_not_switch_an_endpoint_off(
    receiver, make_endpoint, register, clock, failing_for_long
):
    endpoint = make_endpoint()
    for _ in range(6):
        receiver.fail_next(503)

    register_each_hours_apart(register, clock, hours=1, count=4)  # many attempts, within hours
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 4)

    other = make_endpoint(name="Rarely used")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
    register_each_hours_apart(register, clock, hours=30, count=2, first=4)  # long, but only two attempts
    other.refresh_from_db()
    assert (other.is_active, other.consecutive_failures) == (True, 2)


def test_retries_stop_after_the_retry_window(receiver, make_endpoint, register, clock, settings):
    settings.WEBHOOK_RETRY_FOR_SECONDS = settings.WEBHOOK_RETRY_BACKOFF_SECONDS * 2
    make_endpoint()
    for _ in range(3):
        receiver.fail_next(500)

    register()
    for _ in range(3):
        clock.shift(settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS)
        resume_due_webhook_deliveries.apply()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (Status.FAILED, 2, None)
    assert len(receiver.received) == 2


def test_staff_can_redeliver_an_event(receiver, make_endpoint, register, make_user, django_capture_on_commit_callbacks):
    make_endpoint()
    register()
    delivered = WebhookDelivery.objects.get()
    admin = make_user(username="hisadmin", is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        again = webhooks.redeliver(delivery=delivered, actor=admin)

    again.refresh_from_db()
    assert (again.status, again.redelivery_of, again.event_id) == (Status.DELIVERED, delivered, delivered.event_id)
    assert [post.body for post in receiver.received] == [receiver.received[0].body] * 2
    audit = AuditLog.objects.get(action="webhook.redelivered")
    assert (audit.actor, audit.object_id) == (admin, str(again.pk))


def test_redelivering_again_while_the_last_redelivery_is_retried_tries_that_one_now(
    receiver, make_endpoint, register, make_user, clock, settings, django_capture_on_commit_callbacks
):
    make_endpoint()
    register()
    delivered = WebhookDelivery.objects.get()
    admin = make_user(username="hisadmin", is_staff=True)
    for _ in range(50):
        receiver.fail_next(503)

    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.redeliver(delivery=delivered, actor=admin)
    for _ in range(20):
        clock.shift(settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS)
        resume_due_webhook_deliveries.apply()

    (again,) = WebhookDelivery.objects.filter(redelivery_of=delivered)
    assert len(receiver.received) - 1 == again.attempts < 15
    assert AuditLog.objects.filter(action="webhook.redelivered", object_id=str(again.pk)).count() == 5


def retry_due_deliveries(clock, settings):
    clock.shift(settings.WEBHOOK_RETRY_BACKOFF_SECONDS + settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
    resume_due_webhook_deliveries.apply()


def test_a_retry_to_an_endpoint_no_longer_trusted_leaves_out_the_name_and_phone(
    receiver, make_endpoint, register, clock, settings
):
    endpoint = make_endpoint(trusted_for_pii=True)
    receiver.fail_next(503)
    register()
    endpoint.trusted_for_pii = False
    endpoint.save()

    retry_due_deliveries(clock, settings)

    first, retry = receiver.received
    assert "patient" in json.loads(first.body)["data"]
    assert "patient" not in json.loads(retry.body)["data"] and b"Asha" not in retry.body
    assert json.loads(retry.body)["data"]["token"] == "CARD-001"
    assert verify_signature(SECRET, retry.headers["X-SmartQueue-Signature"], retry.body)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.DELIVERED and "patient" not in delivery.payload["data"]


def test_a_retry_to_a_deactivated_endpoint_is_not_sent(receiver, make_endpoint, register, clock, settings):
    endpoint = make_endpoint()
    receiver.fail_next(503)
    register()
    endpoint.is_active = False
    endpoint.save()

    retry_due_deliveries(clock, settings)

    assert len(receiver.received) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.next_attempt_at) == (Status.FAILED, None)
    assert delivery.last_error_in_words == "Not sent: the endpoint is no longer active."
    assert resume_due_webhook_deliveries.apply().get() == []


def test_a_retry_whose_endpoint_was_deleted_meanwhile_ends_quietly(receiver, make_endpoint, register):
    """An admin removing a failing endpoint leaves its retries' tasks in the broker; each raised DoesNotExist."""
    endpoint = make_endpoint()
    receiver.fail_next(503)
    register()
    delivery_id = WebhookDelivery.objects.get().pk
    endpoint.delete()

    assert deliver_webhook.apply(kwargs={"delivery_id": delivery_id}).get() is None
    assert len(receiver.received) == 1
def test_a_redelivery_follows_the_endpoint_as_it_is_now(
    receiver, make_endpoint, register, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(trusted_for_pii=True)
    register()
    delivered = WebhookDelivery.objects.get()

    endpoint.trusted_for_pii = False
    endpoint.save()
    with django_capture_on_commit_callbacks(execute=True):
        untrusted = webhooks.redeliver(delivery=delivered)
    endpoint.is_active = False
    endpoint.save()
    with django_capture_on_commit_callbacks(execute=True):
        inactive = webhooks.redeliver(delivery=delivered)

    first, again = receiver.received
    assert "patient" in json.loads(first.body)["data"] and "patient" not in json.loads(again.body)["data"]
    assert verify_signature(SECRET, again.headers["X-SmartQueue-Signature"], again.body)
    untrusted.refresh_from_db()
    inactive.refresh_from_db()
    assert untrusted.status == Status.DELIVERED
    assert (inactive.status, inactive.last_error_in_words) == (
        Status.FAILED, "Not sent: the endpoint is no longer active."
    )


def test_events_decided_while_the_broker_is_down_are_posted_when_it_returns(
    receiver, make_endpoint, register, broker_down
):
    make_endpoint()

    register()

    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == Status.PENDING
    assert OutboxMessage.objects.filter(task_name=webhooks.DELIVER_WEBHOOK, dispatched_at__isnull=True).exists()

    broker_down()  # back
    redispatch_outbox.apply()
    redispatch_outbox.apply()

    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().status == Status.DELIVERED


def test_booking_events_are_posted_without_the_booking_code_or_manage_link(
    receiver, make_endpoint, clinic, django_capture_on_commit_callbacks
):
    make_endpoint(event_types=["appointment.booked", "appointment.cancelled", "token.created"])

    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(clinic, at(time(13, 0)))
    with django_capture_on_commit_callbacks(execute=True):
        appointments.cancel_appointment(appointment=appointment)

    payloads = [json.loads(post.body) for post in receiver.received]
    assert [payload["type"] for payload in payloads] == ["appointment.booked", "appointment.cancelled"]
    assert payloads[0]["data"]["id"] == appointment.pk and payloads[0]["data"]["department"]["code"] == "CLIN"
    assert payloads[1]["data"]["status"] == "cancelled"
    for post in receiver.received:
        assert appointment.booking_code not in post.body.decode()
        assert str(appointment.public_id) not in post.body.decode()
        assert "patient" not in json.loads(post.body)["data"]


def test_every_event_the_core_announces_has_its_webhook_event_type():
    assert set(webhooks.QUEUE_EVENT_TYPES) == hooks.QUEUE_EVENTS
    assert set(webhooks.APPOINTMENT_EVENT_TYPES) == hooks.APPOINTMENT_EVENTS
    sent = (
        set(webhooks.QUEUE_EVENT_TYPES.values())
        | set(webhooks.APPOINTMENT_EVENT_TYPES.values())
        | set(webhooks.WAIT_ALERT_EVENT_TYPES.values())
        | {WebhookEventType.DEPARTMENT_NO_DOCTOR_LEFT_TODAY, WebhookEventType.DEPARTMENT_DOCTOR_BACK_TODAY}
    )
    assert sent - {None} == set(WebhookEventType)


def test_a_departments_long_wait_alert_is_posted_when_raised_and_when_cleared_once_each(
    receiver, make_endpoint, register, clock, django_capture_on_commit_callbacks
):
    make_endpoint(event_types=["department.wait_alert_raised", "department.wait_alert_cleared"], trusted_for_pii=True)
    entry = register()
    Department.objects.filter(pk=entry.department_id).update(wait_alert_minutes=10)
    clock.shift(timedelta(minutes=11))

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.review_wait_alert(department_id=entry.department_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(entry=entry)

    raised, cleared = (json.loads(post.body) for post in receiver.received)
    assert (raised["type"], cleared["type"]) == ("department.wait_alert_raised", "department.wait_alert_cleared")
    assert raised["data"]["department"]["code"] == "CARD"
    assert (raised["data"]["threshold_minutes"], raised["data"]["peak_wait_minutes"]) == (10, 11)
    assert raised["data"]["ended_at"] is None and cleared["data"]["ended_at"] is not None
    assert "Asha" not in receiver.received[0].body.decode()


def test_a_department_left_without_doctors_today_is_posted_once_with_how_many_wait(
    receiver, make_endpoint, register, clock, make_doctor, department, django_capture_on_commit_callbacks
):
    make_endpoint(event_types=["department.no_doctor_left_today"])
    doctor = make_doctor(department=department)
    DoctorSchedule.objects.create(
        doctor=doctor, weekday=timezone.localdate().weekday(), starts_at=time(8), ends_at=time(11)
    )
    register(phone="+14155550101"), register(phone="+14155550102")

    for availability in (Doctor.Availability.OFFLINE, Doctor.Availability.OFFLINE):
        with django_capture_on_commit_callbacks(execute=True):
            set_availability(doctor=doctor, availability=availability, actor=doctor.user)

    [post] = receiver.received
    payload = json.loads(post.body)
    assert payload["type"] == "department.no_doctor_left_today"
    assert payload["data"] == {
        "department": {"id": department.pk, "name": "Cardiology", "code": "CARD", "room": "", "translations": {}},
        "day": timezone.localdate().isoformat(),
        "waiting": 2,
    }


def test_a_doctor_back_after_all_ends_the_episode_posted_once_however_the_doctor_flaps(
    receiver, make_endpoint, register, clock, make_doctor, department, django_capture_on_commit_callbacks
):
    make_endpoint(event_types=["department.no_doctor_left_today", "department.doctor_back_today"])
    doctor = make_doctor(department=department)
    DoctorSchedule.objects.create(
        doctor=doctor, weekday=timezone.localdate().weekday(), starts_at=time(8), ends_at=time(11)
    )
    register(phone="+14155550101")

    for availability in (Doctor.Availability.OFFLINE, Doctor.Availability.AVAILABLE, Doctor.Availability.AVAILABLE):
        with django_capture_on_commit_callbacks(execute=True):
            set_availability(doctor=doctor, availability=availability, actor=doctor.user)

    left, back = (json.loads(post.body) for post in receiver.received)
    assert (left["type"], back["type"]) == ("department.no_doctor_left_today", "department.doctor_back_today")
    assert back["data"] == {
        "department": {"id": department.pk, "name": "Cardiology", "code": "CARD", "room": "", "translations": {}},
        "day": timezone.localdate().isoformat(),
        "waiting": 1,
    }


def test_no_end_is_posted_for_an_episode_whose_start_was_not(
    receiver, make_endpoint, register, clock, make_doctor, department, django_capture_on_commit_callbacks
):
    """With nobody waiting, a doctor's going off posts no department.no_doctor_left_today; their coming back posted
    department.doctor_back_today all the same, once per round, however often they went off and on (seventeenth
    attack run): subscribers got ends of episodes they were never told began."""
    make_endpoint(event_types=["department.no_doctor_left_today", "department.doctor_back_today"])
    doctor = make_doctor(department=department)
    DoctorSchedule.objects.create(
        doctor=doctor, weekday=timezone.localdate().weekday(), starts_at=time(8), ends_at=time(11)
    )

    for availability in (Doctor.Availability.OFFLINE, Doctor.Availability.AVAILABLE) * 3:
        with django_capture_on_commit_callbacks(execute=True):
            set_availability(doctor=doctor, availability=availability, actor=doctor.user)
    assert receiver.received == []

    # A patient waiting when the next goes off: that episode is posted, and so is its end.
    register(phone="+14155550101")
    for availability in (Doctor.Availability.OFFLINE, Doctor.Availability.AVAILABLE):
        with django_capture_on_commit_callbacks(execute=True):
            set_availability(doctor=doctor, availability=availability, actor=doctor.user)
    posted = [json.loads(post.body)["type"] for post in receiver.received]
    assert posted == ["department.no_doctor_left_today", "department.doctor_back_today"]


def test_an_undeclared_event_cannot_be_announced(department, make_token):
    with pytest.raises(ValueError, match="hooks.QUEUE_EVENTS"):
        hooks.QueueChange(event="renamed", entry=make_token(department), before={}, after={})


def test_a_recalled_token_is_last_heard_of_as_waiting_again(
    receiver, make_endpoint, register, department, make_doctor, django_capture_on_commit_callbacks
):
    make_endpoint(event_types=["token.skipped", "token.recalled"])
    entry = register()

    with django_capture_on_commit_callbacks(execute=True):
        services.call_patient(entry=entry, doctor=make_doctor(department=department))
        services.skip(entry=entry)
    with django_capture_on_commit_callbacks(execute=True):
        services.recall(entry=entry)

    payloads = [json.loads(post.body) for post in receiver.received]
    assert [payload["type"] for payload in payloads] == ["token.skipped", "token.recalled"]
    assert (payloads[-1]["data"]["token"], payloads[-1]["data"]["status"]) == ("CARD-001", "waiting")


def test_a_priority_change_and_a_late_patient_moved_back_are_posted(
    receiver, make_endpoint, register, django_capture_on_commit_callbacks
):
    make_endpoint(event_types=["token.priority_changed", "token.postponed"])
    late, urgent = register(phone="+14155550101"), register(phone="+14155550102")

    with django_capture_on_commit_callbacks(execute=True):
        services.postpone_visit(entry=late, places=1)  # what the patient's LATE text does
    with django_capture_on_commit_callbacks(execute=True):
        services.change_priority(entry=urgent, priority="emergency")

    payloads = [json.loads(post.body) for post in receiver.received]
    assert [(payload["type"], payload["data"]["token"]) for payload in payloads] == [
        ("token.postponed", "CARD-001"),
        ("token.priority_changed", "CARD-002"),
    ]
    assert payloads[1]["data"]["priority"] == "emergency"


def test_a_phone_corrected_at_the_desk_is_posted_with_the_right_number(
    receiver, make_endpoint, register, django_capture_on_commit_callbacks
):
    make_endpoint(event_types=["token.phone_corrected"], trusted_for_pii=True)
    mistyped = register(phone="+14155550101")

    with django_capture_on_commit_callbacks(execute=True):
        services.correct_phone(entry=mistyped, phone="+14155550110")

    [payload] = [json.loads(post.body) for post in receiver.received]
    assert (payload["type"], payload["data"]["token"]) == ("token.phone_corrected", "CARD-001")
    assert payload["data"]["patient"] == {"name": "Asha Rao", "phone": "+14155550110"}


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://[fd00:ec2::254]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://localhost:9000/hook",
        "http://127.0.0.1:9000/hook",
        "ftp://example.org/hook",
        # IPv6 addresses that carry an internal IPv4 one, or are internal themselves (second attack run).
        "http://[2002:7f00:1::]:9000/hook",  # 6to4 of 127.0.0.1
        "http://[2002:a9fe:a9fe::]/latest/meta-data/",  # 6to4 of 169.254.169.254
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
        "http://[2001::7f00:1]/hook",  # Teredo of a public client: the prefix itself is special-purpose
        "http://[fec0::1]/hook",  # site-local
        # Special-purpose ranges Python 3.11's is_private and is_reserved leave out, or ones it must keep holding.
        "http://192.0.0.8/hook",  # IANA protocol assignments 192.0.0.0/24, all of it
        "http://192.0.0.9/hook",  # its anycast addresses too (PCP)
        "http://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
        "http://198.18.0.1/hook",  # benchmarking
        "http://240.0.0.1/hook",
        "http://[3fff::1]/hook",  # IPv6 documentation
        "http://[64:ff9b:1::a00:1]/hook",  # local-use NAT64 of 10.0.0.1
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
    ],
)
def test_internal_link_local_and_metadata_addresses_are_refused(settings, url):
    settings.WEBHOOK_ALLOWED_HOSTS = []

    with pytest.raises(ValidationError):
        validate_webhook_url(url)


@pytest.mark.parametrize(
    "url",
    [
        # urlsplit reads the host after the "@", urllib3 (which sends) stops at the backslash: 127.0.0.1.
        "http://127.0.0.1:9000\\@93.184.216.34/hook",
        "http://169.254.169.254\\@93.184.216.34/latest/meta-data/",
        "http://user:password@93.184.216.34/hook",
        "http://93.184.216.34\t.example/hook",
        "http://93.184.216.34 @127.0.0.1/hook",
    ],
)
def test_urls_whose_host_the_sender_could_read_otherwise_are_refused(settings, url):
    settings.WEBHOOK_ALLOWED_HOSTS = []

    with pytest.raises(ValidationError, match="user name, a backslash"):
        validate_webhook_url(url)


def test_a_connection_to_an_internal_address_is_refused_whatever_dns_answered_the_check(
    receiver, make_endpoint, register, settings, monkeypatch
):
    make_endpoint()
    settings.WEBHOOK_ALLOWED_HOSTS = []
    # DNS rebinding: the check before the delivery is told a public address, the connection reaches loopback.
    monkeypatch.setattr(addresses, "resolve", lambda host, port: {ipaddress.ip_address("93.184.216.34")})

    register()

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, None)
    assert "127.0.0.1 resolves to 127.0.0.1, an internal address" in delivery.last_error_in_words


def test_allowed_hosts_open_loopback_but_never_link_local(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "169.254.169.254"]

    validate_webhook_url("http://127.0.0.1:9000/hook")
    with pytest.raises(ValidationError):
        validate_webhook_url("http://169.254.169.254/latest/meta-data/")


def test_oracle_clouds_metadata_address_is_refused_even_for_an_allowed_host(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["192.0.0.192"]

    with pytest.raises(ValidationError, match="metadata"):
        validate_webhook_url("http://192.0.0.192/opc/v2/instance/")


def test_an_address_refused_at_delivery_time_is_not_called(receiver, make_endpoint, register, settings):
    make_endpoint()
    settings.WEBHOOK_ALLOWED_HOSTS = []  # e.g. its DNS now answers with an internal address

    register()

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, None)
    assert "internal address" in delivery.last_error_in_words


def test_django_admin_lists_endpoints_and_deliveries_and_redelivers(client, admin_user, make_endpoint, register):
    make_endpoint()
    register()
    delivered = WebhookDelivery.objects.get()
    client.force_login(admin_user)

    for path in ("webhookendpoint/", "webhookendpoint/add/", "webhookdelivery/", "inboundmessage/"):
        assert client.get(f"/admin/notifications/{path}").status_code == 200, path
    assert client.get("/admin/patients/waitalert/").status_code == 200
    response = client.post(
        "/admin/notifications/webhookdelivery/", {"action": "redeliver", "_selected_action": [delivered.pk]}
    )

    assert response.status_code == 302
    assert WebhookDelivery.objects.filter(redelivery_of=delivered, event_id=delivered.event_id).count() == 1


def test_a_receivers_reply_is_kept_as_far_as_the_excerpt_goes_and_storable(receiver, make_endpoint, register):
    """An endless (or huge) reply is not read to its end, and NUL characters, which PostgreSQL's text refuses
    (the delivery would stay 'sending' and be posted again at every lease), are left out."""
    make_endpoint()
    receiver.reply_next(200, b"accepted\x00" + b"x" * 65_527, repeat=1024)  # 64 MiB

    register()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.DELIVERED, 1, 200)
    assert delivery.response_excerpt == "accepted" + "x" * (webhooks.RESPONSE_EXCERPT_LENGTH - len("accepted"))
    assert receiver.reply_bytes_written < 32 * 1024 * 1024


def test_a_receiver_answering_a_line_at_a_time_holds_the_sender_no_longer_than_one_exchange(
    receiver, make_endpoint, register, settings
):
    """Tenth attack run: the timeout bounds each wait for the receiver, not the answer: a receiver sending a header
    line every tenth of a second held the worker for as long as it went on (past the sending lease another worker
    took the delivery over and was held too)."""
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    make_endpoint()
    receiver.trickle_next(seconds=20)

    started = monotonic()
    register()

    assert monotonic() - started < webhooks.exchange_seconds() + 3
    assert WebhookDelivery.objects.get().attempts == 1


def test_django_admin_shows_an_endpoint_s_secret_by_its_last_four_characters_only_and_an_edit_keeps_it(
    client, admin_user, settings
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    secret = "kept-by-the-receiver-" + "0123456789abcdef" * 2
    endpoint = WebhookEndpoint.objects.create(
        name="Records", url="http://127.0.0.1:9000/hook", secret=secret, event_types=["token.created"]
    )
    client.force_login(admin_user)
    change = f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/"

    page = client.get(change).content.decode()
    saved = client.post(
        change,
        {"name": "Records", "url": "http://127.0.0.1:9000/hook", "event_types": ["token.created"], "secret": "x" * 40},
    )

    assert secret not in page and 'name="secret"' not in page
    assert f"ends in {secret[-4:]}" in page
    assert saved.status_code == 302 and WebhookEndpoint.objects.get().secret == secret
    assert 'name="secret"' in client.get("/admin/notifications/webhookendpoint/add/").content.decode()


def test_a_redirect_is_not_followed_and_the_log_says_where_it_led(receiver, make_endpoint, register, admin_client):
    make_endpoint()
    receiver.redirect_next(307, "https://records.example/new-hook")

    register()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.PENDING, 1, 307)
    assert len(receiver.received) == 1
    assert delivery.last_error_in_words == (
        "Redirected to https://records.example/new-hook, which is not followed: give the endpoint the address it "
        "redirects to."
    )
    page = admin_client.get(reverse("adminpanel:webhooks")).content.decode()
    assert "307: Redirected to https://records.example/new-hook" in page


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_is_not_posted_again_and_the_event_goes_to_the_new_address_once_the_endpoint_has_it(
    receiver, make_endpoint, register, clock, settings, admin_client, status, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint()
    receiver.redirect_next(status, "https://records.example/new-hook")

    register()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.FAILED, 1, status)
    assert delivery.next_attempt_at is None
    assert delivery.last_error_in_words == (
        "Moved for good to https://records.example/new-hook, which is not followed, so the delivery is not tried "
        "again: give the endpoint that address, then send the event again."
    )
    assert f"{status}: Moved for good to https://records.example/new-hook" in admin_client.get(
        reverse("adminpanel:webhooks")
    ).content.decode()
    clock.shift(settings.WEBHOOK_RETRY_FOR_SECONDS)
    assert resume_due_webhook_deliveries.apply().get() == []
    assert len(receiver.received) == 1

    # The admin gives the endpoint the address it moved to (here the receiver's own, which now answers 200).
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=endpoint.url + "moved/")
    with django_capture_on_commit_callbacks(execute=True):
        again = webhooks.redeliver(delivery=delivery)

    again.refresh_from_db()
    assert again.status == Status.DELIVERED and len(receiver.received) == 2


def test_a_receiver_answering_410_gone_is_not_posted_the_event_again_and_the_log_says_why(
    receiver, make_endpoint, register, clock, settings, admin_client
):
    make_endpoint()
    receiver.fail_next(410)

    register()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.FAILED, 1, 410)
    assert delivery.next_attempt_at is None
    assert "410 Gone: this address takes no more events" in delivery.last_error_in_words
    assert "410: The receiver answered 410 Gone" in admin_client.get(reverse("adminpanel:webhooks")).content.decode()
    clock.shift(settings.WEBHOOK_RETRY_FOR_SECONDS)
    assert resume_due_webhook_deliveries.apply().get() == []
    assert len(receiver.received) == 1


def test_staff_send_a_signed_test_event_from_the_edit_page_and_see_it_in_the_log(
    receiver, make_endpoint, admin_client, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(trusted_for_pii=True)
    edit_page = admin_client.get(reverse("adminpanel:webhook-edit", args=[endpoint.pk])).content.decode()
    assert reverse("adminpanel:webhook-test", args=[endpoint.pk]) in edit_page

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("adminpanel:webhook-test", args=[endpoint.pk]))
    assert response.url == reverse("adminpanel:webhooks")

    (post,) = receiver.received
    assert post.headers["X-SmartQueue-Event"] == "webhook.ping"
    assert verify_signature(SECRET, post.headers["X-SmartQueue-Signature"], post.body)
    payload = json.loads(post.body)
    assert payload["type"] == "webhook.ping"
    assert payload["data"] == {
        "endpoint_id": endpoint.pk,
        "name": "Hospital information system",
        "event_types": ["token.created", "token.called"],
    }
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.status) == ("webhook.ping", Status.DELIVERED)
    assert str(delivery.event_id) == payload["id"]
    page = admin_client.get(response.url).content.decode()
    assert "Test event sent to Hospital information system" in page
    assert re.search(r"<td>Test event</td>\s*<td>Delivered", page)
    assert AuditLog.objects.filter(action="webhook.test_sent", object_id=str(delivery.pk)).exists()


def test_a_test_event_reaches_an_endpoint_switched_off_so_staff_check_the_fix_before_switching_it_on(
    receiver, make_endpoint, register, admin_client, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("adminpanel:webhook-test", args=[endpoint.pk]))
    register()

    (post,) = receiver.received
    assert post.headers["X-SmartQueue-Event"] == "webhook.ping"
    assert WebhookDelivery.objects.get().status == Status.DELIVERED
    endpoint.refresh_from_db()
    assert not endpoint.is_active


def test_a_test_event_sent_again_while_the_last_one_is_retried_is_that_one_tried_now(
    receiver, make_endpoint, admin_client, clock, settings, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint()
    for _ in range(50):
        receiver.fail_next(503)

    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(reverse("adminpanel:webhook-test", args=[endpoint.pk]))
    assert len(receiver.received) == 5
    for _ in range(20):
        clock.shift(settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS)
        resume_due_webhook_deliveries.apply()

    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.status == Status.FAILED
    # One test's retries within the hour after it, not five.
    assert len(receiver.received) == delivery.attempts < 15
    assert AuditLog.objects.filter(action="webhook.test_sent", object_id=str(delivery.pk)).count() == 5


def test_a_test_event_is_for_staff_only(receiver, make_endpoint, client):
    endpoint = make_endpoint()

    client.post(reverse("adminpanel:webhook-test", args=[endpoint.pk]))

    assert not WebhookDelivery.objects.exists()


def test_the_event_body_is_the_declared_shape_in_utc_whatever_the_hospitals_zone(settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    occurred_at = timezone.now()

    payload = webhooks.event_payload(
        event_id=uuid.UUID(int=7),
        event_type="webhook.ping",
        occurred_at=occurred_at,
        subject=WebhookEndpoint(pk=3, name="HIS", event_types=["token.called"]),
        serializer=WebhookPingSerializer,
    )

    assert set(payload) == set(WebhookEventSerializer().fields)
    assert payload["id"] == "00000000-0000-0000-0000-000000000007"
    assert payload["occurred_at"] == occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_the_datas_times_are_in_utc_too_whatever_the_hospitals_zone(receiver, make_endpoint, register, settings):
    # The data's times were written in the hospital's zone ("+05:30") while occurred_at, and the docs, said UTC.
    settings.TIME_ZONE = "Asia/Kolkata"
    make_endpoint()

    entry = register()

    payload = json.loads(receiver.received[0].body)
    assert payload["data"]["checked_in_at"] == entry.checked_in_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert payload["data"]["day"] == entry.token_date.isoformat()


def test_a_receiver_that_cannot_be_reached_is_said_in_words_on_the_panel_not_as_the_pools_repr(
    receiver, make_endpoint, register, admin_client
):
    """The deliveries' *Last response* said "HTTPConnectionPool(host='127.0.0.1', port=…): Max retries exceeded with
    url: … (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f…>: Failed to establish a
    new connection: [Errno 111] Connection refused'))": Python's repr, in English on every page."""
    make_endpoint()
    receiver.stop()  # Its port now refuses connections.

    register()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, None)
    assert delivery.last_error_in_words == "The receiver could not be reached, or the connection was broken off."
    page = admin_client.get(reverse("adminpanel:webhooks")).content.decode()
    assert "The receiver could not be reached" in page
    assert "Pool" not in page and "object at 0x" not in page


def test_a_failure_is_worded_in_the_readers_language_whatever_language_the_attempt_ran_in(
    receiver, make_endpoint, register, admin_client, settings
):
    """A delivery kept its failure as a sentence in the language the attempt ran in (a change made on an Arabic page,
    a ping sent by an admin reading Arabic): every admin then read that Arabic sentence on an English or Spanish
    panel. It keeps the kind and its details, worded when read."""
    make_endpoint()
    settings.WEBHOOK_ALLOWED_HOSTS = []  # the receiver's loopback address is now refused

    with translation.override("ar"):
        register()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.last_error_kind, delivery.last_error_details) == (
        "address_internal", {"host": "127.0.0.1", "address": "127.0.0.1"}
    )
    with translation.override("ar"):
        arabic = delivery.last_error_in_words
    with translation.override("es"):
        spanish = delivery.last_error_in_words
    assert "127.0.0.1" in arabic and "127.0.0.1" in spanish and arabic != spanish
    english_page = admin_client.get(reverse("adminpanel:webhooks"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "127.0.0.1 resolves to 127.0.0.1, an internal address" in english_page
    assert arabic not in english_page
    spanish_page = admin_client.get(reverse("adminpanel:webhooks"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert escape(spanish) in spanish_page and arabic not in spanish_page


@pytest.mark.parametrize("language", ["en", "es", "hi", "ar"])
def test_a_failure_kept_as_a_sentence_in_any_language_is_read_back_into_its_kind(language):
    """Migration 0045 turns the sentences deliveries kept into their kind and details, whatever language each was
    written in; a sentence it does not know is the request's plain failure, not kept in its language."""
    patterns = failure_kinds_migration._patterns()
    with translation.override(language):
        redirected = WebhookFailure.REDIRECTED.label % {"location": "https://his.example/hooks"}
        timeout = str(WebhookFailure.TIMEOUT.label)

    assert failure_kinds_migration.kind_and_details(redirected, patterns) == (
        "redirected", {"location": "https://his.example/hooks"}
    )
    assert failure_kinds_migration.kind_and_details(timeout, patterns) == ("timeout", {})
    assert failure_kinds_migration.kind_and_details("HTTPConnectionPool(host='x')", patterns) == ("failed", {})


def test_django_admin_words_a_deliverys_failure_in_the_readers_language_and_does_not_offer_to_edit_it(
    receiver, make_endpoint, register, client, make_user
):
    make_endpoint()
    receiver.stop()
    with translation.override("ar"):
        register()
    delivery = WebhookDelivery.objects.get()
    client.force_login(make_user(is_staff=True, is_superuser=True))

    page = client.get(
        reverse("admin:notifications_webhookdelivery_change", args=[delivery.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    with translation.override("es"):
        assert escape(delivery.last_error_in_words) in page
    assert 'name="last_error_kind"' not in page and 'name="last_error_details"' not in page
