"""The read model: every read of the queue that pages, the API, sockets and messages share.

department_line is the one place a line's order, each token's place and its estimated wait are worked
out; the snapshots, visit statuses and Queue.get_position_in_queue all read it. Output shapes are the
serializers' (patients.serializers), so REST answers, socket frames and the OpenAPI schema agree.
Public shapes carry tokens and states only: the display boards, the queue API and the public sockets
must never show a patient's name or phone.
"""

import bisect
import functools
import hashlib
import math
import re
import time
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import BooleanField, Case, Count, Exists, FilteredRelation, OuterRef, Q, Value, When
from django.utils import timezone

from smartqueue.days import day_starts_at
from smartqueue.shapes import represent

from . import appointments, estimates, hooks, published
from .estimates import ConsultationPace, WaitEstimate
from .models import (
    TOKEN_PATTERN,
    Appointment,
    DailyCapacity,
    Department,
    Patient,
    Queue,
    WaitAlert,
    format_token,
    number_places,
)
from .statements import ANY_DAY, ANY_DEPARTMENT_ID, ANY_PUBLIC_ID, CompiledStatement
from .serializers import (
    QueueSnapshotSerializer,
    StaffEntrySerializer,
    VisitStatusSerializer,
    WaitingTokenSerializer,
    frame,
)

# What the wait estimates read of a department's day (see estimates.measure_pace).
PACE_VISIT_FIELDS = (
    "id",
    "department_id",
    "priority",
    "status",
    "priority",
    "doctor_id",
    "checked_in_at",
    "called_at",
    "started_at",
    "completed_at",
    "consultation_ended_for_doctor",
    "consultation_left_open",
    "skipped_at",
    "transferred_from_id",
)
PACE_BOOKING_FIELDS = ("department_id", "status", "slot_start")
# What the public is told of a department's doctors: the ConsultationPace's and the queue snapshot's fields of
# these names (QueueSnapshotSerializer says what each means).
DOCTORS_FIELDS = ("doctors_on_duty", "doctors_expected_at", "no_doctor_left_today", "hours_end_at")
NO_DOCTORS = {"doctors_on_duty": 0, "doctors_expected_at": None, "no_doctor_left_today": False, "hours_end_at": None}
# Whether a newcomer can still be registered today: the queue snapshot's fields of these names (DailyCapacityMixin
# says what each means), as they are for a department without a daily limit.
NO_DAILY_LIMIT = {"full_today": False, "capacity_today": None}
# A department's history is kept for a day (it is keyed by the day, so this only bounds how long it lingers).
HISTORY_CACHE_SECONDS = 24 * 60 * 60


def consultation_pace(*, department, day=None):
    """The ConsultationPace of one department's day: its history so far, bookings and doctors' roster (3 queries)."""
    return consultation_paces(departments=[department], day=day)[department.pk]


def consultation_paces(*, departments, day=None):
    """consultation_pace for several departments at once, in three queries: {department_id: ConsultationPace}."""
    now = timezone.now()
    day = day or timezone.localdate(now)
    by_id = {department.pk: department for department in departments}
    visits = {department_id: [] for department_id in by_id}
    for visit in Queue.objects.filter(token_date=day, department_id__in=by_id).values(*PACE_VISIT_FIELDS):
        visits[visit["department_id"]].append(visit)
    return _measured_paces(by_id, visits=visits, day=day, now=now)


def _measured_paces(departments, *, visits, day, now):
    """{department_id: ConsultationPace} of the departments ({id: department}) from their day's visits
    ({id: [visit as PACE_VISIT_FIELDS]}), reading their bookings and duty roster (2 queries) and their history
    of earlier days (one more query the first time of the day)."""
    bookings = {department_id: [] for department_id in departments}
    # A booking whose patient the desk put in line (or the doctor saw) before its check-in stays booked until then,
    # but nobody is still to come for it: counted at its slot on top of their own token, it held back every walk-in
    # arriving after the slot.
    day_bookings = Appointment.objects.filter(slot_start__date=day, department_id__in=departments).exclude(
        appointments.booked_by_a_patient_here(day)
    )
    for booking in day_bookings.values(*PACE_BOOKING_FIELDS):
        bookings[booking["department_id"]].append(booking)
    roster = hooks.duty_roster(departments, day=day)
    histories = consultation_histories(department_ids=list(departments), day=day)
    # The hospital's settings are cached; read only on days with bookings or a doctor without scheduled hours (who
    # works the clinic's).
    configuration = (
        hooks.hospital_settings()
        if any(bookings.values()) or any(not doctor.shifts for doctors in roster.values() for doctor in doctors)
        else hooks.HospitalSettings()
    )
    booking_grace = timedelta(minutes=configuration.appointment_grace_minutes if any(bookings.values()) else 0)
    return {
        department_id: estimates.measure_pace(
            department=department,
            day=day,
            visits=visits[department_id],
            roster=estimates.availabilities(roster.get(department_id, []), visits=visits[department_id], now=now),
            now=now,
            bookings=bookings[department_id],
            booking_grace=booking_grace,
            history=histories[department_id],
            doctors_scheduled=any(doctor.shifts for doctor in roster.get(department_id, []))
            or any(visit["doctor_id"] is not None for visit in visits[department_id]),
            clinic_closes_at=configuration.clinic_closes_at,
        )
        for department_id, department in departments.items()
    }


