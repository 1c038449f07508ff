"""Appointments: bookable slots, booking, check-in into the line, no-shows; the only code that changes a booking.

Slots come from the doctors' working hours of the day (hooks.working_hours): each doctor's interval is cut into
slots of the department's consultation length, and every doctor working at a slot's start is one place in it.
The hospital keeps a share of all places for walk-ins (SystemConfiguration.appointment_walk_in_share_percent),
spread evenly over the day; the rest are bookable seats. A booking holds one seat of one slot: a partial unique
constraint (Appointment's appointment_one_booking_per_seat) keeps two bookers off one seat whatever the timing.

Checked in, a booking becomes a token in the department's line (services.issue_token) whose place is its slot
time when the patient came on time or early, its arrival when late: the merge rule, in QueueQuerySet.in_service_order
and docs/appointments.md. Every change is announced on hooks.appointment_changed in its transaction.
"""

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete
from django.db.models import Exists, F, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, pgettext

from smartqueue.days import moment_on, split_at_midnight
from smartqueue.i18n import clock_time

from . import hooks, services
from .models import Appointment, ClosedDay, Department, Queue

Status = Appointment.Status
Arrival = Appointment.Arrival


class BookingError(services.QueueError):
    """A booking the hospital's rules refuse; ``field`` names the input at fault (for forms and the API)."""

    field = "slot"
    code = "refused"


class SlotUnavailable(BookingError):
    pass


class SlotTaken(BookingError):
    """Every seat of the slot went to other bookers (possibly a moment ago): answered 409."""

    code = "taken"


class AlreadyBooked(BookingError):
    field = "department"


class DepartmentNotBooking(BookingError):
    field = "department"


class TooManyBookings(BookingError):
    field = "phone"


class TooManyMoves(BookingError):
    pass


class CheckInRefused(BookingError):
    field = "code"


class DayAlreadyClosed(BookingError):
    field = "day"


class DayAlreadyOver(BookingError):
    field = "day"
    code = "past_day"


class ClosingCancelsBookings(BookingError):
    """Closing the day would cancel more bookings (`cancels`: how many), or text more patients in its line today
    (`texts`), than the admin agreed to: asked first, since each patient is texted and reopening the day does not
    bring the bookings back."""

    field = "day"
    code = "cancels_bookings"

    def __init__(self, message, *, cancels, texts=0):
        super().__init__(message)
        self.cancels = cancels
        self.texts = texts


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    seats: tuple
    free_seats: tuple

    @property
    def free(self):
        return len(self.free_seats)


def _local_datetime(day, time_of_day):
    return moment_on(day, time_of_day)


def _places(department, day):
    """{slot start (UTC): doctors working at it} for the day, from the doctors' intervals (breaks are their gaps);
    only slots within the clinic's opening hours (a closing before the opening is the next morning's)."""
    length = timedelta(minutes=department.average_consultation_minutes)
    configuration = hooks.hospital_settings()
    # The day's opening hours, the eve's running past midnight (a night clinic's 18:00-02:00) included.
    open_hours = [
        (_local_datetime(day, part[0]), _local_datetime(day, part[1]))
        for part in split_at_midnight(configuration.clinic_opens_at, configuration.clinic_closes_at)
        if part is not None
    ]
    places = {}
    for starts_at, ends_at in hooks.working_hours(department.pk, day):
        # Stepped in UTC: local clock arithmetic walks through the hour a DST change skips (offering 02:00 and
        # 03:00 as two slots that are one moment) and over the hour it repeats (offering none of its slots).
        start, end = _local_datetime(day, starts_at).astimezone(UTC), _local_datetime(day, ends_at).astimezone(UTC)
        while start + length <= end:
            if any(opens <= start and start + length <= closes for opens, closes in open_hours):
                places[start] = places.get(start, 0) + 1
            start += length
    return dict(sorted(places.items()))


def bookable_seats(department, day):
    """{slot start: (seat numbers open to booking)}: the day's places minus the walk-in share, spread evenly."""
    if is_closed(department=department, day=day):
        return {}
    share = hooks.hospital_settings().appointment_walk_in_share_percent / 100
    seats, counted = {}, 0
    for start, doctors in _places(department, day).items():
        open_seats = []
        for seat in range(1, doctors + 1):
            # Place n is kept for walk-ins when the running walk-in quota crosses a whole number there.
            if math.floor((counted + 1) * share) == math.floor(counted * share):
                open_seats.append(seat)
            counted += 1
        if open_seats:
            seats[start] = tuple(open_seats)
    return seats


def is_closed(*, department, day):
    return ClosedDay.closing(department=department, day=day) is not None


# A day's closures change only when an admin closes or reopens it: kept for every reader of the departments list.
CLOSURES_CACHE_SECONDS = 24 * 60 * 60


def _closures_cache_key(day):
    return f"closed-days:{day.isoformat()}"


def closed_department_ids(day):
    """The ids of the departments closed on the day, None among them when the whole hospital is; kept in the cache
    (the departments list reads it at every request) until a closing or reopening of the day forgets it."""
    key = _closures_cache_key(day)
    closed = cache.get(key)
    if closed is None:
        closed = frozenset(ClosedDay.objects.filter(day=day).values_list("department_id", flat=True))
        cache.set(key, closed, CLOSURES_CACHE_SECONDS)
    return closed


def forget_closures(day):
    cache.delete(_closures_cache_key(day))


def on_closed_day_written(sender, instance, **kwargs):
    """ClosedDay post_save / post_delete receiver, whatever wrote it (the panel, a data fix in a shell): the day's
    closures are read afresh once it commits, and today closed or reopened is announced
    (hooks.closing_of_today_changed) for the screens and the patients in line; another day's closing has no one in
    line. A closing edited (its reason) is no new closing."""
    transaction.on_commit(partial(forget_closures, instance.day))
    if instance.day != timezone.localdate() or kwargs.get("created") is False:
        return
    hooks.announce_closing_of_today(
        hooks.ClosingOfToday(
            department_id=instance.department_id, day=instance.day, closed=kwargs.get("signal") is not post_delete
        )
    )


