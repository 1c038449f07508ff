"""Concurrent bookers of one slot through the API: the seat's unique constraint lets exactly one win; the rest get
a clear 409 naming the slot."""

import threading
from datetime import time

import pytest
from django.db import IntegrityError, connections

from django.urls import reverse
from rest_framework.test import APIClient

from conftest import requires_postgresql
from patients.models import Appointment
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
            response = APIClient().post(reverse("patients:api-book"), body, format="json")
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