def _history_cache_key(department_id, day):
    # Named after the history's fields too: a copy pickled by code with other fields is never read back.
    fields = ",".join(field.name for field in dataclass_fields(estimates.ConsultationHistory))
    digest = hashlib.sha256(fields.encode()).hexdigest()[:12]
    return f"consultation-history:{digest}:{department_id}:{day.isoformat()}"


def consultation_histories(*, department_ids, day):
    """{department_id: estimates.ConsultationHistory} from the tokens of the HISTORY_DAYS before day.

    Earlier days do not change in the course of a day: each is read once a day (one query for the departments
    not kept yet) and kept in the cache until the day is over.
    """
    keys = {department_id: _history_cache_key(department_id, day) for department_id in department_ids}
    try:
        kept = cache.get_many(list(keys.values()))
    except (ImportError, AttributeError, TypeError):
        # Kept by a process running other code (a rolling deploy that renamed a class): read again.
        kept = {}
    missing = [department_id for department_id, key in keys.items() if key not in kept]
    if missing:
        visits = {department_id: [] for department_id in missing}
        earlier = Queue.objects.filter(
            department_id__in=missing,
            token_date__gte=day - timedelta(days=estimates.HISTORY_DAYS),
            token_date__lt=day,
        )
        for visit in earlier.values(*PACE_VISIT_FIELDS, "token_date"):
            visits[visit["department_id"]].append(visit)
        computed = {keys[department_id]: estimates.summarize_history(visits[department_id]) for department_id in missing}
        cache.set_many(computed, HISTORY_CACHE_SECONDS)
        kept.update(computed)
    return {department_id: kept[key] for department_id, key in keys.items()}


class PlaceInLine(NamedTuple):
    """One waiting token's place in its department's line and the wait that place means.

    The low and high minutes are the range to show beside the estimate, None when it is narrow. A named tuple
    for the reason estimates.WaitEstimate is one.
    """

    entry_id: int
    token: str
    priority: str
    position: int
    estimated_wait_minutes: int
    estimated_wait_low_minutes: int | None = None
    estimated_wait_high_minutes: int | None = None
    maybe_not_today: bool = False
    status: str = Queue.Status.WAITING
    with_a_doctor_elsewhere: bool = False


@dataclass(frozen=True)
class LineEnd:
    """Where a department's line ends: the line played to its last waiting token (estimates.LinePlay) and that
    token's Queue.service_order_key, None for an empty line. Kept with the published queue: a token registered
    after it that sorts after its last one joins behind it, so the publisher places them from here instead of
    reading and playing the whole line again (queue_joined_at_the_end)."""

    play: estimates.LinePlay
    last_key: tuple | None

    def takes_at_the_end(self, entry):
        return self.last_key is None or _order_key(entry) > self.last_key


def _order_key(entry):
    return Queue.service_order_key(priority=entry.priority, due=entry.due, entry_id=entry.pk)


@dataclass(frozen=True)
class DepartmentLine:
    """A department's waiting tokens for a day, in the order they will be called, with place and wait, and the
    tokens its doctors are serving."""

    department: Department
    day: object
    pace: ConsultationPace
    waiting: list
    serving: list
    # What a patient registering now should expect: the place after the last token due by now (a booked patient
    # who came early for a later slot is called after them).
    newcomer: WaitEstimate
    end: LineEnd
    _places: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_places", {place.entry_id: place for place in self.waiting})

    def place_of(self, entry_id):
        return self._places.get(entry_id)


# The wait of a patient registering now, as a queue snapshot and the departments list give it: the figure, its
# range and whether it runs past the day's hours, as each waiting token's (_place).
NEWCOMER_WAIT_FIELDS = (
    "estimated_wait_minutes", "estimated_wait_low_minutes", "estimated_wait_high_minutes", "maybe_not_today"
)


def newcomer_wait(wait):
    """The NEWCOMER_WAIT_FIELDS of a newcomer's WaitEstimate."""
    low, high = wait.shown_range or (None, None)
    return {
        "estimated_wait_minutes": wait.minutes,
        "estimated_wait_low_minutes": low,
        "estimated_wait_high_minutes": high,
        "maybe_not_today": wait.maybe_not_today,
    }


def _tokens_ahead_of_a_newcomer(waiting, now):
    """How many of the waiting rows (in service order) a patient registering at `now` (a walk-in, of normal
    priority) is called after: not a booked patient who came early for a later slot, only the tokens due by then.
    The wait a newcomer is promised is the wait at that place, not behind the whole line. A bisection: a line of
    500 is read at nine of its places, not all of them."""
    newcomer_key = Queue.service_order_key(priority=Queue.Priority.NORMAL, due=now, entry_id=math.inf)
    return bisect.bisect_right(waiting, newcomer_key, key=_service_order_key_of_row)


def _service_order_key_of_row(row):
    return Queue.service_order_key(priority=row["priority"], due=row["due"], entry_id=row["id"])


def _place(row, token, wait):
    low, high = wait.shown_range or (None, None)
    return PlaceInLine(
        entry_id=row["id"],
        token=token,
        priority=row["priority"],
        position=row["place"],
        estimated_wait_minutes=wait.minutes,
        estimated_wait_low_minutes=low,
        estimated_wait_high_minutes=high,
        maybe_not_today=wait.maybe_not_today,
        with_a_doctor_elsewhere=row.get(WITH_A_DOCTOR_ELSEWHERE, False),
    )