def booking_days(now=None):
    """The days patients may book: from today to the configured days ahead."""
    today = timezone.localdate(now)
    ahead = hooks.hospital_settings().appointment_booking_days_ahead
    return [today + timedelta(days=offset) for offset in range(ahead + 1)]


def _holding(department, day):
    return Appointment.objects.filter(
        department=department, slot_start__date=day, status__in=Appointment.HOLDING_STATUSES
    )


def _doctors_gone_for_today(department, day, now):
    return day == timezone.localdate(now) and hooks.doctors_gone_for_today(department)


def available_slots(*, department, day, now=None, moving=None):
    """The day's slots that have not started yet, each with its free seats; full ones included (free=0). None today
    once the department's doctors have all gone (off sick, home early): the departments page said "no doctor expected
    back today" while the booking page offered the afternoon. moving: a booking being moved, whose own seat does not
    count as taken."""
    now = now or timezone.now()
    if day not in booking_days(now) or _doctors_gone_for_today(department, day, now):
        return []
    length = timedelta(minutes=department.average_consultation_minutes)
    held = _holding(department, day)
    if moving is not None:
        held = held.exclude(pk=moving.pk)
    held = list(held.values_list("slot_start", "seat"))
    slots = []
    for start, seats in bookable_seats(department, day).items():
        if start <= now:
            continue
        taken_here = {seat for booked_at, seat in held if booked_at == start}
        free = max(0, len(seats) - _places_taken([booked_at for booked_at, _seat in held], start, length))
        free_seats = tuple(seat for seat in seats if seat not in taken_here)[:free]
        end = start + length
        slots.append(Slot(timezone.localtime(start), timezone.localtime(end), seats=seats, free_seats=free_seats))
    return slots


def _places_taken(booked_starts, start, length):
    """How many of the bookings starting at booked_starts take a doctor's place at a slot starting at start: each holds
    a doctor for a consultation's length from its own start, wherever the day's grid now puts the slots. Counted by
    exact start, one booked on the grid of an earlier consultation length or of a doctor's earlier hours (13:10 and
    13:20 of 10 minutes, the length now 30) was in no slot, and 13:00 was offered again to a doctor booked to 13:50."""
    return sum(abs(booked_at - start) < length for booked_at in booked_starts)


def no_free_times_in_words(*, department, day, now=None):
    """Why a day that is not closed offers no free time: no doctor works, the doctors have finished for today, or
    every time is taken. "Come as a walk-in" sent patients to a day nobody would see them."""
    now = now or timezone.now()
    values = {
        "department": department.translated("name"),
        "day": formats.date_format(day, pgettext("date format", "D j M")),
    }
    shifts = hooks.working_hours(department.pk, day)
    if not shifts:
        return _("No doctor of %(department)s works on %(day)s. Please choose another day.") % values
    if all(_local_datetime(day, ends_at) <= now for _starts_at, ends_at in shifts) or _doctors_gone_for_today(
        department, day, now
    ):
        return _("The doctors of %(department)s have finished for today. Please choose another day.") % values
    return _("No free times that day. Please choose another day, or come as a walk-in.")


def _lock_bookings_of(department_id=None):
    """Lock the department's row (every department's, for the whole hospital), as each booking or move and each change
    that cancels the bookings it no longer allows (a closed day, a doctor's absence, new hours, a deactivation) does
    first. The change read the bookings once: one a patient made at that moment, still uncommitted, was not among
    them, and its slot was read before the change committed, so it stayed booked on a closed day, never told. Now one
    waits for the other: the change sees the booking, or the booking sees the change and is refused."""
    rows = Department.objects.select_for_update().order_by("pk")
    list((rows if department_id is None else rows.filter(pk=department_id)).values_list("pk", flat=True))


def _free_seats(department, slot_start, now, moving=None):
    """The slot's free seats, or SlotUnavailable when it is not a bookable slot at all."""
    day = timezone.localdate(slot_start)
    # Compared in UTC: a local time in the hour a DST change repeats never equals a moment given in another zone.
    moment = slot_start.astimezone(UTC)
    slots = available_slots(department=department, day=day, now=now, moving=moving)
    slot = next((slot for slot in slots if slot.start.astimezone(UTC) == moment), None)
    if slot is None:
        raise SlotUnavailable(
            _("This time is not a bookable slot of %(department)s.") % {"department": department.translated("name")}
        )
    return list(slot.free_seats)


def _take_seat(appointment, seats):
    """Save the appointment in the first seat no one else holds; two bookers of one seat: the database picks one."""
    for seat in seats:
        appointment.seat = seat
        try:
            with transaction.atomic():
                appointment.save()
        except IntegrityError:
            continue
        return appointment
    raise SlotTaken(_("This slot has just been booked by someone else; please choose another time."))


def _announce(appointment, event, actor=None, ip_address=None, reason=""):
    hooks.announce_appointment_change(
        hooks.AppointmentChange(event=event, appointment=appointment, actor=actor, ip_address=ip_address, reason=reason)
    )


# Why the hospital cancelled a booking, as its patient's text says it. A booking a doctor's absence or new hours left
# without a doctor was told "the clinic cannot see you that day" while the day's other times were still offered.
CLINIC_CLOSED = gettext_noop("We are sorry: the clinic cannot see you that day.")
NO_DOCTOR_AT_THAT_TIME = gettext_noop(
    "We are sorry: no doctor can see you at that time. Other times that day may still be free."
)


@dataclass(frozen=True)
class Booking:
    """What a booking did; sent_to_phone as in services.Registration (its manage link went to the phone on file)."""

    appointment: Appointment
    sent_to_phone: bool


