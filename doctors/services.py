"""What a doctor does from the dashboard: queue actions on its own department, availability, weekly hours."""

from collections import Counter
from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from patients import appointments, broadcasts, hooks
from patients import services as queue_services
from patients.models import Queue
from patients.selectors import consultation_pace

from . import selectors
from .models import Doctor, DoctorAbsence, DoctorSchedule, hours_in_words, parts_on_weekday


class NotYourPatient(queue_services.QueueError):
    """The token is not one this doctor may act on."""


def entry_for_doctor(*, doctor, entry_id, locked=False):
    """The queue entry, if it belongs to the doctor's department: the one check every doctor action goes through.
    Locked, the entry is held (its row only) until the caller's transaction ends."""
    entries = Queue.objects.select_related("department")
    if locked:
        entries = entries.select_for_update(of=("self",))
    entry = entries.filter(pk=entry_id).first()
    if entry is None or entry.department_id != doctor.department_id:
        raise NotYourPatient(
            _("Token #%(id)s is not in the %(department)s queue.")
            % {"id": entry_id, "department": doctor.department.translated("name")}
        )
    return entry


def _own_consultation(*, doctor, entry_id):
    """The entry, if it is no other doctor's, checked under its lock in the caller's transaction: a token returned to
    the line and called by a colleague a moment before is theirs, not one this doctor's stale page may act on.
    A token keeps the doctor who last called it; only while called or in consultation is it with them: a no-show is
    the department's (any of its doctors recalls or transfers it), and one done is refused for what it is now."""
    entry = entry_for_doctor(doctor=doctor, entry_id=entry_id, locked=True)
    if entry.status in Queue.SERVING_STATUSES and entry.doctor_id not in (None, doctor.pk):
        raise NotYourPatient(_("Token %(token)s is with another doctor.") % {"token": entry.token})
    return entry


# Not seeing patients: the department's screens and estimates count the doctor off duty.
OFF_DUTY = (Doctor.Availability.ON_BREAK, Doctor.Availability.OFFLINE)


@transaction.atomic
def call_next(*, doctor, actor, ip_address=None):
    """Call the department's next patient; a doctor calling while marked on break or offline is back at work, and
    one recorded absent today is here after all (the screens had said no doctor was on duty while the line
    moved)."""
    _withdraw_todays_absence(doctor=doctor, actor=actor, ip_address=ip_address)
    # As stored, under the doctor's lock: not the page's copy, read as the request began. A break set from another
    # tab a moment before was the copy's "available", so the call was made and the doctor left on a break with a
    # patient called, as going away with one (refuse_off_duty_with_a_patient) is refused.
    stored = Doctor.objects.select_for_update(of=("self",)).filter(pk=doctor.pk).values_list("availability", flat=True)
    if stored.first() in OFF_DUTY:
        doctor = set_availability(
            doctor=doctor, availability=Doctor.Availability.AVAILABLE, actor=actor, ip_address=ip_address
        )
    return queue_services.call_next(doctor=doctor, actor=actor, ip_address=ip_address)


def _withdraw_todays_absence(*, doctor, actor, ip_address):
    absence = DoctorAbsence.objects.filter(doctor=doctor, day=timezone.localdate()).first()
    if absence is not None:
        withdraw_absence(absence=absence, actor=actor, ip_address=ip_address)


@transaction.atomic
def withdraw_absence(*, absence, actor, ip_address=None):
    """The doctor works that day after all (an absence recorded by mistake, or they came back): their hours give
    slots again and the wait estimates count on them. Bookings the absence cancelled stay cancelled: their
    patients were told."""
    hooks.record_action(
        actor=actor,
        action="doctor.absence_withdrawn",
        target=absence,
        before={"day": str(absence.day), "doctor": absence.doctor_id, "reason": absence.reason},
        ip_address=ip_address,
    )
    absence.delete()
    publish_roster_change(absence.doctor.department_id)


@transaction.atomic
def start_consultation(*, doctor, entry_id, actor, ip_address=None):
    entry = _own_consultation(doctor=doctor, entry_id=entry_id)
    return queue_services.start_consultation(entry=entry, actor=actor, ip_address=ip_address)


@transaction.atomic
def complete_consultation(*, doctor, entry_id, consultation_notes="", actor, ip_address=None):
    entry = _own_consultation(doctor=doctor, entry_id=entry_id)
    return queue_services.complete_consultation(
        entry=entry, consultation_notes=consultation_notes, actor=actor, ip_address=ip_address
    )