# Read for the tokens being served only (a relation joined on that condition): what the models' rules for the
# calling doctor's name and the room to go to read (the doctor's str and location, Queue.where_to_go).
SERVING_DOCTOR = "serving_doctor"
SERVING_DOCTOR_FIELDS = tuple(
    f"{SERVING_DOCTOR}__{name}"
    for name in (
        "room",
        "translations",
        "user__username",
        "user__first_name",
        "user__last_name",
        "department__name",
        "department__room",
        "department__translations",
    )
)
# What department_line reads of each token: the line and who is served, and, when it measures the pace, what
# the pace reads of the day's tokens.
# A waiting token whose patient is with a doctor of another department just now (Queue.with_a_doctor_elsewhere):
# the boards say so beside it, its place and wait as they are.
WITH_A_DOCTOR_ELSEWHERE = "with_a_doctor_elsewhere"
OPEN_LINE_FIELDS = (
    "id", "token_number", "priority", "doctor_id", "called_at", WITH_A_DOCTOR_ELSEWHERE, *SERVING_DOCTOR_FIELDS
)
LINE_FIELDS = (*OPEN_LINE_FIELDS, *(name for name in PACE_VISIT_FIELDS if name not in OPEN_LINE_FIELDS))


def _line_rows(tokens, fields):
    """The tokens as rows of fields in service order, the calling doctor joined for those being served, and for
    those waiting whether their patient is with a doctor elsewhere (looked up for them only)."""
    serving_doctor = FilteredRelation("doctor", condition=Q(status__in=Queue.SERVING_STATUSES))
    with_a_doctor_elsewhere = Case(
        When(status=Queue.Status.WAITING, then=Exists(Queue.with_a_doctor_elsewhere())),
        default=Value(False),
        output_field=BooleanField(),
    )
    return tokens.annotate(
        **{SERVING_DOCTOR: serving_doctor, WITH_A_DOCTOR_ELSEWHERE: with_a_doctor_elsewhere}
    ).service_order_rows(fields)


@functools.cache
def _compiled_line(*, open_only):
    tokens = Queue.objects.active() if open_only else Queue.objects.all()
    return CompiledStatement.compile(
        _line_rows(tokens, OPEN_LINE_FIELDS if open_only else LINE_FIELDS).filter(
            department_id=ANY_DEPARTMENT_ID, token_date=ANY_DAY
        ),
        department_id=ANY_DEPARTMENT_ID,
        day=ANY_DAY,
    )


def _day_of_tokens(*, department, day, open_only):
    """The department's tokens of the day in service order, as number_places' rows of LINE_FIELDS, in one
    statement; only those waiting or being served, with OPEN_LINE_FIELDS, when open_only (the pace is not
    measured)."""
    return number_places(_compiled_line(open_only=open_only).rows(department_id=department.pk, day=day))


def _served_entry(row, department):
    """A token being served as the model instance its public shape reads, built from its row: its token, the
    doctor's name and where to go follow the models' rules."""
    entry = Queue(
        id=row["id"],
        department=department,
        token_number=row["token_number"],
        priority=row["priority"],
        status=row["status"],
        called_at=row["called_at"],
    )
    if row["doctor_id"] is not None:
        (
            room,
            translations,
            username,
            first_name,
            last_name,
            department_name,
            department_room,
            department_translations,
        ) = (row[name] for name in SERVING_DOCTOR_FIELDS)
        doctor_model = Queue.doctor.field.related_model
        entry.doctor = doctor_model(
            id=row["doctor_id"],
            room=room,
            translations=translations,
            user=doctor_model.user.field.related_model(username=username, first_name=first_name, last_name=last_name),
            department=Department(name=department_name, room=department_room, translations=department_translations),
        )
    return entry


def _latest_call_first(row):
    """Sort key, reversed: the latest call first, then the later token; a token without a call time (possible
    only in data not written through the services) after the others."""
    return (row["called_at"] is not None, row["called_at"], row["id"])


def department_line(*, department, day=None, pace=None):
    """The department's line for the day (today by default): the one place of order, places and waits (3 queries).

    One statement reads the day's tokens: the line, who is being served and the history the pace is measured
    from; the pace adds the day's bookings and the doctors' roster. A pace computed earlier (e.g. with the
    department's previous published queue) is reused when it holds for this day and configuration, saving
    those two queries and the reading of finished tokens; the publisher passes one only after changes that
    leave the pace as it was.
    """
    now = timezone.now()
    day = day or timezone.localdate(now)
    keeps_pace = pace is not None and pace.holds_for(department=department, day=day)
    rows = _day_of_tokens(department=department, day=day, open_only=keeps_pace)
    if not keeps_pace:
        pace = _measured_paces({department.pk: department}, visits={department.pk: rows}, day=day, now=now)[
            department.pk
        ]
    return _line_of_rows(department=department, day=day, rows=rows, pace=pace, now=now)


def department_lines(*, departments, day=None):
    """department_line of several departments at once, their paces measured: {department_id: DepartmentLine},
    in three queries (one statement for every department's tokens, then their bookings and roster)."""
    now = timezone.now()
    day = day or timezone.localdate(now)
    by_id = {department.pk: department for department in departments}
    tokens = {department_id: [] for department_id in by_id}
    for row in _line_rows(Queue.objects.all(), LINE_FIELDS).filter(department_id__in=by_id, token_date=day):
        tokens[row["department_id"]].append(row)
    rows = {department_id: number_places(day_rows) for department_id, day_rows in tokens.items()}
    paces = _measured_paces(by_id, visits=rows, day=day, now=now)
    return {
        department_id: _line_of_rows(
            department=department, day=day, rows=rows[department_id], pace=paces[department_id], now=now
        )
        for department_id, department in by_id.items()
    }


