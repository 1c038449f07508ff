"""Publishing committed queue changes to the real-time groups.

Subscribed to hooks.queue_changed (see PatientsConfig.ready): after the change's transaction commits, the
change is numbered per department (published.next_sequence) and pushed, already serialised, as at most
three messages whatever the length of the line:
- the changed token's own visit group (its status page sockets): the visit's new status (not for a token just
  registered, which has no socket yet);
- the department group (public queue sockets, display boards, and the sockets of visits waiting there,
  which derive their own place in line from it): tokens and states only;
- the department's staff group (its doctors' sockets): the same, plus the changed patient's name.

Frame shapes are the serializers' (patients.serializers) and documented in docs/realtime.md. Publishing
never raises: a lost frame is recovered by a snapshot re-read when a gap in the sequence shows (by the
client, or by the visit socket, which sees every department frame).

After its frames, the publisher of the day's first queue to say that no doctor is on duty nor expected back today,
with tokens waiting, announces it (hooks.no_doctor_left_today), for the apps above to tell the waiting patients; the
publisher of the first queue to have a doctor again after it announces that (hooks.doctor_back_today).
"""

import logging
from datetime import date, timedelta
from functools import partial

import orjson
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from smartqueue.shapes import represent

from . import hooks, published, services
from .models import Department, Queue
from .selectors import (
    department_lines,
    department_queue_snapshot,
    doctors_in,
    published_line,
    queue_joined_at_the_end,
    staff_entry,
    visit_status,
    visit_status_in_queue,
)
from .serializers import ServingTokenSerializer, WaitAlertSerializer, frame

logger = logging.getLogger(__name__)

# A token's change leaves the consultation pace (the day's consultations and no-shows, the doctors' roster,
# the configured average, the bookings not checked in yet) as it was, except a completed consultation (by its
# doctor, ended by an admin, or with a referral), a no-show or a booked patient's check-in: the other changes reuse
# the pace of the department's previous published queue. Who is being seen since when is read with every line.
# Department-level changes (doctors, availability, settings) always work it out again.
PACE_KEEPING_FRAME = "queue.changed"
PACE_CHANGING_EVENTS = frozenset({"completed", "consultation_ended", "referred", "skipped", "checked_in"})
# A new token joining the line: a walk-in's registration, or a booked patient's check-in. The wait published with it
# is kept for the reports' accuracy figures; kept for registrations only, booked patients' were never measured.
JOINING_EVENTS = frozenset({"registered", "checked_in"})
# A transfer's or a referral's new token (the event of both its tokens): its message tells it its place, as a
# registration's does, so that place is kept with it too (notifications' "patients ahead" waits for a better one).
MOVED_IN_EVENTS = frozenset({"transferred", "referred"})

# An admin's message to the department's screens and patients (its detail: serializers.BroadcastSerializer).
BROADCAST_EVENT = "broadcast"

# The hospital's day began (see publish_day_began).
DAY_BEGAN_EVENT = "day_began"

# A patient with a token of the department's went to a doctor of another department, or left them.
WITH_A_DOCTOR_ELSEWHERE_EVENT = "with_a_doctor_elsewhere"

# Every doctor of the department has gone by the clock alone (see publish_doctors_gone_by_the_clock).
DOCTORS_GONE_EVENT = "doctors_gone"

# The department (or the whole hospital) closed for today, or reopened (see publish_on_closing_of_today).
DAY_CLOSED_EVENT, DAY_REOPENED_EVENT = "day_closed", "day_reopened"

# What a published queue says of the department's doctors that its waiting patients are told (_no_doctor_episode).
NO_DOCTOR_LEFT, DOCTOR_BACK = "no_doctor_left", "doctor_back"

# Channels calls the consumer method named after the message type, with "." replaced by "_".
FORWARD_MESSAGE_TYPE = "frame.forward"


def department_group(department_id):
    return f"queue_{department_id}"


def visit_group(visit_public_id):
    """Every socket following one token's status link."""
    return f"visit_{visit_public_id.hex}"


