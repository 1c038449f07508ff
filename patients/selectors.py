"""Read-only queue queries shared by pages, the API, consumers and tasks."""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import DurationField, ExpressionWrapper, F
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
    day = day or timezone.localdate()
    recent = (
        Queue.objects.filter(
            department=department,
            token_date=day,
            status=Queue.Status.COMPLETED,
            started_at__isnull=False,
            completed_at__isnull=False,
        )
        .order_by("-completed_at")
        .annotate(length=ExpressionWrapper(F("completed_at") - F("started_at"), output_field=DurationField()))
        .values_list("length", flat=True)[:RECENT_CONSULTATIONS_FOR_PACE]
    )
    lengths = [length for length in recent if length is not None and length > timedelta(0)]
    if lengths:
        minutes = sum(length.total_seconds() for length in lengths) / len(lengths) / 60
    else:
        minutes = float(department.average_consultation_minutes)
    doctors = Doctor.objects.filter(
        department=department, is_active=True, availability__in=ON_DUTY_AVAILABILITY
    ).count()
    return ConsultationPace(minutes_per_consultation=minutes, doctors_on_duty=doctors)


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