def _line_of_rows(*, department, day, rows, pace, now):
    """The DepartmentLine of the department's day from its tokens' rows (as _day_of_tokens reads them)."""
    waiting = [row for row in rows if row["place"]]
    serving = [
        _served_entry(row, department)
        for row in sorted(
            (row for row in rows if row["status"] in Queue.SERVING_STATUSES), key=_latest_call_first, reverse=True
        )
    ]
    play = estimates.LinePlay(
        pace=pace,
        serving=[
            estimates.Serving(entry.doctor_id, entry.called_at, entry.priority)
            for entry in serving
            if entry.doctor_id and entry.called_at
        ],
        now=now,
    )
    ahead_of_a_newcomer = _tokens_ahead_of_a_newcomer(waiting, now)
    places, newcomer = [], None
    for place, row in enumerate(waiting):
        if place == ahead_of_a_newcomer:
            newcomer = play.newcomer()
        places.append(
            _place(row, format_token(department.code, row["token_number"]), play.wait_of(row["priority"], row["due"]))
        )
    last = waiting[-1] if waiting else None
    return DepartmentLine(
        department=department,
        day=day,
        pace=pace,
        waiting=places,
        serving=serving,
        newcomer=play.newcomer() if newcomer is None else newcomer,
        end=LineEnd(
            play=play,
            last_key=_service_order_key_of_row(last) if last else None,
        ),
    )


def waiting_queue(*, department, day=None):
    """The department's waiting entries for the day, in department_line's order: a queryset, the caller reads the
    values it shows."""
    day = day or timezone.localdate()
    return Queue.objects.waiting().for_day(day).filter(department=department).in_service_order()


def department_overview():
    """Every active department with its waiting count, doctors on duty and the wait a patient registering now can
    expect: the figures of its published queue (latest_queue_snapshot), so this list and the queue API agree.

    One query while every department's queue is kept; the departments whose queue is not kept are worked out
    together and kept (three queries more), whatever their number. closed_today is read from the day's closed days
    (appointments.closed_department_ids: one query a day, then kept).
    """
    departments = list(Department.objects.active())
    changes = published.readable_changes([department.pk for department in departments])
    queues = {
        department.pk: published.snapshot_to_read(department.pk, changes[department.pk].seq)
        for department in departments
    }
    today = timezone.localdate().isoformat()
    to_work_out = [department for department in departments if (queues[department.pk] or {}).get("date") != today]
    if to_work_out:
        lines = department_lines(departments=to_work_out)
        capacities = daily_capacities(departments=to_work_out, day=timezone.localdate())
        for department_id, line in lines.items():
            queues[department_id] = _kept_queue_snapshot(department_id, changes[department_id], line, capacities)
    for department in departments:
        queue = queues[department.pk]
        department.closed_today = closed_on(department.pk, timezone.localdate())
        department.waiting_count = queue["queue_length"]
        for name, value in doctors_in(queue).items():
            setattr(department, name, value)
        for name, value in capacity_in(queue).items():
            setattr(department, name, value)
        for name in NEWCOMER_WAIT_FIELDS:
            setattr(department, name, queue.get(name))
    return departments


def departments_full_today():
    """The active departments whose daily capacity is reached, by their published queues (department_overview):
    they register no more walk-ins today."""
    return [department for department in department_overview() if department.full_today]


def departments_turning_walk_ins_away():
    """(full_today, no_doctor_today, closed_today) of the active departments, read from one department_overview:
    those whose daily capacity is reached (departments_full_today), those whose doctors have all gone for the day,
    where a token would be seen by nobody, and those an admin closed for today (services.check_open_today)."""
    overview = department_overview()
    return (
        [department for department in overview if department.full_today],
        [department for department in overview if department.no_doctor_left_today],
        [department for department in overview if department.closed_today],
    )


def closed_on(department_id, day):
    """Whether the department, or the whole hospital, is closed on the day (appointments.closed_department_ids: one
    query a day, then kept until a closing or a reopening of the day)."""
    closed = appointments.closed_department_ids(day)
    return None in closed or department_id in closed


def closed_in(queue):
    """The closed_today of a department_queue_snapshot (kept by a process that may not have written it)."""
    return queue.get("closed_today", False)


def department_queue_snapshot(*, department, day=None, line=None, capacities=None):
    """The department's queue as the public sees it, for the queue API, display boards and sockets (3 queries, one
    more for a department with a daily limit).

    A caller that has just read the department's line passes it, and one that has read daily_capacities of
    several departments passes them.
    """
    line = line or department_line(department=department, day=day)
    if capacities is None:
        capacities = daily_capacities(departments=[department], day=line.day)
    return represent(
        QueueSnapshotSerializer,
        {
            "department": department,
            "date": line.day,
            "closed_today": closed_on(department.pk, line.day),
            "waiting": line.waiting,
            "now_serving": line.serving,
            "queue_length": len(line.waiting),
            **newcomer_wait(line.newcomer),
            "minutes_per_consultation": round(line.pace.minutes_per_consultation, 1),
            **doctors_of(line.pace),
            **capacity_fields(capacities.get(department.pk)),
        },
    )


def daily_capacities(*, departments, day):
    """{department_id: DailyCapacity} of those of the departments with a daily limit, on day: the tokens they
    issued and were not cancelled (one query; none when no department has a limit)."""
    limits = {department.pk: department.daily_capacity for department in departments if department.daily_capacity}
    if not limits:
        return {}
    issued = dict(
        Queue.objects.for_day(day)
        .filter(department_id__in=limits)
        .holding_capacity()
        .values("department_id")
        .annotate(count=Count("id"))
        .values_list("department_id", "count")
    )
    return {
        department_id: DailyCapacity(limit=limit, issued=issued.get(department_id, 0))
        for department_id, limit in limits.items()
    }