@transaction.atomic
def mark_no_show(*, doctor, entry_id, actor, ip_address=None):
    entry = _own_consultation(doctor=doctor, entry_id=entry_id)
    return queue_services.skip(entry=entry, actor=actor, ip_address=ip_address)


def recall(*, doctor, entry_id, actor, ip_address=None):
    entry = entry_for_doctor(doctor=doctor, entry_id=entry_id)
    return queue_services.recall(entry=entry, actor=actor, ip_address=ip_address)


def check_someone_sees_them_there(department):
    """A transfer or referral sends the patient to a line someone still serves today: sent into one whose doctors
    had all gone, an emergency waited there for nobody, texted only that no doctor was expected back."""
    if consultation_pace(department=department).no_doctor_left_today:
        raise ValidationError(
            {
                "to_department": _(
                    "No doctor is expected back in %(department)s today: nobody would see the patient there."
                )
                % {"department": department.translated("name")}
            }
        )


@transaction.atomic
def transfer(*, doctor, entry_id, to_department, actor, ip_address=None):
    entry = _own_consultation(doctor=doctor, entry_id=entry_id)
    return move_to_department(entry=entry, to_department=to_department, actor=actor, ip_address=ip_address)


def move_to_department(*, entry, to_department, actor, ip_address=None):
    """Send a token to another department's line, where it keeps its place by arrival (queue_services.transfer):
    its doctor transferring the patient, or the desk moving a registration made in the wrong department."""
    check_someone_sees_them_there(to_department)
    return queue_services.transfer(entry=entry, to_department=to_department, actor=actor, ip_address=ip_address)


@transaction.atomic
def refer(*, doctor, entry_id, to_department, consultation_notes="", referral_notes="", actor, ip_address=None):
    entry = _own_consultation(doctor=doctor, entry_id=entry_id)
    check_someone_sees_them_there(to_department)
    return queue_services.refer(
        entry=entry,
        to_department=to_department,
        consultation_notes=consultation_notes,
        referral_notes=referral_notes,
        actor=actor,
        ip_address=ip_address,
    )


@transaction.atomic
def set_availability(*, doctor, availability, actor, ip_address=None):
    """Record whether the doctor is available, busy, on break or offline, and tell the department's screens."""
    if availability not in Doctor.Availability.values:
        raise ValidationError(
            {"availability": _("Choose one of: %(choices)s.") % {"choices": ", ".join(Doctor.Availability.values)}}
        )
    doctor = Doctor.objects.select_for_update().select_related("user").get(pk=doctor.pk)
    refuse_off_duty_with_a_patient(doctor=doctor, availability=availability)
    before = {"availability": doctor.availability}
    doctor.availability = availability
    doctor.save(update_fields=["availability"])
    hooks.record_action(
        actor=actor,
        action="doctor.availability",
        target=doctor,
        before=before,
        after={"availability": availability},
        ip_address=ip_address,
    )
    transaction.on_commit(
        partial(
            broadcasts.publish_department_change,
            event="availability",
            department_id=doctor.department_id,
            payload={"doctor_id": doctor.pk, "availability": availability},
        )
    )
    return doctor


def _schedule_snapshot(intervals):
    return {
        "intervals": [
            {
                "weekday": interval.weekday,
                "starts_at": f"{interval.starts_at:%H:%M}",
                "ends_at": f"{interval.ends_at:%H:%M}",
            }
            for interval in intervals
        ]
    }