def staff_group(department_id):
    """Every signed-in doctor's socket of the department: one message reaches them all."""
    return f"staff_{department_id}"


def publish_on_commit(sender, *, change, **kwargs):
    """hooks.queue_changed receiver: publish the change once its transaction commits; and where the patient went to a
    doctor or left one, to the other departments of their day's tokens, whose pages mark them as with a doctor."""
    if change.moves_line:
        transaction.on_commit(partial(publish_queue_change, event=change.event, entry=change.entry))
    went_or_left = _with_a_doctor(change.before) != _with_a_doctor(change.after)
    if went_or_left and change.entry.token_date == timezone.localdate():
        transaction.on_commit(partial(publish_to_the_patients_other_departments, entry=change.entry))


def _with_a_doctor(snapshot):
    return snapshot.get("status") in Queue.SERVING_STATUSES


def publish_to_the_patients_other_departments(*, entry):
    """Tell the other departments where the patient's token of the day is waiting or skipped that they went to a
    doctor or left one: their doctors' dashboards mark such a row "With a doctor in ..." (doctors.selectors), the
    patient Call next passes over (services.call_next)."""
    try:
        departments = list(
            Queue.objects.for_day(entry.token_date)
            .filter(patient_id=entry.patient_id, status__in=(Queue.Status.WAITING, Queue.Status.SKIPPED))
            .exclude(department_id=entry.department_id)
            .values_list("department_id", flat=True)
            .distinct()
        )
    except Exception:
        logger.exception("Could not find the other departments of queue entry %s", entry.pk)
        return
    for department_id in departments:
        publish_department_change(event=WITH_A_DOCTOR_ELSEWHERE_EVENT, department_id=department_id)


def publish_on_department_save(sender, instance, created, **kwargs):
    """Department post_save receiver: settings edited anywhere (panel, Django admin) reach screens and estimates."""
    if not created:
        transaction.on_commit(
            partial(publish_department_change, event="department_updated", department_id=instance.pk)
        )


def publish_on_closing_of_today(sender, *, change, **kwargs):
    """hooks.closing_of_today_changed receiver: today closed or reopened reaches the screens and the patients in line
    at once (their queue's closed_today), after commit."""
    event = DAY_CLOSED_EVENT if change.closed else DAY_REOPENED_EVENT
    transaction.on_commit(
        partial(publish_closing_of_today, event=event, department_id=change.department_id)
    )


def publish_closing_of_today(*, event, department_id):
    """Publish the queue of the department closed or reopened today, or of every active one for the whole hospital.
    The day's closures it reads were forgotten by a callback of the same commit registered before this one
    (appointments.on_closed_day_written)."""
    if department_id is None:
        department_ids = list(Department.objects.active().values_list("pk", flat=True))
    else:
        department_ids = [department_id]
    for each in department_ids:
        publish_department_change(event=event, department_id=each)


def publish_wait_alert(sender, *, change, **kwargs):
    """hooks.wait_alert_changed receiver: a frame to the department's screens, which re-read their fragments."""
    alert = change.alert
    publish_department_change(
        event="wait_alert_raised" if change.raised else "wait_alert_cleared",
        department_id=alert.department_id,
        payload={"wait_alert": represent(WaitAlertSerializer, alert)},
    )


# How many days back a department's tokens keep its screens showing their day until told that a new one began.
DAY_BEGAN_LOOKS_BACK_DAYS = 7


def publish_day_began(sender, *, change, **kwargs):
    """hooks.day_began receiver: the screens of each active department with tokens of the days before, which show the
    day of their last frame where nothing has changed since midnight (its "Next", its patients serving), redraw with
    the new day's line."""
    since = change.day - timedelta(days=DAY_BEGAN_LOOKS_BACK_DAYS)
    departments = Department.objects.active().filter(
        queue_entries__token_date__lt=change.day, queue_entries__token_date__gte=since
    )
    for department_id in departments.values_list("pk", flat=True).distinct():
        publish_department_change(event=DAY_BEGAN_EVENT, department_id=department_id)