def capacity_fields(capacity):
    """The NO_DAILY_LIMIT fields of a DailyCapacity (None: no limit)."""
    if capacity is None:
        return dict(NO_DAILY_LIMIT)
    return {"full_today": capacity.reached, "capacity_today": {"limit": capacity.limit, "issued": capacity.issued}}


def capacity_in(queue):
    """The NO_DAILY_LIMIT fields of a department_queue_snapshot (kept by a process that may not have written them)."""
    return {name: queue.get(name, absent) for name, absent in NO_DAILY_LIMIT.items()}


def doctors_of(pace):
    """The DOCTORS_FIELDS of a ConsultationPace, its hours' end as of now (as the line's play reads it)."""
    return {
        **{name: getattr(pace, name) for name in DOCTORS_FIELDS},
        "hours_end_at": estimates.hours_end_as_of(pace, timezone.now()),
    }


def doctors_in(queue):
    """The DOCTORS_FIELDS of a department_queue_snapshot (kept by a process that may not have written them all)."""
    return {name: queue.get(name, absent) for name, absent in NO_DOCTORS.items()}


def no_doctor_left_today(department):
    """Whether every doctor of the department who worked or had a shift today has gone (the queue's
    no_doctor_left_today), as of its latest published change."""
    return doctors_in(latest_queue_snapshot(department_id=department.pk, department=department))["no_doctor_left_today"]


def latest_queue_snapshot(*, department_id, department=None):
    """department_queue_snapshot as of the department's latest published change, kept by the publisher when it can.

    None when there is no such department. A caller holding the department passes it, saving its read on a miss.
    """
    return _queue_snapshot_as_of(department_id, published.readable_change(department_id), department)


def _queue_snapshot_as_of(department_id, change, department=None):
    seq = change.seq
    snapshot = published.snapshot_to_read(department_id, seq)
    if snapshot is not None and snapshot["date"] == timezone.localdate().isoformat():
        return snapshot
    # Without a number (Redis unreachable) nothing is kept: the pace is measured and the queue not kept.
    reuse = (
        published.pace_to_reuse(department_id, generation=change.pace_generation, recent_only=True)
        if seq is not None
        else published.NO_PACE_TO_REUSE
    )
    department = department or (reuse.measurement.department if reuse.measurement else None)
    department = department or Department.objects.filter(pk=department_id).first()
    if department is None:
        return None
    return _kept_queue_snapshot(department_id, change, published_line(department=department, reuse=reuse))


def _kept_queue_snapshot(department_id, change, line, capacities=None):
    """The queue snapshot of the line just read after `change` (a published.LatestChange), kept under its number
    (capacities: daily_capacities already read, if any)."""
    snapshot = department_queue_snapshot(department=line.department, line=line, capacities=capacities)
    if change.seq is not None:
        # Read after the number, so it holds every change up to it: the next readers of this number take it,
        # and the line and its estimate are worked out once per change, not once per request.
        published.keep_snapshot(department_id, change.seq, snapshot, line_end=line.end)
    return snapshot


class JoinedQueue(NamedTuple):
    """A kept queue with a walk-in joined at the end of its line (queue_joined_at_the_end), and when its waits
    were worked out."""

    queue: dict
    end: LineEnd
    place: PlaceInLine
    kept_at: float


def queue_joined_at_the_end(*, kept, entry):
    """A JoinedQueue: the kept queue (a published.KeptLine) with the token `entry` just registered behind its
    last waiting token; None when entry does not join at the end (a patient of higher priority than the last, a
    walk-in arriving before a booked patient's later slot) or the queue holds it already (its registration
    committed before the queue was read).

    Its waits stay relative to when the line was read, as the queue's other waits, and are worked out again
    with them (published.ESTIMATES_REFRESH_SECONDS). The kept line end's play is advanced in place: it is this
    reader's own copy, read from the cache.
    """
    queue, end, token = kept.queue, kept.end, entry.token
    if (
        queue["date"] != entry.token_date.isoformat()
        or not end.takes_at_the_end(entry)
        or any(place["token"] == token for place in (*queue["waiting"], *queue["now_serving"]))
    ):
        return None
    wait = end.play.joins_at_the_end(entry.priority, entry.due)
    capacity = capacity_in(queue)["capacity_today"]
    # Not looked up for the token joining (a statement more on every registration): a patient registered while
    # with a doctor of another department is marked so from the line's next change.
    place = _place({"id": entry.pk, "priority": entry.priority, "place": len(queue["waiting"]) + 1}, token, wait)
    waiting = [*queue["waiting"], represent(WaitingTokenSerializer, place)]
    return JoinedQueue(
        queue={
            **queue,
            "waiting": waiting,
            "queue_length": len(waiting),
            **newcomer_wait(end.play.newcomer()),
            # The kept queue does not hold its token (checked above): one more token holds a place.
            **(
                {}
                if capacity is None
                else capacity_fields(DailyCapacity(limit=capacity["limit"], issued=capacity["issued"] + 1))
            ),
        },
        end=LineEnd(play=end.play, last_key=_order_key(entry)),
        place=place,
        kept_at=kept.kept_at,
    )


