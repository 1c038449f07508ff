"""Report figures computed from queue entries and feedback, per department per day and per doctor.

Every function reads a date range with a fixed number of queries and groups the rows in Python,
so a report costs the same number of queries for one department or fifty. Days are the
hospital-local token days; a wait is called_at - checked_in_at, a consultation completed_at - started_at.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS

from doctors.models import Doctor
from patients.models import Department, PatientFeedback, Queue
from patients.selectors import consultation_minutes, mean, percentile_90, visits_between, wait_minutes

from .models import DepartmentAnalytics

Status = Queue.Status


@dataclass(frozen=True)
class DepartmentDay:
    department_id: int
    department_name: str
    date: object
    registrations: int
    completed: int
    no_shows: int
    cancelled: int
    average_wait_minutes: float | None
    p90_wait_minutes: float | None
    average_consultation_minutes: float | None
    average_rating: float | None
    rating_count: int
    peak_hour: int | None


@dataclass(frozen=True)
class DoctorPerformance:
    doctor_id: int
    doctor_name: str
    department_name: str
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


def summarise_department_day(*, department, day, visits, ratings):
    """One department's figures for one day from its visits (dicts of VISIT_FIELDS) and feedback ratings.

    A token transferred in from another department is not a new registration (its first token was);
    waits are those of the tokens that were called, whatever became of them afterwards.
    """
    registrations = [visit for visit in visits if visit["transferred_from_id"] is None]
    statuses = Counter(visit["status"] for visit in visits)
    waits = [wait_minutes(visit) for visit in visits]
    completed = [visit for visit in visits if visit["status"] == Status.COMPLETED]
    hours = Counter(timezone.localtime(visit["checked_in_at"]).hour for visit in registrations)
    # Ties go to the earlier hour, so the same data always gives the same peak.
    peak_hour = min(hours, key=lambda hour: (-hours[hour], hour)) if hours else None
    return DepartmentDay(
        department_id=department.pk,
        department_name=department.name,
        date=day,
        registrations=len(registrations),
        completed=len(completed),
        no_shows=statuses[Status.SKIPPED],
        cancelled=statuses[Status.CANCELLED],
        average_wait_minutes=mean(waits),
        p90_wait_minutes=percentile_90(waits),
        average_consultation_minutes=mean(consultation_minutes(visit) for visit in completed),
        average_rating=mean(ratings),
        rating_count=len(ratings),
        peak_hour=peak_hour,
    )


def department_days(*, start, end):
    """Figures for every department and day in [start, end] that had at least one token (3 queries)."""
    visits_by_key = defaultdict(list)
    for visit in visits_between(start=start, end=end):
        visits_by_key[(visit["department_id"], visit["token_date"])].append(visit)
    ratings_by_key = defaultdict(list)
    for rating in _ratings_between(start, end):
        ratings_by_key[(rating["queue_entry__department_id"], rating["queue_entry__token_date"])].append(
            rating["rating"]
        )
    departments = Department.objects.in_bulk({department_id for department_id, _ in visits_by_key})
    return [
        summarise_department_day(
            department=departments[department_id],
            day=day,
            visits=visits_by_key[(department_id, day)],
            ratings=ratings_by_key[(department_id, day)],
        )
        for department_id, day in sorted(visits_by_key, key=lambda key: (key[1], departments[key[0]].name))
    ]


def doctor_performance(*, start, end):
    """Per doctor over [start, end]: patients seen, mean consultation and wait, mean rating (3 queries)."""
    seen_by_doctor = defaultdict(list)
    for visit in visits_between(start=start, end=end, status=Status.COMPLETED, doctor__isnull=False):
        seen_by_doctor[visit["doctor_id"]].append(visit)
    ratings_by_doctor = defaultdict(list)
    for rating in _ratings_between(start, end):
        if rating["queue_entry__doctor_id"] is not None:
            ratings_by_doctor[rating["queue_entry__doctor_id"]].append(rating["rating"])
    doctors = Doctor.objects.select_related("user", "department").in_bulk(set(seen_by_doctor) | set(ratings_by_doctor))
    rows = [
        DoctorPerformance(
            doctor_id=doctor.pk,
            doctor_name=str(doctor),
            department_name=doctor.department.name,
            seen=len(seen_by_doctor[doctor.pk]),
            average_consultation_minutes=mean(consultation_minutes(visit) for visit in seen_by_doctor[doctor.pk]),
            average_wait_minutes=mean(wait_minutes(visit) for visit in seen_by_doctor[doctor.pk]),
            average_rating=mean(ratings_by_doctor[doctor.pk]),
            rating_count=len(ratings_by_doctor[doctor.pk]),
        )
        for doctor in doctors.values()
    ]
    return sorted(rows, key=lambda row: (row.department_name, row.doctor_name))


ROLLUP_FIELDS = (
    "registrations",
    "completed",
    "no_shows",
    "cancelled",
    "average_wait_minutes",
    "p90_wait_minutes",
    "average_consultation_minutes",
    "average_rating",
    "rating_count",
    "peak_hour",
)


@transaction.atomic
def rollup_day(*, day):
    """Write the day's DepartmentAnalytics rows, replacing any earlier roll-up of that day."""
    rows = department_days(start=day, end=day)
    DepartmentAnalytics.objects.filter(date=day).delete()
    DepartmentAnalytics.objects.bulk_create(
        DepartmentAnalytics(
            department_id=row.department_id, date=day, **{field: getattr(row, field) for field in ROLLUP_FIELDS}
        )
        for row in rows
    )
    return len(rows)


def _days(start, end):
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def chart_series(rows, *, start, end, waits_by_day):
    """Chart.js-ready series for every day of [start, end], a day without tokens counting zero: daily totals,
    each department's daily mean wait, and the mean and 90th-percentile wait of all departments."""
    days = _days(start, end)
    totals = {day: Counter() for day in days}
    waits = defaultdict(dict)
    for row in rows:
        totals[row.date].update(registrations=row.registrations, completed=row.completed, no_shows=row.no_shows)
        waits[row.department_name][row.date] = row.average_wait_minutes
    return {
        "labels": [day.isoformat() for day in days],
        "totals": {
            measure: [totals[day][measure] for day in days] for measure in ("registrations", "completed", "no_shows")
        },
        "waits": {department: [by_day.get(day) for day in days] for department, by_day in sorted(waits.items())},
        "all_waits": {
            "mean": [mean(waits_by_day.get(day, [])) for day in days],
            "p90": [percentile_90(waits_by_day.get(day, [])) for day in days],
        },
    }


HEAT_LEVELS = 5


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
        waits=grid(mean_waits, longest, lambda wait: None if wait is None else round(wait)),
        waits_by_day=waits_by_day,
    )
