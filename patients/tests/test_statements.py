import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from conftest import requires_postgresql
from patients import selectors, services, statements
from patients.models import Department, PatientFeedback, Queue
from patients.tests.model_helpers import as_loaded

FIELDS = [field.attname for field in Department._meta.concrete_fields]


def as_stored(department):
    return {name: getattr(department, name) for name in FIELDS}


def test_the_registrations_department_lookup_reads_the_row_as_the_orm_does(db, make_department):
    department = make_department(name="Dermatology", code="DERM", daily_capacity=40, room="2B")

    found = statements.active_department(department.pk)

    assert as_stored(found) == as_stored(Department.objects.get(pk=department.pk))
    assert found._state.adding is False
    # Saved as a loaded row is: an update of that row, not a second department.
    found.room = "3C"
    found.save()
    assert Department.objects.get().room == "3C"


@pytest.mark.parametrize("department_id", [-1, 0, 10**6, 2**31, 2**63, 10**30, -(10**30)])
def test_an_id_of_no_department_finds_none_whatever_the_column_holds(db, make_department, department_id):
    make_department()

    assert statements.active_department(department_id) is None


def test_an_inactive_department_is_not_found(db, make_department):
    department = make_department(is_active=False)

    assert statements.active_department(department.pk) is None


def test_a_status_links_visit_is_read_with_its_relations_as_the_orm_reads_it(
    department, make_token, make_doctor, django_assert_num_queries
):
    doctor = make_doctor(department=department, room="12")
    called = make_token(department, priority="high")
    services.call_patient(entry=called, doctor=doctor)
    waiting = make_token(department)

    for entry in (called, waiting):
        with django_assert_num_queries(1):
            found = selectors.visit_by_link(entry.public_id)
            loaded = as_loaded(found)
            assert found.doctor is None or found.doctor.user.username
            with pytest.raises(PatientFeedback.DoesNotExist):
                found.feedback  # noqa: B018 - read to show it is known absent without a query
        assert loaded == as_loaded(Queue.objects.select_related(*selectors.VISIT_RELATIONS).get(pk=entry.pk))
    assert selectors.visit_by_link(str(waiting.public_id)).pk == waiting.pk
    assert selectors.visit_by_link(uuid.uuid4()) is None
    with pytest.raises(ValidationError):
        selectors.visit_by_link("not-a-link")


def test_a_patients_open_visits_are_read_in_order_with_their_relations_as_the_orm_reads_them(
    department, make_department, make_token, make_doctor, django_assert_num_queries
):
    first = make_token(department)
    second = services.allocate_token(department=make_department(), patient=first.patient, priority="normal")
    services.call_patient(entry=second, doctor=make_doctor(department=second.department))
    Queue.objects.update(listed_under_patient=True)
    services.allocate_token(department=make_department(), patient=first.patient, priority="normal")

    with django_assert_num_queries(1):
        visits = selectors.patient_visits(patient_public_id=first.patient.public_id)
        loaded = [as_loaded(visit) for visit in visits]

    expected = (
        Queue.objects.filter(listed_under_patient=True)
        .select_related(*selectors.OPEN_VISIT_RELATIONS)
        .order_by("checked_in_at", "id")
    )
    assert loaded == [as_loaded(visit) for visit in expected]
    assert [visit.pk for visit in visits] == [first.pk, second.pk]
    assert selectors.patient_visits(patient_public_id=uuid.uuid4()) == []


@requires_postgresql()
def test_a_cold_lines_question_whether_a_patient_is_with_a_doctor_elsewhere_probes_only_the_tokens_being_served(
    department, make_token
):
    for _ in range(3):
        make_token(department)
    statement = selectors._compiled_line(open_only=True)
    params = list(statement.params)
    params[statement.slots["department_id"]] = department.pk
    params[statement.slots["day"]] = timezone.localdate()

    with connection.cursor() as cursor:
        # The tables of a test are too small for the planner to choose an index on its own.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement.sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "queue_patient_with_a_doctor" in plan