def published_line(*, department, reuse):
    """The department's line to publish or keep, from reuse's pace (a published.PaceToReuse) when it has one
    that holds for today; else the pace is measured and kept for the readers and publishers after (under the
    generation read before it, unless there is none)."""
    line = department_line(department=department, pace=reuse.pace)
    if reuse.generation is not None and line.pace is not reuse.pace:
        measurement = published.Measurement(department=department, generation=reuse.generation, at=time.time())
        published.keep_pace(department.pk, line.pace, measurement)
    return line


def departments_on_the_boards(day=None):
    """The departments the hall's board shows: the active ones, and one deactivated while patients were in its line
    for as long as a token of the day is still to be served there (deactivation keeps their tokens, and its doctors
    go on calling them)."""
    still_serving = Queue.objects.active().for_day(day or timezone.localdate()).values("department_id")
    return Department.objects.active() | Department.objects.filter(pk__in=still_serving)


def department_snapshot_frame(department):
    """The full-state frame a queue socket gets on connect and the display board polls."""
    # The sequence is read before the queue, so the snapshot holds at least every change up to it. Without one
    # (Redis unreachable) the frame is unnumbered, and clients apply it as full state.
    change = published.readable_change(department.pk)
    queue = _queue_snapshot_as_of(department.pk, change, department)
    return frame(
        frame_type="snapshot",
        department_id=department.pk,
        seq=change.seq,
        payload={"queue": queue, "broadcast": published.latest_broadcast(department.pk)},
    )


def staff_entry(entry):
    """A queue entry as the department's doctors see it: the public view plus who the patient is."""
    return represent(StaffEntrySerializer, entry)


OPEN_VISIT_RELATIONS = ("department", "patient", "doctor__user", "doctor__department")
VISIT_RELATIONS = (*OPEN_VISIT_RELATIONS, "feedback", "transferred_to")


@functools.cache
def _compiled_visit_by_link():
    return CompiledStatement.compile(
        Queue.objects.select_related(*VISIT_RELATIONS).filter(public_id=ANY_PUBLIC_ID), public_id=ANY_PUBLIC_ID
    )


def todays_token(printed):
    """Today's token as its ticket prints it ("CARD-007"; any case, "card-7" too), or None: what the desk reads off a
    patient's ticket to find their visit."""
    printed = (printed or "").strip().upper()
    if not re.fullmatch(TOKEN_PATTERN, printed):
        return None
    code, number = printed.split("-")
    return (
        Queue.objects.for_day(timezone.localdate())
        .filter(department__code=code, token_number=int(number))
        .select_related("department", "patient")
        .first()
    )


def visit_by_link(public_id):
    """The visit a status link names, or None (the read of every status page, status request and patient socket:
    compiled once, see statements)."""
    found = _compiled_visit_by_link().instances(public_id=_public_id(public_id))
    return found[0] if found else None


def _public_id(value):
    # As the ORM's lookup takes it: a UUID or its text, and a ValidationError for anything else.
    return Queue._meta.get_field("public_id").to_python(value)


def visit_for_link(public_id):
    """The visit a status link follows: the token it names or, for a link issued per patient (before links
    were per token), that patient's latest visit; a transferred token's link follows the token it became (its
    own status would only say "Cancelled"). None when the id is neither."""
    visit = visit_by_link(public_id)
    if visit is None:
        patient = Patient.objects.filter(public_id=public_id).first()
        visit = current_visit(patient=patient) if patient else None
    while visit is not None and visit.successor is not None:
        visit = visit.successor
    return visit


def appointment_by_link(public_id):
    """The booking a manage link names, or None; with what its page and its API answer read of it."""
    return (
        Appointment.objects.select_related("department", "patient", "queue_entry__department")
        .filter(public_id=public_id)
        .first()
    )


def transferred_from(entry):
    """The token this visit was transferred from, with its department, or None: a referral the patient did not
    choose, which their page explains."""
    if entry.transferred_from_id is None:
        return None
    return Queue.objects.select_related("department").get(pk=entry.transferred_from_id)


class Booking(NamedTuple):
    """A token's booking as the staff views mark it: when it was for and how the patient arrived."""

    slot_start: datetime | None  # None: a walk-in
    arrival: str


def bookings_of_tokens(entries):
    """{token id: Booking} of the tokens of entries (a queryset) that carry a booking, walk-ins left out: the booking
    checked in on the token or on a token it was transferred from, however many transfers back. A transfer keeps the
    booking's place in line (services.transfer), so its slot still says why the token is where it is; a referral
    starts another visit. The one answer to "booked or walk-in" of every staff view; one query per transfer back."""
    bookings, rows, origin_of = {}, entries, None
    while rows is not None:
        earlier = {}  # the token a token was transferred from (one at most: a one-to-one link) -> the token asked about
        for row in rows.values(
            "pk", "appointment__slot_start", "appointment__arrival", "transferred_from_id", "transferred_from__status"
        ):
            entry_id = origin_of[row["pk"]] if origin_of else row["pk"]
            if row["appointment__slot_start"] is not None:
                bookings[entry_id] = Booking(row["appointment__slot_start"], row["appointment__arrival"])
            elif row["transferred_from__status"] == Queue.Status.CANCELLED:
                earlier[row["transferred_from_id"]] = entry_id
        rows, origin_of = (Queue.objects.filter(pk__in=earlier), earlier) if earlier else (None, None)
    return bookings


def current_visit(*, patient):
    """The patient's latest token listed under their id: where a link issued for the patient rather than for a
    token leads."""
    return _latest_visit(Queue.objects.filter(patient=patient, listed_under_patient=True))


