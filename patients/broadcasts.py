"""Publishing committed queue changes to the real-time groups.

Each change is numbered per department (see next_sequence) and pushed, already serialised, as at most
three messages whatever the length of the line:
- the changed entry's own patient group: their new visit status;
- the department group (public queue sockets, display boards, and the sockets of patients with an open
  visit there, which derive their own place in line from it): tokens and states only;
- the department's staff group (its doctors' sockets): the same, plus the changed patient's name.

Frame shapes are documented in docs/realtime.md. Publishing runs after commit and never raises: a lost
frame is recovered by a snapshot re-read when a gap in the sequence shows (by the client, or by the patient
socket, which sees every department frame).

Each publish keeps the queue it computed; the queue API, display boards, sockets connecting and patients'
statuses read that latest published queue (latest_queue_snapshot, current_visit_status) rather than the
database, which answers only when it is missing.
"""

import json
import logging
import threading
import functools
from collections import defaultdict

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache

from .models import Department, Queue
from .selectors import (
    current_visit,
    department_queue_snapshot,
    public_entry,
    staff_entry,
    visit_status,
    visit_status_in_queue,
)

logger = logging.getLogger(__name__)

MESSAGE_VERSION = 1
# Channels calls the consumer method named after the message type, with "." replaced by "_".
FORWARD_MESSAGE_TYPE = "frame.forward"


def department_group(department_id):
    return f"queue_{department_id}"


def patient_group(patient_public_id):
    return f"patient_{patient_public_id.hex}"


def staff_group(department_id):
    """Every signed-in doctor's socket of the department: one message reaches them all."""
    return f"staff_{department_id}"


def frame(*, frame_type, department_id, seq, payload):
    """The envelope of every server-to-client message."""
    return {"type": frame_type, "version": MESSAGE_VERSION, "department": department_id, "seq": seq, "payload": payload}


# Per-department sequence numbers. With Redis every server process and worker shares one counter (INCR
# is atomic); without it the in-memory channel layer only reaches this one process, so a process-local
# counter is just as consistent.


@functools.cache
def _redis():
    return redis.Redis.from_url(settings.REDIS_URL)


def _sequence_key(department_id):
    prefix = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "smartqueue")
    return f"{prefix}:department-seq:{department_id}"


_local_current = defaultdict(int)
_local_lock = threading.Lock()


def next_sequence(department_id):
    if settings.REDIS_URL:
        return _redis().incr(_sequence_key(department_id))
    with _local_lock:
        _local_current[department_id] += 1
        return _local_current[department_id]


def current_sequence(department_id):
    """The number of the department's latest change; snapshots carry it so clients can spot gaps."""
    if settings.REDIS_URL:
        return int(_redis().get(_sequence_key(department_id)) or 0)
    with _local_lock:
        return _local_current[department_id]


# The public queue each publish computed, kept under its sequence number: until the next change is published,
# every queue read (REST, display boards, sockets connecting) is served from it without touching the database.
# Only publishes store, so an entry is never older than the change its number names; the expiry bounds what an
# unpublished edit (e.g. a department's average consultation changed in Django admin) can leave stale.
SNAPSHOT_CACHE_SECONDS = 30


def _snapshot_cache_key(department_id, seq):
    return f"queue-snapshot:{department_id}:{seq}"


def latest_queue_snapshot(*, department_id, department=None):
    """department_queue_snapshot as of the department's latest published change, from the cache when it can.

    None when there is no such department. A caller holding the department passes it, saving its read on a miss.
    """
    return _queue_snapshot_as_of(department_id, _readable_sequence(department_id), department)


def _readable_sequence(department_id):
    """current_sequence, or None while Redis is unreachable: nothing is published then, and the database answers."""
    try:
        return current_sequence(department_id)
    except redis.RedisError:
        logger.warning("Sequence of department %s unreadable; its queue is read from the database", department_id)
        return None


