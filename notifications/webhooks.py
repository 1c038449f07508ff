"""Signed webhooks to hospital systems: every subscribed queue event is POSTed to each active endpoint.

A queue change writes one WebhookDelivery per endpoint in its own transaction (hooks.queue_changed), a
department's event (a long-wait alert, no doctor left today) in a transaction of its own once announced, and
the task that posts it goes through the outbox: a broker outage delays deliveries, never loses them.
One task claims a delivery before posting (pending -> sending, one conditional UPDATE); a failure is
retried with exponential backoff until WEBHOOK_RETRY_FOR_SECONDS after the event, then marked failed.
A worker killed mid-POST leaves its claim to expire, and the delivery is posted again: receivers
de-duplicate on X-SmartQueue-Delivery, which is the same for every attempt and redelivery of an event.
Every attempt follows the endpoint as it is then: an inactive one's deliveries fail unsent, and one no longer
trusted with personal data gets the payload without it.
"""

import hashlib
import hmac
import json
import logging
import random
import time
import uuid
from datetime import UTC, timedelta
from http import HTTPStatus
from typing import NamedTuple

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients import hooks
from patients.models import Department, Queue
from smartqueue.shapes import represent

from . import outbox
from .addresses import RefusedPeerError, validate_webhook_url, webhook_session
from .models import (
    WEBHOOK_PING,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    WebhookFailure,
    new_webhook_secret,
)
from .serializers import (
    WebhookAppointmentSerializer,
    WebhookEventSerializer,
    WebhookNoDoctorLeftSerializer,
    WebhookPingSerializer,
    WebhookTokenSerializer,
    WebhookTrustedAppointmentSerializer,
    WebhookTrustedTokenSerializer,
    WebhookWaitAlertSerializer,
)

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
DELIVER_WEBHOOK = "notifications.tasks.deliver_webhook"
SIGNATURE_HEADER = "X-SmartQueue-Signature"
RESPONSE_EXCERPT_LENGTH = WebhookDelivery._meta.get_field("response_excerpt").max_length
# As much of a redirect's Location as the delivery keeps to name it: enough to recognise the address.
REDIRECT_LOCATION_LENGTH = 200
RESUME_BATCH_SIZE = 500
# Failures that say the address takes no more events: not tried again (redeliver once the endpoint is changed).
FINAL_FAILURES = frozenset({WebhookFailure.GONE, WebhookFailure.MOVED})
SUBSCRIPTIONS_KEY = "webhook-subscriptions"
SUBSCRIPTIONS_VERSION_KEY = "webhook-subscriptions-version"

