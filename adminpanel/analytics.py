"""Report figures computed from queue entries and feedback, per department per day and per doctor.

Every function reads a date range with a fixed number of queries and groups the rows in Python,
so a report costs the same number of queries for one department or fifty. Days are the
hospital-local token days; a wait is called_at - checked_in_at (a transferred token's from its transfer), a
consultation completed_at - started_at (selectors.consultation_minutes: none for one an admin ended for a doctor
called away, whose patient still counts as seen and completed); an estimate's error runs to the first call
(first_called_at), the moment the estimate was of.
"""

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.dates import WEEKDAYS

from doctors.models import Doctor
from patients.models import Appointment, Department, PatientFeedback, Priority, Queue
from patients.selectors import (
    bookings_of_tokens,
    consultation_minutes,
    mean,
    minutes_between,
    percentile_90,
    visits_between,
    wait_alert_totals,
    wait_minutes,
)
from patients.services import close_consultations_left_open

from .models import AuditLog, DepartmentAnalytics

Status = Queue.Status

# The priorities in the line's service order (emergencies first), as the reports list their figures.
PRIORITIES_SERVED_FIRST = sorted(Priority, key=lambda priority: -Queue.PRIORITY_RANK[priority])
# Each priority's figures, named "<priority>_<measure>" in DepartmentDay, DepartmentAnalytics and the export.
PRIORITY_MEASURES = ("registrations", "average_wait_minutes", "p90_wait_minutes")
PRIORITY_FIELDS = tuple(
    f"{priority}_{measure}" for priority in PRIORITIES_SERVED_FIRST for measure in PRIORITY_MEASURES
)


@dataclass(frozen=True)
class PriorityFigures:
    """One priority's registrations and the waits of its called patients, in one department on one day."""

    priority: str
    registrations: int
    average_wait_minutes: float | None
    p90_wait_minutes: float | None


@dataclass(frozen=True)
class DepartmentDay:
    department_id: int
    # The department itself, so that pages and the export name it in the reader's language.
    department: Department
    date: object
    registrations: int
    completed: int
    no_shows: int
    cancelled: int
    # Still waiting, or called and never seen, when the day ended (today: in line now): the waits above are of
    # called tokens only, so a day that left patients unseen read as a day that served everyone.
    not_seen: int
    # With a doctor as the report is read (today, or a consultation not yet closed as left open): counted in no other
    # status, so registrations were one short of the statuses that account for them.
    in_consultation: int
    # Counted as completed too (the patient was seen): consultations their doctor never finished, closed when the day
    # ended (patients.services.close_consultation_left_open).
    consultations_left_open: int
    average_wait_minutes: float | None
    p90_wait_minutes: float | None
    average_consultation_minutes: float | None
    average_rating: float | None
    rating_count: int
    peak_hour: int | None
    estimate_count: int
    estimate_mean_absolute_error: float | None
    estimate_bias: float | None
    # Cancelled tokens the desk put back in line (a cancellation made by mistake): counted as waiting, seen or not
    # seen as they went on, and no longer as cancelled.
    reinstated: int
    # Per priority, in the line's service order: its registrations and the waits of its patients called.
    by_priority: tuple[PriorityFigures, ...]

    def __getattr__(self, name):
        # The flat "<priority>_<measure>" names of the roll-up's fields and the export's columns.
        priority, _, measure = name.partition("_")
        if measure in PRIORITY_MEASURES:
            for figures in self.by_priority:
                if figures.priority == priority:
                    return getattr(figures, measure)
        raise AttributeError(name)

    @property
    def department_name(self):
        """In the reader's language: the export's and the charts' words for it, as the pages' (their translation,
        else as written)."""
        return self.department.translated("name")


@dataclass(frozen=True)
class DoctorPerformance:
    doctor_id: int
    doctor_name: str
    department: Department
    seen: int
    average_consultation_minutes: float | None
    average_wait_minutes: float | None
    average_rating: float | None
    rating_count: int


def _ratings_between(start, end):
    return list(
        PatientFeedback.objects.filter(queue_entry__token_date__range=(start, end)).values(
            "rating", "queue_entry__department_id", "queue_entry__token_date", "queue_entry__doctor_id"
        )
    )


