"""How the queue core causes work in the apps above it without importing them.

The core (this app) imports no other app. Instead:

- It announces every change of a token through one signal, ``queue_changed``, sent inside the
  transaction that made the change, with a QueueChange. Subscribers connect in their AppConfig.ready():
  adminpanel writes the audit row there and then (same transaction, so a rolled-back change leaves no
  audit row); patients.broadcasts publishes to the sockets and notifications records the messages to
  send, both acting after commit (notifications through its transactional outbox).
- Actions that are not a token's change (feedback, a doctor's availability or weekly hours) are
  announced through ``action_recorded`` with an ActionRecord, for the audit log.
- What the core must ask of the apps above it is provided to it, also from AppConfig.ready(): the
  hospital's settings (adminpanel's SystemConfiguration), each department's duty roster for the wait
  estimates (doctors: who is on duty or on a break, and their shifts of the day), and whether a user is reception staff (doctors and adminpanel). Each has a default that
  keeps the core working alone.
"""

from dataclasses import dataclass, field
from typing import Any, Callable

from django.dispatch import Signal

queue_changed = Signal()
action_recorded = Signal()


@dataclass(frozen=True)
class QueueChange:
    """One change of one token: what happened (``event``), to which entry, its state before and after, by whom."""

    event: str
    entry: Any
    before: dict
    after: dict
    actor: Any = None
    ip_address: str | None = None

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


def announce_queue_change(change):
    queue_changed.send(sender=QueueChange, change=change)


def record_action(**record):
    action_recorded.send(sender=ActionRecord, record=ActionRecord(**record))


@dataclass(frozen=True)
class HospitalSettings:
    """The hospital-wide settings the core and its messages follow (defaults until an app provides them)."""

    registration_open: bool = True
    notify_when_patients_ahead: int = 3


@dataclass(frozen=True)
class DutyDoctor:
    """One doctor of a department as the wait estimates see them: whether they see patients now, whether they
    are on a break, and their scheduled shifts of the day as (start, end) local times, in order."""

    doctor_id: int
    on_duty: bool
    on_break: bool = False
    shifts: tuple = ()


@dataclass
class _Providers:
    hospital_settings: Callable[[], Any] = HospitalSettings
    duty_roster: Callable[[list, int], dict] = lambda department_ids, weekday: {}
    reception_roles: list = field(default_factory=list)


_providers = _Providers()


def provide_hospital_settings(source):
    """source() returns an object with HospitalSettings' attributes (e.g. the cached SystemConfiguration)."""
    _providers.hospital_settings = source


def provide_duty_roster(roster):
    """roster(department_ids, weekday) returns {department_id: [DutyDoctor]} with the shifts of that weekday;
    departments left out have no doctors."""
    _providers.duty_roster = roster


def provide_reception_role(check):
    """check(user) is True for users of one role who may register walk-ins and set a priority."""
    if check not in _providers.reception_roles:
        _providers.reception_roles.append(check)


def hospital_settings():
    return _providers.hospital_settings()


def duty_roster(department_ids, *, weekday):
    return _providers.duty_roster(list(department_ids), weekday)


def is_reception_staff(user):
    """Superusers and every provided role (doctors, admin-panel users) register walk-ins and may set a priority."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(check(user) for check in _providers.reception_roles)
