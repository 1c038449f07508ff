"""Token engine and queue lifecycle: the only code that numbers tokens or changes a queue entry's status.

Every change goes through _record_queue_change, which saves the entry and announces the change on
hooks.queue_changed inside the same transaction; the subscribers (audit, sockets, messages) take it
from there (see hooks).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import hooks
from .models import FEEDBACK_RATINGS, DailyTokenCounter, Patient, PatientFeedback, Queue

Status = Queue.Status
FEEDBACK_COMMENT_MAX_LENGTH = PatientFeedback._meta.get_field("comment").max_length

ALLOWED_TRANSITIONS = {
    Status.WAITING: {Status.CALLED, Status.SKIPPED, Status.CANCELLED},
    Status.CALLED: {Status.IN_CONSULTATION, Status.SKIPPED, Status.CANCELLED},
    Status.IN_CONSULTATION: {Status.COMPLETED},
    Status.SKIPPED: {Status.WAITING, Status.CANCELLED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
}

TIMESTAMP_FOR_STATUS = {
    Status.CALLED: "called_at",
    Status.IN_CONSULTATION: "started_at",
    Status.COMPLETED: "completed_at",
    Status.SKIPPED: "skipped_at",
    Status.CANCELLED: "cancelled_at",
}


class QueueError(Exception):
    """A queue action that the hospital's rules do not allow; the message is shown to staff or patients."""


class IllegalTransition(QueueError):
    def __init__(self, entry, from_status, to_status):
        self.from_status, self.to_status = from_status, to_status
        super().__init__(
            _("Token %(token)s cannot go from '%(from)s' to '%(to)s'.")
            % {"token": entry.token, "from": Status(from_status).label, "to": Status(to_status).label}
        )


class DepartmentUnavailable(QueueError):
    pass


class NothingToCall(QueueError):
    pass


class FeedbackNotAllowed(QueueError):
    pass


class RegistrationClosed(QueueError):
    pass


class TooManyOpenTokens(QueueError):
    pass


def entry_snapshot(entry):
    return {
        "token": entry.token,
        "status": entry.status,
        "priority": entry.priority,
        "department_id": entry.department_id,
        "doctor_id": entry.doctor_id,
    }


def _record_queue_change(*, entry, event, actor, ip_address, before, created=False):
    if created:
        entry.save(force_insert=True)
    else:
        entry.save()
    hooks.announce_queue_change(
        hooks.QueueChange(
            event=event, entry=entry, before=before, after=entry_snapshot(entry), actor=actor, ip_address=ip_address
        )
    )
    return entry


def _counter_sql():
    table = connection.ops.quote_name(DailyTokenCounter._meta.db_table)
    # One statement takes the next number and holds the counter row until the transaction ends: numbers are
    # gapless (a rolled-back registration gives its number back) and no two registrations share one.
    return (
        f"INSERT INTO {table} (department_id, day, last_number) VALUES (%s, %s, 1) "
        f"ON CONFLICT (department_id, day) DO UPDATE SET last_number = {table}.last_number + 1 "
        f"RETURNING last_number"
    )


def next_token_number(*, department, day):
    """Take the department's next number for the day; only valid inside the transaction that saves the token."""
    with connection.cursor() as cursor:
        cursor.execute(_counter_sql(), [department.pk, day])
        return cursor.fetchone()[0]


@transaction.atomic
def allocate_token(*, department, patient, priority=Queue.Priority.NORMAL, notes="", actor=None, ip_address=None):
    """Give the patient the department's next token for today (local day), numbered from 1 each morning."""
    return _issue_token(
        department=department, patient=patient, priority=priority, notes=notes, actor=actor, ip_address=ip_address
    )


