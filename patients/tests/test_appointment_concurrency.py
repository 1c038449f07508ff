"""Concurrent bookers of one slot through the API: the seat's unique constraint lets exactly one win; the rest get
a clear 409 naming the slot. A booked patient registered at the desk while a kiosk checks them in gets one token."""

import threading
from datetime import time

import pytest
from django.db import IntegrityError, connections

from django.urls import reverse
from rest_framework.test import APIClient

from conftest import requires_postgresql
from patients import appointments
from patients.models import Appointment, Queue
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture

BOOKERS = 12


def book_concurrently(department, slot_start, count):
    start = threading.Barrier(count)
    outcomes = []

    def attempt(index):
        body = {
            "name": f"Booker {chr(ord('A') + index)}",
            "phone": f"+1415777{index:04d}",
            "age": 40,
            "department": department.pk,
            "slot": slot_start.isoformat(),
        }
        start.wait()
        try:
            # Each from a phone of their own: one address books a few seats a day at most (THROTTLE_BOOK).
            client = APIClient(REMOTE_ADDR=f"198.51.100.{index + 1}")
            response = client.post(reverse("patients:api-book"), body, format="json")
            outcomes.append((response.status_code, response.json()))
        except Exception as error:  # collected and asserted on below
            outcomes.append((repr(error), None))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
@requires_postgresql()
def test_concurrent_bookers_of_one_seat_one_wins_and_the_rest_get_a_409_naming_the_slot(clinic):
    outcomes = book_concurrently(clinic, at(time(13)), BOOKERS)

    assert sorted(status for status, _body in outcomes) == [201] + [409] * (BOOKERS - 1)
    refusals = [body for status, body in outcomes if status == 409]
    assert all(list(body) == ["slot"] and "just been booked" in body["slot"][0] for body in refusals)
    assert Appointment.objects.filter(slot_start=at(time(13))).count() == 1


@pytest.mark.django_db
def test_the_constraint_alone_refuses_a_second_holder_of_a_seat(clinic):
    first = book(clinic, at(time(13)))
    duplicate = Appointment(patient=first.patient, department=clinic, slot_start=first.slot_start, seat=first.seat)
    with pytest.raises(IntegrityError):
        duplicate.save()


@pytest.mark.django_db(transaction=True)
@requires_postgresql()
def test_the_desk_registering_a_booked_patient_as_the_kiosk_checks_them_in_gives_one_token_without_deadlock(
    clinic, clock, at_once
):
    appointment = book(clinic, at(time(13)), phone="+14155550193")
    clock.move_to(at(time(12, 50)))

    outcomes = at_once(
        lambda: appointments.register_or_check_in(
            department=clinic, name="Booked Patient", phone="+14155550193", age=50, gender="female"
        ),
        lambda: appointments.check_in_by_code(code_or_link=appointment.booking_code, self_service=False),
    )

    # Whichever came second found the booking checked in: the kiosk is told so, the desk is handed the token.
    registration, kiosk = outcomes
    assert not isinstance(registration, Exception), registration
    assert not isinstance(kiosk, Exception) or isinstance(kiosk, appointments.CheckInRefused), kiosk
    assert Queue.objects.filter(department=clinic).count() == 1
    booked = Appointment.objects.get(pk=appointment.pk)
    assert booked.status == Appointment.Status.CHECKED_IN and booked.queue_entry.due_at == at(time(13))


@pytest.mark.django_db(transaction=True)
@requires_postgresql()
def test_a_booking_made_while_the_day_is_being_closed_is_cancelled_by_the_closing_or_refused(
    clinic, clock, at_once, monkeypatch
):
    # The closing read the day's bookings once; one made at that moment, its slot read before the closing committed,
    # stayed booked on the closed day, its patient never told (and reminded of it).
    listed, booked = threading.Event(), threading.Event()
    list_bookings = appointments.bookings_a_closing_cancels

    listings = []

    def list_then_let_a_patient_book(**filters):
        bookings = list_bookings(**filters)
        listings.append(filters)
        if len(listings) == 1:
            return bookings  # counted, for the question; the second listing is the one cancelled
        as_read = bookings.filter(pk__in=list(bookings.values_list("pk", flat=True)))
        listed.set()
        booked.wait(timeout=2)  # with the lock, the booking waits for the closing instead
        return as_read

    def book_while_closing():
        listed.wait(timeout=10)
        try:
            return book(clinic, at(time(14)))
        finally:
            booked.set()

    monkeypatch.setattr(appointments, "bookings_a_closing_cancels", list_then_let_a_patient_book)
    closing, booking = at_once(
        lambda: appointments.close_day(day=at(time(14)).date(), department=clinic), book_while_closing
    )

    assert not isinstance(closing, Exception), closing
    assert isinstance(booking, appointments.SlotUnavailable), booking
    assert not Appointment.objects.filter(department=clinic, status=Appointment.Status.BOOKED).exists()
