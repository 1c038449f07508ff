"""The latest published state of each department's queue: its change number and the snapshot it produced.

Each change is numbered per department (next_sequence). With Redis every server process and worker
shares one counter (INCR is atomic); without it the counter is a row of the database
(models.DepartmentChangeCount), which every process shares as well. A process-local counter was not enough even
with the in-memory channel layer, which reaches no other process: a change made by a management command or a second
server process was numbered there, and this process's readers went on taking the queue they kept under their own
number, without the change, until this process published the department again.

Each publish keeps the queue it computed under its number; until the next change is published, every
queue read (REST, display boards, sockets connecting, patients' statuses) is served from it without
reading the line (without Redis, reading the number is one query). A reader that finds none (evicted, another day,
a department never published) keeps the one it computes under the number it read first. Either way a kept queue is
read after its number was taken, so it is never older than the change its number names, and every change that alters a department's queue publishes it: a token's change, and a department or
doctor saved from the panel or Django admin (their post_save receivers). A kept queue therefore stays true
until the next change, and readers take it until then; its expiry is only a safety net (and readers
recompute a kept queue of another day, so a new day never starts with yesterday's line).

Beside each kept queue is where its line ends (selectors.LineEnd: the line played to its last token), so that
the publisher of a walk-in's registration, the most frequent change, extends the queue kept under the number
before its own with the new token instead of reading and playing the whole line again
(selectors.queue_joined_at_the_end); the extended queue holds every change up to its number as well, since the
one before it did. It is kept apart from the queue, which the readers read without it.

Its waits, though, age: a patient first in line behind a consultation that has run 20 minutes since the last
change is not still 9 minutes from their turn. A kept queue older than ESTIMATES_REFRESH_SECONDS is worked
out again by one reader, while the others go on reading the kept one until it has (stale while refreshing,
so a department's readers never all miss at once).

A reader that finds nothing kept under the latest number still need not measure the pace (the day's
finished consultations, bookings and roster: three of its four statements): the department's latest
measured pace is kept too, with the department row and the department's pace generation they were read at.
The generation is counted up by every publisher whose change alters the pace (a consultation completed, a
no-show, a check-in, any department-level change, see broadcasts), before its change is numbered; a pace
read at the current generation is still true, whichever changes were numbered since. Readers read the
generation with the change number (latest_change), publishers after numbering their change. Readers take it while
it is less than ESTIMATES_REFRESH_SECONDS old; publishers of changes that leave it take it at any age.

Beside them is whether the department's queue of the day was already published saying that no doctor is on duty
nor expected back today (claim_no_doctor_left): its waiting patients are told once, by the publisher of the first
queue that says so, and again only for a new episode, after a queue that had a doctor again. The publisher whose
queue ends the episode (forget_no_doctor_left) announces that a doctor is back.

A request that makes a change answers with the visit's status its publisher just worked out from the queue it
kept (statuses_published): reading it back from the kept queue would cost two round trips to Redis and the
unpickling of the whole queue, for the same figures.
"""

import contextvars
import functools
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from .models import DepartmentChangeCount

logger = logging.getLogger(__name__)

SNAPSHOT_CACHE_SECONDS = 6 * 60 * 60
# A claim names its day, so that it only has to outlive the day.
NO_DOCTOR_LEFT_CLAIM_SECONDS = 24 * 60 * 60
ESTIMATES_REFRESH_SECONDS = 60
# How long other readers wait for the one refreshing a kept queue before one of them tries in its place.
REFRESH_CLAIM_SECONDS = 10

_statuses_published = contextvars.ContextVar("statuses_published", default=None)


@functools.cache
def _redis():
    return redis.Redis.from_url(settings.REDIS_URL)


def _sequence_key(department_id):
    return f"{settings.REDIS_KEY_PREFIX}:department-seq:{department_id}"


def _generation_key(department_id):
    return _sequence_key(department_id).replace("department-seq", "department-pace-generation")


@dataclass(frozen=True)
class Measurement:
    """What a kept queue's pace was measured with: the department row as read, the department's pace
    generation just before, and when (time.time())."""

    department: object
    generation: int
    at: float


