"""Concurrent bookers of one slot: the seat's unique constraint lets exactly one win; the rest get SlotTaken (409)."""

import threading
from datetime import time

import pytest
from django.db import IntegrityError, connections

from conftest import requires_postgresql
from patients import appointments
from patients.models import Appointment
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture

BOOKERS = 12


def book_concurrently(department, slot_start, count):
    start = threading.Barrier(count)
    outcomes = []

    def attempt(index):
        start.wait()
        try:
            book(department, slot_start, phone=f"+1415777{index:04d}")
            outcomes.append("booked")
        except appointments.SlotTaken:
            outcomes.append("taken")
        except Exception as error:  # collected and asserted on below
            outcomes.append(repr(error))
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
def test_concurrent_bookers_of_one_seat_one_wins_and_the_rest_are_told_it_is_taken(clinic):
    outcomes = book_concurrently(clinic, at(time(13)), BOOKERS)

    assert sorted(outcomes) == ["booked"] + ["taken"] * (BOOKERS - 1)
    assert Appointment.objects.filter(slot_start=at(time(13))).count() == 1


@pytest.mark.django_db
def test_the_constraint_alone_refuses_a_second_holder_of_a_seat(clinic):
    first = book(clinic, at(time(13)))
    duplicate = Appointment(patient=first.patient, department=clinic, slot_start=first.slot_start, seat=first.seat)
    with pytest.raises(IntegrityError):
        duplicate.save()