def _issue_token(
    *,
    department,
    patient,
    priority,
    notes,
    actor,
    ip_address,
    event="registered",
    checked_in_at=None,
    transferred_from=None,
):
    """Number and save a new token, in the caller's transaction."""
    if not department.is_active:
        raise DepartmentUnavailable(f"{department.name} is not taking patients at the moment.")
    now = timezone.now()
    day = timezone.localdate(now)
    number = next_token_number(department=department, day=day)
    if department.daily_capacity and number > department.daily_capacity:
        raise DepartmentUnavailable(f"{department.name} has issued all {department.daily_capacity} tokens for today.")
    entry = Queue(
        patient=patient,
        department=department,
        token_number=number,
        token_date=day,
        priority=priority,
        notes=notes,
        checked_in_at=checked_in_at or now,
        transferred_from=transferred_from,
    )
    return _record_queue_change(entry=entry, event=event, actor=actor, ip_address=ip_address, before={}, created=True)


@dataclass(frozen=True)
class Registration:
    """What a registration did.

    token_created: a new token was issued (else the patient's open one today was found).
    sent_to_phone: a patient registering themselves matched a known phone, so the token and status link
    went to the phone on file by message and must not be shown to whoever filled in the form.
    """

    entry: Queue
    token_created: bool
    sent_to_phone: bool


@transaction.atomic
def register_visit(
    *,
    department,
    name,
    phone,
    age,
    gender,
    language=settings.LANGUAGE_CODE,
    priority=Queue.Priority.NORMAL,
    notes="",
    actor=None,
    ip_address=None,
    self_service=False,
):
    """Match the patient by phone (or create them) and give them a token, or their open one for today.

    A second registration for a department where the patient already holds an open token today
    gets that token instead of a duplicate. Patients registering themselves (self_service) are
    refused while the admins have closed online registration, and, since anyone can type anyone's
    number, a self-service match never changes the stored details nor reveals the visit: its token
    and status link are sent to the phone on file instead. Reception staff see the patient and may
    correct the name, age and gender.
    """
    if self_service and not hooks.hospital_settings().registration_open:
        raise RegistrationClosed(_("Online registration is closed at the moment; please ask at the reception desk."))
    patient, patient_created = _patient_for_phone(
        phone=phone, details={"name": name, "age": age, "gender": gender, "language": language}, update=not self_service
    )
    sent_to_phone = self_service and not patient_created
    # A patient created just now has no token anywhere yet.
    open_entry = None if patient_created else _open_token_today(patient=patient, department=department)
    if open_entry is not None:
        if sent_to_phone:
            _send_open_token_again(entry=open_entry, actor=actor, ip_address=ip_address)
        return Registration(entry=open_entry, token_created=False, sent_to_phone=sent_to_phone)
    if self_service and not patient_created:
        _check_open_departments(patient=patient)
    # A new token's registration message already carries the status link to the phone on file.
    entry = _issue_token(
        department=department, patient=patient, priority=priority, notes=notes, actor=actor, ip_address=ip_address
    )
    return Registration(entry=entry, token_created=True, sent_to_phone=sent_to_phone)


def _open_token_today(*, patient, department):
    return (
        Queue.objects.active()
        .for_day(timezone.localdate())
        .filter(patient=patient, department=department)
        .select_related("department")
        .first()
    )


def _patient_for_phone(*, phone, details, update):
    """(patient, created): the patient with this phone, locked until the transaction ends, or a new one.

    The lock serialises two registrations of one phone, so they cannot both issue a token in a department.
    The insert ignores a conflict instead of catching it in a savepoint; whether it was this call that
    created the row shows in the public id it generated.
    """
    patient = Patient.objects.select_for_update().filter(phone=phone).first()
    if patient is not None:
        if update:
            for field, value in details.items():
                setattr(patient, field, value)
            patient.save(update_fields=[*details, "updated_at"])
        return patient, False
    candidate = Patient(phone=phone, **details)
    Patient.objects.bulk_create([candidate], ignore_conflicts=True)
    patient = Patient.objects.select_for_update().get(phone=phone)
    return patient, patient.public_id == candidate.public_id