@dataclass(frozen=True)
class PaceToReuse:
    """The department's pace generation when it was read, and its kept pace with its Measurement when they
    still hold (else None): see pace_to_reuse."""

    generation: int | None
    pace: object = None
    measurement: Measurement | None = None


# Redis unreachable: no generation to measure a pace against, nothing to reuse.
NO_PACE_TO_REUSE = PaceToReuse(generation=None)


# A counter Redis does not hold (its first change, or Redis restarted without its data, or flushed) starts from Redis's
# clock in milliseconds, not from 0: counted again from 1, every screen and patient socket holding a higher number took
# each change after as one it already had, and showed the line of before the restart until its next full refresh (a
# minute for boards, longer for a patient's page). Started above every number given before (fewer than a thousand
# changes a second of one department), the first change after is a gap, and every client asks for a snapshot at once.
# Redis's clock, not the process's: one clock for every process, whatever theirs say.
COUNT_UP_FROM_THE_CLOCK = """
if redis.call('EXISTS', KEYS[1]) == 0 then
    local now = redis.call('TIME')
    redis.call('SET', KEYS[1], now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000)))
end
return redis.call('INCR', KEYS[1])
"""


@functools.cache
def _count_up_from_the_clock(client):
    return client.register_script(COUNT_UP_FROM_THE_CLOCK)


def _count_up(key, column, department_id):
    """Count up one of the department's counters (column: its DepartmentChangeCount field), shared by every process:
    in Redis, else in the database (one atomic statement)."""
    if settings.REDIS_URL:
        return _count_up_from_the_clock(_redis())(keys=[key])
    table = DepartmentChangeCount._meta.db_table
    first = {"seq": 0, "pace_generation": 0, column: 1}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (department_id, seq, pace_generation) VALUES (%s, %s, %s) "
            f"ON CONFLICT (department_id) DO UPDATE SET {column} = {table}.{column} + 1 RETURNING {column}",
            [department_id, first["seq"], first["pace_generation"]],
        )
        return cursor.fetchone()[0]


def next_pace_generation(department_id):
    """Count up the department's pace generation: called by a publisher whose change alters the pace, before
    the change is numbered, so a reader of that number never takes an earlier pace as current."""
    return _count_up(_generation_key(department_id), "pace_generation", department_id)


def current_pace_generation(department_id):
    return latest_change(department_id).pace_generation


def next_sequence(department_id):
    return _count_up(_sequence_key(department_id), "seq", department_id)


def current_sequence(department_id):
    """The number of the department's latest change; snapshots carry it so clients can spot gaps."""
    return latest_change(department_id).seq


@dataclass(frozen=True)
class LatestChange:
    """The number of a department's latest change and its pace generation, read together (one round trip to
    Redis): None for both while Redis is unreachable."""

    seq: int | None
    pace_generation: int | None


def latest_change(department_id):
    return latest_changes([department_id])[department_id]


def latest_changes(department_ids):
    """{department id: LatestChange} of the departments, read together: one round trip to Redis, else one query (a
    department never changed has 0 for both)."""
    if settings.REDIS_URL:
        keys = [key for each in department_ids for key in (_sequence_key(each), _generation_key(each))]
        counts = iter(_redis().mget(keys) if keys else [])
        return {
            each: LatestChange(seq=int(next(counts) or 0), pace_generation=int(next(counts) or 0))
            for each in department_ids
        }
    # `__in`, which leaves out an id past the column's range (smartqueue.integer_lookups), as no department has it.
    counted = DepartmentChangeCount.objects.filter(department_id__in=department_ids).values_list(
        "department_id", "seq", "pace_generation"
    )
    counts = {department_id: (seq, generation) for department_id, seq, generation in counted}
    return {each: LatestChange(*counts.get(each, (0, 0))) for each in department_ids}


def readable_change(department_id):
    """latest_change, unnumbered while Redis is unreachable: nothing is published then, and the database answers."""
    return readable_changes([department_id])[department_id]


def readable_changes(department_ids):
    """latest_changes, unnumbered while Redis is unreachable (see readable_change)."""
    try:
        return latest_changes(department_ids)
    except redis.RedisError:
        logger.warning(
            "Sequences of departments %s unreadable; their queues are read from the database", department_ids
        )
        return {each: LatestChange(seq=None, pace_generation=None) for each in department_ids}


