"""Token engine and queue lifecycle: the only code that numbers tokens or changes a queue entry's status.

Every change goes through _record_queue_change, which saves the entry and announces the change on
hooks.queue_changed inside the same transaction; the subscribers (audit, sockets, messages) take it
from there (see hooks).
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Min, OuterRef
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from smartqueue.days import day_ends_at, day_starts_at
from smartqueue.phone_masks import mask_phone

from . import hooks
from .models import (
    FEEDBACK_RATINGS,
    NOTICE_PATIENTS_AHEAD_MAX,
    NOTICE_PATIENTS_AHEAD_MIN,
    Appointment,
    ClosedDay,
    DailyCapacity,
    DailyTokenCounter,
    Department,
    Patient,
    PatientFeedback,
    Queue,
    WaitAlert,
    minutes_waited,
)
from .phone import normalise_phone

Status = Queue.Status
FEEDBACK_COMMENT_MAX_LENGTH = PatientFeedback._meta.get_field("comment").max_length

ALLOWED_TRANSITIONS = {
    # Only a called patient can miss their turn (a no-show, and its "you were called" message).
    Status.WAITING: {Status.CALLED, Status.CANCELLED},
    # Back to waiting from called only by return_to_line: an admin acting for a doctor called away.
    Status.CALLED: {Status.IN_CONSULTATION, Status.SKIPPED, Status.CANCELLED, Status.WAITING},
    Status.IN_CONSULTATION: {Status.COMPLETED},
    Status.SKIPPED: {Status.WAITING, Status.CANCELLED},
    Status.COMPLETED: set(),
    # Back to waiting only by reinstate: the desk undoing a cancellation made by mistake, the same day.
    Status.CANCELLED: {Status.WAITING},
}

TIMESTAMP_FOR_STATUS = {
    Status.CALLED: "called_at",
    Status.IN_CONSULTATION: "started_at",
    Status.COMPLETED: "completed_at",
    Status.SKIPPED: "skipped_at",
    Status.CANCELLED: "cancelled_at",
}


class QueueError(Exception):
    """A queue action that the hospital's rules do not allow; the message is shown to staff or patients. A subclass
    may name the input at fault (``field``; None for none), which pages and the API show the message beside."""


# A refusal says, in plain words, what could not be done to a token and what the token is now: two statuses in one
# sentence ("cannot go from 'Waiting' to 'Completed'") read as codes, and their labels do not fit a sentence in
# every language (a status label's gender and case are the label's, not the sentence's).
REFUSED_CHANGE = {
    Status.WAITING: _("Token %(token)s cannot be put back in the queue."),
    Status.CALLED: _("Token %(token)s cannot be called."),
    Status.IN_CONSULTATION: _("The consultation with token %(token)s cannot start."),
    Status.COMPLETED: _("The consultation with token %(token)s cannot be completed."),
    Status.SKIPPED: _("Token %(token)s cannot be marked as a no-show."),
    Status.CANCELLED: _("Token %(token)s cannot be cancelled."),
}
STATUS_NOW = {
    Status.WAITING: _("It is waiting in the queue and has not been called yet."),
    Status.CALLED: _("It has been called; its consultation has not started yet."),
    Status.IN_CONSULTATION: _("It is in consultation now."),
    Status.COMPLETED: _("Its consultation is already completed."),
    Status.SKIPPED: _("It was marked as a no-show."),
    Status.CANCELLED: _("It was cancelled or transferred."),
}


def refusal_in_words(refused, status):
    """A refusal's sentence followed by what the token is now (STATUS_NOW), as one message."""
    return f"{refused} {STATUS_NOW[status]}"


class IllegalTransition(QueueError):
    """A move between statuses ALLOWED_TRANSITIONS does not take; `refused` says what was refused when the move is a
    step of another action (a transfer cancels the token), whose words the person acting would not recognise."""

    def __init__(self, entry, from_status, to_status, refused=None):
        self.token, self.from_status, self.to_status = entry.token, from_status, to_status
        refused = refused or REFUSED_CHANGE[to_status]
        super().__init__(refusal_in_words(refused % {"token": entry.token}, from_status))


class DepartmentUnavailable(QueueError):
    pass


class NothingToCall(QueueError):
    pass


class FeedbackNotAllowed(QueueError):
    pass


class RegistrationClosed(QueueError):
    # No input is at fault: online registration as a whole is closed.
    field = None


class TooManyOpenTokens(QueueError):
    pass


class PostponeRefused(QueueError):
    pass


class PriorityRefused(QueueError):
    field = "priority"


class TokenAlreadyHeld(QueueError):
    """The patient already holds another active token in the department today (``held``)."""

    def __init__(self, held):
        self.held = held
        super().__init__(
            _("This patient already holds token %(token)s in %(department)s today.")
            % {"token": held.token, "department": held.department.translated("name")}
        )