@transaction.atomic
def book_appointment(
    *,
    department,
    slot_start,
    name,
    phone,
    age,
    gender,
    notes="",
    language=None,
    new_patient_language=settings.LANGUAGE_CODE,
    actor=None,
    ip_address=None,
    self_service=False,
):
    """Book a seat of a slot for the patient with this phone (matched or created, as registration does).

    As with registration, anyone can type anyone's number: a self-service booking on a known phone neither
    shows nor changes what is stored for it. Where the phone already has a booking in the department that
    day, that booking is sent again to the phone (a checked-in one is not: the patient is in line already); the
    answer is the same as for a new booking, so it does not tell a stranger that the phone has an appointment;
    the phone may hold only BOOKING_MAX_OPEN_PER_PHONE bookings to come; the booker's notes are not kept.
    Reception staff see the patient and are not limited; to them a booking of that day, even checked in, is
    AlreadyBooked.
    """
    _lock_bookings_of(department.pk)
    # As stored now, under the lock a deactivation takes too: one committed since the caller read the department
    # cancelled the bookings it saw (release_bookings_of_inactive_department), never this one.
    department = Department.objects.get(pk=department.pk)
    services.check_active(department, refusal=DepartmentNotBooking)
    now = timezone.now()
    seats = _free_seats(department, slot_start, now)
    if not seats:
        # Before the phone is looked at: a full slot is one answer for every phone, whatever it holds.
        raise SlotTaken(_("This slot has just been booked by someone else; please choose another time."))
    # As a registration: a new patient's messages are in the language of the page they booked on, a known patient
    # keeps theirs unless the desk chooses one.
    patient, created, _corrected = services.patient_for_registration(
        phone=phone,
        name=name,
        age=age,
        gender=gender,
        language=language,
        new_patient_language=new_patient_language,
        self_service=self_service,
    )
    sent_to_phone = self_service and not created
    if sent_to_phone:
        # Before the day's booking is looked for: a phone at its limit is refused whether or not it has a
        # booking that day, so the answer does not tell which.
        _check_bookings_to_come(patient, now)
    if not created:
        same_day = Appointment.objects.filter(
            patient=patient,
            department=department,
            slot_start__date=timezone.localdate(slot_start),
            status__in=(Status.BOOKED, Status.CHECKED_IN),
        ).first()
        if same_day is not None and sent_to_phone:
            # A checked-in booking is answered alike but not sent again: the patient is in line with a token.
            if same_day.status == Status.BOOKED:
                _announce(same_day, "booking_repeated", actor, ip_address)
            return Booking(appointment=same_day, sent_to_phone=True)
        if same_day is not None:
            raise AlreadyBooked(
                _("This phone number already has an appointment in %(department)s that day.")
                % {"department": department.translated("name")}
            )
    appointment = _take_seat(
        Appointment(
            patient=patient, department=department, slot_start=slot_start, notes="" if sent_to_phone else notes
        ),
        seats,
    )
    _announce(appointment, "booked", actor, ip_address)
    return Booking(appointment=appointment, sent_to_phone=sent_to_phone)


def _check_bookings_to_come(patient, now):
    # Each booking texts its phone (and reminds it twice): whoever types a number may hold only so many.
    held = Appointment.objects.filter(patient=patient, status=Status.BOOKED, slot_start__gte=now).count()
    if held >= settings.BOOKING_MAX_OPEN_PER_PHONE:
        raise TooManyBookings(
            _(
                "This phone number already holds as many bookings as one phone can; "
                "please ask at the reception desk."
            )
        )


def _locked(appointment):
    return Appointment.objects.select_for_update().select_related("department", "patient").get(pk=appointment.pk)


def _still_booked(appointment):
    # Each status in a sentence of its own: a status label lowered into one sentence ("This appointment is
    # no-show") reads as a code, and takes neither the gender nor the verb each language gives it.
    no_longer_changes = {
        Status.CHECKED_IN: _("This appointment is already checked in and can no longer change."),
        Status.CANCELLED: _("This appointment is cancelled and can no longer change."),
        Status.NO_SHOW: _("This appointment was missed and can no longer change."),
    }
    if appointment.status != Status.BOOKED:
        raise BookingError(no_longer_changes[appointment.status])


MOVES_USED_UP = gettext_lazy(
    "This appointment has been moved as many times as it can be here; please ask at the reception desk."
)


def check_movable(appointment, *, self_service):
    """BookingError unless the booking, as it is now, may be moved again: still booked, and by its manage link at
    most BOOKING_MAX_MOVES times. Each move texts the phone, and whoever booked with a stranger's new number holds
    its link: they moved it through every slot of the day, a text each time. Reception staff are not limited."""
    _still_booked(appointment)
    if self_service and appointment.times_moved >= settings.BOOKING_MAX_MOVES:
        raise TooManyMoves(str(MOVES_USED_UP))


@transaction.atomic
def reschedule_appointment(*, appointment, slot_start, actor=None, ip_address=None, self_service=True):
    """Move a booked appointment to another slot of its day (its seat there is taken the same way).

    Only within its day, so the patient's bookings of each day stay as they are (one per phone, department and
    day): another day is a new booking, which that rule checks. By its manage link, at most BOOKING_MAX_MOVES
    times; reception staff are not limited.
    """
    # The department before the booking, in the order a closing takes them (it then locks each booking it cancels).
    _lock_bookings_of(appointment.department_id)
    appointment = _locked(appointment)
    check_movable(appointment, self_service=self_service)
    if timezone.localdate(slot_start) != timezone.localdate(appointment.slot_start):
        raise SlotUnavailable(
            _("A booking moves only to another time on %(day)s; for another day, cancel it and book again.")
            % {"day": formats.date_format(timezone.localdate(appointment.slot_start))}
        )
    if slot_start == appointment.slot_start:
        raise BookingError(_("Your appointment is already at this time; choose another time to move it."))
    seats = _free_seats(appointment.department, slot_start, timezone.now(), moving=appointment)
    appointment.slot_start = slot_start
    appointment.times_moved += 1
    _take_seat(appointment, seats)
    _announce(appointment, "rescheduled", actor, ip_address)
    return appointment


def check_cancellable(appointment):
    """BookingError unless the booking, as it is now, is one cancel_appointment takes (still booked): its page offers
    to cancel only then."""
    _still_booked(appointment)