def validate_week(intervals):
    """Each interval must end at another time than it starts (one ending earlier runs past midnight into the next
    day), and no two may overlap, a night shift's hours after midnight included."""
    errors = {}
    valid = []
    for index, interval in enumerate(intervals):
        if interval.weekday not in DoctorSchedule.Weekday.values:
            errors[f"schedule[{index}].weekday"] = _("Weekday must be 0 (Monday) to 6 (Sunday).")
        elif interval.ends_at == interval.starts_at:
            errors[f"schedule[{index}].ends_at"] = _(
                "End time must differ from the start time (an end before the start runs past midnight)."
            )
        else:
            valid.append((index, interval))
    for weekday in DoctorSchedule.Weekday.values:
        parts = sorted(
            (part, index, interval)
            for index, interval in valid
            for part in parts_on_weekday([(interval.weekday, interval.starts_at, interval.ends_at)], weekday)
        )
        for (earlier_part, _earlier_index, earlier), (later_part, index, later) in zip(parts, parts[1:]):
            if later_part[0] < earlier_part[1] and f"schedule[{index}].starts_at" not in errors:
                errors[f"schedule[{index}].starts_at"] = _("%(day)s %(starts)s overlaps %(earlier)s.") % {
                    "day": later.get_weekday_display(),
                    "starts": f"{later.starts_at:%H:%M}",
                    # The eve's night shift, running into the day, named with its own day.
                    "earlier": f"{earlier.get_weekday_display() + ' ' if earlier.weekday != later.weekday else ''}"
                    + hours_in_words(f"{earlier.starts_at:%H:%M}", f"{earlier.ends_at:%H:%M}"),
                }
    if errors:
        raise ValidationError(errors)


class HoursCancelBookings(queue_services.QueueError):
    """The new weekly hours would cancel more bookings than the doctor agreed to (`cancels`: how many): asked first,
    as an absence is, since each patient is texted and changing the hours back does not bring the bookings back."""

    field = "schedule"
    code = "cancels_bookings"

    def __init__(self, message, *, cancels):
        super().__init__(message)
        self.cancels = cancels


def _hours_cancelling_in_words(cancels):
    return ngettext(
        "These hours leave %(count)s booking without a doctor: saving them cancels it and texts its patient. "
        "Changing the hours back later does not bring it back.",
        "These hours leave %(count)s bookings without a doctor: saving them cancels them and texts their patients. "
        "Changing the hours back later does not bring them back.",
        cancels,
    ) % {"count": cancels}


@transaction.atomic
def replace_weekly_schedule(*, doctor, intervals, actor, ip_address=None, agreed_cancellations=None):
    """Replace the doctor's weekly working hours with intervals of (weekday, starts_at, ends_at).

    Bookings the department's new hours no longer hold are handled as after an absence (see record_absence).
    The doctor's row is locked first: two saves at once (a double click) each deleted the hours they saw and
    added their own, keeping both.

    agreed_cancellations: how many bookings the doctor was told the new hours cancel; more than that is
    HoursCancelBookings and nothing is saved (an hour typed wrong for next week had cancelled its bookings at once, for
    good, the doctor told only that the hours were saved).
    """
    doctor = Doctor.objects.select_for_update().get(pk=doctor.pk)
    week = [
        DoctorSchedule(doctor=doctor, weekday=weekday, starts_at=starts_at, ends_at=ends_at)
        for weekday, starts_at, ends_at in intervals
    ]
    validate_week(week)
    before = _schedule_snapshot(doctor.schedule.all())
    doctor.schedule.all().delete()
    DoctorSchedule.objects.bulk_create(week)
    saved = list(doctor.schedule.all())
    hooks.record_action(
        actor=actor,
        action="doctor.schedule",
        target=doctor,
        before=before,
        after=_schedule_snapshot(saved),
        ip_address=ip_address,
    )
    publish_roster_change(doctor.department_id)
    cancelled = appointments.release_unstaffed_bookings_ahead(
        department=doctor.department, actor=actor, ip_address=ip_address
    )
    if agreed_cancellations is not None and len(cancelled) > agreed_cancellations:
        # Counted by the rule that cancels them, then undone with the rest of this transaction: nothing is sent.
        raise HoursCancelBookings(_hours_cancelling_in_words(len(cancelled)), cancels=len(cancelled))
    return saved


def refuse_off_duty_with_a_patient(*, doctor, availability, told_to_the_doctor=True):
    """ValidationError (availability) when the doctor, whose row the caller holds locked, would go on a break or
    offline with a patient called or in consultation: the waits would count no doctor on duty for that patient,
    and the department's screens would show the doctor away while someone is in their room."""
    current = queue_services.current_patient_of(doctor) if availability in OFF_DUTY else None
    if current is None:
        return
    refusal = (
        _("Token %(token)s is still with you: finish with it first.")
        if told_to_the_doctor
        else _(
            "%(doctor)s is still with token %(token)s: they finish with it on their dashboard first or, if they have "
            "left, an administrator returns the patient to the line or ends the consultation under Live queues."
        )
    )
    raise ValidationError({"availability": refusal % {"doctor": doctor, "token": current.token}})


