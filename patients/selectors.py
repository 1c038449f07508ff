"""Read-only queue queries shared by pages, the API, consumers and tasks."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from doctors.models import Doctor

from .models import Queue

RECENT_CONSULTATIONS_FOR_PACE = 10
ON_DUTY_AVAILABILITY = (Doctor.Availability.AVAILABLE, Doctor.Availability.BUSY)


@dataclass(frozen=True)
class ConsultationPace:
    minutes_per_consultation: float
    doctors_on_duty: int

    def estimated_wait_minutes(self, position):
        # Each doctor on duty sees one patient per mean consultation; a waiting patient is served
        # after the ceil(position / doctors) rounds needed to reach them.
        if position is None:
            return None
        rounds = math.ceil(position / max(self.doctors_on_duty, 1))
        return round(rounds * self.minutes_per_consultation)


def consultation_pace(*, department, day=None):
    """Mean of today's last completed consultations (else the configured average) and doctors on duty."""
    return consultation_paces(departments=[department], day=day)[department.pk]


def consultation_paces(*, departments, day=None):
    """consultation_pace for several departments at once, in two queries: {department_id: ConsultationPace}."""
    day = day or timezone.localdate()
    by_id = {department.pk: department for department in departments}
    recent = (
        Queue.objects.filter(
            department_id__in=by_id,
            token_date=day,
            status=Queue.Status.COMPLETED,
            started_at__isnull=False,
            completed_at__isnull=False,
        )
        .annotate(
            length=ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField()),
            recency=Window(RowNumber(), partition_by=F("department_id"), order_by=F("completed_at").desc()),
        )
        .filter(recency__lte=RECENT_CONSULTATIONS_FOR_PACE)
        .values_list("department_id", "length")
    )
    lengths = {department_id: [] for department_id in by_id}
    for department_id, length in recent:
        if length is not None and length > timedelta(0):
            lengths[department_id].append(length.total_seconds())
    doctors = dict(
        Doctor.objects.filter(department_id__in=by_id, is_active=True, availability__in=ON_DUTY_AVAILABILITY)
        .values("department_id")
        .annotate(on_duty=Count("id"))
        .values_list("department_id", "on_duty")
    )
    return {
        department_id: ConsultationPace(
            minutes_per_consultation=(
                sum(lengths[department_id]) / len(lengths[department_id]) / 60
                if lengths[department_id]
                else float(department.average_consultation_minutes)
            ),
            doctors_on_duty=doctors.get(department_id, 0),
        )
        for department_id, department in by_id.items()
    }


def waiting_queue(*, department, day=None):
    """The department's waiting entries for the day, in the order they will be called."""
    day = day or timezone.localdate()
    return list(
        Queue.objects.waiting()
        .for_day(day)
        .filter(department=department)
        .select_related("department")
        .in_service_order()
    )


def estimated_wait_minutes(entry):
    """Minutes until a waiting entry is likely to be called; None once it is no longer waiting."""
    position = entry.get_position_in_queue()
    if position is None:
        return None
    return consultation_pace(department=entry.department, day=entry.token_date).estimated_wait_minutes(position)



# Snapshots for the live pages and sockets. They are plain dicts of JSON-ready values, read in a fixed
# number of queries whatever the queue length, and carry tokens and states only: the public display
# and sockets must never show a patient's name or phone.


def _local_iso(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def _serving_doctor(entry):
    if entry.doctor is None:
        return {"doctor_id": None, "doctor": None, "room": entry.department.room or entry.department.name}
    return {"doctor_id": entry.doctor_id, "doctor": str(entry.doctor), "room": entry.doctor.location}


def public_entry(entry):
    """A queue entry as the public may see it: token, priority, status and where to go, no patient details."""
    return {
        "token": entry.token,
        "priority": entry.priority,
        "status": entry.status,
        "called_at": _local_iso(entry.called_at),
        **_serving_doctor(entry),
    }


def department_queue_snapshot(*, department, day=None):
    """The department's live queue for the display board and the queue socket, in four queries."""
    day = day or timezone.localdate()
    pace = consultation_pace(department=department, day=day)
    waiting = waiting_queue(department=department, day=day)
    serving = (
        Queue.objects.for_day(day)
        .filter(department=department, status__in=[Queue.Status.CALLED, Queue.Status.IN_CONSULTATION])
        .select_related("department", "doctor__user", "doctor__department")
        .order_by("-called_at", "-id")
    )
    return {
        "department": {
            "id": department.pk,
            "name": department.name,
            "code": department.code,
            "room": department.room,
            "is_active": department.is_active,
        },
        "date": day.isoformat(),
        "waiting": [
            {
                "token": entry.token,
                "priority": entry.priority,
                "position": position,
                "estimated_wait_minutes": pace.estimated_wait_minutes(position),
            }
            for position, entry in enumerate(waiting, start=1)
        ],
        "now_serving": [public_entry(entry) for entry in serving],
        "queue_length": len(waiting),
        # What a patient registering now should expect.
        "estimated_wait_minutes": pace.estimated_wait_minutes(len(waiting) + 1),
        "minutes_per_consultation": round(pace.minutes_per_consultation, 1),
        "doctors_on_duty": pace.doctors_on_duty,
    }


def visit_status(entry, *, position, pace):
    """One visit as its patient follows it: place in line, expected wait, and where to go once called."""
    return {
        "token": entry.token,
        "department_id": entry.department_id,
        "department": entry.department.name,
        "priority": entry.priority,
        "status": entry.status,
        "position": position,
        "estimated_wait_minutes": pace.estimated_wait_minutes(position) if pace else None,
        "your_turn": entry.status == Queue.Status.CALLED,
        **(_serving_doctor(entry) if entry.status in (Queue.Status.CALLED, Queue.Status.IN_CONSULTATION) else {}),
    }


def positions_in_line(*, department_ids, day):
    """{entry_id: 1-based place} for every waiting entry of the departments, in one query."""
    positions, last_place = {}, {}
    ordered = (
        Queue.objects.waiting()
        .for_day(day)
        .filter(department_id__in=department_ids)
        .in_service_order()
        .values_list("id", "department_id")
    )
    for entry_id, department_id in ordered:
        last_place[department_id] = last_place.get(department_id, 0) + 1
        positions[entry_id] = last_place[department_id]
    return positions


def patient_status(*, patient, day=None):
    """The patient's visits of the day with place in line and expected wait, in four queries."""
    day = day or timezone.localdate()
    visits = list(
        Queue.objects.for_day(day)
        .filter(patient=patient)
        .select_related("department", "doctor__user", "doctor__department")
        .order_by("checked_in_at", "id")
    )
    departments = {visit.department_id: visit.department for visit in visits}
    paces = consultation_paces(departments=departments.values(), day=day) if departments else {}
    positions = positions_in_line(department_ids=list(departments), day=day) if departments else {}
    return {
        "patient_id": str(patient.public_id),
        "date": day.isoformat(),
        "visits": [
            visit_status(visit, position=positions.get(visit.pk), pace=paces.get(visit.department_id))
            for visit in visits
        ],
    }


def staff_entry(entry):
    """A queue entry as the department's doctors see it: the public view plus who the patient is."""
    return {
        **public_entry(entry),
        "patient": {"name": entry.patient.name, "age": entry.patient.age},
        "notes": entry.notes,
    }