@transaction.atomic
def cancel_appointment(*, appointment, actor=None, ip_address=None, event="cancelled", reason=""):
    """Cancel a booked appointment, freeing its seat; event "closed" when the hospital cancelled it, for the reason
    its patient is told."""
    appointment = _locked(appointment)
    check_cancellable(appointment)
    appointment.status, appointment.cancelled_at = Status.CANCELLED, timezone.now()
    appointment.save(update_fields=["status", "cancelled_at", "updated_at"])
    _announce(appointment, event, actor, ip_address, reason)
    return appointment


def check_in_window(appointment):
    """(earliest, on_time_until): check-in opens at the first, and after the second the patient joins as a walk-in.

    Check-in opens no earlier than the slot's day begins: a token joins the line of the day it is issued, which closes
    at midnight, so a 00:00 slot's page said "Check in from 23:30" and the kiosk then sent the patient away until
    "that day"."""
    settings = hooks.hospital_settings()
    slot_day = timezone.localdate(appointment.slot_start)
    return (
        max(
            appointment.slot_start - timedelta(minutes=settings.appointment_early_check_in_minutes),
            _local_datetime(slot_day, datetime.min.time()),
        ),
        appointment.slot_start + timedelta(minutes=settings.appointment_grace_minutes),
    )


def check_in_window_in_words(appointment):
    """When to come, as the booking's page says it: the check-in window, and that a later arrival loses the slot. The
    patient learnt the grace window only by missing it."""
    earliest, on_time_until = check_in_window(appointment)
    return _(
        "Check in from %(earliest)s; after %(latest)s the slot is no longer kept: you join the line as a walk-in."
    ) % {"earliest": clock_time(earliest), "latest": clock_time(on_time_until)}


def arrival_for(appointment, moment):
    on_time_until = check_in_window(appointment)[1]
    if moment < appointment.slot_start:
        return Arrival.EARLY
    return Arrival.ON_TIME if moment <= on_time_until else Arrival.LATE


def can_check_in(appointment, now=None):
    now = now or timezone.now()
    checkable = appointment.status in (Status.BOOKED, Status.NO_SHOW)
    return checkable and timezone.localdate(appointment.slot_start) == timezone.localdate(now) and (
        now >= check_in_window(appointment)[0]
    )


def state_in_words(appointment, now=None, *, token_held_here=False):
    """The booking as the desk's list says it: whether it can check in now, when it can, or what became of it;
    token_held_here: the patient holds an active token in the department today, which the check-in keeps."""
    now = now or timezone.now()
    held = token_held_here and appointment.status in (Status.BOOKED, Status.NO_SHOW)
    if held and now >= check_in_window(appointment)[0]:
        # Checked in now, the booking joins that token: neither the slot's place nor a walk-in's from now.
        return _(
            "%(status)s: the patient is already in line here on a token of their own, which the check-in keeps."
        ) % {"status": appointment.get_status_display()}
    said = _state_in_words(appointment, now)
    if held:
        return f"{said} " + _("The patient is already in line here on a token of their own, which the check-in keeps.")
    return said


def _state_in_words(appointment, now):
    earliest, on_time_until = check_in_window(appointment)
    if appointment.status == Status.CHECKED_IN:
        return _("Checked in at %(time)s (%(arrival)s).") % {
            "time": clock_time(appointment.checked_in_at),
            "arrival": appointment.get_arrival_display().lower(),
        }
    if appointment.status == Status.CANCELLED:
        return _("Cancelled.")
    if appointment.status == Status.NO_SHOW:
        return _("Missed: checked in now, the patient joins the line as a walk-in.")
    if now < earliest:
        return _("Booked: check-in opens at %(time)s, a little before the slot.") % {"time": clock_time(earliest)}
    if now > on_time_until:
        return _("Booked, past its grace period: checked in now, the patient joins the line as a walk-in.")
    return _("Booked: check-in is open; checked in now, the token takes the booking's place in line.")


@dataclass(frozen=True)
class CheckIn:
    """What a check-in did; sent_to_phone: the patient already held a token in the department and checked in
    themselves, so that token went to the phone on file instead of being shown (the booking code's holder may
    not be the phone's owner, as with a registration)."""

    entry: Queue
    sent_to_phone: bool
    appointment: Appointment


def check_in(*, appointment, actor=None, ip_address=None):
    """A check-in at the desk (or by the services' own callers): the token, shown to whoever checks in."""
    return record_check_in(appointment=appointment, actor=actor, ip_address=ip_address, self_service=False).entry