def _check_open_departments(*, patient):
    # Whoever types a phone number can have tokens issued, and texted, to it: a self-service registration
    # may hold open tokens in only so many departments a day. Reception staff are not limited.
    open_today = Queue.objects.active().for_day(timezone.localdate()).filter(patient=patient)
    held = open_today.values("department").distinct().count()
    if held >= settings.REGISTRATION_MAX_DEPARTMENTS_PER_PHONE:
        raise TooManyOpenTokens(
            _(
                "This phone number already holds tokens in as many departments as one phone can today; "
                "please ask at the reception desk."
            )
        )


def _send_open_token_again(*, entry, actor, ip_address):
    # Announced, so it is audited (who asked, from where: it may be someone trying a number that is not
    # theirs) and the token is sent again to the phone on file; the line itself does not change.
    snapshot = entry_snapshot(entry)
    hooks.announce_queue_change(
        hooks.QueueChange(
            event="registration_repeated",
            entry=entry,
            before=snapshot,
            after=snapshot,
            actor=actor,
            ip_address=ip_address,
        )
    )


def _transition(entry, to_status, *, event, actor, ip_address, **changes):
    entry = Queue.objects.select_for_update().select_related("department").get(pk=entry.pk)
    if to_status not in ALLOWED_TRANSITIONS[entry.status]:
        raise IllegalTransition(entry, entry.status, to_status)
    before = entry_snapshot(entry)
    entry.status = to_status
    timestamp_field = TIMESTAMP_FOR_STATUS.get(to_status)
    if timestamp_field:
        setattr(entry, timestamp_field, timezone.now())
    for field, value in changes.items():
        setattr(entry, field, value)
    return _record_queue_change(entry=entry, event=event, actor=actor, ip_address=ip_address, before=before)


def current_patient_of(doctor):
    """The entry the doctor has called or is seeing, if any."""
    return (
        Queue.objects.filter(doctor=doctor, status__in=[Status.CALLED, Status.IN_CONSULTATION])
        .select_related("department", "patient")
        .first()
    )


@transaction.atomic
def call_next(*, doctor, actor=None, ip_address=None):
    """Call the first waiting token of the doctor's department, by priority then arrival.

    Two doctors calling at once never get the same patient: the row is locked and others skip it.
    """
    current = current_patient_of(doctor)
    if current is not None:
        raise QueueError(_("Finish with token %(token)s before calling the next patient.") % {"token": current.token})
    candidate = (
        Queue.objects.waiting()
        .for_day(timezone.localdate())
        .filter(department_id=doctor.department_id)
        .in_service_order()
        .select_for_update(skip_locked=True)
        .first()
    )
    if candidate is None:
        raise NothingToCall(_("No patients are waiting."))
    return _transition(candidate, Status.CALLED, event="called", actor=actor, ip_address=ip_address, doctor=doctor)


@transaction.atomic
def call_patient(*, entry, doctor, actor=None, ip_address=None):
    """Call a specific waiting token (e.g. out of order at the doctor's discretion)."""
    current = current_patient_of(doctor)
    if current is not None and current.pk != entry.pk:
        raise QueueError(_("Finish with token %(token)s before calling the next patient.") % {"token": current.token})
    return _transition(entry, Status.CALLED, event="called", actor=actor, ip_address=ip_address, doctor=doctor)


@transaction.atomic
def start_consultation(*, entry, actor=None, ip_address=None):
    return _transition(entry, Status.IN_CONSULTATION, event="started", actor=actor, ip_address=ip_address)


@transaction.atomic
def complete_consultation(*, entry, consultation_notes="", actor=None, ip_address=None):
    return _transition(
        entry,
        Status.COMPLETED,
        event="completed",
        actor=actor,
        ip_address=ip_address,
        consultation_notes=consultation_notes,
    )


@transaction.atomic
def skip(*, entry, actor=None, ip_address=None):
    """Mark a no-show; the token can be recalled later the same day."""
    return _transition(entry, Status.SKIPPED, event="skipped", actor=actor, ip_address=ip_address)


