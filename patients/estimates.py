"""The wait estimate: how long each waiting token has until a doctor calls it (docs/wait-estimates.md).

Two steps, so that the costly one runs once per department change, not once per token:

- ``measure_pace`` turns the day's history (one read of the department's tokens) and the duty roster into a
  ConsultationPace: each doctor's minutes per patient, how much they vary, today's no-show rate and how
  often emergencies and high-priority patients arrive. The publisher keeps it with the snapshot and reuses
  it for changes that cannot alter it.
- ``LinePlay`` plays the line forward from the live state (who is being seen since when), handing each
  token in call order to the doctor who frees up first, and gives a point estimate and a range for every
  token (``estimate_waits`` for a list of them). No query: it only reads what it is given. It can be kept
  and resumed: a walk-in joining the end of the line is placed from where the last token left the doctors.
"""

import copy
import heapq
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from statistics import NormalDist
from typing import NamedTuple

from django.utils import timezone

from smartqueue.days import END_OF_DAY, day_ends_at, moment_on

from .models import AppointmentStatus, Queue

Status = Queue.Status
Priority = Queue.Priority

# A doctor's own pace counts as this many consultations of the department's before it has any of its own.
DOCTOR_PACE_PRIOR_CONSULTATIONS = 3
# Earlier days read for a department's history, and how many of today's consultations (or calls) what they say
# of a pace (or of the no-show rate) counts as: history speaks first, today takes over as the day goes on.
HISTORY_DAYS = 28
HISTORY_PACE_WEIGHT = 10
# Without history, the configured average consultation counts as this many of today's: the day's first
# consultation, however short or long, does not set every wait in the department on its own, and an average
# configured wrong gives way after a few consultations.
CONFIGURED_PACE_PRIOR_CONSULTATIONS = 3
# A priority's consultations are measured against their doctor's pace as if this many more had taken exactly it:
# the day's first emergency does not make every emergency look long or short.
PRIORITY_FACTOR_PRIOR_CONSULTATIONS = 10
# Today's spread of consultations replaces the history's once it rests on this many of them.
SPREAD_MIN_CONSULTATIONS = 10
# Weight of a consultation halves every this many newer ones: the pace follows the hour of the day.
PACE_HALF_LIFE_CONSULTATIONS = 10
# A consultation longer than this many times the typical one was left open by mistake, not a real pace.
LONGEST_PLAUSIBLE_CONSULTATION_RATIO = 4
# One completed within this many minutes of its call was a correction at the desk (called and completed at
# once), not a consultation: the walk to the room alone takes longer.
SHORTEST_PLAUSIBLE_CONSULTATION_MINUTES = 0.5
# A called patient is in the room within minutes: a consultation started later than this after its call (the
# doctor called away in between, back to start it an hour on) counts this long for the wait, not the hour.
LONGEST_WAIT_FOR_A_CALLED_PATIENT_MINUTES = 10
# Before the day's consultations say otherwise: how much a consultation varies (standard deviation / mean).
DEFAULT_CONSULTATION_SPREAD = 0.5
# The doctor's minutes lost calling a patient who does not come, until today's no-shows tell.
DEFAULT_NO_SHOW_MINUTES = 2.0
# No-shows count against this many extra calls that were answered, so one early no-show is not a 100% rate.
NO_SHOW_PRIOR_CALLS = 5
# Today's booked patients who did not come count against this many extra who did, so that the day's first
# no-show does not make every booking look empty.
BOOKING_SHOW_PRIOR = 5
# Arrival rates are those of the last hour; the urgent share among them counts against this many extra
# normal arrivals, so the day's first emergency does not make every arrival look urgent.
ARRIVAL_WINDOW_MINUTES = 60
URGENT_SHARE_PRIOR_ARRIVALS = 10
# Rounds of the sum of urgent patients arriving during a wait, counting those arriving in the time they add.
URGENT_ROUNDS = 2
# Urgent patients are never assumed to take more than this share of the doctors' time.
MAX_URGENT_SHARE = 0.5
# When several doctors have a patient now, the chances of their ends are read at this many moments, evenly
# spaced up to when all have almost surely ended (a step of a minute or two, for waits shown in whole minutes).
END_GRID_STEPS = 64
ALL_ENDED_CHANCE = 0.999
# Below this chance of lasting on, a consultation is taken as ending now: well above the smallest float, so that
# what it is multiplied by (1 - ALL_ENDED_CHANCE shared among a hundred doctors at most) stays a precise float.
FAR_PAST_CHANCE = 1e-290
# The range is the 20th to 80th percentile of a normal spread around the point estimate...
RANGE_Z = 0.84
# ...whose width also allows for this share of error in the model itself.
MODEL_ERROR_SHARE = 0.15
# A range narrower than this adds nothing to "about N min"; shown ranges are rounded out to this step.
SHOWN_RANGE_MIN_WIDTH = 15
SHOWN_RANGE_STEP = 5

URGENT_PRIORITIES = Queue.URGENT_PRIORITIES
PRIORITY_RANK = Queue.PRIORITY_RANK


