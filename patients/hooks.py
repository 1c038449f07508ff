"""How the queue core causes work in the apps above it without importing them.

The core (this app) imports no other app. Instead:

- It announces every change of a token through one signal, ``queue_changed``, sent inside the
  transaction that made the change, with a QueueChange. Subscribers connect in their AppConfig.ready():
  adminpanel writes the audit row there and then (same transaction, so a rolled-back change leaves no
  audit row); patients.broadcasts publishes to the sockets and notifications records the messages to
  send, both acting after commit (notifications through its transactional outbox).
- A booking's changes (booked, rescheduled, cancelled, checked in, no-show) are announced through
  ``appointment_changed`` with an AppointmentChange; notifications sends the patient's messages from it.
- A department's long-wait alert raised or cleared is announced, after its commit, through
  ``wait_alert_changed`` with a WaitAlertChange: the sockets redraw the staff screens, notifications
  texts the on-call phone.
- The hospital's day beginning (what the days before it left open closed, by Celery beat after midnight or by the
  day's first queue change) is announced through ``day_began`` with a DayBegan: the sockets redraw every screen
  still showing the day before.
- A department's published queue turning to say that no doctor is on duty nor expected back today, while tokens
  wait, is announced, after its commit, through ``no_doctor_left_today`` with a NoDoctorLeftToday: notifications
  texts the waiting patients to ask at the desk. The queue that ends such an episode (a doctor on duty or expected
  again) is announced likewise through ``doctor_back_today`` with a DoctorBackToday: notifications texts the
  patients it told that no doctor was expected back, and still waiting, that one is.
- A department (or the whole hospital) closed for today or reopened the same day (its ClosedDay written anyhow) is
  announced through ``closing_of_today_changed`` with a ClosingOfToday, inside the transaction that saved or deleted
  the ClosedDay: after commit, the sockets publish the line (closed_today) and notifications texts the patients
  still in that line today (waiting, or skipped and recallable) that it is closed and to ask at the desk, or,
  reopened, those it told so that their token stands.
- Actions that are not a token's change (feedback, a doctor's availability or weekly hours) are
  announced through ``action_recorded`` with an ActionRecord, for the audit log.
- What the core must ask of the apps above it is provided to it, also from AppConfig.ready(): the
  hospital's settings (adminpanel's SystemConfiguration), each department's duty roster for the wait
  estimates (doctors: who is on duty or on a break, and their shifts of the day), their working hours on a
  day for bookable slots (doctors), and whether a user is reception staff (doctors and adminpanel). Each
  has a default that
  keeps the core working alone.
"""

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, Callable

from django.dispatch import Signal

queue_changed = Signal()
action_recorded = Signal()
# Sent with a WaitAlertChange once a department's long-wait alert is raised or cleared (after commit).
wait_alert_changed = Signal()
appointment_changed = Signal()
# Sent with a NoDoctorLeftToday by the publisher of the department's first queue to say so (after commit).
no_doctor_left_today = Signal()
# Sent with a DoctorBackToday by the publisher of the first queue to have a doctor again after one that said so.
doctor_back_today = Signal()
# Sent with a ClosingOfToday when today is closed or reopened for a department or the whole hospital (in its
# transaction).
closing_of_today_changed = Signal()
# Sent with a DayBegan once what the days before it left open is closed (services.close_days_over), after commit.
day_began = Signal()