@transaction.atomic
def recall(*, entry, actor=None, ip_address=None):
    """Put a skipped token back in line at its original place (check-in time is kept)."""
    return _transition(
        entry, Status.WAITING, event="recalled", actor=actor, ip_address=ip_address, doctor=None, called_at=None
    )


@transaction.atomic
def cancel(*, entry, actor=None, ip_address=None):
    return _transition(entry, Status.CANCELLED, event="cancelled", actor=actor, ip_address=ip_address)


@transaction.atomic
def change_priority(*, entry, priority, actor=None, ip_address=None):
    entry = Queue.objects.select_for_update().select_related("department").get(pk=entry.pk)
    if entry.status != Status.WAITING:
        raise QueueError(
            _("Only a waiting token's priority can change; %(token)s is %(status)s.")
            % {"token": entry.token, "status": entry.get_status_display()}
        )
    if priority not in Queue.Priority.values:
        raise QueueError(f"Unknown priority '{priority}'.")
    before = entry_snapshot(entry)
    entry.priority = priority
    return _record_queue_change(
        entry=entry, event="priority_changed", actor=actor, ip_address=ip_address, before=before
    )


@transaction.atomic
def submit_feedback(*, entry, rating, comment="", actor=None, ip_address=None):
    """Record the patient's 1-5 rating of a completed visit; one feedback per visit."""
    entry = Queue.objects.select_for_update().select_related("department", "patient").get(pk=entry.pk)
    if entry.status != Status.COMPLETED:
        raise FeedbackNotAllowed(
            _("Feedback opens once the consultation for token %(token)s is completed (it is %(status)s).")
            % {"token": entry.token, "status": entry.get_status_display().lower()}
        )
    if PatientFeedback.objects.filter(queue_entry=entry).exists():
        raise FeedbackNotAllowed(
            _("Feedback for token %(token)s has already been given. Thank you!") % {"token": entry.token}
        )
    if rating not in FEEDBACK_RATINGS:
        raise FeedbackNotAllowed(
            _("The rating must be a whole number from %(lowest)s to %(highest)s.")
            % {"lowest": FEEDBACK_RATINGS[0], "highest": FEEDBACK_RATINGS[-1]}
        )
    if len(comment) > FEEDBACK_COMMENT_MAX_LENGTH:
        raise FeedbackNotAllowed(
            _("The comment can be at most %(count)s characters.") % {"count": FEEDBACK_COMMENT_MAX_LENGTH}
        )
    feedback = PatientFeedback.objects.create(
        patient=entry.patient, queue_entry=entry, rating=rating, comment=comment.strip()
    )
    hooks.record_action(
        actor=actor,
        action="feedback.submitted",
        target=feedback,
        after={"token": entry.token, "rating": rating},
        ip_address=ip_address,
    )
    return feedback


@transaction.atomic
def transfer(*, entry, to_department, actor=None, ip_address=None):
    """Send a waiting, called or skipped token to another department; it keeps its place there.

    The old entry is cancelled and linked to a new token of the target department (numbered in that
    department's sequence) whose check-in time is the original one, so the patient is not sent to the
    back of the line for a referral they did not choose. Both entries are published as "transferred".
    """
    target = to_department
    if target.pk == entry.department_id:
        raise QueueError(
            _("Token %(token)s is already in %(department)s.") % {"token": entry.token, "department": target.name}
        )
    # Both steps share this transaction: a full or closed target department undoes the cancellation too.
    old_entry = _transition(entry, Status.CANCELLED, event="transferred", actor=actor, ip_address=ip_address)
    return _issue_token(
        department=target,
        patient=old_entry.patient,
        priority=old_entry.priority,
        notes=old_entry.notes,
        actor=actor,
        ip_address=ip_address,
        event="transferred",
        checked_in_at=old_entry.checked_in_at,
        transferred_from=old_entry,
    )