def entry_snapshot(entry):
    return {
        "token": entry.token,
        "status": entry.status,
        "priority": entry.priority,
        "department_id": entry.department_id,
        "doctor_id": entry.doctor_id,
        "postponed": entry.postponed_at is not None,
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


def record_registration_estimate(*, entry, minutes, patients_ahead):
    """Keep the wait and the place a newly registered token was first shown: the reports compare the wait with the
    one that followed, and the "patients ahead" text is not sent for a place the registration's message told."""
    with connection.cursor() as cursor:
        cursor.execute(_registration_estimate_sql(), [minutes, patients_ahead, entry.pk])


def _registration_estimate_sql():
    # Raw: every registration runs it after commit, and the ORM's update() spends three times as long building
    # the statement as the database spends running it (docs/performance.md).
    quote = connection.ops.quote_name
    table, column = quote(Queue._meta.db_table), quote(Queue._meta.get_field("estimated_wait_at_registration").column)
    ahead = quote(Queue._meta.get_field("patients_ahead_at_registration").column)
    return (
        f"UPDATE {table} SET {column} = %s, {ahead} = %s WHERE {quote(Queue._meta.pk.column)} = %s "
        f"AND {column} IS NULL"
    )


def _counter_sql(*, taking_a_number=True):
    table = connection.ops.quote_name(DailyTokenCounter._meta.db_table)
    # One statement takes the next number and holds the counter row until the transaction ends: numbers are
    # gapless (a rolled-back registration gives its number back) and no two registrations share one. Not taking a
    # number, it holds the row alone (hold_token_numbers).
    step = 1 if taking_a_number else 0
    return (
        f"INSERT INTO {table} (department_id, day, last_number) VALUES (%s, %s, {step}) "
        f"ON CONFLICT (department_id, day) DO UPDATE SET last_number = {table}.last_number + {step} "
        f"RETURNING last_number"
    )


def _holding_capacity(department, day):
    return Queue.objects.for_day(day).filter(department=department).holding_capacity().count()


def check_active(department, refusal=DepartmentUnavailable):
    """The refusal (a QueueError) unless the department takes patients: every token and booking is in an active one."""
    if not department.is_active:
        raise refusal(
            _("%(department)s is not taking patients at the moment.") % {"department": department.translated("name")}
        )


def _check_daily_capacity(department, *, day, priority):
    if priority == Queue.Priority.EMERGENCY or not department.daily_capacity:
        return
    if DailyCapacity(limit=department.daily_capacity, issued=_holding_capacity(department, day)).reached:
        raise DepartmentUnavailable(
            ngettext(
                "%(department)s has issued its one token for today.",
                "%(department)s has issued all %(count)s tokens for today.",
                department.daily_capacity,
            )
            % {"department": department.translated("name"), "count": department.daily_capacity}
        )


def hold_token_numbers(*, department):
    """Hold the department's token counter of today until the transaction ends, as a registration taking a number
    does: a deactivation that holds it lets a registration under way finish first, and any later one reads the
    department as the deactivation stored it (issue_token)."""
    with connection.cursor() as cursor:
        cursor.execute(_counter_sql(taking_a_number=False), [department.pk, timezone.localdate()])


def next_token_number(*, department, day):
    """Take the department's next number for the day; only valid inside the transaction that saves the token."""
    with connection.cursor() as cursor:
        cursor.execute(_counter_sql(), [department.pk, day])
        return cursor.fetchone()[0]


@transaction.atomic
def allocate_token(*, department, patient, priority=Queue.Priority.NORMAL, notes="", actor=None, ip_address=None):
    """Give the patient the department's next token for today (local day), numbered from 1 each morning."""
    return issue_token(
        department=department, patient=patient, priority=priority, notes=notes, actor=actor, ip_address=ip_address
    )


def issue_token(
    *,
    department,
    patient,
    priority,
    notes,
    actor,
    ip_address,
    event="registered",
    checked_in_at=None,
    due_at=None,
    transferred_from=None,
    listed_under_patient=False,
    notify_when_patients_ahead=None,
    postponed_at=None,
    due_after_move_back=None,
    within_daily_capacity=True,
    self_service=False,
):
    """Number and save a new token, in the caller's transaction (due_at: a booked patient's place, see models).

    Refused once the department has issued its daily capacity, unless within_daily_capacity is False (a booked
    patient checking in was promised the visit when the booking was confirmed) or the patient is an emergency: the
    capacity spreads the day's routine visits, and the desk must not have to send a patient in danger away. A
    patient registering themselves (self_service) is refused a day closed to them (check_open_today), also when the
    wait for the counter crossed into it.
    """
    day = timezone.localdate()
    number = next_token_number(department=department, day=day)
    # Stamped once the number is taken, not before: the counter's row lock orders registrations, so a line ordered
    # by arrival calls tokens in the order of their numbers. Stamped before, of two registrations at once the one
    # numbered second could be first in line: the board called CARD-021 while CARD-020 still waited.
    now = timezone.now()
    if timezone.localdate(now) != day:
        # The wait for the counter's lock crossed midnight: numbered in the day that ended, the token joined a line
        # already closed, never to be called. It takes the new day's number (the old day's is left unused).
        day = timezone.localdate(now)
        number = next_token_number(department=department, day=day)
    if self_service:
        # Of the token's day, once it is known: checked by the registration before midnight, the day the token took
        # was a holiday closed to patients registering themselves, and its line took them.
        check_open_today(department, day=day)
    # Read again under the counter's lock, which a deactivation takes too (hold_token_numbers): the caller's copy,
    # read before a deactivation that committed since or was under way, let the token join the line of a department
    # no longer taking patients.
    department = Department.objects.get(pk=department.pk)
    check_active(department)
    if within_daily_capacity:
        # Counted after the number is taken: the counter's row lock keeps registrations of the department in turn.
        _check_daily_capacity(department, day=day, priority=priority)
    entry = Queue(
        patient=patient,
        department=department,
        token_number=number,
        token_date=day,
        priority=priority,
        notes=notes,
        checked_in_at=checked_in_at or now,
        due_at=due_at,
        transferred_from=transferred_from,
        listed_under_patient=listed_under_patient,
        notify_when_patients_ahead=notify_when_patients_ahead,
        postponed_at=postponed_at,
        due_after_move_back=due_after_move_back,
    )
    return _record_queue_change(entry=entry, event=event, actor=actor, ip_address=ip_address, before={}, created=True)


@dataclass(frozen=True)
class Registration:
    """What a registration did.

    entry: the token; None when a patient registering themselves gave the number of a booking whose check-in is
    open (appointments.register_or_check_in: the booking went to the phone instead, no token was issued).
    token_created: a new token was issued (else the patient's open one today was found).
    sent_to_phone: a patient registering themselves matched a known phone, so the token and status link
    went to the phone on file by message and must not be shown to whoever filled in the form.
    appointment: the booking the registration checked in (appointments.register_or_check_in), else None.
    recalled: the token found was the patient's missed turn here today, put back in line at its place.
    """

    entry: Queue | None
    token_created: bool
    sent_to_phone: bool
    appointment: Appointment | None = None
    recalled: bool = False

    def kept_token_in_words(self):
        """What the desk is told when the registration gave no new token, else None: shown only "You are
        registered", staff took the patient's own token for a new one at the back of the line."""
        if self.token_created:
            return None
        if self.recalled:
            return _("%(token)s had missed their turn today: the token is back in line at its own place.") % {
                "token": self.entry.token
            }
        return _("%(token)s is this patient's token here today already: it keeps its place in line.") % {
            "token": self.entry.token
        }


@dataclass(frozen=True)
class Registrant:
    """The patient a registration is for (matched by phone, or created), and whether their token goes to the
    phone on file rather than to whoever filled in the form (see Registration)."""

    patient: Patient
    created: bool
    sent_to_phone: bool
    # A known patient's details the desk's registration changed, as they were before (patient_for_phone).
    corrected: dict


def check_priority_allowed(*, priority, self_service):
    """PriorityRefused when a patient registering themselves asks for more than normal priority: only the desk triages
    (and an emergency is issued past the daily capacity)."""
    if self_service and priority != Queue.Priority.NORMAL:
        raise PriorityRefused(_("Only reception staff can set a priority."))


def match_registrant(
    *,
    department,
    name,
    phone,
    age,
    gender,
    self_service,
    priority=Queue.Priority.NORMAL,
    language=None,
    new_patient_language=settings.LANGUAGE_CODE,
):
    """A registration's refusals and its patient, locked until the transaction ends (see register_visit)."""
    check_priority_allowed(priority=priority, self_service=self_service)
    if self_service and not hooks.hospital_settings().registration_open:
        raise RegistrationClosed(_("Online registration is closed at the moment; please ask at the reception desk."))
    if self_service:
        check_open_today(department)
        # Before the phone is looked at: refused only once a new token was to be issued, a full or inactive
        # department answered "full" to a number new to it and "sent to your phone" to one holding a token (or a
        # booking) there, which told whoever typed a number that its owner is in that line today. The count is read
        # again under the counter's lock when a token is issued.
        check_active(department)
        _check_daily_capacity(department, day=timezone.localdate(), priority=priority)
    patient, patient_created, corrected = patient_for_registration(
        phone=phone,
        name=name,
        age=age,
        gender=gender,
        language=language,
        new_patient_language=new_patient_language,
        self_service=self_service,
    )
    sent_to_phone = self_service and not patient_created
    if sent_to_phone:
        # Before the department's open token is looked for: a phone at its limit is refused whether or not it
        # holds a token in this department, so the answer does not tell which.
        _check_open_departments(patient=patient)
    return Registrant(patient=patient, created=patient_created, sent_to_phone=sent_to_phone, corrected=corrected)


def announce_details_corrected(*, entry, registrant, actor, ip_address):
    """The desk's registration for the token `entry` changed what was on file for its patient (name, age, gender,
    language): announced ("details_corrected", those fields before and after), so that it is audited and the
    dashboards showing the patient redraw. Nothing when nothing changed."""
    if not registrant.corrected:
        return
    snapshot = entry_snapshot(entry)
    hooks.announce_queue_change(
        hooks.QueueChange(
            event="details_corrected",
            entry=entry,
            before=snapshot | registrant.corrected,
            after=snapshot | {field: getattr(registrant.patient, field) for field in registrant.corrected},
            actor=actor,
            ip_address=ip_address,
        )
    )


@transaction.atomic
def announce_patient_edited(*, patient, before, actor, ip_address=None):
    """A patient's details edited other than by a registration (Django admin), before: the changed fields as they were.
    Announced on each of the patient's active tokens of today as the desk's correction is (details_corrected), so
    that it is audited with the visit and the dashboards showing the patient redraw."""
    details = {field.name for field in _PATIENT_COLUMNS}
    corrected = {
        field: value for field, value in before.items() if field in details and value != getattr(patient, field)
    }
    if not corrected:
        return
    registrant = Registrant(patient=patient, created=False, sent_to_phone=False, corrected=corrected)
    for entry in Queue.objects.active().for_day(timezone.localdate()).filter(patient=patient).order_by("pk"):
        announce_details_corrected(entry=entry, registrant=registrant, actor=actor, ip_address=ip_address)


def triage_at_the_desk(*, entry, priority, notes, actor, ip_address):
    """The desk registering a patient already in line is triaging them: what they noted reaches the doctor, and
    as an emergency (or high) the waiting token moves up rather than keeping its place."""
    if notes and notes not in entry.notes:
        entry = _add_desk_notes(entry=entry, notes=notes, actor=actor, ip_address=ip_address)
    if _more_urgent(priority, entry):
        entry = change_priority(entry=entry, priority=priority, actor=actor, ip_address=ip_address)
    return entry


@transaction.atomic
def register_visit(
    *,
    department,
    name,
    phone,
    age,
    gender,
    language=None,
    new_patient_language=settings.LANGUAGE_CODE,
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
    correct the name, age and gender, and the language of their messages when they give one (language); without
    it a known patient's stays as it is (the desk's page or client may read another), a new one's is
    new_patient_language. A patient booked here today registers through appointments.register_or_check_in, which
    makes the desk's registration the booking's check-in.
    """
    registrant = match_registrant(
        department=department,
        name=name,
        phone=phone,
        age=age,
        gender=gender,
        language=language,
        new_patient_language=new_patient_language,
        self_service=self_service,
        priority=priority,
    )
    patient, sent_to_phone = registrant.patient, registrant.sent_to_phone
    # A patient created just now has no token anywhere yet.
    open_entry = None if registrant.created else open_token_today(patient_id=patient.pk, department_id=department.pk)
    recalled = False
    if open_entry is None and not (registrant.created or self_service):
        open_entry = _recall_missed_turn(
            patient_id=patient.pk, department=department, actor=actor, ip_address=ip_address
        )
        recalled = open_entry is not None
    if open_entry is not None:
        if sent_to_phone:
            send_open_token_again(entry=open_entry, actor=actor, ip_address=ip_address)
        elif not self_service:
            announce_details_corrected(entry=open_entry, registrant=registrant, actor=actor, ip_address=ip_address)
            open_entry = triage_at_the_desk(
                entry=open_entry, priority=priority, notes=notes, actor=actor, ip_address=ip_address
            )
        return Registration(entry=open_entry, token_created=False, sent_to_phone=sent_to_phone, recalled=recalled)
    # A new token's registration message already carries the status link to the phone on file; the notes of
    # whoever typed the number are not put in front of the patient's doctor.
    entry = issue_token(
        department=department,
        patient=patient,
        priority=priority,
        notes="" if sent_to_phone else notes,
        actor=actor,
        ip_address=ip_address,
        # The answer carries the patient's id; only a patient made just now has an id no one else was given, so
        # their later visits (by the desk, or sent to the phone) stay off whatever that id opens.
        listed_under_patient=registrant.created,
        self_service=self_service,
    )
    announce_details_corrected(entry=entry, registrant=registrant, actor=actor, ip_address=ip_address)
    return Registration(entry=entry, token_created=True, sent_to_phone=sent_to_phone)


def _recall_missed_turn(*, patient_id, department, actor, ip_address):
    """The desk registering a patient who missed their turn here today (a no-show, whose status page sends them to
    the desk to be put back in line) recalls that token to its place, as the doctors' Recall does, instead of
    issuing one at the back of the line (which would leave the missed token never recallable). None without one."""
    missed = (
        Queue.objects.filter(
            patient_id=patient_id, department=department, token_date=timezone.localdate(), status=Status.SKIPPED
        )
        .order_by("-skipped_at")
        .first()
    )
    return None if missed is None else recall(entry=missed, actor=actor, ip_address=ip_address)


def check_open_today(department, *, day=None):
    """A department closed for the day (today, or the day a token is being issued for) takes no one registering
    themselves; the desk still may (an urgent case on a holiday is theirs to judge)."""
    closure = ClosedDay.closing(department=department, day=day or timezone.localdate())
    if closure is not None:
        raise DepartmentUnavailable(
            _("%(department)s is closed today%(reason)s. Please ask at the reception desk.")
            % {"department": department.translated("name"), "reason": f" ({closure.reason})" if closure.reason else ""}
        )


def _add_desk_notes(*, entry, notes, actor, ip_address):
    """Add the desk's notes to a visit's own, announced (event "notes_added") so that it is audited and the
    department's doctors see them at once."""
    entry = Queue.objects.select_for_update().select_related("department").get(pk=entry.pk)
    return _save_visit_detail(
        entry=entry,
        field="notes",
        value=f"{entry.notes}\n{notes}".strip(),
        event="notes_added",
        actor=actor,
        ip_address=ip_address,
    )


def _save_visit_detail(*, entry, field, value, event, actor, ip_address):
    """Save one detail of a locked visit that leaves its place in line as it was, announced with its value
    before and after (so it is audited, and reaches the screens and messages)."""
    snapshot = entry_snapshot(entry)
    before = snapshot | {field: getattr(entry, field)}
    setattr(entry, field, value)
    entry.save(update_fields=[field, "updated_at"])
    hooks.announce_queue_change(
        hooks.QueueChange(
            event=event,
            entry=entry,
            before=before,
            after=snapshot | {field: value},
            actor=actor,
            ip_address=ip_address,
        )
    )
    return entry


# The details of a visit that Django admin edits, and how each is announced when it changes (None: saved alone).
EDITED_VISIT_DETAIL_EVENTS = {
    "notes": "notes_added",
    "notify_when_patients_ahead": "notice_chosen",
    "consultation_notes": None,
}


def check_visit_detail_editable(entry, field, value):
    """QueueError unless the visit's detail (of EDITED_VISIT_DETAIL_EVENTS) may take this value now, by the rule the
    detail's own path holds it to: the text notice only as the patient may choose it (check_notice_choosable), the
    consultation notes only of a completed consultation, as its doctor writes them."""
    if field == "notify_when_patients_ahead":
        check_notice_choosable(entry, value)
    elif field == "consultation_notes" and entry.status != Status.COMPLETED:
        # Written before, they were replaced by the doctor's at the consultation's end, or noted one that never was.
        raise QueueError(
            refusal_in_words(
                _("Token %(token)s has no completed consultation to write notes of.") % {"token": entry.token},
                entry.status,
            )
        )


@transaction.atomic
def save_edited_visit_details(*, entry, changes, actor, ip_address=None):
    """Details of a visit edited in Django admin ({field: value}, of EDITED_VISIT_DETAIL_EVENTS), its place left as
    it was: the notes for the doctor announced as the desk's are, the text notice as the patient's choice is, so that
    they are audited and reach the dashboards and the messages; the doctor's consultation notes saved as they are.
    Each is first held to its path's rule (check_visit_detail_editable); one refused stores none."""
    entry = Queue.objects.select_for_update().select_related("department").get(pk=entry.pk)
    for field, value in changes.items():
        check_visit_detail_editable(entry, field, value)
        event = EDITED_VISIT_DETAIL_EVENTS[field]
        if event is None:
            setattr(entry, field, value)
            entry.save(update_fields=[field, "updated_at"])
        else:
            entry = _save_visit_detail(
                entry=entry, field=field, value=value, event=event, actor=actor, ip_address=ip_address
            )
    return entry


def _more_urgent(priority, entry):
    return entry.status == Status.WAITING and Queue.PRIORITY_RANK[priority] > Queue.PRIORITY_RANK[entry.priority]


def open_token_today(*, patient_id, department_id, other_than=None):
    """The patient's active token in the department today (other than other_than), or None."""
    tokens = Queue.objects.active().for_day(timezone.localdate())
    tokens = tokens.filter(patient_id=patient_id, department_id=department_id)
    if other_than is not None:
        tokens = tokens.exclude(pk=other_than.pk)
    return tokens.select_related("department").first()


def check_one_active_token(*, patient_id, department_id, other_than=None):
    """Refuse (TokenAlreadyHeld) to give a patient a second active token in a department today.

    The rule of one active token per patient, department and day, for the actions that put an existing visit
    back in a line (recall, transfer, check-in of a booking); registration hands back the open token instead.
    """
    # The patient's row is locked, as registration locks it, before any token: two actions for one patient
    # cannot both find the line free, and every writer takes the locks in the same order.
    Patient.objects.select_for_update().only("pk").get(pk=patient_id)
    held = open_token_today(patient_id=patient_id, department_id=department_id, other_than=other_than)
    if held is not None:
        raise TokenAlreadyHeld(held)


_PATIENT_COLUMNS = [field for field in Patient._meta.concrete_fields if not field.primary_key]


def patient_for_registration(*, phone, name, age, gender, language, new_patient_language, self_service):
    """patient_for_phone as a registration or a booking asks it: reception staff correct a known patient's name, age
    and gender, and their language only where they choose one (language); else it stays as it is, as the desk's page
    or client may read another. A new patient's is language, else new_patient_language."""
    details = {"name": name, "age": age, "gender": gender} | ({"language": language} if language else {})
    return patient_for_phone(phone=phone, details=details, update=not self_service, language=new_patient_language)


def patient_for_phone(*, phone, details, update, language=None):
    """(patient, created, corrected): the patient with this phone, locked until the transaction ends, or a new one.

    update: a known patient's details are replaced by these (the desk correcting them); corrected holds those that
    changed as they were before ({} for none), for the caller to announce with the visit. language: a new patient's,
    where details do not set it. The lock serialises two registrations of one phone, so they cannot both issue a
    token in a department. One statement whether the phone is new or known: an insert that, on the phone's conflict,
    only locks the row, and returns the row either way; whether it was this call that created it shows in the public
    id it generated. Details that differ are saved by a second one.
    """
    candidate = Patient(phone=phone, **({"language": language} if language else {}) | details)
    # pre_save, as the ORM's own insert does: it stamps created_at and updated_at.
    values = [field.get_db_prep_save(field.pre_save(candidate, True), connection) for field in _PATIENT_COLUMNS]
    patient = next(iter(Patient.objects.raw(_patient_upsert_sql(), values)))
    created = patient.public_id == candidate.public_id
    corrected = {}
    if update and not created:
        corrected = {field: getattr(patient, field) for field in details if getattr(patient, field) != details[field]}
        for field in corrected:
            setattr(patient, field, details[field])
        if corrected:
            patient.save(update_fields=[*corrected, "updated_at"])
    return patient, created, corrected


def _patient_upsert_sql():
    # Raw: the ORM's bulk_create(update_conflicts=True) returns the key alone, not whether the row is new.
    quote = connection.ops.quote_name
    columns = [quote(field.column) for field in _PATIENT_COLUMNS]
    phone = quote(Patient._meta.get_field("phone").column)
    # Setting the phone to itself changes nothing but takes the row's lock, as SELECT ... FOR UPDATE would; the row
    # is returned as stored, so the details the desk typed are compared with what they replace.
    return (
        f"INSERT INTO {quote(Patient._meta.db_table)} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({phone}) DO UPDATE SET {phone} = EXCLUDED.{phone} "
        f"RETURNING {quote(Patient._meta.pk.column)}, {', '.join(columns)}"
    )


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


def send_open_token_again(*, entry, actor, ip_address):
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


def _transition(entry, to_status, *, event, actor, ip_address, only_from=None, **changes):
    """Move the locked entry to to_status, as ALLOWED_TRANSITIONS permits and, for a move that the table allows from
    several statuses but this action only from one (back to waiting), only from only_from."""
    entry = Queue.objects.select_for_update().select_related("department").get(pk=entry.pk)
    if to_status not in ALLOWED_TRANSITIONS[entry.status] or only_from not in (None, entry.status):
        raise IllegalTransition(entry, entry.status, to_status)
    before = entry_snapshot(entry)
    entry.status = to_status
    timestamp_field = TIMESTAMP_FOR_STATUS.get(to_status)
    if timestamp_field:
        setattr(entry, timestamp_field, timezone.now())
    if to_status == Status.CALLED and entry.first_called_at is None:
        entry.first_called_at = entry.called_at
    for field, value in changes.items():
        setattr(entry, field, value)
    return _record_queue_change(entry=entry, event=event, actor=actor, ip_address=ip_address, before=before)


def current_patient_of(doctor):
    """The entry the doctor has called or is seeing, if any."""
    return (
        Queue.objects.with_a_doctor().filter(doctor=doctor)
        .select_related("department", "patient")
        .first()
    )


def _lock_calling_doctor(doctor):
    """Hold the doctor's row until the transaction ends, and refuse a doctor who no longer sees patients in the
    department they call from (deactivated or moved since their page was read).

    Whatever gives a doctor a patient takes this lock before looking for the one they have, as does moving or
    deactivating them (doctors.services.refuse_leaving_with_a_patient): of two such actions at once, the second
    waits and sees what the first did.
    """
    doctor_model = Queue.doctor.field.related_model
    stored = doctor_model.objects.select_for_update().filter(pk=doctor.pk).values_list("is_active", "department_id")
    if stored.first() != (True, doctor.department_id):
        raise QueueError(
            _("%(doctor)s no longer sees patients in %(department)s.")
            % {"doctor": doctor, "department": doctor.department.translated("name")}
        )


@transaction.atomic
def call_next(*, doctor, actor=None, ip_address=None):
    """Call the first waiting token of the doctor's department, by priority then arrival.

    A patient with a doctor of another department just now (called there or in consultation) is passed over and
    keeps their place: called here, they would be told to come to a room they cannot leave theirs for, and marked a
    no-show. Two doctors calling at once never get the same patient, whether in one department or in two (a patient
    in both lines): the patient's row is locked, and the other call waits for it, then takes the next one in line. A
    row locked by any other change (the patient choosing when to be texted, the desk adding notes) is waited for too,
    not passed over: the first in line is called first. One doctor calling twice at once (a double click) gets one:
    the second call waits for the first and is refused.
    """
    _lock_calling_doctor(doctor)
    current = current_patient_of(doctor)
    if current is not None:
        raise QueueError(_("Finish with token %(token)s before calling the next patient.") % {"token": current.token})
    today = timezone.localdate()
    waiting = Queue.objects.waiting().for_day(today).filter(department_id=doctor.department_id)
    with_a_doctor = Queue.objects.for_day(today).with_a_doctor()
    free_to_call = waiting.exclude(Exists(with_a_doctor.filter(patient_id=OuterRef("patient_id")))).in_service_order()
    while (first := free_to_call.values_list("pk", "patient_id").first()) is not None:
        entry_id, patient_id = first
        # The patient's row before the token's, as every writer takes them: a call of the same patient from another
        # department, not yet committed when the line was read, is waited for and then seen by the token's read.
        Patient.objects.select_for_update().only("pk").get(pk=patient_id)
        candidate = free_to_call.filter(pk=entry_id).select_for_update().first()
        if candidate is not None:
            return _transition(
                candidate, Status.CALLED, event="called", actor=actor, ip_address=ip_address, doctor=doctor
            )
    passed_over = waiting.in_service_order().first()
    elsewhere = (
        with_a_doctor.filter(patient_id=passed_over.patient_id).select_related("department").first()
        if passed_over
        else None
    )
    if elsewhere is None:
        raise NothingToCall(_("No patients are waiting."))
    raise NothingToCall(
        _("%(token)s is with a doctor in %(department)s just now: call again once they are done there.")
        % {"token": passed_over.token, "department": elsewhere.department.translated("name")}
    )


@transaction.atomic
def call_patient(*, entry, doctor, actor=None, ip_address=None):
    """Call a specific waiting token (e.g. out of order at the doctor's discretion)."""
    _lock_calling_doctor(doctor)
    current = current_patient_of(doctor)
    if current is not None and current.pk != entry.pk:
        raise QueueError(_("Finish with token %(token)s before calling the next patient.") % {"token": current.token})
    return _transition(entry, Status.CALLED, event="called", actor=actor, ip_address=ip_address, doctor=doctor)


@transaction.atomic
def start_consultation(*, entry, actor=None, ip_address=None):
    return _transition(entry, Status.IN_CONSULTATION, event="started", actor=actor, ip_address=ip_address)


@transaction.atomic
def complete_consultation(*, entry, consultation_notes="", actor=None, ip_address=None):
    """Record the end of the consultation now; one left open by its doctor (left_open_before) ended with its day,
    its notes kept: finished the next morning, it read as a consultation of many hours in the reports and the
    estimates."""
    if _left_open(entry):
        return close_consultation_left_open(
            entry=entry, consultation_notes=consultation_notes, actor=actor, ip_address=ip_address
        )
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
    """Mark a called patient who did not come a no-show; the token can be recalled later the same day."""
    return _transition(entry, Status.SKIPPED, event="skipped", actor=actor, ip_address=ip_address)


def _check_own_day(entry, refusal):
    """Refuse, in the refusal's words, to act on a token of a day that is over: it would come back into today's
    line, or change a line no one serves any more."""
    if entry.token_date != timezone.localdate():
        raise QueueError(refusal % {"token": entry.token, "day": formats.date_format(entry.token_date)})


@transaction.atomic
def recall(*, entry, actor=None, ip_address=None):
    """Put a skipped token back in line at its original place (check-in time is kept), on its own day only, and
    only while the patient holds no other active token in the department (they may have registered again)."""
    # A token's day, patient and department never change: the caller's copy tells them without a read.
    _check_own_day(entry, _("Token %(token)s was for %(day)s; a token can be recalled only on its own day."))
    _check_not_moved_on(entry)
    check_one_active_token(patient_id=entry.patient_id, department_id=entry.department_id, other_than=entry)
    return _transition(
        entry,
        Status.WAITING,
        event="recalled",
        actor=actor,
        ip_address=ip_address,
        only_from=Status.SKIPPED,
        doctor=None,
        called_at=None,
    )


def _check_not_moved_on(entry):
    """Refuse to put back in line a token the patient left for another (a transfer or a referral): they are in line
    there."""
    successor = entry.successor
    if successor is not None:
        raise QueueError(
            _("Token %(token)s was transferred to %(department)s as %(successor)s; the patient is in line there.")
            % {
                "token": entry.token,
                "department": successor.department.translated("name"),
                "successor": successor.token,
            }
        )


RETURNED_TO_LINE_ON_ITS_OWN_DAY_ONLY = _(
    "Token %(token)s was for %(day)s; a token can be put back in line only on its own day."
)


def check_returnable_to_line(entry):
    """QueueError unless the token, as it is now, is one return_to_line takes (called, on its own day): the admin's
    confirmation page says so at once rather than after the admin confirms."""
    _check_own_day(entry, RETURNED_TO_LINE_ON_ITS_OWN_DAY_ONLY)
    if entry.status != Status.CALLED:
        raise IllegalTransition(entry, entry.status, Status.WAITING)


@transaction.atomic
def return_to_line(*, entry, actor=None, ip_address=None):
    """Put a called patient whose doctor was called away before the consultation started back in line, at their own
    place (check-in time kept, as a recall), on the token's own day; the doctor is free of them."""
    _check_own_day(entry, RETURNED_TO_LINE_ON_ITS_OWN_DAY_ONLY)
    return _transition(
        entry,
        Status.WAITING,
        event="returned_to_line",
        actor=actor,
        ip_address=ip_address,
        only_from=Status.CALLED,
        doctor=None,
        called_at=None,
    )


def check_consultation_endable(entry):
    """IllegalTransition unless the token, as it is now, is in consultation, as end_consultation needs."""
    if Status.COMPLETED not in ALLOWED_TRANSITIONS[entry.status]:
        raise IllegalTransition(entry, entry.status, Status.COMPLETED)


@transaction.atomic
def end_consultation(*, entry, actor=None, ip_address=None):
    """Complete a consultation on behalf of its doctor, who has left (an admin's action): announced as
    "consultation_ended", so the audit row names who ended it, and the doctor stays the one who saw the patient.

    Marked consultation_ended_for_doctor: it ended when the doctor left, not when it was recorded, so its length is
    left out of every consultation time (the wait estimates' pace, the reports), the patient still counted as seen.
    """
    return _transition(
        entry,
        Status.COMPLETED,
        event="consultation_ended",
        actor=actor,
        ip_address=ip_address,
        consultation_ended_for_doctor=True,
    )


def _left_open_end(entry):
    """The completion's changes for a consultation its doctor left open: ended with its day, and marked so."""
    return {"consultation_left_open": True, "completed_at": day_ends_at(entry.token_date)}


def _left_open(entry):
    return entry.token_date < left_open_before(timezone.now())


@transaction.atomic
def close_consultation_left_open(*, entry, consultation_notes=None, actor=None, ip_address=None):
    """Complete a consultation of a day that is over whose doctor never recorded its end: ended with its day (at
    the hospital's midnight), the patient counted as seen that day, and marked consultation_left_open so that the
    reports name it and its length (not known) is left out of every consultation time."""
    changes = {} if consultation_notes is None else {"consultation_notes": consultation_notes}
    return _transition(
        entry,
        Status.COMPLETED,
        event="consultation_left_open",
        actor=actor,
        ip_address=ip_address,
        only_from=Status.IN_CONSULTATION,
        **_left_open_end(entry),
        **changes,
    )


def left_open_before(now):
    """The first token day whose open consultations are still under way: those of earlier days were left open by
    their doctors. A consultation under way at midnight may go on a while (its day's line closed, not its room): only
    one still open at settings.CONSULTATIONS_LEFT_OPEN_HOUR the next morning was left open."""
    today = timezone.localdate(now)
    return today if timezone.localtime(now).hour >= settings.CONSULTATIONS_LEFT_OPEN_HOUR else today - timedelta(1)


def close_consultations_left_open(*, now):
    """Close every consultation left open by its doctor (close_consultation_left_open); returns them."""
    left_open = Queue.objects.filter(status=Status.IN_CONSULTATION, token_date__lt=left_open_before(now))
    return _close_each(left_open, close_consultation_left_open)


def _close_each(left_open, close):
    """close(entry=...) each token in turn; returns those closed. One its doctor moved on meanwhile (finished,
    started, marked a no-show) is left as it is now."""
    closed = []
    for entry in left_open.order_by("pk"):
        try:
            closed.append(close(entry=entry))
        except IllegalTransition:
            continue
    return closed


@transaction.atomic
def close_call_left_open(*, entry, actor=None, ip_address=None):
    """End a call of a day that is over whose patient was never seen (no consultation started): the day's line closed
    on the token as on those still waiting, so it is one of them again (waiting, no doctor: not seen that day, as the
    reports count it, and told so with them in the morning), and its doctor starts the next day free to call.
    Its call time is kept: the patient did wait until then."""
    return _transition(
        entry,
        Status.WAITING,
        event="call_left_open",
        actor=actor,
        ip_address=ip_address,
        only_from=Status.CALLED,
        doctor=None,
    )


def close_calls_left_open(*, now):
    """End every call left open on a day that is over (close_call_left_open); returns them. A patient called just
    before midnight may still come in, so a call ends as a consultation left open does (left_open_before)."""
    left_open = Queue.objects.filter(status=Status.CALLED, token_date__lt=left_open_before(now))
    return _close_each(left_open, close_call_left_open)


# Added by the first queue change of a day (and again of its morning, from CONSULTATIONS_LEFT_OPEN_HOUR), which closes
# what is over (close_days_over_on_commit); the other changes find it there and do nothing more.
DAYS_CLOSED_CACHE_KEY = "days-closed-before:{alerts}:{consultations}"
DAYS_CLOSED_CACHE_SECONDS = 2 * 24 * 60 * 60


def close_days_over():
    """What a day leaves open ends with it: the long-wait alerts of days that are over are cleared (as of their
    day's end), the consultations left open by their doctors are closed (close_consultations_left_open), and so are
    the calls whose patient was never seen (close_calls_left_open). Celery beat runs it after midnight and again in
    the morning."""
    now = timezone.now()
    alerts_of_days_over = WaitAlert.objects.filter(
        ended_at__isnull=True, started_at__lt=day_starts_at(timezone.localdate(now))
    )
    for department_id in alerts_of_days_over.values_list("department_id", flat=True):
        review_wait_alert(department_id=department_id)
    close_consultations_left_open(now=now)
    close_calls_left_open(now=now)
    hooks.announce_day_began(hooks.DayBegan(day=timezone.localdate(now)))


def close_days_over_once():
    """close_days_over, unless it ran already since midnight (or since CONSULTATIONS_LEFT_OPEN_HOUR) through here."""
    now = timezone.now()
    key = DAYS_CLOSED_CACHE_KEY.format(alerts=timezone.localdate(now), consultations=left_open_before(now))
    if cache.add(key, True, DAYS_CLOSED_CACHE_SECONDS):
        close_days_over()


def close_days_over_on_commit(sender, **kwargs):
    """hooks.queue_changed receiver: where Celery beat does not run (the embedded defaults) nothing else closes what
    the days over left open, so the first queue change after midnight does, and the first after
    CONSULTATIONS_LEFT_OPEN_HOUR, once committed (settings.DAYS_CLOSED_ON_QUEUE_CHANGES)."""
    if settings.DAYS_CLOSED_ON_QUEUE_CHANGES:
        transaction.on_commit(close_days_over_once, robust=True)


@transaction.atomic
def cancel(*, entry, actor=None, ip_address=None):
    return _transition(entry, Status.CANCELLED, event="cancelled", actor=actor, ip_address=ip_address)


def check_cancellable(entry):
    """IllegalTransition when the token, as it is now, cannot be cancelled (a consultation under way, or over): a
    patient asking to cancel it is told so at once rather than asked to confirm what cancel would then refuse."""
    if Status.CANCELLED not in ALLOWED_TRANSITIONS[entry.status]:
        raise IllegalTransition(entry, entry.status, Status.CANCELLED)


def check_reinstatable(entry):
    """QueueError unless the token, as it is now, is one reinstate takes: cancelled today, not for a transfer, in a
    department open today, its patient holding no other token there. The desk's pages offer Restore only then, and
    say why not at once; reinstate reads the patient's tokens again under the patient's lock, and the daily capacity
    under the counter's."""
    if entry.status != Status.CANCELLED:
        raise IllegalTransition(entry, entry.status, Status.WAITING)
    _check_own_day(entry, _("Token %(token)s was for %(day)s; a cancelled token can be restored only on its own day."))
    _check_not_moved_on(entry)
    department = entry.department
    check_active(department)
    if ClosedDay.closing(department=department, day=entry.token_date) is not None:
        raise DepartmentUnavailable(
            _("%(department)s is closed today: token %(token)s cannot be put back in its line.")
            % {"department": department.translated("name"), "token": entry.token}
        )
    held = open_token_today(patient_id=entry.patient_id, department_id=entry.department_id, other_than=entry)
    if held is not None:
        raise TokenAlreadyHeld(held)


@transaction.atomic
def reinstate(*, entry, actor=None, ip_address=None):
    """Undo a cancellation made by mistake: the token waits again at its own place (its number, check-in time, slot
    and priority kept, as a recall), on its own day and while its department is open today.

    Refused while the patient holds another active token in the department (registered again since), and, for a
    walk-in that is not an emergency, once the department has given the place the cancellation freed (its daily
    capacity reached since). Announced as "reinstated": audited, published, and the patient texted their place.
    """
    # The token as it is now, not as the caller last read it; locked later, after the patient, as every writer does.
    entry = Queue.objects.select_related("department").get(pk=entry.pk)
    check_reinstatable(entry)
    check_one_active_token(patient_id=entry.patient_id, department_id=entry.department_id, other_than=entry)
    booked = Appointment.objects.filter(queue_entry_id=entry.pk).exists()
    if not booked:
        # The counter's row, as registrations take it (next_token_number), so two of them cannot both see a free place.
        DailyTokenCounter.objects.select_for_update().filter(
            department_id=entry.department_id, day=entry.token_date
        ).only("pk").first()
        _check_daily_capacity(entry.department, day=entry.token_date, priority=entry.priority)
    return _transition(
        entry,
        Status.WAITING,
        event="reinstated",
        actor=actor,
        ip_address=ip_address,
        only_from=Status.CANCELLED,
        cancelled_at=None,
        doctor=None,
        called_at=None,
    )


def _no_longer_in_line(entry):
    """The refusal of a patient's change to a token whose day's line is over (Queue.expired)."""
    return _("Token %(token)s was for %(day)s; it is no longer in line.") % {
        "token": entry.token,
        "day": formats.date_format(entry.token_date),
    }


def check_leavable(entry):
    """QueueError unless the patient may take the token out of line themselves (leave_line): cancellable and still
    waiting, on its own day. Once called, their turn has come and the doctor ends it; a no-show or a token of a
    day that is over is out of line already."""
    if entry.expired:
        raise QueueError(_no_longer_in_line(entry))
    check_cancellable(entry)
    if entry.status != Status.WAITING:
        raise IllegalTransition(entry, entry.status, Status.CANCELLED)


@transaction.atomic
def leave_line(*, entry, ip_address=None):
    """The patient cancels their own waiting token from its status page: as a cancel by text, with no actor."""
    entry = Queue.objects.select_for_update().select_related("department").get(pk=entry.pk)
    check_leavable(entry)
    return cancel(entry=entry, ip_address=ip_address)


def check_postponable(entry):
    """PostponeRefused when the token, as it is now, cannot be moved back (not waiting, of a day that is over, or
    moved back once already): a patient asking to be moved back is told so at once rather than asked to confirm
    what postpone_visit would then refuse."""
    if entry.expired:
        raise PostponeRefused(_no_longer_in_line(entry))
    if entry.status == Status.CALLED:
        # A patient running late for a call they were just texted: the doctor will mark them a no-show, and the desk's
        # registration puts a missed turn back at its place (register_visit).
        raise PostponeRefused(
            _(
                "Token %(token)s has been called: it is your turn now, in %(where)s. If you cannot come now, please "
                "ask at the reception desk when you arrive: they can put you back in line."
            )
            % {"token": entry.token, "where": entry.where_to_go}
        )
    if entry.status != Status.WAITING:
        raise PostponeRefused(
            refusal_in_words(
                _("Token %(token)s cannot be moved back: only a waiting token can.") % {"token": entry.token},
                entry.status,
            )
        )
    if entry.postponed_at is not None:
        raise PostponeRefused(_("Token %(token)s has already been moved back once today.") % {"token": entry.token})


@transaction.atomic
def postpone_visit(*, entry, places, actor=None, ip_address=None):
    """Move a waiting token back `places` places among its priority (fewer when fewer are behind); once per visit.

    The token becomes due just after the last one it lets go first (its arrival time is kept, for its wait),
    so every reader of the line (in_service_order) sees the new place. A token already due lets go first only
    tokens already due: a booked patient who checked in early is due at their later slot, so becoming due after
    them would let every walk-in arriving until that slot go first too.
    """
    entry = Queue.objects.select_for_update().select_related("department").get(pk=entry.pk)
    check_postponable(entry)
    behind = _let_go_first(entry)[:places]
    before = entry_snapshot(entry)
    entry.due_after_move_back = behind[-1][1] + timedelta(microseconds=1)
    entry.postponed_at = timezone.now()
    return _record_queue_change(entry=entry, event="postponed", actor=actor, ip_address=ip_address, before=before)


def check_movable_back(entry):
    """check_postponable, and someone waiting behind the token whom it could let go first (one query more): a
    patient texting LATE is asked for a code only when the YES can move them back."""
    check_postponable(entry)
    _let_go_first(entry)


def _let_go_first(entry):
    """(id, due) of the waiting tokens behind this one that a move back could let go first, in order; PostponeRefused
    when there are none."""
    same_priority = (
        Queue.objects.waiting()
        .for_day(entry.token_date)
        .filter(department_id=entry.department_id, priority=entry.priority)
        .in_service_order()
    )
    order = list(same_priority.values_list("pk", "due_order"))
    place = next(index for index, (entry_id, _) in enumerate(order) if entry_id == entry.pk)
    behind = order[place + 1 :]
    if not behind:
        raise PostponeRefused(_("Nobody is waiting behind token %(token)s.") % {"token": entry.token})
    now = timezone.now()
    if order[place][1] <= now:
        # In due order, so the tokens already due come first and those booked for later after them.
        behind = [(entry_id, due) for entry_id, due in behind if due <= now]
        if not behind:
            raise PostponeRefused(
                _("Only patients with a later appointment are waiting behind token %(token)s; it keeps its place.")
                % {"token": entry.token}
            )
    return behind


def postpone_running_late(*, entry, actor=None, ip_address=None):
    """The patient's "I'm running late" (by text or on the status page): postpone_visit by the hospital's
    late_moves_back_places."""
    return postpone_visit(
        entry=entry, places=hooks.hospital_settings().late_moves_back_places, actor=actor, ip_address=ip_address
    )


@transaction.atomic
def choose_patients_ahead_notice(*, entry, patients_ahead, actor=None, ip_address=None):
    """Record how many patients ahead the waiting patient wants the 'you are close' message at.

    Announced (event "notice_chosen", the line unchanged) so it is audited and the messages look again
    at whether the patient is already there.
    """
    entry = Queue.objects.select_for_update().select_related("department").get(pk=entry.pk)
    check_notice_choosable(entry, patients_ahead)
    return _save_visit_detail(
        entry=entry,
        field="notify_when_patients_ahead",
        value=patients_ahead,
        event="notice_chosen",
        actor=actor,
        ip_address=ip_address,
    )


def check_notice_choosable(entry, patients_ahead):
    """QueueError unless the token may take this choice of when to text (patients_ahead; None: the hospital's
    setting): only while it waits on its own day, whoever chooses (the patient's page, Django admin)."""
    _check_own_day(entry, _("Token %(token)s was for %(day)s; when to text you can be chosen only on that day."))
    if entry.status != Status.WAITING:
        raise QueueError(_("Token %(token)s is no longer waiting.") % {"token": entry.token})
    if patients_ahead is not None and not NOTICE_PATIENTS_AHEAD_MIN <= patients_ahead <= NOTICE_PATIENTS_AHEAD_MAX:
        raise QueueError(
            _("Choose from %(lowest)s to %(highest)s patients ahead.")
            % {"lowest": NOTICE_PATIENTS_AHEAD_MIN, "highest": NOTICE_PATIENTS_AHEAD_MAX}
        )


@dataclass(frozen=True)
class PhoneCorrection:
    """What correct_phone did: the visit, now the patient's (patient), and whether that is another patient's record
    than the one the visit was registered under (the number was on file for them, or the record held other visits)."""

    entry: Queue
    patient: Patient
    moved: bool


# Tokens whose phone the desk may correct: those still to be seen today (a no-show may yet be recalled).
PHONE_CORRECTABLE_STATUSES = (*Queue.ACTIVE_STATUSES, Status.SKIPPED)


def check_phone_correctable(entry):
    """QueueError unless the token, as it is now, is one whose phone the desk may correct: still open today. The
    correction page says so before a number is typed, rather than after."""
    if entry.status not in PHONE_CORRECTABLE_STATUSES or entry.token_date != timezone.localdate():
        raise QueueError(
            refusal_in_words(
                _("The phone number of token %(token)s can be corrected only while it is open today.")
                % {"token": entry.token},
                entry.status,
            )
        )


@transaction.atomic
def correct_phone(*, entry, phone, actor=None, ip_address=None):
    """The desk correcting a mistyped phone on a token still open today; the one rule of it.

    The number is checked as the desk's registration checks it (ValidationError under "phone"). The visit (with the
    tokens it was transferred or referred from, and its booking) goes to the patient the new number is on file for,
    whose details are kept, never merged with the typed ones; with nobody on file for it, the patient's own number
    changes when the visit is all their record holds, else (the mistyped number is someone's with a history) a new
    patient with the typed details takes the visit and the record keeps the rest. Every link the wrong number was
    sent stops working: the tokens' and the booking's public ids are new and the visit is listed under no patient's
    id. Announced as "phone_corrected": the new link is texted to the new number, and texts from the old one no
    longer reach the visit.
    """
    Patient.objects.select_for_update().only("pk").get(pk=entry.patient_id)
    entry = Queue.objects.select_for_update().select_related("department", "patient").get(pk=entry.pk)
    check_phone_correctable(entry)
    try:
        phone = normalise_phone(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.error_list}) from error
    registered_under = entry.patient
    if phone == registered_under.phone:
        raise ValidationError(
            {"phone": _("This is already the phone number of token %(token)s.") % {"token": entry.token}}
        )
    before = entry_snapshot(entry) | {"patient_id": registered_under.pk, "phone": mask_phone(registered_under.phone)}
    chain = [*entry.predecessors(for_update=True), entry]
    chain_ids = [visit.pk for visit in chain]
    patient = _patient_for_corrected_phone(patient=registered_under, phone=phone, visit_ids=chain_ids)
    moved = patient.pk != registered_under.pk
    if moved and entry.status in Queue.ACTIVE_STATUSES:
        check_one_active_token(patient_id=patient.pk, department_id=entry.department_id, other_than=entry)
    for visit in chain:
        visit.public_id = uuid.uuid4()
        visit.patient = patient
        visit.listed_under_patient = False
        visit.save(update_fields=["public_id", "patient", "listed_under_patient", "updated_at"])
    for appointment in Appointment.objects.select_for_update().filter(queue_entry_id__in=chain_ids):
        appointment.public_id, appointment.patient = uuid.uuid4(), patient
        appointment.save(update_fields=["public_id", "patient", "updated_at"])
    hooks.announce_queue_change(
        hooks.QueueChange(
            event="phone_corrected",
            entry=entry,
            before=before,
            after=entry_snapshot(entry) | {"patient_id": patient.pk, "phone": mask_phone(patient.phone)},
            actor=actor,
            ip_address=ip_address,
        )
    )
    return PhoneCorrection(entry=entry, patient=patient, moved=moved)