def publish_department_change(*, event, department_id, payload=None):
    """Tell the department's subscribers that its queue changed; never fails the caller.

    payload (e.g. {"doctor_id": 3, "availability": "on_break"} or {"message": "..."}) reaches public
    sockets as payload.detail, so it must not hold patient names or phones.
    """
    try:
        if event == BROADCAST_EVENT:
            payload = published.keep_broadcast(department_id, payload, now=timezone.now())
        _publish(frame_type="department.changed", event=event, department_id=department_id, detail=payload or {})
    except Exception:
        # The change is committed; a missed broadcast is recovered by the clients' snapshot re-read.
        logger.exception("Could not broadcast %s for department %s", event, department_id)


def publish_doctors_gone_by_the_clock():
    """Celery beat, each minute: publish the queue of each department with patients waiting whose doctors have
    gone by the clock alone since its last change (the last shift has ended of a doctor on a break since before
    its end, or who never came), so that its screens and waiting patients are told now rather than at its next
    change. Returns those departments' ids. Other departures are changes of their own (a doctor signing off, an
    absence recorded), published as they happen."""
    today = timezone.localdate()
    waiting = list(
        Department.objects.active()
        .filter(queue_entries__token_date=today, queue_entries__status=Queue.Status.WAITING)
        .distinct()
    )
    told = published.told_no_doctor_left([department.pk for department in waiting], today.isoformat())
    untold = [department for department in waiting if department.pk not in told]
    lines = department_lines(departments=untold, day=today) if untold else {}
    gone = [department_id for department_id, line in lines.items() if line.pace.no_doctor_left_today]
    for department_id in gone:
        publish_department_change(event=DOCTORS_GONE_EVENT, department_id=department_id)
    return gone


def publish_queue_change(*, event, entry):
    """Push a committed queue entry change to the department, its doctors and the token's own status page.

    The entry is the one the change saved: as committed, with its department and patient at hand.
    """
    try:
        _publish(frame_type="queue.changed", event=event, department_id=entry.department_id, entry=entry)
    except Exception:
        logger.exception("Could not broadcast %s of queue entry %s", event, entry.pk)


def _publish(*, frame_type, event, department_id, entry=None, detail=None):
    keeps_pace = frame_type == PACE_KEEPING_FRAME and event not in PACE_CHANGING_EVENTS
    if not keeps_pace:
        published.next_pace_generation(department_id)
    # Numbered before the snapshot is read, so a frame's snapshot includes every change up to its number.
    seq = published.next_sequence(department_id)
    joined = _line_extended(event=event, entry=entry, seq=seq)
    if joined is not None:
        queue, place = joined.queue, joined.place
        published.keep_snapshot(department_id, seq, queue, line_end=joined.end, kept_at=joined.kept_at)
    else:
        department = entry.department if entry is not None else Department.objects.get(pk=department_id)
        # After a change that alters the pace, the generation counted up above leaves no kept pace to reuse.
        reuse = published.pace_to_reuse(
            department_id, generation=published.current_pace_generation(department_id), recent_only=False
        )
        line = published_line(department=department, reuse=reuse)
        queue = department_queue_snapshot(department=department, line=line)
        published.keep_snapshot(department_id, seq, queue, line_end=line.end)
        place = line.place_of(entry.pk) if entry is not None else None
    joining = entry if event in JOINING_EVENTS else None
    episode = _no_doctor_episode(
        department_id=department_id, queue=queue, department_level=frame_type != PACE_KEEPING_FRAME, joining=joining
    )
    told_its_place = event in JOINING_EVENTS or (event in MOVED_IN_EVENTS and entry.transferred_from_id is not None)
    if told_its_place and place is not None:
        # The estimate published with the registration is the one its patient is shown (from this snapshot).
        services.record_registration_estimate(
            entry=entry, minutes=place.estimated_wait_minutes, patients_ahead=place.position - 1
        )
    published.forget_snapshot(department_id, seq - 2)

    def envelope(payload, frame_type=frame_type):
        payload = {"event": event, **payload}
        if detail:
            payload["detail"] = detail
        return orjson.dumps(frame(frame_type=frame_type, department_id=department_id, seq=seq, payload=payload)).decode()

    outgoing = []
    if entry is not None:
        status = visit_status_in_queue(entry=entry, queue=queue) or visit_status(entry=entry)
        published.note_status_published(entry.pk, status)
        # A token just registered has no socket yet: its link is in this registration's answer, and a socket
        # opened on it starts from a snapshot. Any other change goes first to the visit's sockets, so they have
        # their own, complete status before the department frame of the same number (from which they only
        # derive other patients' moves).
        if event != "registered":
            outgoing.append((visit_group(entry.public_id), envelope({"visit": status}, "patient.status")))
    entries = {"entry": represent(ServingTokenSerializer, entry)} if entry else {}
    staff_entries = {"entry": staff_entry(entry)} if entry else {}
    # Waiting visits' sockets are in the department group too and derive their new place from this frame.
    outgoing.append((department_group(department_id), envelope({"queue": queue, **entries})))
    outgoing.append((staff_group(department_id), envelope({"queue": queue, **staff_entries})))
    async_to_sync(_send_all)(outgoing)
    day = date.fromisoformat(queue["date"])
    if episode == NO_DOCTOR_LEFT:
        hooks.announce_no_doctor_left_today(
            hooks.NoDoctorLeftToday(
                department_id=department_id, day=day, joining_entry_id=joining.pk if joining is not None else None
            )
        )
    elif episode == DOCTOR_BACK:
        hooks.announce_doctor_back_today(hooks.DoctorBackToday(department_id=department_id, day=day))


