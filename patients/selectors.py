"""Read-only queue queries shared by pages, the API, consumers and tasks.

Snapshots are plain dicts of JSON-ready values, read in a fixed number of queries whatever the queue
length. Public ones carry tokens and states only: the display boards, the queue API and the public
sockets must never show a patient's name or phone.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, IntegerField, OuterRef, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from adminpanel.models import AdminUser
from doctors.models import Doctor

from .models import Department, Queue, format_token

RECENT_CONSULTATIONS_FOR_PACE = 10
ON_DUTY_AVAILABILITY = (Doctor.Availability.AVAILABLE, Doctor.Availability.BUSY)
SERVING_STATUSES = (Queue.Status.CALLED, Queue.Status.IN_CONSULTATION)


@dataclass(frozen=True)
class ConsultationPace:
    minutes_per_consultation: float
    doctors_on_duty: int

    def estimated_wait_minutes(self, position):
        # Each doctor on duty sees one patient per mean consultation; a waiting patient is served
        # after the ceil(position / doctors) rounds needed to reach them (one doctor assumed if none is).
        if position is None:
            return None
        rounds = math.ceil(position / max(self.doctors_on_duty, 1))
        return round(rounds * self.minutes_per_consultation)


def _doctors_on_duty():
    return Doctor.objects.filter(is_active=True, availability__in=ON_DUTY_AVAILABILITY)


def consultation_pace(*, department, day=None):
    """Mean of today's last completed consultations (else the configured average) and doctors on duty.

    Two plain queries: every queue change reads it, so it avoids consultation_paces' window function.
    """
    day = day or timezone.localdate()
    recent = (
        _completed_consultations(day)
        .filter(department=department)
        .order_by("-completed_at")
        .values_list("started_at", "completed_at")[:RECENT_CONSULTATIONS_FOR_PACE]
    )
    return _pace(
        department=department,
        lengths=[completed - started for started, completed in recent],
        on_duty=_doctors_on_duty().filter(department=department).count(),
    )


def consultation_paces(*, departments, day=None):
    """consultation_pace for several departments at once, in two queries: {department_id: ConsultationPace}."""
    day = day or timezone.localdate()
    by_id = {department.pk: department for department in departments}
    recent = (
        _completed_consultations(day)
        .filter(department_id__in=by_id)
        .annotate(
            length=ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField()),
            recency=Window(RowNumber(), partition_by=F("department_id"), order_by=F("completed_at").desc()),
        )
        .filter(recency__lte=RECENT_CONSULTATIONS_FOR_PACE)
        .values_list("department_id", "length")
    )
    lengths = {department_id: [] for department_id in by_id}
    for department_id, length in recent:
        lengths[department_id].append(length)
    doctors = dict(
        _doctors_on_duty()
        .filter(department_id__in=by_id)
        .values("department_id")
        .annotate(on_duty=Count("id"))
        .values_list("department_id", "on_duty")
    )
    return {
        department_id: _pace(
            department=department, lengths=lengths[department_id], on_duty=doctors.get(department_id, 0)
        )
        for department_id, department in by_id.items()
    }


def _completed_consultations(day):
    return Queue.objects.filter(
        token_date=day, status=Queue.Status.COMPLETED, started_at__isnull=False, completed_at__isnull=False
    )


def _pace(*, department, lengths, on_duty):
    seconds = [length.total_seconds() for length in lengths if length is not None and length > timedelta(0)]
    return ConsultationPace(
        minutes_per_consultation=(
            sum(seconds) / len(seconds) / 60 if seconds else float(department.average_consultation_minutes)
        ),
        doctors_on_duty=on_duty,
    )


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


def is_reception_staff(user):
    """Doctors, admin-panel users and superusers register walk-ins and may set a priority."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return (
        Doctor.objects.filter(user=user, is_active=True).exists()
        or AdminUser.objects.filter(user=user, is_active=True).exists()
    )


def _waiting_count_per_department(day):
    return Coalesce(
        Subquery(
            Queue.objects.waiting()
            .for_day(day)
            .filter(department=OuterRef("pk"))
            .order_by()
            .values("department")
            .annotate(total=Count("pk"))
            .values("total"),
            output_field=IntegerField(),
        ),
        0,
    )