# The core's events by the webhook event type they are sent as: every queue event (hooks.QUEUE_EVENTS) and
# booking event (hooks.APPOINTMENT_EVENTS) has its row, None for one that leaves the token as it was.
# A new event is one row here and, if it is sent, one WebhookEventType.
QUEUE_EVENT_TYPES = {
    "registered": WebhookEventType.TOKEN_CREATED,
    "checked_in": WebhookEventType.TOKEN_CREATED,
    "registration_repeated": None,
    "called": WebhookEventType.TOKEN_CALLED,
    "started": WebhookEventType.TOKEN_STARTED,
    "completed": WebhookEventType.TOKEN_COMPLETED,
    "consultation_ended": WebhookEventType.TOKEN_COMPLETED,
    "consultation_left_open": WebhookEventType.TOKEN_COMPLETED,
    "skipped": WebhookEventType.TOKEN_SKIPPED,
    "recalled": WebhookEventType.TOKEN_RECALLED,
    "returned_to_line": WebhookEventType.TOKEN_RETURNED_TO_LINE,
    # A call of a day that is over whose patient was never seen: waiting again (its line closed on it), no doctor.
    "call_left_open": WebhookEventType.TOKEN_RETURNED_TO_LINE,
    "cancelled": WebhookEventType.TOKEN_CANCELLED,
    "reinstated": WebhookEventType.TOKEN_REINSTATED,
    "postponed": WebhookEventType.TOKEN_POSTPONED,
    "notice_chosen": None,
    "notes_added": None,
    "details_corrected": None,
    "priority_changed": WebhookEventType.TOKEN_PRIORITY_CHANGED,
    "phone_corrected": WebhookEventType.TOKEN_PHONE_CORRECTED,
    "transferred": WebhookEventType.TOKEN_TRANSFERRED,
    "referred": WebhookEventType.TOKEN_REFERRED,
}
APPOINTMENT_EVENT_TYPES = {
    "booked": WebhookEventType.APPOINTMENT_BOOKED,
    "booking_repeated": None,
    "rescheduled": WebhookEventType.APPOINTMENT_RESCHEDULED,
    "cancelled": WebhookEventType.APPOINTMENT_CANCELLED,
    "closed": WebhookEventType.APPOINTMENT_CANCELLED,
    "checked_in": WebhookEventType.APPOINTMENT_CHECKED_IN,
    "no_show": WebhookEventType.APPOINTMENT_NO_SHOW,
}
# A department's long-wait alert by whether it was raised.
WAIT_ALERT_EVENT_TYPES = {
    True: WebhookEventType.DEPARTMENT_WAIT_ALERT_RAISED,
    False: WebhookEventType.DEPARTMENT_WAIT_ALERT_CLEARED,
}
# The data's shape by whether the endpoint is trusted with names and phones.
TOKEN_SHAPES = {False: WebhookTokenSerializer, True: WebhookTrustedTokenSerializer}
APPOINTMENT_SHAPES = {False: WebhookAppointmentSerializer, True: WebhookTrustedAppointmentSerializer}
# A department's events carry no patient data: one shape for every endpoint.
WAIT_ALERT_SHAPES = dict.fromkeys((False, True), WebhookWaitAlertSerializer)
NO_DOCTOR_LEFT_SHAPES = dict.fromkeys((False, True), WebhookNoDoctorLeftSerializer)
# Every event type's data shapes: what _record_deliveries sends, and what the OpenAPI schema's webhooks declare.
EVENT_DATA_SHAPES = {
    **dict.fromkeys(filter(None, QUEUE_EVENT_TYPES.values()), TOKEN_SHAPES),
    **dict.fromkeys(filter(None, APPOINTMENT_EVENT_TYPES.values()), APPOINTMENT_SHAPES),
    **dict.fromkeys(WAIT_ALERT_EVENT_TYPES.values(), WAIT_ALERT_SHAPES),
    WebhookEventType.DEPARTMENT_NO_DOCTOR_LEFT_TODAY: NO_DOCTOR_LEFT_SHAPES,
    WebhookEventType.DEPARTMENT_DOCTOR_BACK_TODAY: NO_DOCTOR_LEFT_SHAPES,
    WEBHOOK_PING: dict.fromkeys((False, True), WebhookPingSerializer),
}
# What only trusted endpoints get: the fields the trusted shapes add to the others (the patient's name and phone).
PERSONAL_FIELDS = frozenset().union(
    *(
        set(shapes[True]._declared_fields) - set(shapes[False]._declared_fields)
        for shapes in (TOKEN_SHAPES, APPOINTMENT_SHAPES)
    )
)


def event_payload(*, event_id, event_type, occurred_at, subject, serializer):
    """The event's body (WebhookEventSerializer), its data the subject in the serializer's shape, every time in
    UTC: a receiver comparing a visit's times across events is never misled by the hospital's offset."""
    # DRF writes a time in the current zone, the hospital's ("+05:30"): the data's times are written as UTC's.
    with timezone.override(UTC):
        data = represent(serializer, subject)
    event = {"id": event_id, "type": event_type, "occurred_at": occurred_at, "data": data}
    return represent(WebhookEventSerializer, event)


class Subscription(NamedTuple):
    """What a change needs of an active endpoint to record its deliveries."""

    endpoint_id: int
    event_types: tuple
    trusted_for_pii: bool


