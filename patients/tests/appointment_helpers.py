"""Helpers for appointment tests: a department whose doctor works this afternoon, and bookings through the service."""

import itertools
from datetime import time, timedelta

import pytest
from django.utils import timezone

from doctors.models import DoctorSchedule
from patients import appointments

_phones = itertools.count(1)


def at(clock_time, day=None):
    """Today's (or the day's) local time as an aware datetime."""
    day = day or timezone.localdate()
    return timezone.make_aware(timezone.datetime.combine(day, clock_time))


def book(department, slot_start, **fields):
    fields.setdefault("name", "Booked Patient")
    fields.setdefault("phone", f"+1415666{next(_phones):04d}")
    fields.setdefault("age", 50)
    fields.setdefault("gender", "female")
    return appointments.book_appointment(department=department, slot_start=slot_start, **fields).appointment


@pytest.fixture
def clinic(clock, make_department, make_doctor):
    """A department of 30-minute consultations whose one doctor works 13:00-15:00 every day (the clock is at noon)."""
    department = make_department(name="Clinic", code="CLIN", average_consultation_minutes=30)
    doctor = make_doctor(department=department)
    for weekday in DoctorSchedule.Weekday.values:
        DoctorSchedule.objects.create(doctor=doctor, weekday=weekday, starts_at=time(13, 0), ends_at=time(15, 0))
    department.doctor = doctor
    return department


def minutes(count):
    return timedelta(minutes=count)