def _patient_for_corrected_phone(*, patient, phone, visit_ids):
    """Whose the visit is with the corrected phone (see correct_phone), locked until the transaction ends."""
    holds_only_this_visit = not (
        Queue.objects.filter(patient=patient).exclude(pk__in=visit_ids).exists()
        or Appointment.objects.filter(patient=patient).exclude(queue_entry_id__in=visit_ids).exists()
    )
    if holds_only_this_visit and not Patient.objects.filter(phone=phone).exists():
        try:
            # A savepoint: a registration of the same number committed since the look above takes the visit below.
            with transaction.atomic():
                Patient.objects.filter(pk=patient.pk).update(phone=phone, updated_at=timezone.now())
        except IntegrityError:
            pass
        else:
            patient.phone = phone
            return patient
    details = {field: getattr(patient, field) for field in ("name", "age", "gender", "language")}
    holder, _created, _corrected = patient_for_phone(phone=phone, details=details, update=False)
    return holder


def check_priority_changeable(entry):
    """QueueError unless the token, as it is now, is one whose priority may change: waiting, on its own day. The
    desk's token page offers the change only then, rather than refusing it after."""
    _check_own_day(entry, _("Token %(token)s was for %(day)s; a token's priority can change only on its own day."))
    if entry.status != Status.WAITING:
        raise QueueError(
            refusal_in_words(
                _("The priority of token %(token)s cannot change: only a waiting token's can.")
                % {"token": entry.token},
                entry.status,
            )
        )


