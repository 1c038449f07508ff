"""The doctor dashboard's data (shared by the page and GET /doctors/api/), and who is on duty."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Exists, FilteredRelation, OuterRef, Q, Subquery
from django.utils import timezone

from patients import appointments
from patients.hooks import DutyDoctor
from patients.models import Appointment, Department, Queue, format_token, minutes_waited
from patients.selectors import (
    Booking,
    bookings_of_tokens,
    department_overview,
    consultation_minutes,
    mean,
    open_wait_alerts,
    visits_between,
    wait_minutes,
    waiting_queue,
)
from patients.services import current_patient_of

from .models import Doctor, DoctorAbsence, DoctorSchedule, parts_on_weekday

Status = Queue.Status
ON_DUTY_AVAILABILITY = (Doctor.Availability.AVAILABLE, Doctor.Availability.BUSY)


def duty_roster(department_ids, day):
    """{department_id: [DutyDoctor]}: active doctors, available or busy counting as on duty, those absent on the day
    marked so, with their shifts of the day's weekday, for the core's wait estimates (see patients.hooks). One
    query."""
    eve = day - timedelta(days=1)
    rows = (
        Doctor.objects.filter(is_active=True, department_id__in=department_ids)
        .annotate(
            # The eve's intervals too: a night shift that began then is still on after midnight.
            shift=FilteredRelation("schedule", condition=Q(schedule__weekday__in=(day.weekday(), eve.weekday()))),
            absent=Exists(DoctorAbsence.objects.filter(doctor=OuterRef("pk"), day=day)),
            absent_on_eve=Exists(DoctorAbsence.objects.filter(doctor=OuterRef("pk"), day=eve)),
        )
        .values_list(
            "id", "department_id", "availability", "absent", "absent_on_eve",
            "shift__weekday", "shift__starts_at", "shift__ends_at",
        )
        .order_by("id")
    )
    intervals, doctors = {}, {}
    for doctor_id, department_id, availability, absent, absent_on_eve, weekday, starts_at, ends_at in rows:
        doctors[doctor_id] = (department_id, availability, absent)
        intervals.setdefault(doctor_id, [])
        # A shift is its first day's: an absence that day takes its part after midnight off too.
        if starts_at is not None and not (absent_on_eve and weekday == eve.weekday()):
            intervals[doctor_id].append((weekday, starts_at, ends_at))
    shifts = {doctor_id: parts_on_weekday(week, day.weekday()) for doctor_id, week in intervals.items()}
    roster = {}
    for doctor_id, (department_id, availability, absent) in doctors.items():
        roster.setdefault(department_id, []).append(
            DutyDoctor(
                doctor_id=doctor_id,
                on_duty=availability in ON_DUTY_AVAILABILITY,
                on_break=availability == Doctor.Availability.ON_BREAK,
                shifts=tuple(shifts[doctor_id]),
                absent=absent,
            )
        )
    return roster


def working_hours(department_id, day, *, absence=None):
    """The department's doctors' working intervals on the day, the parts after midnight of the eve's night shifts
    included, absent doctors left out, and the doctor of absence, an absence about to be recorded ((doctor, day)),
    on its day (see patients.hooks)."""
    eve = day - timedelta(days=1)

    def worked_on(weekday, date):
        # A shift is the day's it begins on: its doctor's absence that day takes its part after midnight off too.
        absent = DoctorAbsence.objects.filter(doctor=OuterRef("doctor_id"), day=date)
        worked = Q(weekday=weekday) & ~Q(Exists(absent))
        if absence is not None and absence[1] == date:
            worked &= ~Q(doctor=absence[0])
        return worked

    own = worked_on(day.weekday(), day)
    intervals = DoctorSchedule.objects.filter(
        own | worked_on(eve.weekday(), eve), doctor__department_id=department_id, doctor__is_active=True
    )
    week = defaultdict(list)
    for doctor_id, *interval in intervals.values_list("doctor_id", "weekday", "starts_at", "ends_at"):
        week[doctor_id].append(tuple(interval))
    return [part for intervals in week.values() for part in parts_on_weekday(intervals, day.weekday())]


class _Labels:
    """The labels of the token rows' choices in the request's language, looked up once per dashboard: a model's
    get_FOO_display hashes every lazy label of the field on each call, which made the labels of a long line
    cost more than the rest of the dashboard."""

    def __init__(self):
        self.priority = _labels_of(Queue.Priority)
        self.status = _labels_of(Status)
        self.arrival = _labels_of(Appointment.Arrival)


def _labels_of(choices):
    # A blank value (a booked patient's arrival before they come) has a blank label, as get_FOO_display gives.
    return defaultdict(str, {value: str(label) for value, label in choices.choices})


# What a token row shows, read as plain values: model instances for a line of hundreds cost three times the query.
TOKEN_ROW_FIELDS = ("id", "token_number", "priority", "status", "notes")
# A walk-in's row: no slot, no arrival.
WALK_IN = Booking(slot_start=None, arrival="")


def _token_rows(entries, *, department_code, now, labels):
    """entries: a queryset of one department's tokens, in the order shown."""
    rows = list(
        entries.values(
            *TOKEN_ROW_FIELDS,
            waiting_since=Queue.waiting_since_expression(),
            # The department whose doctor has the patient just now, whom Call next passes over.
            elsewhere_id=Subquery(Queue.with_a_doctor_elsewhere().values("department_id")[:1]),
        )
    )
    elsewhere = Department.objects.in_bulk({values["elsewhere_id"] for values in rows} - {None})
    bookings = bookings_of_tokens(entries)
    # No phone number: the dashboard is on a screen in a consulting room.
    return [
        {
            "id": values["id"],
            "token": format_token(department_code, values["token_number"]),
            "priority": values["priority"],
            "priority_label": labels.priority[values["priority"]],
            "status": values["status"],
            "status_label": labels.status[values["status"]],
            "waiting_minutes": minutes_waited(values["waiting_since"], now),
            "notes": values["notes"],
            "slot_time": booking.slot_start,
            "arrival": booking.arrival,
            "arrival_label": labels.arrival[booking.arrival],
            "with_a_doctor_in": (
                elsewhere[values["elsewhere_id"]].translated("name") if values["elsewhere_id"] else ""
            ),
        }
        for values, booking in zip(rows, (bookings.get(values["id"], WALK_IN) for values in rows))
    ]


