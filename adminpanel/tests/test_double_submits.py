"""Second input fuzz run: a form submitted twice at once. Both submits pass the form's unique checks before either
saves; the second then met the database's unique constraint, a 500. It is refused naming the field instead.
(The twin is saved in the test's own transaction, which the refusal rolls back: what is kept is not checked here.)"""

import pytest
from django.contrib.auth import get_user_model

from patients.models import Department


@pytest.fixture
def twin_saved_after_the_check(monkeypatch):
    """Makes the other submit save its twin just after this one's last check (the full one, unique values
    included, that comes before saving), as two submits at once do."""

    def arrange(model, **twin):
        checks = model.full_clean

        def full_clean_then_the_twin_is_saved(instance, *args, validate_unique=True, **kwargs):
            checks(instance, *args, validate_unique=validate_unique, **kwargs)
            if validate_unique:
                model.objects.create(**twin)

        monkeypatch.setattr(model, "full_clean", full_clean_then_the_twin_is_saved)

    return arrange


def test_a_department_created_twice_at_once_is_refused_naming_the_field(admin_client, twin_saved_after_the_check):
    twin_saved_after_the_check(Department, name="Radiology", code="RAD")

    response = admin_client.post(
        "/adminpanel/api/",
        {"action": "create_department", "name": "Radiology", "code": "RAD", "average_consultation_minutes": 10},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "code"}


def test_a_doctor_created_twice_at_once_is_refused_naming_the_username(
    admin_client, department, twin_saved_after_the_check
):
    twin_saved_after_the_check(get_user_model(), username="dr.twin")

    response = admin_client.post(
        "/adminpanel/doctors/new/",
        {
            "username": "dr.twin",
            "first_name": "Tess",
            "last_name": "Twin",
            "password": "a-long-unusual-passphrase-9",
            "department": department.pk,
        },
    )

    assert response.status_code == 400
    assert "username" in response.context["form"].errors