def summarise_department_day(*, department, day, visits, ratings, reinstated_ids=frozenset()):
    """One department's figures for one day from its visits (dicts of VISIT_FIELDS), feedback ratings and the ids of
    the tokens reinstated after a cancellation made by mistake.

    A token transferred or referred in from another department is not a new registration (its first token was),
    and one transferred out is not a cancellation (services.transfer cancels it, but the patient is seen in the
    other department); waits are those of the tokens that were called, whatever became of them afterwards.
    """
    registrations = [visit for visit in visits if visit["transferred_from_id"] is None]
    statuses = Counter(visit["status"] for visit in visits if visit["transferred_to"] is None)
    waits = [wait_minutes(visit) for visit in visits]
    completed = [visit for visit in visits if visit["status"] == Status.COMPLETED]
    hours = Counter(timezone.localtime(visit["checked_in_at"]).hour for visit in registrations)
    # How far the wait shown on registering was from the wait that followed, until the token's first call: for a
    # patient recalled after a no-show, or put back in line when their doctor was called away, the wait until the
    # later call counted their absence (or the doctor's) as the estimate's error.
    estimate_errors = [
        visit["estimated_wait_at_registration"] - minutes_between(visit["checked_in_at"], visit["first_called_at"])
        for visit in registrations
        if visit["estimated_wait_at_registration"] is not None and visit["first_called_at"] is not None
    ]
    # Ties go to the earlier hour, so the same data always gives the same peak.
    peak_hour = min(hours, key=lambda hour: (-hours[hour], hour)) if hours else None
    by_priority = tuple(
        PriorityFigures(
            priority=priority,
            registrations=sum(visit["priority"] == priority for visit in registrations),
            average_wait_minutes=mean(wait for visit, wait in zip(visits, waits) if visit["priority"] == priority),
            p90_wait_minutes=percentile_90(
                wait for visit, wait in zip(visits, waits) if visit["priority"] == priority
            ),
        )
        for priority in PRIORITIES_SERVED_FIRST
    )
    return DepartmentDay(
        department_id=department.pk,
        department=department,
        date=day,
        registrations=len(registrations),
        completed=len(completed),
        no_shows=statuses[Status.SKIPPED],
        cancelled=statuses[Status.CANCELLED],
        not_seen=statuses[Status.WAITING] + statuses[Status.CALLED],
        in_consultation=statuses[Status.IN_CONSULTATION],
        consultations_left_open=sum(visit["consultation_left_open"] for visit in completed),
        average_wait_minutes=mean(waits),
        p90_wait_minutes=percentile_90(waits),
        average_consultation_minutes=mean(consultation_minutes(visit) for visit in completed),
        average_rating=mean(ratings),
        rating_count=len(ratings),
        peak_hour=peak_hour,
        estimate_count=len(estimate_errors),
        estimate_mean_absolute_error=mean(abs(error) for error in estimate_errors),
        estimate_bias=mean(estimate_errors),
        reinstated=sum(visit["id"] in reinstated_ids for visit in visits),
        by_priority=by_priority,
    )


def _reinstated_between(start, end):
    """The ids of the tokens of [start, end] reinstated after a cancellation: the audit log, written in the
    reinstating transaction, is their only record (reinstate clears cancelled_at). A token is reinstated on its own
    day only (services.check_reinstatable), so that day bounds the log read."""
    reinstatements = AuditLog.objects.filter(
        object_type="queue", action="queue.reinstated", created_at__date__range=(start, end)
    )
    return {int(object_id) for object_id in reinstatements.values_list("object_id", flat=True)}


def department_days(*, start, end):
    """Figures for every department and day in [start, end] that had at least one token (4 queries)."""
    visits_by_key = defaultdict(list)
    for visit in visits_between(start=start, end=end):
        visits_by_key[(visit["department_id"], visit["token_date"])].append(visit)
    ratings_by_key = defaultdict(list)
    for rating in _ratings_between(start, end):
        ratings_by_key[(rating["queue_entry__department_id"], rating["queue_entry__token_date"])].append(
            rating["rating"]
        )
    departments = Department.objects.in_bulk({department_id for department_id, _ in visits_by_key})
    reinstated_ids = _reinstated_between(start, end) if visits_by_key else frozenset()
    return [
        summarise_department_day(
            department=departments[department_id],
            day=day,
            visits=visits_by_key[(department_id, day)],
            ratings=ratings_by_key[(department_id, day)],
            reinstated_ids=reinstated_ids,
        )
        for department_id, day in sorted(visits_by_key, key=lambda key: (key[1], departments[key[0]].name))
    ]