@dataclass(frozen=True)
class DoctorAvailability:
    """When one doctor of the department sees patients for the rest of the day: windows of (start, end) times."""

    doctor_id: int
    on_duty: bool
    windows: tuple
    # When their last scheduled shift of the day ends (their hours; they may see the line out after it), None for a
    # doctor without scheduled hours.
    hours_end: datetime | None = None


@dataclass(frozen=True)
class ConsultationHistory:
    """What a department's earlier days say (summarize_history): each doctor's and the department's minutes per
    patient, how much a consultation varies, the share of calls that end in a no-show, and how many patients
    of each priority arrive per minute in each hour of the day. Empty for a department without history."""

    days: int = 0
    department_minutes: float | None = None
    doctor_minutes: dict = field(default_factory=dict)
    spread: float | None = None
    no_show_rate: float = 0.0
    # ((priority, consultations, their total length as a share of their doctors' mean), ...): priority_factors.
    priority_lengths: tuple = ()
    # {hour: {priority: arrivals per minute}}, hours in local time.
    hourly_arrivals: dict = field(default_factory=dict)

    def arrivals_by_hour(self, day, today_so_far, now):
        """The rest of the day's hours as (start, end, {priority: arrivals per minute}), scaled by how busy today
        has been so far (today_so_far arrivals) against the earlier days' average up to now."""
        # Each hour from its clock time to the next, in real time (UTC): two times of one zone subtract as clocks
        # do, so on the day the clocks skip an hour noon was twelve hours in, not eleven, and a day as busy as
        # usual read as a quiet one. The hour skipped lasts no minute, the hour repeated two.
        hours = [
            (_clock_hour(day, hour), _clock_hour(day, hour + 1), rates)
            for hour, rates in sorted(self.hourly_arrivals.items())
        ]
        expected_so_far = sum(
            sum(rates.values()) * max(_minutes(start, min(end, now)), 0.0) for start, end, rates in hours
        )
        busier = (today_so_far + URGENT_SHARE_PRIOR_ARRIVALS) / (expected_so_far + URGENT_SHARE_PRIOR_ARRIVALS)
        return tuple(
            (start, end, {priority: rate * busier for priority, rate in rates.items()})
            for start, end, rates in hours
            if end > now
        )


def _clock_hour(day, hour):
    """The moment (UTC) the day's clock shows hour o'clock; 24 is the midnight that ends the day."""
    return (day_ends_at(day) if hour == 24 else moment_on(day, time(hour))).astimezone(UTC)


NO_HISTORY = ConsultationHistory()


@dataclass(frozen=True)
class ConsultationPace:
    """What a department's waits are estimated from, computed once per change of its history or roster."""

    minutes_per_consultation: float
    doctors_on_duty: int
    day: object = None
    # While no doctor is on duty: when the first is expected (a shift's start, a break's end; the moment of the
    # reading for one who is late); and whether none is on duty nor expected any more, though the day had some.
    doctors_expected_at: datetime | None = None
    no_doctor_left_today: bool = False
    # When the day's hours end: the end of the last shift of the doctors on the roster, at the latest the day's
    # midnight, when its line closes; read as of a moment by hours_end_as_of (docs/wait-estimates.md, "Beyond
    # today's hours").
    hours_end_at: datetime | None = None
    configured_minutes: int | None = None
    doctor_minutes: dict = field(default_factory=dict)
    spread: float = DEFAULT_CONSULTATION_SPREAD
    no_show_rate: float = 0.0
    no_show_minutes: float = DEFAULT_NO_SHOW_MINUTES
    # Arrivals per minute today: all of them, and by priority (emergency, high).
    arrival_rate: float = 0.0
    urgent_arrivals: dict = field(default_factory=dict)
    # From the department's history: the rest of the day by hour, ConsultationHistory.arrivals_by_hour.
    arrivals_ahead: tuple = ()
    roster: tuple = ()
    # Slot times of today's bookings not checked in yet that may still take their slot (until the grace window
    # ends), and the share of today's bookings whose patient came.
    pending_slots: tuple = ()
    booking_grace: timedelta = timedelta(0)
    booking_show_rate: float = 1.0
    # ((priority, factor), ...): how long a consultation of each priority takes against its doctor's pace (an
    # emergency's is often longer). A tuple, so that a pace kept by code without it reads as no difference.
    priority_factors: tuple = ()

    def holds_for(self, *, department, day):
        return self.day == day and self.configured_minutes == department.average_consultation_minutes

    def minutes_for(self, doctor_id):
        return self.doctor_minutes.get(doctor_id, self.minutes_per_consultation)


class Serving(NamedTuple):
    """A patient a doctor is with now (called or in consultation): since when, and their priority."""

    doctor_id: int
    called_at: datetime
    priority: str = Priority.NORMAL