def active_subscriptions():
    """The Subscription of every active endpoint, from the cache while no endpoint changes: every queue change
    reads them, and endpoints change rarely.

    The kept copy is tagged with the version read before the database was: a copy read while an endpoint's change
    was being committed carries the version before it, which that change has replaced, so it is read again.
    """
    kept = cache.get_many([SUBSCRIPTIONS_VERSION_KEY, SUBSCRIPTIONS_KEY])
    version, copy = kept.get(SUBSCRIPTIONS_VERSION_KEY), kept.get(SUBSCRIPTIONS_KEY)
    if version is not None and copy is not None and copy[0] == version:
        return copy[1]
    if version is None:
        cache.add(SUBSCRIPTIONS_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(SUBSCRIPTIONS_VERSION_KEY)
    subscriptions = tuple(
        Subscription(endpoint_id, tuple(event_types), trusted_for_pii)
        for endpoint_id, event_types, trusted_for_pii in WebhookEndpoint.objects.filter(is_active=True).values_list(
            "pk", "event_types", "trusted_for_pii"
        )
    )
    # Without a version (the cache is down), nothing is kept: the next change reads the database too.
    if version is not None:
        cache.set(SUBSCRIPTIONS_KEY, (version, subscriptions), timeout=None)
    return subscriptions


def forget_subscriptions(sender, **kwargs):
    """WebhookEndpoint post_save and post_delete receiver (any save: admin panel, Django admin, shell).

    A new version at once, and again once the change commits: a copy another process reads from the database
    in between (still the state before) is kept under the first and read again after the second.
    """

    def new_version():
        cache.set(SUBSCRIPTIONS_VERSION_KEY, uuid.uuid4().hex, timeout=None)

    new_version()
    transaction.on_commit(new_version)


def record_webhook_deliveries(sender, *, change, **kwargs):
    """hooks.queue_changed receiver: one delivery per subscribed endpoint, in the change's transaction."""
    return _record_deliveries(QUEUE_EVENT_TYPES[change.event], change.entry)


def record_appointment_webhook_deliveries(sender, *, change, **kwargs):
    """hooks.appointment_changed receiver: the same for a booking's change."""
    return _record_deliveries(APPOINTMENT_EVENT_TYPES[change.event], change.appointment)


def record_wait_alert_webhook_deliveries(sender, *, change, **kwargs):
    """hooks.wait_alert_changed receiver (announced once the alert is committed): the alert's event."""
    with transaction.atomic():
        return _record_deliveries(WAIT_ALERT_EVENT_TYPES[change.raised], change.alert)


class NoDoctorLeft(NamedTuple):
    """What department.no_doctor_left_today and its episode's end, department.doctor_back_today, say
    (WebhookNoDoctorLeftSerializer)."""

    department: object
    day: object
    waiting: int


def record_no_doctor_left_webhook_deliveries(sender, *, change, **kwargs):
    """hooks.no_doctor_left_today receiver (announced once per episode by the queue's publisher)."""
    return _record_department_day(WebhookEventType.DEPARTMENT_NO_DOCTOR_LEFT_TODAY, change)


def record_doctor_back_webhook_deliveries(sender, *, change, **kwargs):
    """hooks.doctor_back_today receiver: the end of the episode department.no_doctor_left_today began."""
    return _record_department_day(WebhookEventType.DEPARTMENT_DOCTOR_BACK_TODAY, change)


def _record_department_day(event_type, change):
    if not any(event_type in subscription.event_types for subscription in active_subscriptions()):
        return []
    department = Department.objects.get(pk=change.department_id)
    waiting = Queue.objects.filter(department=department, token_date=change.day, status=Queue.Status.WAITING).count()
    with transaction.atomic():
        return _record_deliveries(event_type, NoDoctorLeft(department, change.day, waiting))


def _record_deliveries(event_type, subject):
    if event_type is None:
        return []
    shapes = EVENT_DATA_SHAPES[event_type]
    subscribed = [subscription for subscription in active_subscriptions() if event_type in subscription.event_types]
    if not subscribed:
        return []
    event_id, now = uuid.uuid4(), timezone.now()
    payloads = {
        include_pii: event_payload(
            event_id=event_id, event_type=event_type, occurred_at=now, subject=subject, serializer=shapes[include_pii]
        )
        for include_pii in {subscription.trusted_for_pii for subscription in subscribed}
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint_id=subscription.endpoint_id,
            event_id=event_id,
            event=event_type,
            payload=payloads[subscription.trusted_for_pii],
            next_attempt_at=now,
        )
        for subscription in subscribed
    )
    outbox.enqueue_after_commit([(DELIVER_WEBHOOK, {"delivery_id": delivery.pk}) for delivery in deliveries])
    return deliveries