def snapshot_cache_key(department_id, seq):
    """Where the queue published as change seq is kept (dropping it makes the next read compute it anew)."""
    return f"queue-snapshot:{department_id}:{seq}"


def _line_end_cache_key(department_id, seq):
    return f"queue-line-end:{department_id}:{seq}"


def keep_snapshot(department_id, seq, queue, *, line_end, kept_at=None):
    """Keep the queue published as change seq, with where its line ends (selectors.LineEnd) apart, so that
    the readers of the queue do not read it too; kept_at: when its waits were worked out, if not now."""
    cache.set_many(
        {
            snapshot_cache_key(department_id, seq): {"queue": queue, "kept_at": kept_at or time.time()},
            _line_end_cache_key(department_id, seq): line_end,
        },
        SNAPSHOT_CACHE_SECONDS,
    )


@dataclass(frozen=True)
class KeptLine:
    """A kept queue with where its line ends, and when its waits were worked out (time.time())."""

    queue: dict
    end: object
    kept_at: float


def _still_fresh(worked_out_at):
    """Whether waits worked out at worked_out_at (time.time()) are less than ESTIMATES_REFRESH_SECONDS old. Waits
    from "the future" are not: the clock was set back since (or another server's clock runs ahead), and counted fresh
    they stayed on every screen, unchanged, for as long as the clock had gone back."""
    return 0 <= time.time() - worked_out_at < ESTIMATES_REFRESH_SECONDS


def line_to_extend(department_id, seq):
    """The KeptLine published as change seq while its waits are fresh (ESTIMATES_REFRESH_SECONDS), for the
    publisher of the next change to extend; else None."""
    snapshot_key, end_key = snapshot_cache_key(department_id, seq), _line_end_cache_key(department_id, seq)
    kept = _all_readable([snapshot_key, end_key])
    snapshot, end = kept.get(snapshot_key), kept.get(end_key)
    if snapshot is None or end is None or not _still_fresh(snapshot["kept_at"]):
        return None
    return KeptLine(queue=snapshot["queue"], end=end, kept_at=snapshot["kept_at"])


def _pace_cache_key(department_id):
    return f"queue-pace:{department_id}"


def keep_pace(department_id, pace, measurement):
    """Keep the department's pace just measured, with its Measurement, for the publishers and readers after."""
    cache.set(_pace_cache_key(department_id), (pace, measurement), SNAPSHOT_CACHE_SECONDS)


def forget_pace(department_id):
    """Drop the department's kept pace (bench/cold_reads.py --nothing-kept: as after an eviction)."""
    cache.delete(_pace_cache_key(department_id))


def forget_snapshot(department_id, seq):
    """Drop the queue kept as change seq: a publisher drops the one before its predecessor (which it reads the
    pace from), so a department holds two kept queues, not one per change of the last six hours."""
    cache.delete_many([snapshot_cache_key(department_id, seq), _line_end_cache_key(department_id, seq)])


# How long an admin's broadcast stays on the department's boards and status pages (a later one replaces it sooner).
BROADCAST_SHOWN_SECONDS = 30 * 60


def _broadcast_cache_key(department_id):
    return f"department-broadcast:{department_id}"


def keep_broadcast(department_id, broadcast, *, now):
    """Keep the department's latest broadcast (a BroadcastSerializer's shape) while the screens show it, so that a
    board or status page opened after it was sent shows it too; returns it with the moment it stops (shown_until)."""
    kept = {**broadcast, "shown_until": (now + timedelta(seconds=BROADCAST_SHOWN_SECONDS)).isoformat()}
    cache.set(_broadcast_cache_key(department_id), kept, BROADCAST_SHOWN_SECONDS)
    return kept


def latest_broadcast(department_id):
    """The department's broadcast kept by keep_broadcast while it is shown, else None."""
    return _readable(_broadcast_cache_key(department_id))


def _kept(department_id, seq):
    return None if seq is None else _readable(snapshot_cache_key(department_id, seq))


def _readable(key):
    return _all_readable([key]).get(key)