# Every QueueChange.event the core announces. The apps above act on each (notifications maps every one to a
# webhook event type, which its tests hold it to), so an event is declared here before it is announced.
QUEUE_EVENTS = frozenset(
    {
        "registered",
        "checked_in",  # a booked patient's token
        "registration_repeated",  # the open token sent again to its phone; the line unchanged
        "called",
        "started",
        "completed",
        "skipped",
        "recalled",
        "returned_to_line",  # a called patient put back in line by an admin, their doctor called away
        "consultation_ended",  # completed by an admin for a doctor who left
        "consultation_left_open",  # completed as of its day's end: its doctor never finished it
        "call_left_open",  # a call of a day that is over never seen: waiting again, not seen that day, no doctor
        "cancelled",
        "reinstated",  # a cancelled token put back at its place by the desk (a cancellation made by mistake)
        "postponed",  # moved back a few places (the patient texted LATE)
        "notice_chosen",  # the patient chose when to hear they are close; the line unchanged
        "notes_added",  # the desk added notes for the doctor to a waiting visit
        "details_corrected",  # the desk's registration changed the patient's name, age, gender or language
        "phone_corrected",  # the desk corrected a mistyped phone: the visit's links are new, the line unchanged
        "priority_changed",
        "transferred",
        "referred",  # a consultation completed with the patient sent on to another department (both tokens)
    }
)
# Every AppointmentChange.event, likewise.
APPOINTMENT_EVENTS = frozenset(
    # booking_repeated: a known phone booked again where it holds a booking that day; the booking, unchanged,
    # is sent again to its phone.
    {"booked", "booking_repeated", "rescheduled", "cancelled", "closed", "checked_in", "no_show"}
)


@dataclass(frozen=True)
class QueueChange:
    """One change of one token: what happened (``event``), to which entry, its state before and after, by whom."""

    event: str
    entry: Any
    before: dict
    after: dict
    actor: Any = None
    ip_address: str | None = None

    def __post_init__(self):
        if self.event not in QUEUE_EVENTS:
            raise ValueError(f"Undeclared queue event {self.event!r}: add it to hooks.QUEUE_EVENTS.")

    @property
    def issued_token(self):
        """True for the change that issued its token (a registration, a check-in, a transfer's or a referral's new
        token): the token had no state before it."""
        return not self.before

    @property
    def moves_line(self):
        """False for a change that leaves every token as it was (e.g. a token sent again to its phone)."""
        return self.before != self.after


@dataclass(frozen=True)
class ActionRecord:
    """An audited action on an object other than a token's state: who did ``action`` to ``target``."""

    action: str
    target: Any
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    actor: Any = None
    ip_address: str | None = None


@dataclass(frozen=True)
class WaitAlertChange:
    """A department's long-wait alert was raised (``raised``) or cleared."""

    alert: Any
    raised: bool


@dataclass(frozen=True)
class NoDoctorLeftToday:
    """The department's published queue of ``day`` turned to say that none of the day's doctors is on duty nor
    expected back, with tokens waiting (see broadcasts)."""

    department_id: int
    day: date
    # The token whose registration (or check-in) published that queue: its own text says it, so it is not told again.
    joining_entry_id: int | None = None


@dataclass(frozen=True)
class DoctorBackToday:
    """The department's published queue of ``day`` has a doctor on duty or expected again, after one that said
    that none was (see broadcasts): the end of a NoDoctorLeftToday's episode."""

    department_id: int
    day: date


@dataclass(frozen=True)
class DayBegan:
    """The hospital's day ``day`` began: the lines of the days before it are closed, and screens still showing one
    of them (nothing changed since midnight) are to show the new day's."""

    day: date


@dataclass(frozen=True)
class ClosingOfToday:
    """Today ``day`` closed (``closed``) or reopened for the department ``department_id``, or for the whole hospital
    (None)."""

    department_id: int | None
    day: date
    closed: bool


@dataclass(frozen=True)
class AppointmentChange:
    """One change of one booking: ``event`` is booked, rescheduled, cancelled, closed (the hospital cancelled it:
    a closed day or a doctor's absence), checked_in or no_show; sent inside the transaction that made it. ``reason``:
    why the hospital cancelled it, as the patient is told (English, translated where the message is worded)."""

    event: str
    appointment: Any
    actor: Any = None
    ip_address: str | None = None
    reason: str = ""

    def __post_init__(self):
        if self.event not in APPOINTMENT_EVENTS:
            raise ValueError(f"Undeclared booking event {self.event!r}: add it to hooks.APPOINTMENT_EVENTS.")