@transaction.atomic
def record_check_in(*, appointment, actor=None, ip_address=None, self_service=True):
    """Turn the booking into a token in its department's line today (the merge rule: see the module's docstring).

    On time or early, the token's place is the slot time; later than the grace window (or already marked a
    no-show that day), the patient joins as a walk-in from now. A patient who already holds an active token in
    the department (the desk registered them as a walk-in) is checked in on that token: one place in line, and
    the booking is neither left to become a no-show nor a second token (services.check_one_active_token); a
    patient checking in themselves is sent that token on their phone rather than shown it (CheckIn).
    """
    appointment = _locked(appointment)
    now = timezone.now()
    # Each refusal says what to do next: a patient at a kiosk has no one else to ask but the desk.
    if appointment.status == Status.CHECKED_IN and not self_service:
        # The desk (a stale list, a second click) sent no token to any phone: it is told when the patient came.
        raise CheckInRefused(
            _("This appointment was already checked in (at %(time)s).")
            % {"time": clock_time(appointment.checked_in_at)}
        )
    if appointment.status == Status.CHECKED_IN:
        raise CheckInRefused(
            _("This appointment is already checked in: your token was sent to your phone. If you cannot find it, "
              "please ask at the desk.")
        )
    if appointment.status not in (Status.BOOKED, Status.NO_SHOW):
        raise CheckInRefused(
            _("This appointment was cancelled. Please book another time, or ask at the desk to be seen today.")
        )
    slot_day = timezone.localdate(appointment.slot_start)
    if slot_day < timezone.localdate(now):
        # "Please come back that day" sent the patient holding yesterday's missed booking away to a day gone by.
        raise CheckInRefused(
            _(
                "This appointment was on %(day)s, which has passed. Please book another time, or ask at the desk to "
                "be seen today."
            )
            % {"day": formats.date_format(slot_day)}
        )
    if slot_day != timezone.localdate(now):
        raise CheckInRefused(
            _("This appointment is on %(day)s: please come back that day, or ask at the desk to be seen today.")
            % {"day": formats.date_format(slot_day)}
        )
    earliest, _on_time_until = check_in_window(appointment)
    if now < earliest:
        raise CheckInRefused(
            _("Check-in opens at %(time)s, a little before your slot.")
            % {"time": clock_time(earliest)}
        )
    if self_service:
        # A booking missed before the day was closed is not cancelled by the closing: at the kiosk it joined, as a
        # walk-in, a line that refuses every walk-in registering themselves that day.
        try:
            services.check_open_today(appointment.department)
        except services.DepartmentUnavailable as closed:
            raise CheckInRefused(str(closed)) from closed
    entry, arrived = None, now
    try:
        services.check_one_active_token(patient_id=appointment.patient_id, department_id=appointment.department_id)
    except services.TokenAlreadyHeld as held:
        entry = held.held
        # They arrived when that token was issued: the sweep checking in a patient the desk had put in line at 09:00
        # for an 11:00 slot recorded them late at 11:11, and the doctor's list showed "11:00 · Late".
        arrived = min(entry.checked_in_at, now)
        appointment.token_held_before = True
    arrival = Arrival.LATE if appointment.status == Status.NO_SHOW else arrival_for(appointment, arrived)
    sent_to_phone = entry is not None and self_service
    if entry is None:
        entry = services.issue_token(
            department=appointment.department,
            patient=appointment.patient,
            priority=Queue.Priority.NORMAL,
            notes=appointment.notes,
            actor=actor,
            ip_address=ip_address,
            event="checked_in",
            due_at=None if arrival == Arrival.LATE else appointment.slot_start,
            within_daily_capacity=False,
        )
    elif sent_to_phone:
        services.send_open_token_again(entry=entry, actor=actor, ip_address=ip_address)
    appointment.status, appointment.arrival, appointment.checked_in_at = Status.CHECKED_IN, arrival, arrived
    # A token serves one booking: a second booking of the patient's that day is checked in beside it, unlinked.
    linked_elsewhere = Appointment.objects.filter(queue_entry=entry).exclude(pk=appointment.pk).exists()
    appointment.queue_entry = None if linked_elsewhere else entry
    appointment.save(
        update_fields=["status", "arrival", "checked_in_at", "queue_entry", "token_held_before", "updated_at"]
    )
    _announce(appointment, "checked_in", actor, ip_address)
    return CheckIn(entry=entry, sent_to_phone=sent_to_phone, appointment=appointment)


def _booking_registered(bookings, *, now, self_service):
    """The patient's booking in the department today that a registration is about, a kept booking before a missed
    one; None without one. The desk's registration is the booking's check-in, so only a booking that checks in now
    (can_check_in) counts: a patient whose check-in has not opened yet is registered by the desk as a walk-in (their
    booking is checked in on that token when they check in, by the merge rule). A patient registering themselves is
    answered about any booking of the day: whoever typed a booked number before its check-in opened put its patient
    in line as a walk-in, to be called (and marked a no-show) before arriving, the booking then checked in on it."""
    checkable = [appointment for appointment in bookings if self_service or can_check_in(appointment, now)]
    kept_first = sorted(checkable, key=lambda booking: (booking.status != Status.BOOKED, booking.slot_start))
    return kept_first[0] if kept_first else None


def register_or_check_in(
    *,
    department,
    phone,
    priority=Queue.Priority.NORMAL,
    notes="",
    actor=None,
    ip_address=None,
    self_service=False,
    **details,
):
    """services.register_visit, except for a patient booked in the department today: the desk's registration once the
    booking's check-in is open is that booking's check-in (record_check_in), so the token takes the booking's place in
    line; a patient registering themselves, before its check-in opens too, checks nothing in and gets no token: the
    booking is sent again to the phone on file, and the answer is any known phone's (Registration.sent_to_phone, no
    entry).

    The registration's own rules still apply first (refusals, matching the phone, the desk correcting the details and
    triaging).
    """
    now = timezone.now()
    booked_today = Appointment.objects.filter(
        patient__phone=phone,
        department=department,
        slot_start__date=timezone.localdate(now),
        status__in=(Status.BOOKED, Status.NO_SHOW),
    )
    # Most registrations are walk-ins: one read without locks tells them apart, and theirs runs as before (no
    # lock, no savepoint around it). A booking is checked in under its lock, read again.
    if _booking_registered(booked_today, now=now, self_service=self_service) is not None:
        with transaction.atomic():
            # Locked before the patient, as record_check_in takes its locks: a kiosk checking the booking in at the
            # same moment waits for this registration rather than deadlocking with it.
            booking = _booking_registered(
                booked_today.select_for_update(of=("self",)), now=now, self_service=self_service
            )
            if booking is not None:
                return _check_in_registering(
                    booking,
                    department=department,
                    phone=phone,
                    priority=priority,
                    notes=notes,
                    actor=actor,
                    ip_address=ip_address,
                    self_service=self_service,
                    **details,
                )
    return services.register_visit(
        department=department,
        phone=phone,
        priority=priority,
        notes=notes,
        actor=actor,
        ip_address=ip_address,
        self_service=self_service,
        **details,
    )


def _check_in_registering(booking, *, department, phone, priority, notes, actor, ip_address, self_service, **details):
    registrant = services.match_registrant(
        department=department, phone=phone, self_service=self_service, priority=priority, **details
    )
    if self_service:
        # Anyone can type anyone's number: checked in so, the booking's token was put in line (a missed booking's
        # too) and the patient could be called before arriving; a walk-in token beside the booking would hold the
        # patient two places. Refused, the answer told whoever typed the number that it holds a booking: so it is
        # any known phone's ("sent to the phone on file"), and the phone is sent what checks the booking in, its
        # code and link, in this transaction, which commits. A missed booking is sent nothing: that message says
        # "your appointment is on", move or cancel it; its no-show message told the patient what to do.
        if booking.status == Status.BOOKED:
            _announce(booking, "booking_repeated", actor, ip_address)
        return services.Registration(entry=None, token_created=False, sent_to_phone=True)
    checked_in = record_check_in(appointment=booking, actor=actor, ip_address=ip_address, self_service=False)
    services.announce_details_corrected(
        entry=checked_in.entry, registrant=registrant, actor=actor, ip_address=ip_address
    )
    return services.Registration(
        entry=services.triage_at_the_desk(
            entry=checked_in.entry, priority=priority, notes=notes, actor=actor, ip_address=ip_address
        ),
        token_created=not checked_in.appointment.token_held_before,
        sent_to_phone=False,
        appointment=checked_in.appointment,
    )


