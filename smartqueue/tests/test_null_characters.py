"""A null character in the address's parameters is a 400 naming the parameter, never PostgreSQL's 500."""

import pytest
from django.test import Client

from conftest import requires_postgresql

ADDRESSES_WITH_A_NULL = [
    ("superuser", "/admin/patients/queue/?status=%00"),
    ("superuser", "/admin/patients/queue/?status=waiting&status=%00"),
    ("anonymous", "/patients/api/departments/?sort%00=name"),
    ("anonymous", "/patients/register/?department=%00"),
]


@pytest.fixture
def clients(make_user):
    superuser = Client()
    superuser.force_login(make_user(is_staff=True, is_superuser=True))
    return {"anonymous": Client(), "superuser": superuser}


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "address"), ADDRESSES_WITH_A_NULL)
def test_a_null_character_in_the_address_is_refused_naming_its_parameter(clients, who, address):
    response = clients[who].get(address, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    parameter = address.split("?")[1].split("=")[0].replace("%00", "")
    assert f"“{parameter}”" in response.json()["detail"]


@pytest.mark.real_services
@requires_postgresql()
@pytest.mark.django_db
def test_django_admins_list_filter_with_a_null_character_is_a_400_on_postgresql(clients, department, make_token):
    make_token(department=department)

    response = clients["superuser"].get("/admin/patients/queue/?status=%00")

    assert response.status_code == 400
    assert "does not belong" in response.content.decode()


@pytest.mark.django_db
def test_an_address_without_a_null_character_is_answered_as_before(clients):
    assert clients["superuser"].get("/admin/patients/queue/?status=waiting&q=%250").status_code == 200
