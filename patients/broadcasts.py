"""Publishing committed queue changes to the real-time groups.

Each change is numbered per department (see next_sequence) and pushed, already serialised, to:
- the department group (public queue sockets and display boards): tokens and states only;
- the doctor group of every active doctor of the department: the same, plus the changed patient's name;
- the patient group of every patient with an open visit in the department that day (their place in line
  moves with every change), and of the changed entry's own patient.

Frame shapes are documented in docs/realtime.md. Publishing runs after commit and never raises: a lost
frame is recovered by clients, which re-read the snapshot when they see a gap in the sequence.
"""

import json
import logging
import threading
from collections import defaultdict
from functools import cache

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from doctors.models import Doctor

from .models import Department, Queue
from .selectors import (
    consultation_pace,
    department_queue_snapshot,
    describe_visit,
    public_entry,
    staff_entry,
)

logger = logging.getLogger(__name__)

MESSAGE_VERSION = 1
# Channels calls the consumer method named after the message type, with "." replaced by "_".
FORWARD_MESSAGE_TYPE = "frame.forward"


def department_group(department_id):
    return f"queue_{department_id}"


def patient_group(patient_public_id):
    return f"patient_{patient_public_id.hex}"


def doctor_group(doctor_id):
    return f"doctor_{doctor_id}"


def frame(*, frame_type, department_id, seq, payload):
    """The envelope of every server-to-client message."""
    return {"type": frame_type, "version": MESSAGE_VERSION, "department": department_id, "seq": seq, "payload": payload}


# Per-department sequence numbers. With Redis every server process and worker shares one counter (INCR
# is atomic); without it the in-memory channel layer only reaches this one process, so a process-local
# counter is just as consistent.


@cache
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


def department_snapshot_frame(department):
    """The full-state frame a queue socket gets on connect and the display board polls."""
    # The sequence is read before the queue, so the snapshot holds at least every change up to it.
    seq = current_sequence(department.pk)
    queue = department_queue_snapshot(department=department)
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
    # Read once and shared by the queue snapshot and every patient's estimated wait.
    pace = consultation_pace(department=department)
    queue = department_queue_snapshot(department=department, pace=pace)
    entry = (
        Queue.objects.select_related("department", "patient", "doctor__user", "doctor__department").get(pk=entry_id)
        if entry_id
        else None
    )

    def envelope(payload, frame_type=frame_type):
        payload = {"event": event, **payload}
        if detail:
            payload["detail"] = detail
        return json.dumps(frame(frame_type=frame_type, department_id=department_id, seq=seq, payload=payload))

    public = {"queue": queue, **({"entry": public_entry(entry)} if entry else {})}
    staff = {"queue": queue, **({"entry": staff_entry(entry)} if entry else {})}
    outgoing = [(department_group(department_id), envelope(public))]
    staff_frame = envelope(staff)
    doctor_ids = Doctor.objects.filter(department_id=department_id, is_active=True).values_list("id", flat=True)
    outgoing += [(doctor_group(doctor_id), staff_frame) for doctor_id in doctor_ids]
    outgoing += [
        (patient_group(visit.patient.public_id), envelope({"visit": status}, frame_type="patient.status"))
        for visit, status in _affected_visits(department=department, entry=entry, queue=queue, pace=pace)
    ]
    async_to_sync(_send_all)(outgoing)


def _affected_visits(*, department, entry, queue, pace):
    day = entry.token_date if entry else timezone.localdate()
    if day.isoformat() != queue["date"]:
        # A change to another day's entry: that day's line and pace, not today's snapshot.
        queue = department_queue_snapshot(department=department, day=day)
        pace = consultation_pace(department=department, day=day)
    visits = {
        visit.pk: visit
        for visit in Queue.objects.active()
        .for_day(day)
        .filter(department=department)
        .select_related("department", "patient", "doctor__user", "doctor__department", "feedback")
    }
    if entry is not None:
        visits[entry.pk] = entry
    if not visits:
        return []
    # The snapshot lists the waiting tokens in service order, with their places: no need to read the line again.
    positions = {waiting["token"]: waiting["position"] for waiting in queue["waiting"]}
    now_serving = [served["token"] for served in queue["now_serving"]]
    return [
        (
            visit,
            describe_visit(
                visit,
                position=positions.get(visit.token) if visit.status == Queue.Status.WAITING else None,
                pace=pace,
                now_serving=now_serving,
            ),
        )
        for visit in visits.values()
    ]


async def _send_all(outgoing):
    layer = get_channel_layer()
    for group, text in outgoing:
        await layer.group_send(group, {"type": FORWARD_MESSAGE_TYPE, "text": text})
