"""Read-only data for the admin panel's live queue view and GET /adminpanel/api/ (3 queries in all)."""

from collections import defaultdict

from django.utils import timezone

from doctors.models import Doctor
from patients.models import Department, Queue

Status = Queue.Status


def live_queues():
    """Per department today: waiting count, longest wait so far, who is with which doctor, doctors' availability."""
    now = timezone.now()
    entries_by_department = defaultdict(list)
    for entry in (
        Queue.objects.active()
        .for_day(timezone.localdate(now))
        .select_related("department", "patient", "doctor__user")
        .order_by("checked_in_at")
    ):
        entries_by_department[entry.department_id].append(entry)
    doctors_by_department = defaultdict(list)
    for doctor in Doctor.objects.filter(is_active=True).select_related("user").order_by("user__last_name"):
        doctors_by_department[doctor.department_id].append(doctor)
    rows = []
    for department in Department.objects.order_by("name"):
        entries = entries_by_department[department.pk]
        waiting = [entry for entry in entries if entry.status == Status.WAITING]
        rows.append(
            {
                "id": department.pk,
                "name": department.name,
                "code": department.code,
                "is_active": department.is_active,
                "waiting": len(waiting),
                "longest_wait_minutes": int((now - waiting[0].checked_in_at).total_seconds() // 60)
                if waiting
                else None,
                "with_doctors": [
                    {
                        "entry_id": entry.pk,
                        "token": entry.token,
                        "patient": entry.patient.name,
                        "doctor": str(entry.doctor) if entry.doctor else None,
                        "status": entry.status,
                        "status_label": entry.get_status_display(),
                    }
                    for entry in entries
                    if entry.status != Status.WAITING
                ],
                "doctors": [
                    {
                        "id": doctor.pk,
                        "name": str(doctor),
                        "availability": doctor.availability,
                        "availability_label": doctor.get_availability_display(),
                    }
                    for doctor in doctors_by_department[department.pk]
                ],
            }
        )
    return rows