@transaction.atomic
def redeliver(*, delivery, actor=None, ip_address=None):
    """Post a delivery's event again, as a new delivery with the same event id and payload; while an earlier
    redelivery of the event to the endpoint is still being tried, that one is tried again now instead (as a test
    event is)."""
    again = _tried_again_now(endpoint=delivery.endpoint, event_id=delivery.event_id, redelivery_of__isnull=False)
    if again is None:
        again = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint,
            event_id=delivery.event_id,
            event=delivery.event,
            payload=delivery.payload,
            redelivery_of=delivery,
            next_attempt_at=timezone.now(),
        )
        outbox.enqueue_after_commit([(DELIVER_WEBHOOK, {"delivery_id": again.pk})])
    hooks.record_action(
        action="webhook.redelivered",
        target=again,
        before={"delivery_id": delivery.pk, "status": delivery.status},
        after={"delivery_id": again.pk, "event_id": str(again.event_id)},
        actor=actor,
        ip_address=ip_address,
    )
    return again


def _tried_again_now(**delivery_is):
    """The staff-sent delivery (a test event, a redelivery) still being tried that a new one would join: its retry
    brought forward to now (one being posted is left to it); None when there is none."""
    unfinished = (
        WebhookDelivery.objects.select_for_update()
        .filter(**delivery_is, status__in=(Status.PENDING, Status.SENDING))
        .first()
    )
    if unfinished is not None and unfinished.status == Status.PENDING:
        unfinished.next_attempt_at = timezone.now()
        unfinished.save(update_fields=["next_attempt_at", "updated_at"])
        outbox.enqueue_after_commit([(DELIVER_WEBHOOK, {"delivery_id": unfinished.pk})])
    return unfinished


@transaction.atomic
def send_test_event(*, endpoint, actor=None, ip_address=None):
    """Post a test event (webhook.ping) to the endpoint, signed and retried as every delivery: staff check that the
    receiver is reached and verifies the signature without waiting for a patient. While an earlier test is still
    being tried, that one is tried again now instead: each test sent to a failing address was retried for
    WEBHOOK_RETRY_FOR_SECONDS, so every click added an hour of posts to an address the receiver does not answer."""
    delivery = _tried_again_now(endpoint=endpoint, event=WEBHOOK_PING)
    if delivery is None:
        event_id, now = uuid.uuid4(), timezone.now()
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event=WEBHOOK_PING,
            payload=event_payload(
                event_id=event_id,
                event_type=WEBHOOK_PING,
                occurred_at=now,
                subject=endpoint,
                serializer=EVENT_DATA_SHAPES[WEBHOOK_PING][endpoint.trusted_for_pii],
            ),
            next_attempt_at=now,
        )
        outbox.enqueue_after_commit([(DELIVER_WEBHOOK, {"delivery_id": delivery.pk})])
    hooks.record_action(
        action="webhook.test_sent",
        target=delivery,
        after={"endpoint_id": endpoint.pk, "event_id": str(delivery.event_id)},
        actor=actor,
        ip_address=ip_address,
    )
    return delivery


