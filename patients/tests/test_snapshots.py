from datetime import timedelta

import pytest
from django.utils import timezone

from patients import selectors, services
from patients.selectors import (
    consultation_pace,
    consultation_paces,
    current_visit_status,
    department_queue_snapshot,
    visit_by_link,
    visit_status,
)
from patients.tests.factories import register_patient


def fill_queue(department, count, first_phone=0):
    return [
        register_patient(
            department=department, name=f"Patient {n}", phone=f"+1555100{first_phone + n:04d}", age=30, gender="other"
        )[0]
        for n in range(count)
    ]


def test_department_snapshot_reads_a_fixed_number_of_queries(department, make_doctor, django_assert_num_queries):
    doctor = make_doctor(department=department)
    fill_queue(department, 2)
    services.call_next(doctor=doctor)
    # The first read of the day also reads the department's history, kept for the rest of the day.
    with django_assert_num_queries(6):
        small = department_queue_snapshot(department=department)
    fill_queue(department, 12, first_phone=100)
    with django_assert_num_queries(5):
        large = department_queue_snapshot(department=department)

    assert small["queue_length"] == 1 and large["queue_length"] == 13
    assert [t["position"] for t in large["waiting"]] == list(range(1, 14))
    assert large["estimated_wait_minutes"] == 14 * 10


@pytest.mark.parametrize("ahead", [2, 20])
def test_patient_status_reads_a_fixed_number_of_queries(
    ahead, make_department, make_patient, django_assert_num_queries
):
    patient = make_patient()
    earlier, current = make_department(), make_department()
    services.allocate_token(department=earlier, patient=patient)
    fill_queue(current, ahead, first_phone=current.pk * 100)
    entry = visit_by_link(services.allocate_token(department=current, patient=patient).public_id)

    # Nothing published (the changes' transactions are never committed here): the database answers, and reads
    # the department's history the first time of the day.
    with django_assert_num_queries(6):
        status = current_visit_status(entry=entry)

    assert (status["department"]["id"], status["position"]) == (current.pk, ahead + 1)
    assert status["patient_id"] == str(patient.public_id)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ahead", [2, 20])
def test_patient_status_comes_from_the_last_published_queue(
    ahead, make_department, make_patient, django_assert_num_queries, monkeypatch
):
    patient = make_patient()
    department = make_department()
    fill_queue(department, ahead, first_phone=department.pk * 100)
    entry = visit_by_link(services.allocate_token(department=department, patient=patient).public_id)
    expected = visit_status(entry=entry)

    def database_path(**_):
        raise AssertionError("the published queue holds this visit; it must not be read again")

    monkeypatch.setattr(selectors, "department_line", database_path)
    with django_assert_num_queries(0):
        status = current_visit_status(entry=entry)

    assert status == expected
    assert (status["position"], status["patients_ahead"]) == (ahead + 1, ahead)


@pytest.mark.django_db
def test_paces_of_several_departments_match_one_at_a_time(make_department, make_doctor, clock):
    quick, slow = make_department(average_consultation_minutes=5), make_department(average_consultation_minutes=30)
    make_doctor(department=quick)
    doctor = make_doctor(department=slow)
    fill_queue(slow, 1)
    entry = services.call_next(doctor=doctor)
    services.start_consultation(entry=entry)
    entry = services.complete_consultation(entry=entry)
    entry.called_at = entry.started_at = entry.completed_at - timedelta(minutes=12)
    entry.save(update_fields=["called_at", "started_at"])

    together = consultation_paces(departments=[quick, slow], day=timezone.localdate())

    assert together[quick.pk] == consultation_pace(department=quick)
    assert together[slow.pk] == consultation_pace(department=slow)
    assert together[slow.pk].minutes_per_consultation == pytest.approx(12)
    assert together[quick.pk].minutes_per_consultation == 5
