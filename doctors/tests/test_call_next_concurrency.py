"""Two doctors of one department pressing "call next" at the same moment never get the same patient, and one
doctor pressing it twice at once (a double click) gets one patient."""

import threading

import pytest
from django.db import connection

from conftest import requires_postgresql
from doctors import services as doctor_services
from patients import services
from patients.models import Queue

DOCTORS = 4


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_simultaneous_call_next_gives_each_doctor_a_different_patient(department, make_doctor, make_token):
    doctors = [make_doctor(department=department) for _ in range(DOCTORS)]
    for _ in range(DOCTORS):
        make_token(department)
    start = threading.Barrier(DOCTORS)
    called, failures = [], []

    def press_call_next(doctor):
        try:
            start.wait()
            called.append(services.call_next(doctor=doctor).pk)
        except Exception as error:  # noqa: BLE001 - any failure in a thread must fail the test
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=press_call_next, args=(doctor,)) for doctor in doctors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert len(called) == DOCTORS and len(set(called)) == DOCTORS
    assert set(Queue.objects.filter(status=Queue.Status.CALLED).values_list("doctor", flat=True)) == {
        doctor.pk for doctor in doctors
    }


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_call_next_calls_one_patient(department, doctor, make_token, at_once, slow_patient_check):
    make_token(department)
    make_token(department)

    def press_call_next():
        return doctor_services.call_next(doctor=doctor, actor=doctor.user)

    outcomes = at_once(press_call_next, press_call_next)

    called = list(Queue.objects.filter(status=Queue.Status.CALLED))
    assert [(entry.doctor_id, entry.token) for entry in called] == [(doctor.pk, "CARD-001")]
    refusals = [str(outcome) for outcome in outcomes if isinstance(outcome, Exception)]
    assert refusals == ["Finish with token CARD-001 before calling the next patient."]