def refuse_leaving_with_a_patient(*, doctor, department, is_active):
    """ValidationError when the doctor would leave their department (moved, or deactivated) while they have a
    patient called or in consultation: every dashboard action stays within the doctor's own department, so the
    token would be left with them for good, and their old department's board would show them serving it.

    The doctor's row stays locked until the caller's transaction ends: a call made meanwhile (which locks it too)
    waits for the change and is refused, or is made first and seen here."""
    stored = Doctor.objects.select_for_update(of=("self",)).select_related("user").get(pk=doctor.pk)
    moved = department.pk != stored.department_id
    if not (moved or (stored.is_active and not is_active)):
        return
    refusal = still_with_a_patient(stored)
    if refusal is not None:
        raise ValidationError({"department" if moved else "is_active": refusal})


def still_with_a_patient(doctor):
    """Why the doctor cannot be moved, deactivated or deleted now (a patient called or in consultation), or None."""
    current = queue_services.current_patient_of(doctor)
    if current is None:
        return None
    # What the dashboard offers for it (a called patient can be marked a no-show, a consultation only completed), and
    # what an admin does for a doctor who has left (adminpanel's return_to_line and end_consultation).
    refusal = (
        _(
            "%(doctor)s is still with token %(token)s: before moving, deactivating or deleting them, they complete it "
            "or mark it a no-show on their dashboard or, if they have left, an administrator returns the patient to "
            "the line under Live queues."
        )
        if current.status == Queue.Status.CALLED
        else _(
            "%(doctor)s is still seeing token %(token)s: before moving, deactivating or deleting them, they complete "
            "the consultation on their dashboard or, if they have left, an administrator ends it under Live queues."
        )
    )
    return refusal % {"doctor": doctor, "token": current.token}


def still_with_their_patients(doctors):
    """still_with_a_patient of each of the doctors who has one: why deleting them now would leave a token called or
    in consultation with no doctor (on the boards as being served, on no dashboard)."""
    return [refusal for doctor in doctors if (refusal := still_with_a_patient(doctor)) is not None]


def with_patients_on_record(doctors):
    """Why each of the doctors who called or saw a patient is not deleted: their tokens would keep no doctor, and the
    reports' figures per doctor, of any period, would lose those patients. Such a doctor is deactivated instead."""
    visits = Counter(Queue.objects.filter(doctor__in=doctors).values_list("doctor_id", flat=True).order_by())
    return [
        ngettext(
            "%(doctor)s has %(count)s patient on record, whom the reports count as theirs: deactivate them instead "
            "(Active unticked), which keeps their history.",
            "%(doctor)s has %(count)s patients on record, whom the reports count as theirs: deactivate them instead "
            "(Active unticked), which keeps their history.",
            visits[doctor.pk],
        )
        % {"doctor": doctor, "count": visits[doctor.pk]}
        for doctor in doctors
        if visits[doctor.pk]
    ]


@transaction.atomic
def release_bookings_left_behind(*, before, doctor, actor=None, ip_address=None):
    """After a doctor was moved to another department, deactivated or reactivated (before: as stored until then).

    Both departments' screens hear of it; the bookings to come that the doctor's old department can no longer
    hold without them are released as after an absence (moved to a free seat, else cancelled and the patient told).
    """
    moved = before.department_id != doctor.department_id
    if not moved and before.is_active == doctor.is_active:
        return []
    publish_roster_change(before.department_id)
    if moved:
        publish_roster_change(doctor.department_id)
    if not before.is_active:
        return []
    return appointments.release_unstaffed_bookings_ahead(
        department=before.department, actor=actor, ip_address=ip_address
    )


def release_bookings_of_deleted_doctor(doctor):
    """After a doctor was deleted (Django admin: the doctor, or their account), as after their deactivation: the
    bookings to come their department can no longer hold without them are released. Their hours went with them."""
    if doctor.is_active:
        appointments.release_unstaffed_bookings_ahead(department=doctor.department)


def password_chosen_by_an_administrator(*, user):
    """An administrator set the account's password (the panel's New password, Django admin's password page): if it is
    a doctor's, the doctor replaces it at their next sign-in, as a first password."""
    Doctor.objects.filter(user=user).update(must_change_password=True)


def password_chosen(*, user):
    """The doctor chose their own password: one an administrator chose no longer holds their pages back."""
    Doctor.objects.filter(user=user, must_change_password=True).update(must_change_password=False)