def announce_appointment_change(change):
    appointment_changed.send(sender=AppointmentChange, change=change)


def announce_queue_change(change):
    queue_changed.send(sender=QueueChange, change=change)


def record_action(**record):
    action_recorded.send(sender=ActionRecord, record=ActionRecord(**record))


def announce_wait_alert(change):
    wait_alert_changed.send(sender=WaitAlertChange, change=change)


def announce_no_doctor_left_today(change):
    no_doctor_left_today.send(sender=NoDoctorLeftToday, change=change)


def announce_doctor_back_today(change):
    doctor_back_today.send(sender=DoctorBackToday, change=change)


def announce_closing_of_today(change):
    closing_of_today_changed.send(sender=ClosingOfToday, change=change)


def announce_day_began(change):
    day_began.send(sender=DayBegan, change=change)


@dataclass(frozen=True)
class HospitalSettings:
    """The hospital-wide settings the core and its messages follow (defaults until an app provides them)."""

    registration_open: bool = True
    clinic_opens_at: time = time.min
    clinic_closes_at: time = time.max
    notify_when_patients_ahead: int = 3
    late_moves_back_places: int = 3
    wait_alert_minutes: int = 45
    appointment_early_check_in_minutes: int = 30
    appointment_grace_minutes: int = 10
    appointment_walk_in_share_percent: int = 30
    appointment_booking_days_ahead: int = 14


@dataclass(frozen=True)
class DutyDoctor:
    """One doctor of a department as the wait estimates see them: whether they see patients now, whether they
    are on a break, their scheduled shifts of the day as (start, end) local times, in order, and whether they are
    recorded absent that day (not counted on: their shifts only tell that the department had doctors that day)."""

    doctor_id: int
    on_duty: bool
    on_break: bool = False
    shifts: tuple = ()
    absent: bool = False


@dataclass
class _Providers:
    hospital_settings: Callable[[], Any] = HospitalSettings
    duty_roster: Callable[[list, Any], dict] = lambda department_ids, day: {}
    working_hours: Callable[[int, Any], list] = lambda department_id, day: []
    doctors_gone_for_today: Callable[[Any], bool] = lambda department: False
    reception_roles: list = field(default_factory=list)


_providers = _Providers()


def provide_hospital_settings(source):
    """source() returns an object with HospitalSettings' attributes (e.g. the cached SystemConfiguration)."""
    _providers.hospital_settings = source


def provide_duty_roster(roster):
    """roster(department_ids, day) returns {department_id: [DutyDoctor]} with their shifts of that day, doctors
    absent that day marked absent; departments left out have no doctors."""
    _providers.duty_roster = roster


def provide_working_hours(hours):
    """hours(department_id, day) returns the day's working intervals, one (starts_at, ends_at) pair of times
    per doctor interval (a doctor with a break has two); absent doctors left out. Bookable slots come from it."""
    _providers.working_hours = hours


def provide_doctors_gone_for_today(check):
    """check(department) is True once every doctor of the department who worked or had a shift today has gone (the
    read model's no_doctor_left_today). Provided by the read model, which is built on the appointments below it."""
    _providers.doctors_gone_for_today = check


def provide_reception_role(check):
    """check(user) is True for users of one role who may register walk-ins and set a priority."""
    if check not in _providers.reception_roles:
        _providers.reception_roles.append(check)


def hospital_settings():
    return _providers.hospital_settings()


def duty_roster(department_ids, *, day):
    return _providers.duty_roster(list(department_ids), day)


def working_hours(department_id, day):
    return _providers.working_hours(department_id, day)


def doctors_gone_for_today(department):
    return _providers.doctors_gone_for_today(department)


def is_reception_staff(user):
    """Superusers and every provided role (doctors, admin-panel users) register walk-ins and may set a priority."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(check(user) for check in _providers.reception_roles)
