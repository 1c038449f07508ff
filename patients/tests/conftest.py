import itertools

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from patients import services
from patients.models import DailyTokenCounter, Patient, Queue
from patients.tests.factories import register_patient

_phones = itertools.count(1)


@pytest.fixture
def api_client():
    return APIClient()


def valid_phone():
    """A distinct real-looking US number, in an area code no test writes out: the tests' own numbers are 415-555-01xx,
    and a generated one that reached +14155550123 made that test's "new" patient a known one (202, not 201)."""
    n = next(_phones)
    return f"+1628555{n % 10000:04d}"


@pytest.fixture
def register(department):
    def make(into=None, **fields):
        fields.setdefault("name", "Asha Patel")
        fields.setdefault("phone", valid_phone())
        fields.setdefault("age", 34)
        fields.setdefault("gender", Patient.Gender.FEMALE)
        entry, _ = register_patient(department=into or department, **fields)
        return entry

    return make


@pytest.fixture
def complete_visit(make_doctor):
    """Take a waiting entry through call, consultation and completion, as a doctor would."""

    def complete(entry):
        doctor = make_doctor(department=entry.department)
        services.call_patient(entry=entry, doctor=doctor)
        services.start_consultation(entry=entry)
        return services.complete_consultation(entry=entry)

    return complete


@pytest.fixture
def fill_queue(db):
    """Put `count` waiting tokens in a department in one go, for query-count tests."""

    def fill(department, count):
        patients = Patient.objects.bulk_create(
            Patient(name=f"Waiting {n}", phone=f"+1202555{n:04d}{department.pk}", age=30) for n in range(count)
        )
        now = timezone.now()
        first_number = services.next_token_number(department=department, day=timezone.localdate(now))
        DailyTokenCounter.objects.filter(department=department, day=timezone.localdate(now)).update(
            last_number=first_number + count - 1
        )
        Queue.objects.bulk_create(
            Queue(
                patient=patient,
                department=department,
                token_number=first_number + n,
                token_date=timezone.localdate(now),
                priority=Queue.Priority.EMERGENCY if n % 7 == 0 else Queue.Priority.NORMAL,
                checked_in_at=now,
            )
            for n, patient in enumerate(patients)
        )

    return fill
