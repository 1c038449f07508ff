"""Read-only queue queries shared by pages, the API, consumers and tasks."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from adminpanel.models import AdminUser
from doctors.models import Doctor

from .models import Department, Queue, format_token

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


def _completed_consultations(day):
    return (
        Queue.objects.filter(
            token_date=day,
            status=Queue.Status.COMPLETED,
            started_at__isnull=False,
            completed_at__isnull=False,
        )
        .order_by("-completed_at")
        .annotate(length=ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField()))
    )


def _pace_from(*, department, recent_lengths, doctors_on_duty):
    lengths = [length for length in recent_lengths if length is not None and length > timedelta(0)]
    if lengths:
        minutes = sum(length.total_seconds() for length in lengths) / len(lengths) / 60
    else:
        minutes = float(department.average_consultation_minutes)
    return ConsultationPace(minutes_per_consultation=minutes, doctors_on_duty=doctors_on_duty)


def _doctors_on_duty():
    return Doctor.objects.filter(is_active=True, availability__in=ON_DUTY_AVAILABILITY)


def consultation_pace(*, department, day=None):
    """Mean of today's last completed consultations (else the configured average) and doctors on duty."""
    day = day or timezone.localdate()
    recent = (
        _completed_consultations(day)
        .filter(department=department)
        .values_list("length", flat=True)[:RECENT_CONSULTATIONS_FOR_PACE]
    )
    doctors = _doctors_on_duty().filter(department=department).count()
    return _pace_from(department=department, recent_lengths=recent, doctors_on_duty=doctors)


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


def _count_per_department(queryset):
    return Coalesce(
        Subquery(
            queryset.filter(department=OuterRef("pk"))
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

    Two queries whatever the number of departments or patients.
    """
    day = day or timezone.localdate()
    departments = list(
        Department.objects.filter(is_active=True).annotate(
            waiting_count=_count_per_department(Queue.objects.waiting().for_day(day)),
            doctors_on_duty=_count_per_department(_doctors_on_duty()),
        )
    )
    recent_lengths = {}
    for department_id, length in _completed_consultations(day).values_list("department_id", "length"):
        lengths = recent_lengths.setdefault(department_id, [])
        if len(lengths) < RECENT_CONSULTATIONS_FOR_PACE:
            lengths.append(length)
    overview = []
    for department in departments:
        pace = _pace_from(
            department=department,
            recent_lengths=recent_lengths.get(department.pk, []),
            doctors_on_duty=department.doctors_on_duty,
        )
        overview.append(
            {
                **_department_summary(department),
                "description": department.description,
                "queue_length": department.waiting_count,
                "doctors_on_duty": department.doctors_on_duty,
                "estimated_wait_minutes": pace.estimated_wait_minutes(department.waiting_count + 1),
            }
        )
    return overview


def _department_summary(department):
    return {"id": department.pk, "name": department.name, "code": department.code, "room": department.room}


def _now_serving(*, department, day):
    """Tokens the department's doctors have called or are seeing, in the order they were called."""
    serving = (
        Queue.objects.filter(
            department=department, token_date=day, status__in=[Queue.Status.CALLED, Queue.Status.IN_CONSULTATION]
        )
        .order_by("called_at", "id")
        .values_list("token_number", "status", "priority")
    )
    return [
        {"token": format_token(department.code, number), "status": status, "priority": priority}
        for number, status, priority in serving
    ]


def department_queue_snapshot(*, department, day=None):
    """The department's queue as the public sees it: tokens, priorities and states, never names or phones.

    A plain JSON-ready dict, shared by the REST API and the real-time snapshots; four queries whatever
    the queue length.
    """
    day = day or timezone.localdate()
    waiting = waiting_queue(department=department, day=day)
    pace = consultation_pace(department=department, day=day)
    return {
        "department": _department_summary(department),
        "date": day.isoformat(),
        "now_serving": _now_serving(department=department, day=day),
        "waiting": [
            {
                "token": entry.token,
                "priority": entry.priority,
                "status": entry.status,
                "position": position,
                "estimated_wait_minutes": pace.estimated_wait_minutes(position),
            }
            for position, entry in enumerate(waiting, start=1)
        ],
        "queue_length": len(waiting),
        "doctors_on_duty": pace.doctors_on_duty,
        "minutes_per_consultation": round(pace.minutes_per_consultation, 1),
        "estimated_wait_minutes": pace.estimated_wait_minutes(len(waiting) + 1),
    }


def current_visit(*, patient):
    """The visit the patient's status page follows: their latest token."""
    return (
        Queue.objects.filter(patient=patient)
        .select_related("department", "doctor__department", "feedback")
        .order_by("-token_date", "-checked_in_at", "-id")
        .first()
    )


def visit_status(*, entry):
    """One visit as its patient sees it: token, place in line, wait, who is being served, feedback state.

    Nothing about any other patient; a plain JSON-ready dict with a constant number of queries.
    """
    department = entry.department
    position = None
    estimated_wait = None
    if entry.status == Queue.Status.WAITING:
        waiting_ids = [waiting.pk for waiting in waiting_queue(department=department, day=entry.token_date)]
        position = waiting_ids.index(entry.pk) + 1 if entry.pk in waiting_ids else None
        pace = consultation_pace(department=department, day=entry.token_date)
        estimated_wait = pace.estimated_wait_minutes(position)
    feedback_given = hasattr(entry, "feedback")
    return {
        "patient_id": str(entry.patient.public_id),
        "visit_id": entry.pk,
        "token": entry.token,
        "date": entry.token_date.isoformat(),
        "department": _department_summary(department),
        "priority": entry.priority,
        "status": entry.status,
        "status_display": entry.get_status_display(),
        "position": position,
        "patients_ahead": position - 1 if position else None,
        "estimated_wait_minutes": estimated_wait,
        "go_to": entry.doctor.location if entry.doctor and entry.status in Queue.ACTIVE_STATUSES else None,
        "now_serving": [serving["token"] for serving in _now_serving(department=department, day=entry.token_date)],
        "feedback_given": feedback_given,
        "can_give_feedback": entry.status == Queue.Status.COMPLETED and not feedback_given,
    }


def patient_status(*, patient):
    """Status of the patient's current visit, or None when they have never had a token."""
    entry = current_visit(patient=patient)
    if entry is None:
        return None
    entry.patient = patient
    return visit_status(entry=entry)