@transaction.atomic
def replace_secret(*, endpoint, keep_previous=True, actor=None, ip_address=None):
    """Give the endpoint a new generated secret, which signs every delivery sent from now on (retries too), and
    return it: the caller shows it once. keep_previous: the replaced secret signs beside it for
    WEBHOOK_SECRET_OVERLAP_HOURS, so the receiver takes the new one without refusing a delivery; without it (a leaked
    secret) the replaced one stops at once. Audited with the last 4 characters of the old and new secrets only."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = {"secret_last_four": endpoint.secret_last_four}
    if keep_previous:
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_until = timezone.now() + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
    else:
        endpoint.previous_secret, endpoint.previous_secret_until = "", None
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    after = {"secret_last_four": endpoint.secret_last_four}
    if keep_previous:
        after["previous_secret_signs_until"] = endpoint.previous_secret_until.isoformat()
    hooks.record_action(
        action="webhook_endpoint.secret_replaced",
        target=endpoint,
        before=before,
        after=after,
        actor=actor,
        ip_address=ip_address,
    )
    return endpoint


def signing_secrets(endpoint, now):
    """The secrets a delivery is signed with now: the previous one while its overlap lasts, then the current one."""
    if endpoint.previous_secret and endpoint.previous_secret_until and now < endpoint.previous_secret_until:
        return [endpoint.previous_secret, endpoint.secret]
    return [endpoint.secret]


def signature(*, secrets, timestamp, body):
    """The X-SmartQueue-Signature value: t=<unix time>, then v1=<hex HMAC-SHA256 of "<t>.<body>"> with each secret,
    the current one last (a receiver reading only the last v1 checks the current secret, as before overlaps)."""
    signed = f"{timestamp}.".encode() + body
    digests = [hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest() for secret in secrets]
    return ",".join([f"t={timestamp}", *(f"v1={digest}" for digest in digests)])


def exchange_seconds():
    """How long one POST may take in all, from connecting to the last byte of the excerpt: a connection's wait and an
    answer's, well within the sending lease, so a worker still posting is never taken for a dead one."""
    return 2 * settings.WEBHOOK_TIMEOUT_SECONDS


def sending_lease():
    return timedelta(seconds=settings.WEBHOOK_SENDING_LEASE_SECONDS)


def _claim(delivery_id, now):
    """Take the delivery for one task: when due, or when a dead worker's claim has expired."""
    due = Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(status=Status.SENDING, updated_at__lt=now - sending_lease())
    return WebhookDelivery.objects.filter(due, pk=delivery_id).update(
        status=Status.SENDING, attempts=F("attempts") + 1, updated_at=now
    )


def payload_for(endpoint, payload):
    """The payload as the endpoint may have it now: without the patient's name and phone unless it is trusted."""
    if endpoint.trusted_for_pii:
        return payload
    data = {field: value for field, value in payload["data"].items() if field not in PERSONAL_FIELDS}
    return payload | {"data": data}


class Failure(NamedTuple):
    """Why an attempt failed, as the delivery keeps it (WebhookFailure): worded when read, in the reader's language."""

    kind: str
    details: dict


def _address_failure(problem):
    """The failure of a refused address, from the ValidationError notifications.addresses raised."""
    return Failure(f"address_{problem.code}", problem.params or {})