def department_overview(*, day=None):
    """Every active department with its waiting count and the wait a patient registering now can expect.

    Three queries whatever the number of departments or patients.
    """
    day = day or timezone.localdate()
    departments = list(
        Department.objects.filter(is_active=True).annotate(waiting_count=_waiting_count_per_department(day))
    )
    paces = consultation_paces(departments=departments, day=day) if departments else {}
    return [
        {
            **_department_summary(department),
            "description": department.description,
            "queue_length": department.waiting_count,
            "doctors_on_duty": paces[department.pk].doctors_on_duty,
            "estimated_wait_minutes": paces[department.pk].estimated_wait_minutes(department.waiting_count + 1),
        }
        for department in departments
    ]


def _department_summary(department):
    return {"id": department.pk, "name": department.name, "code": department.code, "room": department.room}


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


def staff_entry(entry):
    """A queue entry as the department's doctors see it: the public view plus who the patient is."""
    return {
        **public_entry(entry),
        "patient": {"name": entry.patient.name, "age": entry.patient.age},
        "notes": entry.notes,
    }


def _being_served(*, department, day):
    """Entries the department's doctors have called or are seeing, latest call first."""
    return list(
        Queue.objects.for_day(day)
        .filter(department=department, status__in=SERVING_STATUSES)
        .select_related("department", "doctor__user", "doctor__department")
        .order_by("-called_at", "-id")
    )


def department_queue_snapshot(*, department, day=None):
    """The department's queue as the public sees it, for the queue API, display boards and sockets (4 queries)."""
    day = day or timezone.localdate()
    pace = consultation_pace(department=department, day=day)
    # Plain rows, not model instances: every queue change rebuilds this for the whole line.
    waiting = list(
        Queue.objects.waiting()
        .for_day(day)
        .filter(department=department)
        .in_service_order()
        .values_list("token_number", "priority")
    )
    return {
        "department": {**_department_summary(department), "is_active": department.is_active},
        "date": day.isoformat(),
        "waiting": [
            {
                "token": format_token(department.code, token_number),
                "priority": priority,
                "status": Queue.Status.WAITING,
                "position": position,
                "estimated_wait_minutes": pace.estimated_wait_minutes(position),
            }
            for position, (token_number, priority) in enumerate(waiting, start=1)
        ],
        "now_serving": [public_entry(entry) for entry in _being_served(department=department, day=day)],
        "queue_length": len(waiting),
        # What a patient registering now should expect.
        "estimated_wait_minutes": pace.estimated_wait_minutes(len(waiting) + 1),
        "minutes_per_consultation": round(pace.minutes_per_consultation, 1),
        "doctors_on_duty": pace.doctors_on_duty,
    }


def current_visit(*, patient):
    """The visit the patient's status page follows: their latest token."""
    return (
        Queue.objects.filter(patient=patient)
        .select_related("department", "patient", "doctor__user", "doctor__department", "feedback")
        .order_by("-token_date", "-checked_in_at", "-id")
        .first()
    )


def describe_visit(entry, *, position, estimated_wait_minutes, now_serving):
    """One visit as its patient follows it, from figures already read: nothing about any other patient."""
    feedback_given = hasattr(entry, "feedback")
    being_served = entry.status in SERVING_STATUSES
    return {
        "patient_id": str(entry.patient.public_id),
        "visit_id": entry.pk,
        "token": entry.token,
        "date": entry.token_date.isoformat(),
        "department": _department_summary(entry.department),
        "priority": entry.priority,
        "status": entry.status,
        "status_display": entry.get_status_display(),
        "position": position,
        "patients_ahead": position - 1 if position else None,
        "estimated_wait_minutes": estimated_wait_minutes if position else None,
        "your_turn": entry.status == Queue.Status.CALLED,
        "doctor": str(entry.doctor) if entry.doctor and being_served else None,
        "go_to": entry.doctor.location if entry.doctor and being_served else None,
        "now_serving": now_serving,
        "feedback_given": feedback_given,
        "can_give_feedback": entry.status == Queue.Status.COMPLETED and not feedback_given,
    }


def visit_status(*, entry):
    """describe_visit for one visit, reading its department's line in a constant number of queries."""
    day = entry.token_date
    position = None
    if entry.status == Queue.Status.WAITING:
        position = positions_in_line(department_ids=[entry.department_id], day=day).get(entry.pk)
    return describe_visit(
        entry,
        position=position,
        estimated_wait_minutes=consultation_pace(department=entry.department, day=day).estimated_wait_minutes(position),
        now_serving=[served.token for served in _being_served(department=entry.department, day=day)],
    )


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
        position=place and place["position"],
        estimated_wait_minutes=place and place["estimated_wait_minutes"],
        now_serving=[served["token"] for served in queue["now_serving"]],
    )