def expected_appointments(*, department_id):
    """Today's bookings the line is still waiting for (appointments.awaited_today), by slot."""
    return [
        {"slot_time": appointment.slot_start, "patient_name": appointment.patient.name}
        for appointment in appointments.awaited_today(department_id=department_id)
    ]


def today_statistics(*, doctor, day):
    """Patients the doctor saw today, in whichever department (one moved at noon saw the morning's elsewhere), with
    their mean consultation and wait, and the no-shows of the doctor's department."""
    visits = visits_between(Q(department_id=doctor.department_id) | Q(doctor=doctor), start=day, end=day)
    seen = [visit for visit in visits if visit["status"] == Status.COMPLETED and visit["doctor_id"] == doctor.pk]
    return {
        "seen": len(seen),
        "average_consultation_minutes": mean(consultation_minutes(visit) for visit in seen),
        "average_wait_minutes": mean(wait_minutes(visit) for visit in seen),
        "no_shows": sum(
            1
            for visit in visits
            if visit["status"] == Status.SKIPPED and visit["department_id"] == doctor.department_id
        ),
    }


def dashboard_data(*, doctor):
    now = timezone.now()
    day = timezone.localdate(now)
    code = doctor.department.code
    labels = _Labels()
    current = current_patient_of(doctor)
    current_row = None
    if current is not None:
        (row,) = _token_rows(
            Queue.objects.filter(pk=current.pk), department_code=current.department.code, now=now, labels=labels
        )
        current_row = {
            **row,
            "patient_name": current.patient.name,
            "age": current.patient.age,
            "earlier_day": current.token_date if current.token_date < day else None,
        }
    skipped = (
        Queue.objects.for_day(day)
        .filter(department_id=doctor.department_id, status=Status.SKIPPED)
        .order_by("skipped_at")
    )
    return {
        "doctor": {
            "id": doctor.pk,
            "name": str(doctor),
            "availability": doctor.availability,
            "availability_label": doctor.get_availability_display(),
        },
        "department": {
            "id": doctor.department_id,
            "name": doctor.department.name,
            "code": doctor.department.code,
            "translations": doctor.department.translations,
        },
        "wait_alert": open_wait_alerts([doctor.department_id]).get(doctor.department_id),
        "current": current_row,
        "waiting": _token_rows(
            waiting_queue(department=doctor.department, day=day), department_code=code, now=now, labels=labels
        ),
        "skipped": _token_rows(skipped, department_code=code, now=now, labels=labels),
        "expected_appointments": expected_appointments(department_id=doctor.department_id),
        "statistics": today_statistics(doctor=doctor, day=day),
        # From the published queues, as the departments list: one a transfer or referral would be refused into
        # (doctors.services.check_someone_sees_them_there) is marked, not offered as any other.
        "transfer_departments": [
            {
                "id": department.pk,
                "name": department.name,
                "translations": department.translations,
                "no_doctor_left_today": department.no_doctor_left_today,
            }
            for department in department_overview()
            if department.pk != doctor.department_id
        ],
        "generated_at": now,
    }