def registration_in_words(registration):
    """What the desk is told of a registration that did more or less than issue a new token (a booking checked in,
    the patient's own token kept or recalled), else None."""
    if registration.appointment is not None:
        return checked_in_in_words(registration.appointment)
    return registration.kept_token_in_words()


def checked_in_in_words(appointment):
    """What the desk is told when its registration checked a booking in: which booking, and the token's place."""
    slot_time = clock_time(appointment.slot_start)
    if appointment.token_held_before:
        return _(
            "Checked in for the %(time)s booking on the token the patient already held, which keeps its place in line."
        ) % {"time": slot_time}
    if appointment.arrival == Arrival.LATE:
        return _(
            "Checked in for the %(time)s booking, after its grace period: the token joins the line from now, "
            "as a walk-in's would."
        ) % {"time": slot_time}
    return _("Checked in for the %(time)s booking: the token takes the booking's place in line.") % {
        "time": slot_time
    }


# A manage link's UUID, in its canonical form only: a 36-character run of hex digits and dashes that is not one
# ("appointments/----...") is not a link (and would fail the UUID column's lookup). In either letter case: a
# scanner with Caps Lock on types the whole link in capitals.
BOOKING_LINK_PATTERN = re.compile(
    r"appointments/([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})(?![0-9a-f-])", re.IGNORECASE
)
# What a kiosk or the API reads for a booking: its code or the whole link of its QR code, with room to spare.
BOOKING_CODE_MAX_LENGTH = 200
# Patients copy a code as they read it out, in groups: "PCH2 ZH6H", "PCH2-ZH6H" (the code has neither).
BOOKING_CODE_SEPARATORS = re.compile(r"[\s-]+")


def find_booking(code_or_link):
    """The appointment a typed booking code or a scanned QR code (its manage link) names, or None."""
    link = BOOKING_LINK_PATTERN.search(code_or_link)
    if link:
        return Appointment.objects.select_related("department").filter(public_id=link.group(1)).first()
    code = BOOKING_CODE_SEPARATORS.sub("", code_or_link).upper()
    return Appointment.objects.select_related("department").filter(booking_code=code).first()


def check_in_by_code(*, code_or_link, department=None, actor=None, ip_address=None, self_service=True):
    """record_check_in for the booking a kiosk read; a department kiosk checks in its own department's bookings
    only."""
    appointment = find_booking(code_or_link)
    if appointment is None:
        raise CheckInRefused(_("No appointment here has this code. Please check it, or ask at the desk."))
    if department is not None and appointment.department_id != department.pk:
        # Told only that no appointment had the code, a patient at the wrong department's kiosk typed it again and
        # again. Whoever holds the code checks it in at the site's kiosk anyway, so naming its department tells
        # them nothing more.
        raise CheckInRefused(
            _("This booking is for %(department)s: please check in at its kiosk, or ask at the desk.")
            % {"department": appointment.department.translated("name")}
        )
    return record_check_in(appointment=appointment, actor=actor, ip_address=ip_address, self_service=self_service)


def _in_line_today(appointment):
    return timezone.localdate(appointment.slot_start) == timezone.localdate() and (
        services.open_token_today(patient_id=appointment.patient_id, department_id=appointment.department_id)
        is not None
    )


def booked_by_a_patient_here(day):
    """The day's bookings (a Q) still booked whose patient holds a token of that day in the department, in line or
    seen: the desk registered them as a walk-in before check-in opened. Nobody is still to come for such a booking:
    the doctor's list and the estimates do not wait for it, and it is not reminded (the sweep checks it in)."""
    here = (
        Queue.objects.for_day(day)
        .filter(department_id=OuterRef("department_id"), patient_id=OuterRef("patient_id"))
        .exclude(status=Queue.Status.CANCELLED)
    )
    return Q(status=Status.BOOKED, slot_start__date=day) & Exists(here)


def awaited_today(*, department_id, now=None):
    """Today's bookings the line still waits for, by slot: booked, within their grace window, and whose patient is
    not here already (booked_by_a_patient_here). The no-show sweep runs each minute at best: a booking past its
    grace is missed already."""
    now = now or timezone.now()
    grace = timedelta(minutes=hooks.hospital_settings().appointment_grace_minutes)
    return (
        Appointment.objects.filter(
            department_id=department_id,
            slot_start__date=timezone.localdate(now),
            slot_start__gte=now - grace,
            status=Status.BOOKED,
        )
        .exclude(booked_by_a_patient_here(timezone.localdate(now)))
        .select_related("patient")
        .order_by("slot_start", "seat")
    )


def _came_on_its_day(appointment):
    """The patient's token of the booking's day in its department, seen (the latest consultation) or else still in
    its line, or None. Its day, not the sweep's: a booking of 23:50 is swept after midnight, and its patient seen at
    23:55, or put in line by the desk and still waiting when the line closed at midnight, was marked missed."""
    came = Queue.objects.for_day(timezone.localdate(appointment.slot_start)).filter(
        patient_id=appointment.patient_id, department_id=appointment.department_id
    )
    came = came.exclude(status=Queue.Status.CANCELLED)
    return came.order_by(F("completed_at").desc(nulls_last=True), "-pk").first()