def _post(delivery):
    """POST the delivery once: (status code or None, latency ms or None, response excerpt, Failure or None)."""
    endpoint = delivery.endpoint
    try:
        validate_webhook_url(endpoint.url)
    except ValidationError as error:
        return None, None, "", _address_failure(error)
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "SmartQueue-Webhooks/1",
        "X-SmartQueue-Event": delivery.event,
        "X-SmartQueue-Delivery": str(delivery.event_id),
        SIGNATURE_HEADER: signature(
            secrets=signing_secrets(endpoint, timezone.now()), timestamp=int(time.time()), body=body
        ),
    }
    started = time.monotonic()
    try:
        # No redirects: a redirect could lead to an address validate_webhook_url refuses.
        with webhook_session(within_seconds=exchange_seconds()) as session:
            response = session.post(
                endpoint.url,
                data=body,
                headers=headers,
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                allow_redirects=False,
                stream=True,
            )
            latency = round((time.monotonic() - started) * 1000)
            excerpt = _excerpt(response)
    except requests.RequestException as error:
        logger.info("Webhook delivery %s to endpoint %s failed: %r", delivery.pk, endpoint.pk, error)
        return None, round((time.monotonic() - started) * 1000), "", exchange_failure(error)
    if response.is_redirect:
        # A temporary redirect (302, 303, 307) is retried like any failure; a permanent one (301, 308) is final, like a
        # 410: the same address gives the same answer. Either way the panel says what to change.
        location = response.headers["Location"][:REDIRECT_LOCATION_LENGTH]
        kind = WebhookFailure.MOVED if response.is_permanent_redirect else WebhookFailure.REDIRECTED
        return response.status_code, latency, excerpt, Failure(kind, {"location": location})
    if response.status_code == HTTPStatus.GONE:
        return response.status_code, latency, excerpt, Failure(WebhookFailure.GONE, {})
    return response.status_code, latency, excerpt, None


def exchange_failure(error):
    """What the panel's deliveries say of an exchange that failed: str() of requests' error is the connection pool's
    repr ("HTTPConnectionPool(host=…): Max retries exceeded … <urllib3.connection.HTTPConnection object at 0x7f…>"),
    which told staff neither what went wrong nor what to check. The detail goes to the log."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(reason, RefusedPeerError):
        return _address_failure(reason.problem)
    if isinstance(error, requests.exceptions.SSLError):
        return Failure(WebhookFailure.CERTIFICATE, {})
    if isinstance(error, requests.Timeout):
        return Failure(WebhookFailure.TIMEOUT, {})
    if isinstance(error, requests.ConnectionError):
        return Failure(WebhookFailure.UNREACHABLE, {})
    return Failure(WebhookFailure.FAILED, {})


def _excerpt(response):
    """The start of the receiver's reply, as much as the delivery keeps: read no further, since a reply may be
    endless (the timeout only bounds each wait), and without NUL characters, which PostgreSQL's text cannot hold."""
    with response:
        try:
            start = next(response.iter_content(chunk_size=RESPONSE_EXCERPT_LENGTH * 4), b"")
        except requests.RequestException:
            # The status arrived; a reply cut off after it says nothing more about the delivery.
            return ""
    try:
        text = start.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        text = start.decode("utf-8", errors="replace")
    return text.replace("\x00", "")[:RESPONSE_EXCERPT_LENGTH]


def next_attempt_at(delivery, now):
    """When to try a failed delivery again, or None once the backoff would pass the retry window."""
    backoff = min(
        settings.WEBHOOK_RETRY_BACKOFF_SECONDS * 2 ** max(delivery.attempts - 1, 0),
        settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS,
    )
    # Equal jitter, between half the backoff and all of it: the deliveries a receiver's outage failed together
    # (every event of a busy morning) come back spread out, not all in the second it returns.
    retry_at = now + timedelta(seconds=backoff * random.uniform(0.5, 1))
    if retry_at > delivery.created_at + timedelta(seconds=settings.WEBHOOK_RETRY_FOR_SECONDS):
        return None
    return retry_at