def doctor_performance(*, start, end):
    """Per doctor and department over [start, end]: patients seen, mean consultation and wait, mean rating (4 queries).

    A visit counts in the department it was in, not the doctor's department now: a doctor moved between departments
    has a row in each, whose figures are those of the patients they saw there."""
    seen = defaultdict(list)
    for visit in visits_between(start=start, end=end, status=Status.COMPLETED, doctor__isnull=False):
        seen[(visit["doctor_id"], visit["department_id"])].append(visit)
    ratings = defaultdict(list)
    for rating in _ratings_between(start, end):
        if rating["queue_entry__doctor_id"] is not None:
            ratings[(rating["queue_entry__doctor_id"], rating["queue_entry__department_id"])].append(rating["rating"])
    keys = set(seen) | set(ratings)
    doctors = Doctor.objects.select_related("user").in_bulk({doctor_id for doctor_id, _ in keys})
    departments = Department.objects.in_bulk({department_id for _, department_id in keys})
    rows = []
    for doctor_id, department_id in keys:
        patients, given = seen[(doctor_id, department_id)], ratings[(doctor_id, department_id)]
        rows.append(
            DoctorPerformance(
                doctor_id=doctor_id,
                doctor_name=str(doctors[doctor_id]),
                department=departments[department_id],
                seen=len(patients),
                average_consultation_minutes=mean(consultation_minutes(visit) for visit in patients),
                average_wait_minutes=mean(wait_minutes(visit) for visit in patients),
                average_rating=mean(given),
                rating_count=len(given),
            )
        )
    return sorted(rows, key=lambda row: (row.department.name, row.doctor_name, row.doctor_id))


ROLLUP_FIELDS = (
    "registrations",
    "completed",
    "no_shows",
    "cancelled",
    "not_seen",
    "consultations_left_open",
    "average_wait_minutes",
    "p90_wait_minutes",
    "average_consultation_minutes",
    "average_rating",
    "rating_count",
    "peak_hour",
    "estimate_count",
    "estimate_mean_absolute_error",
    "estimate_bias",
    "reinstated",
    *PRIORITY_FIELDS,
)