def _check_in_on_token_of_its_day(appointment, entry):
    # Registered as a walk-in before the booking's check-in opened and seen at once (or still in line when the day
    # ended): they came, and the sweep had told them "we missed you, check in and you join the line".
    appointment.status, appointment.token_held_before = Status.CHECKED_IN, True
    appointment.arrival = arrival_for(appointment, entry.checked_in_at)
    appointment.checked_in_at = entry.checked_in_at
    if not Appointment.objects.filter(queue_entry=entry).exists():
        appointment.queue_entry = entry
    appointment.save(
        update_fields=["status", "arrival", "checked_in_at", "queue_entry", "token_held_before", "updated_at"]
    )
    _announce(appointment, "checked_in")


def mark_no_shows(now=None):
    """Mark every booking not checked in by the end of its grace window a no-show, releasing its seat."""
    now = now or timezone.now()
    grace = timedelta(minutes=hooks.hospital_settings().appointment_grace_minutes)
    marked = 0
    for appointment_id in Appointment.objects.filter(status=Status.BOOKED, slot_start__lt=now - grace).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            appointment = Appointment.objects.select_for_update().get(pk=appointment_id)
            if appointment.status != Status.BOOKED:
                continue
            if _in_line_today(appointment):
                # The desk registered them as a walk-in: they are here, not missed (no "we missed you").
                record_check_in(appointment=appointment, self_service=False)
                continue
            came = _came_on_its_day(appointment)
            if came is not None:
                _check_in_on_token_of_its_day(appointment, came)
                continue
            appointment.status, appointment.no_show_at = Status.NO_SHOW, now
            appointment.save(update_fields=["status", "no_show_at", "updated_at"])
            _announce(appointment, "no_show")
            marked += 1
    return marked


def _cancel_for_the_hospital(bookings, actor, ip_address, reason=CLINIC_CLOSED):
    """cancel_appointment (event "closed") of each booking read, that is still booked once locked; the ones cancelled.
    A patient checking in at the kiosk as the admin closed today had their booking checked in between the two: its
    refusal ("already checked in and can no longer change") undid the whole closing, shown to the admin as if about
    the day. A booking checked in is in line, and the closing tells the line."""
    cancelled = []
    for appointment in bookings:
        try:
            cancelled.append(
                cancel_appointment(
                    appointment=appointment, actor=actor, ip_address=ip_address, event="closed", reason=reason
                )
            )
        except BookingError:
            continue
    return cancelled


def bookings_a_closing_cancels(*, day, department=None):
    """The bookings closing the day (for the department, else the whole hospital) cancels."""
    bookings = Appointment.objects.filter(slot_start__date=day, status=Status.BOOKED)
    return bookings if department is None else bookings.filter(department=department)


# A token still in its line: waiting, or skipped and recallable (services.recall: on its own day).
IN_LINE_STATUSES = (Queue.Status.WAITING, Queue.Status.SKIPPED)


def in_line_a_closing_tells(*, day, department_id):
    """The tokens of the day still in the department's line, or every department's (department_id None: the whole
    hospital): a closing of today texts them (notifications), and the panel says how many before closing."""
    entries = Queue.objects.for_day(day).filter(status__in=IN_LINE_STATUSES)
    return entries if department_id is None else entries.filter(department_id=department_id)


def _closing_in_words(*, day, department, cancels, texts):
    cancelling = _cancelling_in_words(day=day, department=department, cancels=cancels) if cancels else ""
    if not texts:
        return cancelling
    texting = ngettext(
        "%(count)s patient still in line today is texted that it is closed and to ask at the desk.",
        "%(count)s patients still in line today are texted that it is closed and to ask at the desk.",
        texts,
    ) % {"count": texts}
    return f"{cancelling} {texting}".strip()


def _cancelling_in_words(*, day, department, cancels):
    values = {"day": formats.date_format(day, pgettext("date format", "D j M Y")), "count": cancels}
    if department is None:
        return ngettext(
            "Closing %(day)s for the whole hospital cancels %(count)s booking and texts its patient. "
            "Reopening the day later does not bring it back.",
            "Closing %(day)s for the whole hospital cancels %(count)s bookings and texts their patients. "
            "Reopening the day later does not bring them back.",
            cancels,
        ) % values
    return ngettext(
        "Closing %(day)s for %(department)s cancels %(count)s booking and texts its patient. "
        "Reopening the day later does not bring it back.",
        "Closing %(day)s for %(department)s cancels %(count)s bookings and texts their patients. "
        "Reopening the day later does not bring them back.",
        cancels,
    ) % {**values, "department": department.translated("name")}


def check_day_ahead(day):
    """DayAlreadyOver for a day before today: closing a day or recording a doctor's absence acts on the bookings still
    to come, and an earlier day has none."""
    if day < timezone.localdate():
        raise DayAlreadyOver(_("Choose today or a later day."))


@transaction.atomic
def close_day(
    *, day, department=None, reason="", agreed_cancellations=None, agreed_texts=None, actor=None, ip_address=None
):
    """Block a day (a holiday) for one department or the whole hospital; its bookings are cancelled and told.
    DayAlreadyClosed when the department (or the whole hospital) is closed that day already.

    agreed_cancellations: how many bookings the admin was told the closing cancels; more than that (a closing not
    asked yet, or bookings made since) is ClosingCancelsBookings, which names the number to agree to. A day picked
    wrong, or the department left at "Whole hospital", had cancelled every booking at once, for good. agreed_texts
    likewise: how many patients still in line today the admin was told are texted that it is closed.
    """
    check_day_ahead(day)
    _lock_bookings_of(department and department.pk)
    already_closed = DayAlreadyClosed(_("%(day)s is already closed for bookings.") % {"day": formats.date_format(day)})
    if is_closed(department=department, day=day):
        raise already_closed
    cancels = bookings_a_closing_cancels(day=day, department=department).count()
    texts = (
        in_line_a_closing_tells(day=day, department_id=department and department.pk).count()
        if day == timezone.localdate()
        else 0
    )
    if agreed_cancellations is not None and (cancels > agreed_cancellations or texts > (agreed_texts or 0)):
        question = _closing_in_words(day=day, department=department, cancels=cancels, texts=texts)
        raise ClosingCancelsBookings(question, cancels=cancels, texts=texts)
    closed, created = ClosedDay.objects.get_or_create(day=day, department=department, defaults={"reason": reason})
    if not created:
        # Another admin closed it since the check above: the unique constraint let one of us create the row.
        raise already_closed
    _cancel_for_the_hospital(bookings_a_closing_cancels(day=day, department=department), actor, ip_address)
    hooks.record_action(
        actor=actor,
        action="appointments.day_closed",
        target=closed,
        # The department too: the row describes the day from it once the day is reopened (audit_log.GONE_SUBJECTS).
        after={"day": str(day), "department": closed.department_id},
        ip_address=ip_address,
    )
    return closed