def _no_doctor_episode(*, department_id, queue, department_level, joining=None):
    """NO_DOCTOR_LEFT when the queue is the first of its day to say that no doctor is on duty nor expected back today,
    with tokens waiting: its waiting patients are then told (hooks.no_doctor_left_today). DOCTOR_BACK when it is the
    first to have a doctor on duty or expected again after such a queue (the episode's end): the patients told are
    then told that a doctor is back (hooks.doctor_back_today). None otherwise.

    Most often the change that made it so is the first (the last doctor going off after their shift, an absence
    recorded); a doctor on a break outlasting their shift leaves by the clock, found by the first change published
    with the pace measured since. Tokens joining a line that already says so are not announced (their own messages
    say it), and a doctor back (a department-level change: availability, roster) ends the episode, so that the next
    to leave tells the line again, each token at most once (notifications). A token joining the line (joining) is
    not counted among those to tell: its own registration or check-in text says it, and a line empty since the
    last doctor left, first published by that registration, had texted its patient twice. An episode announced to
    nobody (its line was empty) ends unannounced too: nobody was told it began."""
    day = queue["date"]
    if doctors_in(queue)["no_doctor_left_today"]:
        others_waiting = queue["queue_length"] - (1 if joining is not None else 0)
        claimed = published.claim_no_doctor_left(department_id, day, announced=others_waiting > 0)
        return NO_DOCTOR_LEFT if claimed and others_waiting > 0 else None
    if department_level and published.forget_no_doctor_left(department_id, day):
        return DOCTOR_BACK
    return None


def _line_extended(*, event, entry, seq):
    """A registration is most often a walk-in joining the end of the line: its queue is then the one published
    just before it with the new token added (a selectors.JoinedQueue), without reading and playing the line
    again. None when that queue is not kept (still being published, evicted) or its waits are due for working
    out again, and for every other change."""
    if event != "registered" or entry is None:
        return None
    kept = published.line_to_extend(entry.department_id, seq - 1)
    return None if kept is None else queue_joined_at_the_end(kept=kept, entry=entry)


async def _send_all(outgoing):
    layer = get_channel_layer()
    for group, text in outgoing:
        await layer.group_send(group, {"type": FORWARD_MESSAGE_TYPE, "text": text})