def _latest_visit(visits):
    return visits.select_related(*VISIT_RELATIONS).order_by("-token_date", "-checked_in_at", "-id").first()


@functools.cache
def _compiled_open_visits():
    return CompiledStatement.compile(
        # An open visit has neither feedback nor a successor yet: their relations are left out of the join.
        Queue.objects.filter(patient__public_id=ANY_PUBLIC_ID, listed_under_patient=True)
        .active()
        .select_related(*OPEN_VISIT_RELATIONS)
        .order_by("checked_in_at", "id"),
        patient_public_id=ANY_PUBLIC_ID,
    )


def patient_visits(*, patient_public_id):
    """The open visits listed under the patient with this public id (Queue.listed_under_patient), oldest first;
    their latest such visit alone when none is open (e.g. to give feedback). One query while a visit is open:
    the patient is joined, not read first."""
    patient_public_id = _public_id(patient_public_id)
    visits = _compiled_open_visits().instances(patient_public_id=patient_public_id)
    if not visits:
        latest = _latest_visit(Queue.objects.filter(patient__public_id=patient_public_id, listed_under_patient=True))
        visits = [latest] if latest else []
    return visits


def open_visits_of(patient):
    """The patient's open tokens of today, the waiting ones first, missed turns last, each group in order of
    registration.

    A missed turn (a no-show) is open while the patient holds no other active token in its department: the desk's
    registration then puts it back in line at its place (services._recall_missed_turn, by services.recall, which
    refuses it once the patient holds another), which a patient told they had no token lost by taking a new one at
    the back."""
    visits = (
        Queue.objects.filter(status__in=[*Queue.ACTIVE_STATUSES, Queue.Status.SKIPPED])
        .for_day(timezone.localdate())
        .filter(patient=patient)
        .select_related("patient", "department", "doctor__user")
        .order_by("checked_in_at", "id")
    )
    active_in = {visit.department_id for visit in visits if visit.status != Queue.Status.SKIPPED}
    return sorted(
        (visit for visit in visits if visit.status != Queue.Status.SKIPPED or visit.department_id not in active_in),
        key=lambda visit: (visit.status != Queue.Status.WAITING, visit.status == Queue.Status.SKIPPED),
    )


@dataclass(frozen=True)
class VisitView:
    """One visit as its patient follows it, from figures already read: nothing about any other patient.

    place: the visit's row in its line (a PlaceInLine or its snapshot dict) while it waits, else None.
    """

    entry: Queue
    place: object
    now_serving: list
    doctors: dict  # DOCTORS_FIELDS
    closed_today: bool

    def _place_value(self, name):
        if self.place is None:
            return None
        return self.place[name] if isinstance(self.place, dict) else getattr(self.place, name)

    @property
    def position(self):
        return self._place_value("position")

    @property
    def estimated_wait_minutes(self):
        return self._place_value("estimated_wait_minutes")

    @property
    def estimated_wait_low_minutes(self):
        return self._place_value("estimated_wait_low_minutes")

    @property
    def estimated_wait_high_minutes(self):
        return self._place_value("estimated_wait_high_minutes")

    @property
    def maybe_not_today(self):
        # A snapshot kept before the field existed reads as not past the day's hours until its next change.
        if isinstance(self.place, dict):
            return self.place.get("maybe_not_today", False)
        return self._place_value("maybe_not_today")

    @property
    def appointment_time(self):
        # Only while the token has a place in line: once called or over, the slot explains nothing.
        return self.entry.booked_place_at if self.position else None


def describe_visit(entry, *, place, now_serving, doctors, closed_today):
    return represent(
        VisitStatusSerializer,
        VisitView(entry=entry, place=place, now_serving=now_serving, doctors=doctors, closed_today=closed_today),
    )


def visit_status(*, entry):
    """describe_visit for one visit, reading its department's line in a constant number of queries."""
    if entry.expired:
        # Its day's line is over: neither a place nor who was served that day is the patient's concern now.
        return describe_visit(entry, place=None, now_serving=[], doctors=NO_DOCTORS, closed_today=False)
    line = department_line(department=entry.department, day=entry.token_date)
    return describe_visit(
        entry,
        place=line.place_of(entry.pk) if entry.status == Queue.Status.WAITING else None,
        now_serving=[served.token for served in line.serving],
        doctors=doctors_of(line.pace),
        closed_today=closed_on(entry.department_id, entry.token_date),
    )


def current_visit_status(*, entry):
    """visit_status, from the department's latest published queue when it holds the visit: no query then."""
    queue = latest_queue_snapshot(department_id=entry.department_id, department=entry.department)
    return visit_status_in_queue(entry=entry, queue=queue) or visit_status(entry=entry)


def place_in_queue(queue, token):
    """The token's row among a department_queue_snapshot's waiting ones, or None when it is not waiting there."""
    return next((waiting for waiting in queue["waiting"] if waiting["token"] == token), None)


def visit_status_in_queue(*, entry, queue):
    """visit_status from a department_queue_snapshot that holds the visit, without a query; else None.

    The snapshot cannot tell about a visit of another day, nor about a waiting one it does not list (it is
    older than the visit's registration).
    """
    if queue is None or entry.token_date.isoformat() != queue["date"]:
        return None
    place = None
    if entry.status == Queue.Status.WAITING:
        place = place_in_queue(queue, entry.token)
        if place is None:
            return None
    return describe_visit(
        entry,
        place=place,
        now_serving=[served["token"] for served in queue["now_serving"]],
        doctors=doctors_in(queue),
        closed_today=closed_in(queue),
    )


