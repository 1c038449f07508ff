"""Two doctors pressing "call next" at the same moment never get the same patient, whether of one department or of
two lines the patient waits in, and one doctor pressing it twice at once (a double click) gets one patient."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from conftest import requires_postgresql
from doctors import services as doctor_services
from patients import services
from patients.models import Patient, Queue

DOCTORS = 4


@contextmanager
def held_open(action):
    """action() done on a connection of its own, whose transaction stays open (half a second at most) while the
    block runs: what the block does meets the action before it commits."""
    acted, done = threading.Event(), threading.Event()

    def act_slowly():
        try:
            with transaction.atomic():
                action()
                acted.set()
                done.wait(timeout=0.5)
        finally:
            connection.close()

    acting = threading.Thread(target=act_slowly)
    acting.start()
    acted.wait(timeout=10)
    try:
        yield
    finally:
        done.set()
        acting.join(timeout=10)


def call_held_open(doctor):
    return held_open(lambda: services.call_next(doctor=doctor))


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


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_call_next_waits_for_the_first_in_line_rather_than_passing_them_over(department, doctor, make_token):
    # The first patient in line chooses, on their phone, when to be texted at the moment the doctor calls: their
    # row is locked for that change, and they are still the one to call.
    first = make_token(department)
    make_token(department)

    with held_open(lambda: services.choose_patients_ahead_notice(entry=first, patients_ahead=3)):
        started = time.monotonic()
        called = services.call_next(doctor=doctor)

    assert called.token == first.token
    assert time.monotonic() - started < 5


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_doctor_calling_while_another_holds_the_first_in_line_gets_the_second(department, make_doctor, make_token):
    first, second = make_token(department), make_token(department)
    one, other = make_doctor(department=department), make_doctor(department=department)
    with call_held_open(one):
        called = services.call_next(doctor=other)

    assert called.token == second.token
    assert Queue.objects.get(pk=first.pk).doctor_id == one.pk


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_a_stale_dashboard_cannot_start_a_patient_a_colleague_called_a_moment_before(
    department, make_doctor, make_token
):
    # Dr One called the patient and was called away; an admin put them back in line and Dr Other called them, in a
    # transaction still open when Dr One's dashboard (still showing the patient as theirs) pressed "start".
    entry = make_token(department)
    one, other = make_doctor(department=department), make_doctor(department=department)
    services.call_next(doctor=one)

    def returned_to_line_and_called_by_other():
        services.return_to_line(entry=entry)
        services.call_next(doctor=other)

    with held_open(returned_to_line_and_called_by_other):
        with pytest.raises(doctor_services.NotYourPatient, match="Token CARD-001 is with another doctor."):
            doctor_services.start_consultation(doctor=one, entry_id=entry.pk, actor=one.user)

    stored = Queue.objects.get(pk=entry.pk)
    assert (stored.status, stored.doctor_id) == (Queue.Status.CALLED, other.pk)


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_doctors_of_two_departments_calling_at_once_never_both_call_a_patient_waiting_in_both(
    department, make_department, make_doctor, make_token
):
    # A patient first in line in Cardiology and in Radiology; Cardiology's doctor calls them in a transaction still
    # open when Radiology's doctor presses "call next": the second call must see the first, not the line as it was.
    radiology = make_department(name="Radiology", code="RAD")
    both = make_token(department)
    services.allocate_token(department=radiology, patient=Patient.objects.get(pk=both.patient_id), priority="normal")
    next_in_radiology = make_token(radiology)
    cardiologist, radiologist = make_doctor(department=department), make_doctor(department=radiology)
    with call_held_open(cardiologist):
        called = services.call_next(doctor=radiologist)

    assert called.token == next_in_radiology.token
    called_departments = Queue.objects.filter(patient_id=both.patient_id, status=Queue.Status.CALLED)
    assert list(called_departments.values_list("department_id", flat=True)) == [department.pk]