def _all_readable(keys):
    """{key: value} of the keys kept (one round trip); nothing when any is unreadable."""
    try:
        return cache.get_many(keys) if len(keys) > 1 else {key: cache.get(key) for key in keys}
    except (ImportError, AttributeError, TypeError):
        # Kept by a process running other code (a rolling deploy that renamed a class): unreadable here, so it
        # is read from the database as if nothing were kept.
        logger.warning("%s unreadable; read from the database", ", ".join(keys))
        return {}


def kept_snapshot(department_id, seq):
    """The queue published as change seq, or None (not kept, expired, or no number)."""
    kept = _kept(department_id, seq)
    return kept["queue"] if kept else None


def snapshot_to_read(department_id, seq):
    """kept_snapshot for a reader, or None when this reader is to work the queue out (and keep it): nothing is
    kept, or its waits are older than ESTIMATES_REFRESH_SECONDS and no other reader has claimed the refresh."""
    kept = _kept(department_id, seq)
    if kept is None:
        return None
    if _still_fresh(kept.get("kept_at", 0)):
        return kept["queue"]
    claimed = cache.add(f"queue-refresh:{department_id}:{seq}:{kept.get('kept_at')}", True, REFRESH_CLAIM_SECONDS)
    return None if claimed else kept["queue"]


def pace_to_reuse(department_id, *, generation, recent_only):
    """A PaceToReuse: the department's pace generation as read (current_pace_generation or latest_change), with
    its kept pace if no change since has altered it (the same generation) and, with recent_only, it was
    measured less than ESTIMATES_REFRESH_SECONDS ago."""
    kept = _readable(_pace_cache_key(department_id))
    if kept is None:
        return PaceToReuse(generation=generation)
    pace, measurement = kept
    if measurement.generation != generation:
        return PaceToReuse(generation=generation)
    if recent_only and not _still_fresh(measurement.at):
        return PaceToReuse(generation=generation)
    return PaceToReuse(generation=generation, pace=pace, measurement=measurement)


def _no_doctor_left_key(department_id, day):
    return f"no-doctor-left-today:{department_id}:{day}"


# The claim of an episode not announced (nobody else was waiting); an announced one holds True.
NO_DOCTOR_LEFT_UNANNOUNCED = "unannounced"


def claim_no_doctor_left(department_id, day, *, announced=True):
    """True for the one publisher that first finds the department's queue of the day (ISO date) saying that no
    doctor is on duty nor expected back today; False for every other until forget_no_doctor_left (atomic add).
    announced: whether the claimer announces the episode (hooks.no_doctor_left_today), which its end then is."""
    value = True if announced else NO_DOCTOR_LEFT_UNANNOUNCED
    return cache.add(_no_doctor_left_key(department_id, day), value, NO_DOCTOR_LEFT_CLAIM_SECONDS)


def told_no_doctor_left(department_ids, day):
    """Which of the departments' waiting patients of the day (ISO date) were told that no doctor is expected back
    (one round trip)."""
    keys = {_no_doctor_left_key(department_id, day): department_id for department_id in department_ids}
    return {keys[key] for key, claimed in _all_readable(list(keys)).items() if claimed}


def forget_no_doctor_left(department_id, day):
    """A doctor is on duty or expected again: the next queue to say that none is starts a new claim. True for the one
    publisher that ends an announced claim (the episode): its patients told no doctor is expected back are told one
    is. An episode never announced (its line was empty) ends unannounced too: webhook subscribers were not told it
    began, and a doctor going off and on before an empty line posted an end each time."""
    key = _no_doctor_left_key(department_id, day)
    claim = cache.get(key)
    return bool(cache.delete(key)) and claim != NO_DOCTOR_LEFT_UNANNOUNCED


@contextmanager
def statuses_published():
    """{entry id: visit status} of the visits whose changes are published while the block runs, as their
    publisher worked them out (note_status_published). Changes publish once their transaction commits: one
    the block commits is in it, one still open when the block ends is not."""
    statuses = {}
    token = _statuses_published.set(statuses)
    try:
        yield statuses
    finally:
        _statuses_published.reset(token)


def note_status_published(entry_id, status):
    statuses = _statuses_published.get()
    if statuses is not None:
        statuses[entry_id] = status