def _queue_snapshot_as_of(department_id, seq, department=None):
    snapshot = cache.get(_snapshot_cache_key(department_id, seq)) if seq is not None else None
    if snapshot is None:
        department = department or Department.objects.filter(pk=department_id).first()
        snapshot = department_queue_snapshot(department=department) if department else None
    return snapshot


def current_visit_status(*, entry):
    """visit_status, from the department's latest published queue when it holds the visit: no query then."""
    queue = latest_queue_snapshot(department_id=entry.department_id, department=entry.department)
    return visit_status_in_queue(entry=entry, queue=queue) or visit_status(entry=entry)


def current_patient_status(*, patient):
    """Status of the patient's current visit, or None when they have never had a token."""
    entry = current_visit(patient=patient)
    return current_visit_status(entry=entry) if entry else None


def department_snapshot_frame(department):
    """The full-state frame a queue socket gets on connect and the display board polls."""
    # The sequence is read before the queue, so the snapshot holds at least every change up to it. Without one
    # (Redis unreachable) the frame is unnumbered, and clients apply it as full state.
    seq = _readable_sequence(department.pk)
    queue = _queue_snapshot_as_of(department.pk, seq, department)
    return frame(frame_type="snapshot", department_id=department.pk, seq=seq, payload={"queue": queue})


def publish_department_change(*, event, department_id, payload=None):
    """Tell the department's subscribers that its queue changed; never fails the caller.

    payload (e.g. {"doctor_id": 3, "availability": "on_break"} or {"message": "..."}) reaches public
    sockets as payload.detail, so it must not hold patient names or phones.
    """
    try:
        _publish(frame_type="department.changed", event=event, department_id=department_id, detail=payload or {})
    except Exception:
        # The change is committed; a missed broadcast is recovered by the clients' snapshot re-read.
        logger.exception("Could not broadcast %s for department %s", event, department_id)


def publish_queue_change(*, event, entry_id, department_id):
    """Push a committed queue entry change to the department, its doctors and its waiting patients."""
    try:
        _publish(frame_type="queue.changed", event=event, department_id=department_id, entry_id=entry_id)
    except Exception:
        logger.exception("Could not broadcast %s of queue entry %s", event, entry_id)


def _publish(*, frame_type, event, department_id, entry_id=None, detail=None):
    # Numbered before the snapshot is read, so a frame's snapshot includes every change up to its number.
    seq = next_sequence(department_id)
    department = Department.objects.get(pk=department_id)
    queue = department_queue_snapshot(department=department)
    cache.set(_snapshot_cache_key(department_id, seq), queue, SNAPSHOT_CACHE_SECONDS)
    entry = (
        Queue.objects.select_related("department", "patient", "doctor__user", "doctor__department", "feedback").get(
            pk=entry_id
        )
        if entry_id
        else None
    )

    def envelope(payload, frame_type=frame_type):
        payload = {"event": event, **payload}
        if detail:
            payload["detail"] = detail
        return json.dumps(frame(frame_type=frame_type, department_id=department_id, seq=seq, payload=payload))

    outgoing = []
    if entry is not None:
        # First, so the patient's socket has its own, complete status before it reads the department frame
        # of the same number (from which it only derives other patients' moves).
        status = visit_status_in_queue(entry=entry, queue=queue) or visit_status(entry=entry)
        outgoing.append((patient_group(entry.patient.public_id), envelope({"visit": status}, "patient.status")))
    entries = {"entry": public_entry(entry)} if entry else {}
    staff_entries = {"entry": staff_entry(entry)} if entry else {}
    # Waiting patients' sockets are in the department group too and derive their new place from this frame.
    outgoing.append((department_group(department_id), envelope({"queue": queue, **entries})))
    outgoing.append((staff_group(department_id), envelope({"queue": queue, **staff_entries})))
    async_to_sync(_send_all)(outgoing)


async def _send_all(outgoing):
    layer = get_channel_layer()
    for group, text in outgoing:
        await layer.group_send(group, {"type": FORWARD_MESSAGE_TYPE, "text": text})