def record_attempt_outcome(*, endpoint, delivered, now):
    """Count the endpoint's failed attempts in a row (a delivery ends the streak), and switch it off once every attempt
    has failed for WEBHOOK_DISABLE_AFTER_FAILING_HOURS, WEBHOOK_DISABLE_AFTER_FAILED_ATTEMPTS at least: a receiver
    gone for good is not posted to for ever, and the panel tells the admins, who switch it on again once it is fixed.
    Returns whether this attempt switched it off."""
    rows = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if delivered:
        rows.exclude(consecutive_failures=0, failing_since=None).update(consecutive_failures=0, failing_since=None)
        return False
    rows.update(consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce("failing_since", Value(now)))
    switched_off = rows.filter(
        is_active=True,
        consecutive_failures__gte=settings.WEBHOOK_DISABLE_AFTER_FAILED_ATTEMPTS,
        failing_since__lte=now - timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_FAILING_HOURS),
    ).update(is_active=False, disabled_automatically_at=now, updated_at=now)
    if not switched_off:
        return False
    # update() sends no post_save: the endpoints kept in the cache are read again without it.
    forget_subscriptions(sender=WebhookEndpoint)
    endpoint.refresh_from_db()
    logger.warning(
        "Webhook endpoint %s switched off: %s attempts in a row failed since %s",
        endpoint.pk,
        endpoint.consecutive_failures,
        endpoint.failing_since,
    )
    hooks.record_action(
        action="webhook_endpoint.disabled_automatically",
        target=endpoint,
        before={"is_active": True},
        after={
            "is_active": False,
            "consecutive_failures": endpoint.consecutive_failures,
            "failing_since": endpoint.failing_since.isoformat(),
        },
    )
    return True


def deliver_webhook(*, delivery_id):
    """Post one delivery if it is due and no live task holds it; returns (delivery, whether this call posted), the
    delivery None once it is gone with its endpoint (deleted while a retry waited in the broker)."""
    now = timezone.now()
    claimed = _claim(delivery_id, now)
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if not claimed or delivery is None:
        return delivery, False
    # The payload was made for the endpoint as it was when the event happened; retries and redeliveries follow
    # the endpoint as it is now. The row keeps what was sent, so no personal data stays for an untrusted endpoint.
    delivery.payload = payload_for(delivery.endpoint, delivery.payload)
    # A test event staff sent goes whatever the endpoint's switch: they check a receiver fixed before switching it on.
    if not delivery.endpoint.is_active and delivery.event != WEBHOOK_PING:
        delivery.status, delivery.next_attempt_at = Status.FAILED, None
        delivery.last_error_kind, delivery.last_error_details = WebhookFailure.INACTIVE, {}
        delivery.save()
        logger.info(
            "Webhook delivery %s (%s) not sent: endpoint %s is inactive",
            delivery.pk,
            delivery.event,
            delivery.endpoint_id,
        )
        return delivery, False
    status_code, latency, excerpt, failure = _post(delivery)
    delivery.last_status_code, delivery.last_latency_ms, delivery.response_excerpt = status_code, latency, excerpt
    delivery.last_error_kind, delivery.last_error_details = failure or ("", {})
    now = timezone.now()
    delivered = status_code is not None and 200 <= status_code < 300
    if delivered:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = Status.DELIVERED, now, None
    else:
        # A receiver that answered 410 Gone (as REST Hooks use it) or a permanent redirect said the address is gone
        # for good: trying the same address for an hour more gets the same answer.
        final = failure is not None and failure.kind in FINAL_FAILURES
        delivery.next_attempt_at = None if final else next_attempt_at(delivery, now)
        delivery.status = Status.PENDING if delivery.next_attempt_at else Status.FAILED
    delivery.save()
    record_attempt_outcome(endpoint=delivery.endpoint, delivered=delivered, now=now)
    logger.info(
        "Webhook delivery %s (%s) to endpoint %s, attempt %s: %s in %s ms -> %s%s",
        delivery.pk,
        delivery.event,
        delivery.endpoint_id,
        delivery.attempts,
        status_code or "no response",
        latency if latency is not None else "-",
        delivery.status,
        f" ({failure.kind} {failure.details})" if failure else "",
    )
    return delivery, True


def due_delivery_ids():
    """Deliveries no task is looking after: due for a retry whose task was lost, or held by a dead worker."""
    now = timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
    due = WebhookDelivery.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now - grace)
        | Q(status=Status.SENDING, updated_at__lt=now - sending_lease())
    )
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:RESUME_BATCH_SIZE])
