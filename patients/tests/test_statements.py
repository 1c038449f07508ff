import pytest

from patients import statements
from patients.models import Department

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
