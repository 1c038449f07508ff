from datetime import timedelta

import pytest

from doctors.models import Doctor
from patients import services
from patients.selectors import consultation_pace, visit_status


def estimated_wait_minutes(entry):
    """The wait the entry's patient is shown, from the read model."""
    return visit_status(entry=entry)["estimated_wait_minutes"]


def consult(entry, doctor, clock, minutes):
    services.call_patient(entry=entry, doctor=doctor)
    services.start_consultation(entry=entry)
    clock.shift(timedelta(minutes=minutes))
    services.complete_consultation(entry=entry)


def test_without_history_the_configured_average_is_used(department, make_patient, make_doctor, clock):
    make_doctor(department=department)
    entries = [services.allocate_token(department=department, patient=make_patient()) for _ in range(3)]

    assert [estimated_wait_minutes(entry) for entry in entries] == [10, 20, 30]


def test_todays_real_consultation_lengths_replace_the_configured_average(
    department, make_patient, make_doctor, clock
):
    doctor = make_doctor(department=department)
    for minutes in (4, 6, 8):
        consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, minutes)
    waiting = [services.allocate_token(department=department, patient=make_patient()) for _ in range(2)]

    assert consultation_pace(department=department).minutes_per_consultation == pytest.approx(6)
    assert [estimated_wait_minutes(entry) for entry in waiting] == [6, 12]


def test_only_the_most_recent_consultations_set_the_pace(department, make_patient, make_doctor, clock):
    doctor = make_doctor(department=department)
    consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, 60)
    for _ in range(10):
        consult(services.allocate_token(department=department, patient=make_patient()), doctor, clock, 5)

    assert consultation_pace(department=department).minutes_per_consultation == pytest.approx(5)


def test_doctors_on_duty_share_the_queue_and_those_on_break_do_not_count(
    department, make_patient, make_doctor, clock
):
    make_doctor(department=department, availability=Doctor.Availability.AVAILABLE)
    make_doctor(department=department, availability=Doctor.Availability.BUSY)
    make_doctor(department=department, availability=Doctor.Availability.ON_BREAK)
    make_doctor(department=department, availability=Doctor.Availability.OFFLINE)
    entries = [services.allocate_token(department=department, patient=make_patient()) for _ in range(5)]

    assert consultation_pace(department=department).doctors_on_duty == 2
    assert [estimated_wait_minutes(entry) for entry in entries] == [10, 10, 20, 20, 30]


def test_an_entry_that_is_no_longer_waiting_has_no_estimate(department, make_patient, make_doctor, clock):
    doctor = make_doctor(department=department)
    entry = services.allocate_token(department=department, patient=make_patient())
    services.call_patient(entry=entry, doctor=doctor)

    entry.refresh_from_db()
    assert estimated_wait_minutes(entry) is None
