"""An id past its column's range in an `__in` lookup matches nothing, as in `exact`: never a 500
(smartqueue.integer_lookups), on SQLite and PostgreSQL alike."""

import pytest
from django.contrib.auth.models import Group, Permission

from patients.models import Queue

PAST_64_BITS = 10**20
PAST_32_BITS = 2**31


@pytest.fixture
def superuser(make_user):
    return make_user(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("chosen", [PAST_64_BITS, -(2**63) - 1, PAST_32_BITS])
def test_django_admins_many_to_many_choice_past_the_range_is_refused_beside_the_field(client, superuser, chosen):
    client.force_login(superuser)

    response = client.post("/admin/auth/group/add/", {"name": "Night desk", "permissions": [str(chosen)]})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["permissions"] == [
        f"Select a valid choice. {chosen} is not one of the available choices."
    ]
    assert not Group.objects.exists()


def test_a_group_keeps_the_permissions_it_names_that_exist(client, superuser):
    client.force_login(superuser)
    permission = Permission.objects.first()

    client.post("/admin/auth/group/add/", {"name": "Night desk", "permissions": [str(permission.pk)]})

    assert list(Group.objects.get(name="Night desk").permissions.all()) == [permission]


def test_in_leaves_out_numbers_past_the_column_and_keeps_the_rest(department, make_token):
    entry = make_token(department)

    assert not Queue.objects.filter(pk__in=[PAST_64_BITS]).exists()
    assert list(Queue.objects.filter(pk__in=[PAST_64_BITS, entry.pk])) == [entry]
    assert list(Queue.objects.filter(token_number__in=[PAST_64_BITS, entry.token_number])) == [entry]
    # A foreign key's `__in` is a lookup of its own.
    assert not Queue.objects.filter(department__in=[PAST_64_BITS]).exists()
    assert list(Queue.objects.filter(department_id__in=[PAST_64_BITS, department.pk])) == [entry]