def visit_after_department_change(visit, payload):
    """A visit status (as sent to its patient) after a department change, from the frame's public queue alone.

    None when the frame cannot tell: the change is this visit's own (its patient.status frame carries it)
    or the visit is missing from the line it should be in.
    """
    queue = payload["queue"]
    if visit["date"] != queue["date"]:
        return visit
    if payload.get("entry", {}).get("token") == visit["token"]:
        return None
    moved = {
        **visit,
        "now_serving": [served["token"] for served in queue["now_serving"]],
        **doctors_in(queue),
        "closed_today": closed_in(queue),
    }
    if visit["status"] == Queue.Status.WAITING:
        place = place_in_queue(queue, visit["token"])
        if place is None:
            return None
        moved.update(VisitStatusSerializer.place_fields(place))
    return moved


# Figures of past visits, shared by the doctors' dashboard and the admin reports. A wait is
# called_at - checked_in_at (for a token transferred in, - created_at: its wait in this department began with
# the transfer), a consultation completed_at - started_at, but for one an admin ended for its doctor.

VISIT_FIELDS = (
    "id",
    "department_id",
    "priority",
    "doctor_id",
    "token_date",
    "status",
    "checked_in_at",
    "created_at",
    "called_at",
    "first_called_at",
    "started_at",
    "completed_at",
    "consultation_ended_for_doctor",
    "consultation_left_open",
    "transferred_from_id",
    # The id of the token this one was transferred to (None when it was not): such a cancelled token is a referral.
    "transferred_to",
    "estimated_wait_at_registration",
)


def minutes_between(start, end):
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60


def joined_line_at(visit):
    """When a visit (a row of VISIT_FIELDS) joined its department's line: its arrival, or its transfer."""
    return visit["created_at"] if visit["transferred_from_id"] is not None else visit["checked_in_at"]


def wait_minutes(visit):
    return minutes_between(joined_line_at(visit), visit["called_at"])


def consultation_minutes(visit):
    """None for a consultation an admin ended for a doctor called away: it ended when the doctor left, not when it
    was recorded (services.end_consultation), so its length is no consultation's; nor for one left open, closed at
    its day's end (services.close_consultation_left_open)."""
    if visit["consultation_ended_for_doctor"] or visit["consultation_left_open"]:
        return None
    return minutes_between(visit["started_at"], visit["completed_at"])


def mean(values):
    values = [value for value in values if value is not None]
    return sum(values) / len(values) if values else None


def percentile_90(values):
    """Nearest-rank 90th percentile: the wait that 90% of patients did not exceed (an observed value)."""
    values = sorted(value for value in values if value is not None)
    if not values:
        return None
    return values[math.ceil(0.9 * len(values)) - 1]


def visits_between(*conditions, start, end, **filters):
    return list(Queue.objects.filter(*conditions, token_date__range=(start, end), **filters).values(*VISIT_FIELDS))


def open_wait_alerts(department_ids=None):
    """{department_id: its open long-wait alert}, for the departments given (all when None). An alert of a day that
    is over ended with it, though nothing may have cleared it yet (services.close_days_over)."""
    alerts = WaitAlert.objects.filter(ended_at__isnull=True, started_at__gte=day_starts_at(timezone.localdate()))
    if department_ids is not None:
        alerts = alerts.filter(department_id__in=department_ids)
    return {alert.department_id: alert for alert in alerts}


def wait_alert_totals(*, start, end):
    """Per department id, the long-wait alerts that started between two local days (inclusive): how many and
    their minutes over the threshold (an open one counts until now)."""
    totals = {}
    alerts = WaitAlert.objects.filter(started_at__date__gte=start, started_at__date__lte=end)
    for alert in alerts:
        count, minutes = totals.get(alert.department_id, (0, 0))
        totals[alert.department_id] = (count + 1, minutes + alert.minutes_over_threshold)
    return totals


# A phone number as the desk types what the patient says: digits, with or without the ways people group them.
PHONE_TYPED = re.compile(r"[+(]*\d[\d\s().-]*")


def bookings_of_day(*, day=None, department=None, search=""):
    """A day's bookings for the desk (today's unless another day is given), by slot: all of a department's (or every
    department's), or those whose patient's name holds the search, whose phone holds its digits (a search typed as a
    number), or whose booking code it is (typed in groups or not). A patient who came without their code is found by
    what they can say."""
    day = day or timezone.localdate()
    # The desk registered the patient as a walk-in before check-in opened: the check-in keeps that token's place.
    held_here = Queue.objects.active().for_day(day).filter(
        patient_id=OuterRef("patient_id"), department_id=OuterRef("department_id")
    )
    bookings = (
        Appointment.objects.filter(slot_start__date=day)
        .annotate(token_held_here=Exists(held_here))
        .select_related("patient", "department")
    )
    if department is not None:
        bookings = bookings.filter(department=department)
    search = search.strip()
    if search:
        found = Q(patient__name__icontains=search)
        # Only what reads as a phone number is one: a booking code's digits ("PCH2ZH6H") listed every phone with a 26.
        if PHONE_TYPED.fullmatch(search):
            found |= Q(patient__phone__contains=re.sub(r"\D", "", search))
        code = appointments.BOOKING_CODE_SEPARATORS.sub("", search).upper()
        if code:
            found |= Q(booking_code=code)
        bookings = bookings.filter(found)
    return bookings.order_by("slot_start", "seat", "pk")