class WaitEstimate(NamedTuple):
    """Minutes until the token is called: the likeliest figure and a 20th-80th percentile range.

    A named tuple, not a frozen dataclass: one is made per waiting token on every read of a line, and a frozen
    dataclass takes several times as long to make.
    """

    minutes: int
    low: int
    high: int
    # The range's high end runs past the end of the day's hours (ConsultationPace.hours_end_at): the patient may not
    # be called today.
    maybe_not_today: bool = False

    @property
    def shown_range(self):
        """(low, high) rounded out to whole steps when the range is wide enough to tell the patient; else None."""
        if self.high - self.low < SHOWN_RANGE_MIN_WIDTH:
            return None
        step = SHOWN_RANGE_STEP
        return (self.low // step * step, math.ceil(self.high / step) * step)


def _weighted_mean(values):
    """Exponentially weighted mean of values, oldest first, the newest weighing most."""
    decay = 0.5 ** (1 / PACE_HALF_LIFE_CONSULTATIONS)
    weights = [decay**age for age in range(len(values) - 1, -1, -1)]
    return sum(weight * value for weight, value in zip(weights, values)) / sum(weights)


def _plausible(minutes):
    if not minutes:
        return minutes
    typical = sorted(minutes)[len(minutes) // 2]
    return [value for value in minutes if value <= LONGEST_PLAUSIBLE_CONSULTATION_RATIO * typical]


def _minutes(start, end):
    return (end - start).total_seconds() / 60


def _consultation_minutes(visit):
    """A completed visit's minutes of its doctor's time: from the call to the end of the consultation, the wait for
    the patient to come in counted at most LONGEST_WAIT_FOR_A_CALLED_PATIENT_MINUTES."""
    length = _minutes(visit["called_at"], visit["completed_at"])
    if visit["started_at"] is None:
        return length
    waited = _minutes(visit["called_at"], visit["started_at"])
    return length - max(0.0, waited - LONGEST_WAIT_FOR_A_CALLED_PATIENT_MINUTES)


def _consultations(visits):
    """The plausible consultation lengths of visits, oldest first: all of them, {doctor_id: theirs} and
    {doctor_id: [(priority, length), ...]} (the same lengths with their patients' priorities).

    A consultation completed the moment it was called (a correction at the desk) says nothing of a pace, nor does one
    an admin ended for a doctor called away (services.end_consultation): it ended when the doctor left, maybe hours
    before it was recorded.
    """
    completed = sorted(
        (
            visit
            for visit in visits
            if visit["status"] == Status.COMPLETED
            and visit["called_at"]
            and visit["completed_at"]
            and not visit["consultation_ended_for_doctor"]
            and not visit["consultation_left_open"]
            and _consultation_minutes(visit) >= SHORTEST_PLAUSIBLE_CONSULTATION_MINUTES
        ),
        key=lambda visit: visit["completed_at"],
    )
    lengths = _plausible([_consultation_minutes(visit) for visit in completed])
    kept = set(lengths)
    seen = {}
    for visit in completed:
        length = _consultation_minutes(visit)
        if visit["doctor_id"] is not None and length in kept:
            seen.setdefault(visit["doctor_id"], []).append((visit["priority"], length))
    by_doctor = {doctor_id: [length for _, length in own] for doctor_id, own in seen.items()}
    return lengths, by_doctor, seen


def _priority_lengths(seen):
    """((priority, consultations, sum of their lengths over their doctor's mean), ...): each doctor's
    consultations ({doctor_id: [(priority, length), ...]}) against the mean of the same doctor's lengths."""
    totals = {}
    for own in seen.values():
        mean = sum(length for _, length in own) / len(own)
        for priority, length in own:
            count, share = totals.get(priority, (0, 0.0))
            totals[priority] = (count + 1, share + length / mean)
    return tuple((priority, count, share) for priority, (count, share) in sorted(totals.items()))


def _priority_factors(*lengths):
    """((priority, factor), ...): each priority's mean length against its doctors' paces, from the
    _priority_lengths given (today's, the earlier days'), pulled towards 1 as if PRIORITY_FACTOR_PRIOR_CONSULTATIONS
    more had lasted exactly their doctor's pace."""
    totals = {}
    for priority, count, share in (entry for summed in lengths for entry in summed):
        known_count, known_share = totals.get(priority, (0, 0.0))
        totals[priority] = (known_count + count, known_share + share)
    prior = PRIORITY_FACTOR_PRIOR_CONSULTATIONS
    return tuple(
        (priority, (share + prior) / (count + prior)) for priority, (count, share) in sorted(totals.items())
    )


def _spread(by_doctor):
    """How much a consultation varies around its own doctor's pace: the standard deviation of each length over
    its doctor's mean, pooled over the doctors; None before a doctor has two.

    Around its doctor's pace, not the department's: the line is played doctor by doctor, each at their own pace,
    and a 7-minute and a 13-minute doctor side by side would otherwise look like one very irregular doctor
    (which stretches the time until the last of several busy doctors is free).
    """
    squares, degrees = 0.0, 0
    for lengths in by_doctor.values():
        if len(lengths) < 2:
            continue
        average = sum(lengths) / len(lengths)
        squares += sum((value / average - 1) ** 2 for value in lengths)
        degrees += len(lengths) - 1
    return math.sqrt(squares / degrees) if degrees else None


def _no_shows(visits):
    called = [visit for visit in visits if visit["called_at"] is not None]
    return called, [visit for visit in called if visit["status"] == Status.SKIPPED and visit["skipped_at"]]


def summarize_history(visits):
    """The ConsultationHistory of a department from its tokens of earlier days, as dicts with the fields
    measure_pace reads and token_date. Plain means, not weighted: earlier days are not getting any older in the
    course of today."""
    if not visits:
        return NO_HISTORY
    lengths, by_doctor, seen = _consultations(visits)
    days = len({visit["token_date"] for visit in visits})
    called, no_shows = _no_shows(visits)
    hourly_arrivals = {}
    for visit in visits:
        if visit["transferred_from_id"] is None:
            by_priority = hourly_arrivals.setdefault(timezone.localtime(visit["checked_in_at"]).hour, {})
            by_priority[visit["priority"]] = by_priority.get(visit["priority"], 0) + 1 / (days * 60)
    return ConsultationHistory(
        days=days,
        department_minutes=sum(lengths) / len(lengths) if lengths else None,
        doctor_minutes={doctor_id: sum(own) / len(own) for doctor_id, own in by_doctor.items()},
        spread=_spread(by_doctor),
        priority_lengths=_priority_lengths(seen),
        no_show_rate=len(no_shows) / len(called) if called else 0.0,
        hourly_arrivals=hourly_arrivals,
    )


def _shrunk(today, count, prior, prior_weight):
    """today's figure (from count observations) pulled towards the prior, as if it were prior_weight more."""
    return (count * today + prior_weight * prior) / (count + prior_weight)


def measure_pace(
    *,
    department,
    day,
    visits,
    roster,
    now,
    bookings=(),
    booking_grace=timedelta(0),
    history=NO_HISTORY,
    doctors_scheduled=False,
    clinic_closes_at=END_OF_DAY,
):
    """The department's ConsultationPace from the day's visits, its DoctorAvailability roster, its bookings and
    its ConsultationHistory; clinic_closes_at: the hospital's configured closing time, when the hours of a doctor
    without scheduled hours end.

    visits: the day's tokens as dicts with status, priority, doctor_id, checked_in_at, called_at, started_at,
    completed_at, consultation_ended_for_doctor, consultation_left_open, skipped_at and transferred_from_id. A
    doctor's minutes per patient run from the call to the end of the consultation (the walk to the room is the
    doctor's time too, a long wait for the patient only in part: _consultation_minutes). bookings: the day's
    appointments as dicts with status and slot_start; booking_grace: how long after its slot a booked patient
    keeps it. doctors_scheduled: whether any doctor of the department had a shift today (one recorded absent too)
    or started seeing patients.
    """
    configured = float(department.average_consultation_minutes)
    lengths, by_doctor, seen = _consultations(visits)
    prior, weight = (
        (configured, CONFIGURED_PACE_PRIOR_CONSULTATIONS)
        if history.department_minutes is None
        else (history.department_minutes, HISTORY_PACE_WEIGHT)
    )
    department_minutes = _shrunk(_weighted_mean(lengths) if lengths else 0.0, len(lengths), prior, weight)
    doctor_minutes = {}
    for doctor_id in {*by_doctor, *history.doctor_minutes}:
        own = by_doctor.get(doctor_id, [])
        earlier = history.doctor_minutes.get(doctor_id)
        prior, weight = (
            (earlier, HISTORY_PACE_WEIGHT) if earlier is not None else (department_minutes, DOCTOR_PACE_PRIOR_CONSULTATIONS)
        )
        doctor_minutes[doctor_id] = _shrunk(_weighted_mean(own) if own else 0.0, len(own), prior, weight)
    spread = _spread(by_doctor) if len(lengths) >= SPREAD_MIN_CONSULTATIONS else None
    spread = spread or history.spread or _spread(by_doctor) or DEFAULT_CONSULTATION_SPREAD

    called, no_shows = _no_shows(visits)
    # A doctor waits no longer for a patient who does not come than a consultation takes: a call left open longer
    # (the doctor called away, the no-show marked when they came back) cost the line nothing more, and counted in
    # full one such call of 100 minutes added 10 to the wait of every token ahead for the rest of the day.
    no_show_minutes = (
        sum(min(_minutes(visit["called_at"], visit["skipped_at"]), department_minutes) for visit in no_shows)
        / len(no_shows)
        if no_shows
        else DEFAULT_NO_SHOW_MINUTES
    )

    # How many arrive comes from the last hour (arrivals follow the hour of the day), which share is urgent from
    # the whole day (a steadier figure than the last hour's two or three emergencies).
    arrivals = [visit for visit in visits if visit["transferred_from_id"] is None]
    recent_since = now - timedelta(minutes=ARRIVAL_WINDOW_MINUTES)
    arrival_rate = sum(1 for visit in arrivals if visit["checked_in_at"] >= recent_since) / ARRIVAL_WINDOW_MINUTES
    urgent_arrivals = {
        priority: arrival_rate
        * sum(1 for visit in arrivals if visit["priority"] == priority)
        / (len(arrivals) + URGENT_SHARE_PRIOR_ARRIVALS)
        for priority in URGENT_PRIORITIES
    }
    doctors_on_duty = sum(1 for doctor in roster if doctor.on_duty)
    line_closes_at = day_ends_at(day)
    # A doctor without scheduled hours works the clinic's: they ended at midnight, and a patient told at 3 p.m.
    # "about 4 h" heard nothing of the clinic closing at 5.
    hours_ends = [doctor.hours_end or moment_on(day, clinic_closes_at) for doctor in roster]
    return ConsultationPace(
        minutes_per_consultation=department_minutes,
        doctors_on_duty=doctors_on_duty,
        day=day,
        doctors_expected_at=(
            None if doctors_on_duty else min((doctor.windows[0][0] for doctor in roster), default=None)
        ),
        # Those who had a shift or saw patients today have all left: nobody is coming back for the line.
        no_doctor_left_today=not roster and doctors_scheduled,
        hours_end_at=_hours_end(hours_ends, line_closes_at=line_closes_at),
        configured_minutes=department.average_consultation_minutes,
        doctor_minutes=doctor_minutes,
        spread=spread,
        no_show_rate=(len(no_shows) + NO_SHOW_PRIOR_CALLS * history.no_show_rate) / (len(called) + NO_SHOW_PRIOR_CALLS),
        no_show_minutes=no_show_minutes,
        arrival_rate=arrival_rate,
        urgent_arrivals=urgent_arrivals,
        arrivals_ahead=history.arrivals_by_hour(day, len(arrivals), now) if history.hourly_arrivals else (),
        roster=tuple(roster),
        pending_slots=tuple(
            sorted(
                booking["slot_start"]
                for booking in bookings
                if booking["status"] == AppointmentStatus.BOOKED and booking["slot_start"] + booking_grace > now
            )
        ),
        booking_grace=booking_grace,
        booking_show_rate=_show_rate(bookings),
        priority_factors=_priority_factors(_priority_lengths(seen), history.priority_lengths),
    )


def _hours_end(hours_ends, *, line_closes_at):
    """When the day's hours end, from the end of each rostered doctor's hours (their last shift's end, else the
    clinic's closing): the latest of them, at the latest the line's close at midnight; without a doctor on the
    roster, the line's close."""
    if not hours_ends:
        return line_closes_at
    return min(max(hours_ends), line_closes_at)


def hours_end_as_of(pace, now):
    """The pace's hours_end_at as of now: once it has passed with doctors still on the roster, they are seeing the
    line out, until it closes at midnight (a doctor back at noon after a shift that ended at 11 had every patient
    told "any moment now, maybe not today (hours end at 11 a.m.)"; so did a pace measured before the end of the
    shift and kept after it)."""
    if pace.hours_end_at is None or pace.hours_end_at > now:
        return pace.hours_end_at
    return day_ends_at(pace.day)


def _show_rate(bookings):
    came = sum(1 for booking in bookings if booking["status"] == AppointmentStatus.CHECKED_IN)
    missed = sum(1 for booking in bookings if booking["status"] == AppointmentStatus.NO_SHOW)
    return (came + BOOKING_SHOW_PRIOR) / (came + missed + BOOKING_SHOW_PRIOR)


class _Doctor:
    """A doctor as the line is played forward: when they are next free, within their windows (in minutes from
    now, a window without an end as infinity)."""

    def __init__(self, doctor_id, windows, free_at, expected_free_at):
        self.doctor_id = doctor_id
        self.windows = [window for window in windows if window[1] > free_at]
        # Their next patient is likeliest called at free_at, but the patients after add up from the mean.
        self.free_at, self.expected_free_at = free_at, expected_free_at

    def fork(self):
        return _Doctor(self.doctor_id, list(self.windows), self.free_at, self.expected_free_at)

    def next_call(self):
        """The minute the doctor can next call a patient, or None when their day is over."""
        while self.windows:
            start, end = self.windows[0]
            if self.free_at < end:
                return max(self.free_at, start)
            self.windows.pop(0)
        return None


_STANDARD_NORMAL = NormalDist()


def _upper_tail(z):
    """P(Z > z) for a standard normal Z, precise far into the tail (where 1 - cdf would round to 0)."""
    return math.erfc(z / math.sqrt(2)) / 2


class _ConsultationUnderWay:
    """A consultation begun `spent` minutes ago: lognormal lengths of the doctor's mean and the day's spread,
    known to have lasted `spent` already (so one already long is likely to run on, not to end at once)."""

    def __init__(self, *, mean, spread, spent):
        self.sigma = math.sqrt(math.log(1 + spread**2))
        self.mu = math.log(mean) - self.sigma**2 / 2
        self.spent = max(spent, 0.0)
        running = self._lasts_beyond(self.spent)
        # So far past its usual length (a very regular doctor's patient, still open) that the chance of lasting
        # on is too small for floats to divide precisely: taken as ending now.
        self.running = running if running > FAR_PAST_CHANCE else 0.0

    def _lasts_beyond(self, length):
        return _upper_tail((math.log(length) - self.mu) / self.sigma) if length > 0 else 1.0

    def ended_within(self, minutes):
        if not self.running:
            return 1.0
        return 1 - self._lasts_beyond(self.spent + minutes) / self.running

    def remaining_at_chance(self, chance):
        """The minutes left by which it has ended with this chance."""
        if not self.running:
            return 0.0
        return math.exp(self.mu - self.sigma * _STANDARD_NORMAL.inv_cdf(self.running * (1 - chance))) - self.spent

    def median_remaining(self):
        return self.remaining_at_chance(0.5)

    def mean_remaining(self):
        """E[length - spent | length > spent], in closed form for the lognormal."""
        if not self.running:
            return 0.0
        mean = math.exp(self.mu + self.sigma**2 / 2)
        if not self.spent:
            return mean
        beyond = (math.log(self.spent) - self.mu) / self.sigma
        # Far past its usual length, rounding in the ratio can leave it a hair below zero.
        return max(mean * _upper_tail(beyond - self.sigma) / self.running - self.spent, 0.0)


def _likely_ends(consultations):
    """Minutes until the first, second, ... of these consultations ends: for each, the median (the likeliest
    single figure: half the time sooner, half later) and the mean (what the waits of the patients after add up
    from). The first of several doctors is free well before any one of them usually is, the last well after."""
    if len(consultations) == 1:
        # One doctor busy, the most common case: both figures in closed form, no search.
        return [(consultations[0].median_remaining(), consultations[0].mean_remaining())]

    def ended_by(minutes):
        # Probability that exactly n of the consultations have ended by then (one doctor at a time).
        exactly = [1.0]
        for consultation in consultations:
            ended = consultation.ended_within(minutes)
            exactly = [
                (exactly[n] * (1 - ended) if n < len(exactly) else 0.0) + (exactly[n - 1] * ended if n else 0.0)
                for n in range(len(exactly) + 1)
            ]
        return exactly

    # All have ended by the horizon with at least ALL_ENDED_CHANCE when each has with its n-th root.
    each_ended = ALL_ENDED_CHANCE ** (1 / len(consultations))
    horizon = max(max(consultation.remaining_at_chance(each_ended) for consultation in consultations), 1.0)
    step = horizon / END_GRID_STEPS
    # One pass over the grid gives every order statistic at once: the chance that fewer than `count` have ended
    # by each moment, whose integral is the mean and whose crossing of one half is the median.
    counts = range(1, len(consultations) + 1)
    not_yet = []
    for index in range(END_GRID_STEPS + 1):
        exactly = ended_by(index * step)
        not_yet.append([sum(exactly[:count]) for count in counts])
    likely = []
    for count in counts:
        chances = [row[count - 1] for row in not_yet]
        mean = step * (sum(chances) - (chances[0] + chances[-1]) / 2)
        # All have ended by the horizon, so the chance falls to one half by then: now, for those taken as ending
        # now (_ConsultationUnderWay.running), else between two moments of the grid.
        after = next(index for index, chance in enumerate(chances) if chance <= 0.5)
        median = 0.0
        if after:
            before = chances[after - 1]
            median = (after - 1 + (before - 0.5) / (before - chances[after])) * step
        likely.append((median, mean))
    return likely


def _doctors_at_start(pace, factors, serving, now):
    under_way = {
        doctor_id: _ConsultationUnderWay(
            mean=pace.minutes_for(doctor_id) * factors.get(priority, 1.0),
            spread=pace.spread,
            spent=_minutes(called_at, now),
        )
        for doctor_id, called_at, priority in serving
    }
    # Which doctor frees up first is not known: the one whose patient is likeliest to leave first is given the
    # first end, and so on.
    doctors = sorted(under_way, key=lambda doctor_id: under_way[doctor_id].median_remaining())
    ends = dict(zip(doctors, _likely_ends([under_way[doctor_id] for doctor_id in doctors]) if doctors else []))
    return [
        _Doctor(
            availability.doctor_id,
            [(_minutes(now, start), math.inf if end is None else _minutes(now, end)) for start, end in availability.windows],
            *ends.get(availability.doctor_id, (0.0, 0.0)),
        )
        for availability in pace.roster
    ]


class LinePlay:
    """The line played forward in call order (docs/wait-estimates.md, "How the line is played"): when each
    doctor is next free, and what the tokens handed out so far add up to.

    Kept with a published queue, so that a walk-in joining the end of the line is placed from where its last
    token left the doctors (joins_at_the_end) instead of the whole line being read and played again. Times are
    minutes from `now`, the moment the line was read.
    """

    # Minutes from `now` until the day's hours end. A class default too: a play kept by the code before it (in the
    # cache with its published queue) reads as none, and is played again with the queue's next refresh.
    _hours_end_in = math.inf

    def __init__(self, *, pace, serving, now):
        """serving: a Serving for each patient the doctors are with now."""
        self.pace, self.now = pace, now
        self._factors = dict(pace.priority_factors)
        self._heap = []
        for index, doctor in enumerate(_doctors_at_start(pace, self._factors, serving, now)):
            start = doctor.next_call()
            if start is not None:
                self._heap.append((start, index, doctor))
        heapq.heapify(self._heap)
        # While no doctor is on duty, the line starts moving when the first one's shift begins: a known wait.
        self._line_starts = min((max(doctor.windows[0][0], 0.0) for _, _, doctor in self._heap), default=0.0)
        # Without any doctor expected today, the department's pace is applied as if one doctor took the line now.
        self._doctors = max(len(self._heap), 1)
        self._variance = 0.0
        self._elapsed = 0.0
        # Booked patients not here yet take their slot ahead of the patients of their priority due after it, if
        # they come before the grace window ends (each counted at today's share of bookings that came).
        self._pending = [_minutes(now, slot) for slot in pace.pending_slots if slot + pace.booking_grace > now]
        # A booked patient who came early is due at their slot: the walk-ins arriving before it go first (at the
        # last hour's rate, less the urgent ones, counted apart).
        self._normal_arrival_rate = max(pace.arrival_rate - sum(pace.urgent_arrivals.values()), 0.0)
        self._arrivals_ahead = 0.0
        self._urgent_rates = _urgent_arrival_rates(pace, now, self._factors)
        hours_end_at = hours_end_as_of(pace, now)
        self._hours_end_in = math.inf if hours_end_at is None else _minutes(now, hours_end_at)

    def wait_of(self, priority, due_at, *, shown_after=0.0):
        """The WaitEstimate of the next token in call order, of this priority and due at due_at (its time within
        the priority: QueueQuerySet.in_service_order), counted from shown_after minutes after `now`."""
        if priority == Priority.NORMAL:
            due_in = _minutes(self.now, due_at)
            while self._pending and self._pending[0] <= due_in:
                self._pending.pop(0)
                self._hand_to_first_free_doctor(self.pace.booking_show_rate, self._factors.get(Priority.NORMAL, 1.0))
            expected = self._normal_arrival_rate * max(due_in, 0.0)
            while self._arrivals_ahead < expected:
                share = min(expected - self._arrivals_ahead, 1.0)
                self._hand_to_first_free_doctor(share, self._factors.get(Priority.NORMAL, 1.0))
                self._arrivals_ahead += share
        waited_variance = self._variance
        minutes_ahead = self._hand_to_first_free_doctor(1.0, self._factors.get(priority, 1.0))
        estimate = _with_urgent_arrivals(
            self.pace,
            self._urgent_rates[priority],
            minutes_ahead,
            waited_variance,
            self._doctors,
            shown_after=shown_after,
            line_starts=self._line_starts,
        )
        if shown_after + estimate.high > self._hours_end_in:
            return estimate._replace(maybe_not_today=True)
        return estimate

    def joins_at_the_end(self, priority, arrived_at):
        """wait_of for a token registered at arrived_at (after `now`) behind every token played: the bookings due
        by then go first, but the walk-ins who arrived before it are in the line already, not still expected.

        Its wait counts from arrived_at, when its patient is shown it, not from when the line was played (up to
        published.ESTIMATES_REFRESH_SECONDS earlier): the minutes in between have passed for the doctors too."""
        since_played = max(_minutes(self.now, arrived_at), 0.0)
        self._arrivals_ahead = max(self._arrivals_ahead, self._normal_arrival_rate * since_played)
        return self.wait_of(priority, arrived_at, shown_after=since_played)

    def newcomer(self):
        """The wait of a patient registering at `now`, behind every token played; the play itself is left as it is."""
        return self._fork().wait_of(Priority.NORMAL, self.now)

    def _fork(self):
        fork = copy.copy(self)
        fork._heap = [(start, index, doctor.fork()) for start, index, doctor in self._heap]
        fork._pending = list(self._pending)
        return fork

    def _hand_to_first_free_doctor(self, share, factor):
        """Minutes until the first free doctor calls the next patient, who then keeps them busy for `share` of a
        consultation (an expected share: a no-show, a booking that may not come) of `factor` times their pace (the
        patient's priority's, ConsultationPace.priority_factors)."""
        pace = self.pace
        if self._heap:
            minutes_ahead, index, doctor = heapq.heappop(self._heap)
            no_show = pace.no_show_rate
            service = share * (
                (1 - no_show) * pace.minutes_for(doctor.doctor_id) * factor + no_show * pace.no_show_minutes
            )
            doctor.free_at = max(minutes_ahead, doctor.expected_free_at) + service
            doctor.expected_free_at = doctor.free_at
            following = doctor.next_call()
            if following is not None:
                heapq.heappush(self._heap, (following, index, doctor))
        else:
            service = share * pace.minutes_per_consultation * factor
            self._elapsed += service
            minutes_ahead = self._elapsed
        self._variance += (pace.spread * service) ** 2
        return minutes_ahead


def estimate_waits(*, pace, priorities, serving, now, due=None):
    """A WaitEstimate for each waiting token, given their priorities in call order (LinePlay).

    serving: a Serving for each patient the doctors are with now. due: each token's time in the
    order within its priority (QueueQuerySet.in_service_order: the slot of a booked patient, else the
    arrival), now for all when not given.
    """
    play = LinePlay(pace=pace, serving=serving, now=now)
    return [play.wait_of(priority, due_at) for priority, due_at in zip(priorities, due or [now] * len(priorities))]


def _urgent_arrival_rates(pace, now, factors):
    """{waiting priority: [(from, until, rate)]}: minutes from now and the consultations arriving per minute with
    patients of a higher priority (each counted at its priority's factor of a consultation), by the history's
    hours when there is one (arrivals fall after the morning peak), else at today's rate for the rest of the
    day; only the hours when some are expected."""
    hours = pace.arrivals_ahead or ((now, None, pace.urgent_arrivals),)
    rates = {}
    for priority in PRIORITY_RANK:
        higher = [urgent for urgent in URGENT_PRIORITIES if PRIORITY_RANK[urgent] > PRIORITY_RANK[priority]]
        within_hours = [
            (
                max(_minutes(now, start), 0.0),
                math.inf if end is None else _minutes(now, end),
                sum(by_priority.get(urgent, 0.0) * factors.get(urgent, 1.0) for urgent in higher),
            )
            for start, end, by_priority in hours
            if end is None or end > now
        ]
        rates[priority] = [hour for hour in within_hours if hour[2] > 0]
    return rates


def _arrivals_within(rates, minutes):
    return sum(rate * (min(until, minutes) - start) for start, until, rate in rates if start < minutes)


def _with_urgent_arrivals(pace, rates, minutes, variance, doctors, *, shown_after, line_starts):
    # Patients of a higher priority arriving while this one waits are seen first: each takes a consultation
    # from one of the doctors. Over a wait W, n(W) of them arrive and add n(W) x pace / doctors; those arriving
    # in the added time count too (a few rounds of the same sum). Those who would have come before the wait is
    # shown (shown_after minutes after the line's play) did not: they would be in the line ahead.
    point = minutes
    for _ in range(URGENT_ROUNDS):
        if not rates:
            break
        arriving = _arrivals_within(rates, point) - _arrivals_within(rates, min(shown_after, point))
        extra = arriving * pace.minutes_per_consultation / doctors
        point = minutes + min(extra, MAX_URGENT_SHARE * minutes)
    # The model's own error is a share of the wait once the line moves, not of the hours until the first doctor's
    # shift begins: at noon, with the doctor due at 2 p.m., the first patient was told "about 1 h 45 min – 2 h 15
    # min", a call before anyone was there to make it. Nor does the range begin before then.
    deviation = math.sqrt(variance) / doctors + MODEL_ERROR_SHARE * max(point - line_starts, 0.0)
    point = max(point - shown_after, 0.0)
    earliest = max(line_starts - shown_after, 0.0)
    return WaitEstimate(
        minutes=round(point),
        low=round(max(point - RANGE_Z * deviation, earliest)),
        high=round(point + RANGE_Z * deviation),
    )


def availabilities(duty_doctors, *, visits, now):
    """DoctorAvailability of each hooks.DutyDoctor with time left today (not those gone home, off sick or absent).

    visits: the department's tokens of the day (as measure_pace reads them), to tell a doctor who has not
    started yet from one who has gone, and one on a break while seeing the line out after their hours.
    """
    started = {visit["doctor_id"] for visit in visits if visit["doctor_id"] is not None}
    last_calls = {}
    for visit in visits:
        doctor_id, called_at = visit["doctor_id"], visit["called_at"]
        if doctor_id is not None and called_at is not None:
            last_calls[doctor_id] = max(called_at, last_calls.get(doctor_id, called_at))
    roster = []
    for doctor in duty_doctors:
        if doctor.absent:
            continue
        windows = day_windows(
            doctor.shifts,
            on_duty=doctor.on_duty,
            on_break=doctor.on_break,
            started=doctor.doctor_id in started,
            last_call=last_calls.get(doctor.doctor_id),
            now=now,
        )
        if windows:
            hours_end = (
                moment_on(timezone.localdate(now), doctor.shifts[-1][1])
                if doctor.shifts
                else None
            )
            roster.append(
                DoctorAvailability(
                    doctor_id=doctor.doctor_id, on_duty=doctor.on_duty, windows=windows, hours_end=hours_end
                )
            )
    return roster


def day_windows(shifts, *, on_duty, on_break, started, now, last_call=None):
    """When a doctor sees patients for the rest of the day, from their scheduled shifts of today ((start, end)
    local times, in order), whether they are on duty or on a break now, whether they have called a patient today
    and when they last did (last_call).

    A doctor on duty works until the end of the shift they are in (one on duty between two shifts is seeing out
    the last patient of the shift before), then their later shifts; their last shift lasts until the line is
    seen. A doctor on a break comes back for their next shift; one who is off and has not started yet comes for
    theirs. Either is late once that shift has begun, and expected now; so is a doctor on a break who has no
    shifts (a break says they are coming back), and one who took it while seeing the line out after their last
    shift (they called a patient after its end). One whose break outlasts their last shift, or off after seeing
    patients today (gone home, off sick), is not counted on again.
    """
    today = timezone.localdate(now)
    times = [(moment_on(today, start), moment_on(today, end)) for start, end in shifts]
    later = [window for window in times if window[0] > now]
    current = next((window for window in times if window[0] <= now < window[1]), None)
    # Called a patient after the end of their last shift: working on to see the line out, their break a pause in it.
    seeing_the_line_out = bool(times) and last_call is not None and last_call >= times[-1][1]
    late = not on_duty and (
        (current is not None and (on_break or not started)) or (on_break and (not times or seeing_the_line_out))
    )
    if on_duty and current is None and later:
        # Between two shifts they are seeing out the last patient of the one just ended, then on their break;
        # before their first shift they are in early, working on into it.
        windows = later if any(end <= now for _, end in times) else [(now, later[0][1]), *later[1:]]
    elif on_duty or late:
        windows = [(now, current[1] if current else None), *later]
    elif on_break or not started:
        windows = later
    else:
        return ()
    # Doctors see the patients already waiting before they leave: their last shift ends when the line does.
    if windows:
        windows[-1] = (windows[-1][0], None)
    return tuple(windows)