@transaction.atomic
def reopen_day(*, closed, actor=None, ip_address=None):
    """Undo a day closed to bookings (closed by mistake, or the holiday moved): slots are offered and patients may
    register themselves again. The bookings it cancelled stay cancelled: their patients were told, and may book
    again."""
    hooks.record_action(
        actor=actor,
        action="appointments.day_reopened",
        target=closed,
        before={"day": str(closed.day), "department": closed.department_id, "reason": closed.reason},
        ip_address=ip_address,
    )
    closed.delete()


def bookings_a_deactivation_cancels(department):
    """The department's bookings from today on, which its deactivation cancels
    (release_bookings_of_inactive_department): the admin's confirmation page counts them."""
    start_of_today = _local_datetime(timezone.localdate(), datetime.min.time())
    return Appointment.objects.filter(department=department, status=Status.BOOKED, slot_start__gte=start_of_today)


@transaction.atomic
def release_bookings_of_inactive_department(*, department, actor=None, ip_address=None):
    """A department no longer taking patients keeps none of its bookings from today on: each is cancelled and
    its patient told, as on a closed day (they could otherwise still be moved, and nobody would see them).
    Returns the cancelled bookings; none while the department is active."""
    if department.is_active:
        return []
    _lock_bookings_of(department.pk)
    bookings = bookings_a_deactivation_cancels(department)
    cancelled = _cancel_for_the_hospital(bookings.order_by("slot_start", "pk"), actor, ip_address)
    # Last, after the bookings' locks: a booking checking in holds its own lock before the counter's.
    services.hold_token_numbers(department=department)
    return cancelled


@transaction.atomic
def release_unstaffed_bookings(*, department, day, actor=None, ip_address=None):
    """After a change of the doctors' hours (an absence, new weekly hours, a doctor leaving): a booking is kept
    while the doctors working at its time outnumber the bookings kept before it there; the others are cancelled.

    Only who works decides: the walk-in share and the opening hours shape which new bookings are offered, and a
    change to them (or to the consultation length, leaving a booking off the slot grid) never cancels a booking
    a doctor can still see. A booking whose slot has begun is kept as it is: its patient may be on the way in
    their grace window, and is seen by the doctors on duty, as the walk-ins are. Returns the cancelled bookings
    (their patients are told by message).
    """
    _lock_bookings_of(department.pk)
    kept, unstaffed = _staffed_and_unstaffed(department, day, hooks.working_hours(department.pk, day))
    cancelled = _cancel_for_the_hospital(unstaffed, actor, ip_address, reason=NO_DOCTOR_AT_THAT_TIME)
    for appointments_kept in kept.values():
        _seat_within_the_doctors(appointments_kept)
    return cancelled


def bookings_left_without_a_doctor(*, department, day, working_hours):
    """The bookings release_unstaffed_bookings would cancel were these the day's working hours (the doctors' intervals
    after a change not made yet): what an absence would cancel, asked before it is recorded."""
    return _staffed_and_unstaffed(department, day, working_hours)[1]


def _staffed_and_unstaffed(department, day, working_hours):
    """({slot start: bookings kept}, bookings left without a doctor), by release_unstaffed_bookings' rule."""
    now = timezone.now()
    shifts = [] if is_closed(department=department, day=day) else [
        (_local_datetime(day, starts_at), _local_datetime(day, ends_at)) for starts_at, ends_at in working_hours
    ]
    # A patient the desk registered as a walk-in before check-in opened is in line already, as a checked-in one is:
    # texted "your appointment is cancelled" there, they took it that they would not be seen.
    here = set(_holding(department, day).filter(booked_by_a_patient_here(day)).values_list("pk", flat=True))
    kept, unstaffed = {}, []
    for appointment in _holding(department, day).order_by("created_at", "pk"):
        start = appointment.slot_start
        working = sum(starts <= start < ends for starts, ends in shifts)
        in_line = appointment.status == Status.CHECKED_IN or appointment.pk in here
        if in_line or start <= now or len(kept.get(start, ())) < working:
            kept.setdefault(start, []).append(appointment)
        else:
            unstaffed.append(appointment)
    return kept, unstaffed


def _seat_within_the_doctors(appointments_kept):
    # Seats number the doctors working at a slot: a booking kept on a seat beyond them (a doctor of the slot
    # left) takes a free lower one, so a new booking is not given a seat already held.
    taken = {appointment.seat for appointment in appointments_kept}
    lower = iter(seat for seat in range(1, len(appointments_kept) + 1) if seat not in taken)
    for appointment in appointments_kept:
        if appointment.seat > len(appointments_kept):
            appointment.seat = next(lower)
            Appointment.objects.filter(pk=appointment.pk).update(seat=appointment.seat)


@transaction.atomic
def release_unstaffed_bookings_ahead(*, department, actor=None, ip_address=None):
    """After a change of the doctors' weekly hours: release_unstaffed_bookings on every day from today with bookings.

    Returns the cancelled bookings.
    """
    start_of_today = _local_datetime(timezone.localdate(), datetime.min.time())
    booked_days = {
        timezone.localdate(slot_start)
        for slot_start in Appointment.objects.filter(
            department=department, status=Status.BOOKED, slot_start__gte=start_of_today
        ).values_list("slot_start", flat=True)
    }
    cancelled = []
    for day in sorted(booked_days):
        cancelled += release_unstaffed_bookings(department=department, day=day, actor=actor, ip_address=ip_address)
    return cancelled