@transaction.atomic
def rollup_day(*, day):
    """Write the day's DepartmentAnalytics rows, replacing any earlier roll-up of that day."""
    # Its consultations left open counted as such, also where nothing has closed them since midnight.
    close_consultations_left_open(now=timezone.now())
    rows = sorted(department_days(start=day, end=day), key=lambda row: row.department_id)
    DepartmentAnalytics.objects.filter(date=day).exclude(department_id__in=[row.department_id for row in rows]).delete()
    # Upserted, not deleted and inserted again: two roll-ups of one day at once (the command and the schedule)
    # then wait for each other row by row, in one order, instead of both inserting the same row.
    DepartmentAnalytics.objects.bulk_create(
        [
            DepartmentAnalytics(
                department_id=row.department_id, date=day, **{field: getattr(row, field) for field in ROLLUP_FIELDS}
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["department", "date"],
        update_fields=[*ROLLUP_FIELDS, "updated_at"],
    )
    return len(rows)


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day_to_roll_up(typed):
    """The day a roll-up was asked for (the rollup_analytics command's --date, the task's day): a real day written
    YYYY-MM-DD, today or before; else ValueError saying what it must be. fromisoformat alone also read 20261203 and
    2026-W49-4, and the task rolled up a day still to come."""
    try:
        day = date.fromisoformat(typed) if ISO_DAY.fullmatch(typed) else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"must be a real day written YYYY-MM-DD, got '{typed}'.")
    if day > timezone.localdate():
        raise ValueError(f"must be today or an earlier day: {typed} has not happened yet.")
    return day


# A change is stamped when it is saved, before its transaction commits: one saved this long before a roll-up
# may still have been invisible to it, so its day is redone once more.
UNCOMMITTED_CHANGE_MARGIN = timedelta(minutes=5)


def days_changed_since_rollup(*, start, end):
    """The days of [start, end] whose tokens or feedback changed after the day's roll-up, or that have tokens and
    no roll-up: a consultation finished, or a rating given, after midnight belongs to its token's day (3 queries)."""
    latest_change_by_day = (
        Queue.objects.filter(token_date__range=(start, end)).values_list("token_date").annotate(Max("updated_at")),
        PatientFeedback.objects.filter(queue_entry__token_date__range=(start, end))
        .values_list("queue_entry__token_date")
        .annotate(Max("created_at")),
    )
    changed = defaultdict(list)
    for latest in latest_change_by_day:
        for day, moment in latest.order_by():
            changed[day].append(moment)
    rolled = dict(
        DepartmentAnalytics.objects.filter(date__range=(start, end))
        .values_list("date")
        .annotate(Min("updated_at"))
        .order_by()
    )
    return sorted(
        day
        for day, moments in changed.items()
        if day not in rolled or max(moments) > rolled[day] - UNCOMMITTED_CHANGE_MARGIN
    )


def rollup_today_and_late_changes(*, today):
    """Roll up today so far, and redo each of the previous settings.ANALYTICS_LATE_CHANGE_DAYS days that changed
    since its roll-up; the number of department rows written."""
    late = days_changed_since_rollup(
        start=today - timedelta(days=settings.ANALYTICS_LATE_CHANGE_DAYS), end=today - timedelta(days=1)
    )
    return sum(rollup_day(day=day) for day in [*late, today])


def estimate_accuracy(*, day):
    """The daily roll-up's estimate accuracy per department for a day that is over (1 query once rolled up).

    A day with tokens that no roll-up has reached is rolled up first: the embedded defaults run no Celery beat, and
    a report read just after midnight comes before the schedule's run."""
    rolled_up = DepartmentAnalytics.objects.filter(date=day).select_related("department").order_by("department__name")
    rows = list(rolled_up)
    if not rows and day < timezone.localdate() and Queue.objects.filter(token_date=day).exists():
        rollup_day(day=day)
        rows = list(rolled_up.all())
    return rows


def _days(start, end):
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def all_departments_by_day(rows, *, start, end, waits_by_day):
    """Every day of [start, end] across all departments, a day without tokens counting zero: what the report's two
    charts draw, as the table that is their text alternative."""
    totals = {day: Counter() for day in _days(start, end)}
    for row in rows:
        totals[row.date].update(registrations=row.registrations, completed=row.completed, no_shows=row.no_shows)
    return [
        {
            "date": day,
            "registrations": counts["registrations"],
            "completed": counts["completed"],
            "no_shows": counts["no_shows"],
            "average_wait_minutes": mean(waits_by_day.get(day, [])),
            "p90_wait_minutes": percentile_90(waits_by_day.get(day, [])),
        }
        for day, counts in totals.items()
    ]


def chart_series(rows, *, days, day_label):
    """Chart.js-ready series of all_departments_by_day's `days`: daily totals, the mean and 90th-percentile wait of
    all departments, and each department's daily mean wait. A day is labelled by day_label, as the page's tables
    write it (an ISO date on the axis is a code to the reader)."""
    waits = defaultdict(dict)
    for row in rows:
        waits[row.department_name][row.date] = row.average_wait_minutes
    return {
        "labels": [day_label(day["date"]) for day in days],
        "totals": {measure: [day[measure] for day in days] for measure in ("registrations", "completed", "no_shows")},
        "waits": {
            department: [by_day.get(day["date"]) for day in days] for department, by_day in sorted(waits.items())
        },
        "all_waits": {
            "mean": [day["average_wait_minutes"] for day in days],
            "p90": [day["p90_wait_minutes"] for day in days],
        },
    }


HEAT_LEVELS = 5


def whole_minutes(minutes):
    """A wait (never negative) to the minute, its half rounded up as the page's tenths round one (floatformat): Python's
    round takes 12.5 to 12 and 13.5 to 14."""
    return math.floor(minutes + 0.5)


def _heat_level(value, highest):
    # 0 for no data, else 1..HEAT_LEVELS in proportion to the busiest cell.
    if not value or not highest:
        return 0
    return max(1, math.ceil(HEAT_LEVELS * value / highest))


@dataclass(frozen=True)
class PeakHours:
    """Arrivals and waits by weekday and local hour over a range: when the hospital is busiest."""

    hours: list
    arrivals: list
    waits: list
    waits_by_day: dict


def peak_hours(*, start, end):
    """A weekday × hour heat map of arrivals (registrations) and mean waits, over the hours that had any
    arrival, plus every day's waits for the charts (1 query)."""
    waits_by_day = defaultdict(list)
    arrivals = Counter()
    cell_waits = defaultdict(list)
    for visit in visits_between(start=start, end=end):
        wait = wait_minutes(visit)
        waits_by_day[visit["token_date"]].append(wait)
        if visit["transferred_from_id"] is not None:
            continue
        arrived = timezone.localtime(visit["checked_in_at"])
        arrivals[(arrived.weekday(), arrived.hour)] += 1
        cell_waits[(arrived.weekday(), arrived.hour)].append(wait)
    hours = list(range(min(hour for _, hour in arrivals), max(hour for _, hour in arrivals) + 1)) if arrivals else []
    mean_waits = {cell: mean(values) for cell, values in cell_waits.items()}
    busiest = max(arrivals.values(), default=0)
    longest = max((wait for wait in mean_waits.values() if wait is not None), default=0)

    def grid(values, highest, shown):
        return [
            {
                "weekday": name,
                "cells": [
                    {
                        "hour": hour,
                        "value": shown(values.get((weekday, hour))),
                        "level": _heat_level(values.get((weekday, hour)), highest),
                    }
                    for hour in hours
                ],
            }
            for weekday, name in WEEKDAYS.items()
        ]

    return PeakHours(
        hours=hours,
        arrivals=grid(arrivals, busiest, lambda count: count or 0),
        waits=grid(mean_waits, longest, lambda wait: None if wait is None else whole_minutes(wait)),
        waits_by_day=waits_by_day,
    )


@dataclass(frozen=True)
class AppointmentFigures:
    """One department's bookings over a range: how many came, how punctually, and how long booked and walk-in
    patients waited (a booked patient's wait counts from their slot when they came early, as the line does)."""

    department: Department
    bookings: int
    checked_in: int
    no_shows: int
    no_show_rate: float | None
    on_time: int
    early: int
    late: int
    average_arrival_minutes: float | None
    average_booked_wait_minutes: float | None
    average_walk_in_wait_minutes: float | None


def appointment_figures(*, start, end):
    """Per department over [start, end]: no-show rate, punctuality, waits of booked vs walk-in patients (4 queries, and
    one per transfer back: selectors.bookings_of_tokens)."""
    bookings = defaultdict(list)
    kept_bookings = Appointment.objects.filter(slot_start__date__range=(start, end)).exclude(
        status=Appointment.Status.CANCELLED
    )
    for booking in kept_bookings.values("department_id", "status", "arrival", "slot_start", "checked_in_at"):
        bookings[booking["department_id"]].append(booking)
    booked_waits, walk_in_waits = defaultdict(list), defaultdict(list)
    called = Queue.objects.filter(token_date__range=(start, end), called_at__isnull=False)
    booked = bookings_of_tokens(called)
    for visit in called.values(
        "id",
        "department_id",
        "checked_in_at",
        "created_at",
        "transferred_from_id",
        "due_at",
        "due_after_move_back",
        "called_at",
    ):
        if visit["id"] not in booked:
            walk_in_waits[visit["department_id"]].append(wait_minutes(visit))
        else:
            # From the slot, or from where the patient's own move back put them.
            due = visit["due_after_move_back"] or visit["due_at"] or visit["checked_in_at"]
            due = max(visit["checked_in_at"], due)
            booked_waits[visit["department_id"]].append(minutes_between(due, visit["called_at"]))
    department_ids = set(bookings) | set(booked_waits)
    departments = Department.objects.in_bulk(department_ids)
    rows = []
    for department_id in department_ids:
        kept = bookings[department_id]
        arrivals = Counter(booking["arrival"] for booking in kept)
        checked_in = sum(1 for booking in kept if booking["status"] == Appointment.Status.CHECKED_IN)
        no_shows = sum(1 for booking in kept if booking["status"] == Appointment.Status.NO_SHOW)
        rows.append(
            AppointmentFigures(
                department=departments[department_id],
                bookings=len(kept),
                checked_in=checked_in,
                no_shows=no_shows,
                no_show_rate=no_shows / (checked_in + no_shows) if checked_in + no_shows else None,
                on_time=arrivals[Appointment.Arrival.ON_TIME],
                early=arrivals[Appointment.Arrival.EARLY],
                late=arrivals[Appointment.Arrival.LATE],
                average_arrival_minutes=mean(
                    minutes_between(booking["slot_start"], booking["checked_in_at"]) for booking in kept
                ),
                average_booked_wait_minutes=mean(booked_waits[department_id]),
                average_walk_in_wait_minutes=mean(walk_in_waits[department_id]),
            )
        )
    return sorted(rows, key=lambda row: row.department.name)


def bookings_per_day(*, start, end):
    """{(day, department): {status: count}} of bookings over [start, end], for the panel's bookings page."""
    counts = defaultdict(Counter)
    for booking in Appointment.objects.filter(slot_start__date__range=(start, end)).values(
        "slot_start", "department_id", "status"
    ):
        counts[(timezone.localdate(booking["slot_start"]), booking["department_id"])][booking["status"]] += 1
    departments = Department.objects.in_bulk({department_id for _day, department_id in counts})
    by_day = sorted(counts, key=lambda key: (key[0], departments[key[1]].name))
    return {(day, departments[department_id]): counts[(day, department_id)] for day, department_id in by_day}
def long_wait_alerts(*, start, end):
    """Per department, the long-wait alerts that started in the period: how many, and minutes over the limit."""
    totals = wait_alert_totals(start=start, end=end)
    departments = Department.objects.in_bulk(totals)
    return sorted(
        (
            {"department": departments[department_id], "alerts": count, "minutes_over_threshold": minutes}
            for department_id, (count, minutes) in totals.items()
        ),
        key=lambda row: row["department"].name,
    )