class AbsenceCancelsBookings(queue_services.QueueError):
    """Recording the absence would cancel more bookings than the admin agreed to (`cancels`: how many): asked first,
    since each patient is texted and withdrawing the absence does not bring the bookings back."""

    field = "day"
    code = "cancels_bookings"

    def __init__(self, message, *, cancels):
        super().__init__(message)
        self.cancels = cancels


class AbsentWithAPatient(queue_services.QueueError):
    """The doctor would be recorded absent today while a patient they called, or are seeing, waits for them."""

    field = "doctor"


def _refuse_absence_today_with_a_patient(doctor):
    """AbsentWithAPatient while the doctor has a patient called or in consultation: off sick from now, they would
    leave that patient called to their room, shown on the boards as being served and told nothing, while the rest
    of the line is texted that no doctor is expected back. Their row stays locked, as for a move or deactivation."""
    stored = Doctor.objects.select_for_update(of=("self",)).select_related("user").get(pk=doctor.pk)
    current = queue_services.current_patient_of(stored)
    if current is None:
        return
    refusal = (
        _(
            "%(doctor)s is still with token %(token)s: before recording them absent today, an administrator returns "
            "the patient to the line under Live queues (the patient is told and keeps their place), or they mark it "
            "a no-show on their dashboard."
        )
        if current.status == Queue.Status.CALLED
        else _(
            "%(doctor)s is still seeing token %(token)s: before recording them absent today, an administrator ends "
            "the consultation under Live queues, or they complete it on their dashboard."
        )
    )
    raise AbsentWithAPatient(refusal % {"doctor": stored, "token": current.token})


def _absence_in_words(*, doctor, day, cancels):
    return ngettext(
        "Recording %(doctor)s absent on %(day)s cancels %(count)s booking and texts its patient. "
        "Withdrawing the absence later does not bring it back.",
        "Recording %(doctor)s absent on %(day)s cancels %(count)s bookings and texts their patients. "
        "Withdrawing the absence later does not bring them back.",
        cancels,
    ) % {"doctor": doctor, "day": date_format(day, pgettext("date format", "D j M Y")), "count": cancels}


@transaction.atomic
def record_absence(*, doctor, day, reason="", agreed_cancellations=None, actor=None, ip_address=None):
    """Mark the doctor absent on the day; bookings left without a doctor are cancelled and their patients told.
    Refused (AbsentWithAPatient) for today while a patient is called to them or with them.

    agreed_cancellations: how many bookings the admin was told the absence cancels; more than that (not asked yet,
    or bookings made since) is AbsenceCancelsBookings, naming the number to agree to (the wrong doctor or day picked
    had cancelled their bookings at once, for good).
    """
    appointments.check_day_ahead(day)
    if day == timezone.localdate():
        _refuse_absence_today_with_a_patient(doctor)
    # The day, and the next: the hours after midnight of a night shift begun that day are not worked either.
    days = (day, day + timedelta(days=1))
    if agreed_cancellations is not None:
        cancels = sum(
            len(
                appointments.bookings_left_without_a_doctor(
                    department=doctor.department,
                    day=affected,
                    working_hours=selectors.working_hours(doctor.department_id, affected, absence=(doctor, day)),
                )
            )
            for affected in days
        )
        if cancels > agreed_cancellations:
            raise AbsenceCancelsBookings(_absence_in_words(doctor=doctor, day=day, cancels=cancels), cancels=cancels)
    absence, _created = DoctorAbsence.objects.get_or_create(doctor=doctor, day=day, defaults={"reason": reason})
    hooks.record_action(
        actor=actor,
        action="doctor.absence_recorded",
        target=absence,
        # The doctor too: the row describes the absence from it once it is withdrawn (audit_log.GONE_SUBJECTS).
        after={"day": str(day), "doctor": doctor.pk},
        ip_address=ip_address,
    )
    publish_roster_change(doctor.department_id)
    return [
        cancelled
        for affected in days
        for cancelled in appointments.release_unstaffed_bookings(
            department=doctor.department, day=affected, actor=actor, ip_address=ip_address
        )
    ]


def publish_roster_change(department_id):
    """Who works in the department (its doctors, their hours and absences) decides who its wait estimates count
    on: its queue is published anew once the change commits."""
    transaction.on_commit(
        partial(broadcasts.publish_department_change, event="doctors_changed", department_id=department_id)
    )