@transaction.atomic
def change_priority(*, entry, priority, actor=None, ip_address=None):
    entry = Queue.objects.select_for_update().select_related("department").get(pk=entry.pk)
    check_priority_changeable(entry)
    if priority not in Queue.Priority.values:
        raise QueueError(_("Unknown priority '%(priority)s'.") % {"priority": priority})
    if priority == entry.priority:
        # Set again (a double click, two desks at once): nothing changes, so nothing is announced, audited or sent.
        return entry
    before = entry_snapshot(entry)
    if priority in Queue.URGENT_PRIORITIES and entry.priority not in Queue.URGENT_PRIORITIES:
        # A move back (LATE) was among the tokens of its old priority. Raised to an urgent one, the patient is seen
        # by arrival among the urgent ones, as any raised token is (Queue.due_expression), not behind an emergency
        # who came after them; the move is undone, so they may ask for one again, and lowered back they are due as
        # before it (their slot or their arrival).
        entry.postponed_at = entry.due_after_move_back = None
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
            refusal_in_words(
                _("Feedback opens once the consultation for token %(token)s is completed.") % {"token": entry.token},
                entry.status,
            )
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
    department's sequence) whose check-in time (and a booked patient's slot time) is the original one, so the
    patient is not sent to the back of the line for a referral they did not choose; it keeps the patient's own
    choices too (when to be texted that they are close, and their one move back of the visit, if used). Both
    entries are published as "transferred". Refused when the patient already holds an active token in the target
    department, and for a token of a day that is over (its check-in time would put it first in today's line).
    """
    target = to_department
    _check_another_department(entry, target)
    # The token as it is now, not as the caller last read it (its doctor may have started the consultation since),
    # and held so until the transfer's cancellation: refused, it is said as a transfer's refusal, not a cancellation's.
    check_transferable(Queue.objects.select_for_update(of=("self",)).get(pk=entry.pk))
    check_one_active_token(patient_id=entry.patient_id, department_id=target.pk)
    # Both steps share this transaction: a full or closed target department undoes the cancellation too.
    old_entry = _transition(entry, Status.CANCELLED, event="transferred", actor=actor, ip_address=ip_address)
    return issue_token(
        department=target,
        patient=old_entry.patient,
        priority=old_entry.priority,
        notes=old_entry.notes,
        actor=actor,
        ip_address=ip_address,
        event="transferred",
        checked_in_at=old_entry.checked_in_at,
        due_at=old_entry.due_at,
        transferred_from=old_entry,
        listed_under_patient=old_entry.listed_under_patient,
        notify_when_patients_ahead=old_entry.notify_when_patients_ahead,
        postponed_at=old_entry.postponed_at,
        due_after_move_back=old_entry.due_after_move_back,
    )


def check_transferable(entry):
    """QueueError unless the token, as it is now, may go to another department's line: today's, and waiting, called
    or missed (a consultation under way is completed first; one over is referred instead). The desk's token page
    offers the move only then, rather than refusing it after."""
    _check_own_day(entry, _("Token %(token)s was for %(day)s; a token can be transferred only on its own day."))
    if entry.status == Status.IN_CONSULTATION:
        raise QueueError(
            _("Token %(token)s is in consultation: complete the consultation before transferring the patient.")
            % {"token": entry.token}
        )
    if Status.CANCELLED not in ALLOWED_TRANSITIONS[entry.status]:
        raise IllegalTransition(
            entry,
            entry.status,
            Status.CANCELLED,
            refused=_("Token %(token)s cannot be moved to another department."),
        )


def _check_another_department(entry, target):
    """A transfer or referral goes to another department than the token's own."""
    if target.pk == entry.department_id:
        raise QueueError(
            _("Token %(token)s is already in %(department)s.")
            % {"token": entry.token, "department": target.translated("name")}
        )


@transaction.atomic
def refer(*, entry, to_department, consultation_notes="", referral_notes="", actor=None, ip_address=None):
    """Complete a consultation and send the patient on to another department's line (an X-ray, a specialist).

    The consultation counts as any completed one; the patient joins the other line now, behind those already
    waiting there, at the priority they had, with the referring doctor's notes for the next one. The new token
    follows the completed one (its status link leads to the new token) and both are published as "referred"; the
    patient is texted the new token and its link. Refused, leaving the consultation under way, when the patient
    already holds an active token in that department or it takes no more patients today.
    """
    target = to_department
    _check_another_department(entry, target)
    check_one_active_token(patient_id=entry.patient_id, department_id=target.pk)
    completed = _transition(
        entry,
        Status.COMPLETED,
        event="referred",
        actor=actor,
        ip_address=ip_address,
        consultation_notes=consultation_notes,
        # Referred the next morning, the consultation still ended with its day (complete_consultation).
        **(_left_open_end(entry) if _left_open(entry) else {}),
    )
    return issue_token(
        department=target,
        patient=completed.patient,
        priority=completed.priority,
        notes=referral_notes,
        actor=actor,
        ip_address=ip_address,
        event="referred",
        transferred_from=completed,
        listed_under_patient=completed.listed_under_patient,
        notify_when_patients_ahead=completed.notify_when_patients_ahead,
    )


def wait_alert_threshold(department):
    """Minutes of waiting that raise the department's alert: its own setting, else the hospital's."""
    return department.wait_alert_minutes or hooks.hospital_settings().wait_alert_minutes


def longest_wait_minutes(*, department, now):
    """Whole minutes the department's longest-waiting token of the day has waited, 0 when nobody waits.

    Waits count from Queue.waiting_since_expression, as every wait shown does (the live queues, the dashboard).
    """
    oldest = (
        Queue.objects.waiting()
        .for_day(timezone.localdate(now))
        .filter(department=department)
        .aggregate(oldest=Min(Queue.waiting_since_expression()))["oldest"]
    )
    return minutes_waited(oldest, now) if oldest else 0


@transaction.atomic
def review_wait_alert(*, department_id):
    """Raise the department's long-wait alert when its longest wait passes the threshold, clear it when the
    wait falls back to it or under; returns the open alert or None.

    Raising and clearing are announced (hooks.wait_alert_changed) after commit, once per episode: the
    department row is locked, so two reviews at once cannot both raise one.
    """
    department = Department.objects.select_for_update().get(pk=department_id)
    now = timezone.now()
    longest = longest_wait_minutes(department=department, now=now)
    alert = WaitAlert.objects.filter(department=department, ended_at__isnull=True).first()
    if alert is not None and timezone.localdate(alert.started_at) != timezone.localdate(now):
        # An episode is of one day's line, which closed at midnight: it ended then, however late it is reviewed
        # (without Celery beat, at the day's first change), and today's waits are an episode of their own.
        alert.ended_at = day_ends_at(timezone.localdate(alert.started_at))
        alert.save(update_fields=["ended_at"])
        transaction.on_commit(partial(hooks.announce_wait_alert, hooks.WaitAlertChange(alert=alert, raised=False)))
        alert = None
    threshold = wait_alert_threshold(department)
    if longest > threshold and alert is None:
        alert = WaitAlert.objects.create(
            department=department, threshold_minutes=threshold, started_at=now, peak_wait_minutes=longest
        )
        transaction.on_commit(partial(hooks.announce_wait_alert, hooks.WaitAlertChange(alert=alert, raised=True)))
    elif longest > threshold and longest > alert.peak_wait_minutes:
        alert.peak_wait_minutes = longest
        alert.save(update_fields=["peak_wait_minutes"])
    elif longest <= threshold and alert is not None:
        alert.ended_at = now
        alert.save(update_fields=["ended_at"])
        transaction.on_commit(partial(hooks.announce_wait_alert, hooks.WaitAlertChange(alert=alert, raised=False)))
        alert = None
    return alert


def review_wait_alert_on_commit(sender, *, change, **kwargs):
    """hooks.queue_changed receiver: review the department's alert once the change is committed.

    After a walk-in's registration, only once the longest wait is past the threshold: the new token has waited
    nothing, so registering moves neither the longest wait nor the alert, and the review (a locked transaction
    of three statements) would find nothing to do; the check is one statement. Time lengthens the longest wait,
    so where Celery beat does not run (the embedded defaults) a registration is what raises an alert that has
    come due; where it runs, it does so within the minute, and registrations check nothing
    (settings.WAIT_ALERTS_REVIEWED_ON_REGISTRATION).
    """
    registered = change.event == "registered"
    if not change.moves_line or (registered and not settings.WAIT_ALERTS_REVIEWED_ON_REGISTRATION):
        return
    entry = change.entry

    def review_committed_department():
        # Named, not a partial: a robust callback's failure is logged by its __qualname__. A failure here (the
        # database gone after the commit) must not fail the change itself; Celery beat reviews every minute.
        if registered and longest_wait_minutes(department=entry.department, now=timezone.now()) <= (
            wait_alert_threshold(entry.department)
        ):
            return
        review_wait_alert(department_id=entry.department_id)

    transaction.on_commit(review_committed_department, robust=True)


def review_wait_alerts():
    """Review the alert of every active department and of any with an alert open (waits grow while nothing
    changes, so Celery beat runs this); returns the open alerts."""
    open_alerts = WaitAlert.objects.filter(ended_at__isnull=True).values("department_id")
    department_ids = (Department.objects.active() | Department.objects.filter(pk__in=open_alerts)).values_list(
        "pk", flat=True
    )
    return [alert for department_id in department_ids if (alert := review_wait_alert(department_id=department_id))]
