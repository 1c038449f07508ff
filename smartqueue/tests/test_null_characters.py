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


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("address", ["/patients/register/", "/patients/api/departments/", "/admin/login/"])
def test_more_parameters_than_allowed_are_a_400_with_debug_on_as_off(settings, debug, address):
    # With DEBUG on (make run), Django's error page read the parameters again and answered 500.
    settings.DEBUG = debug
    too_many = "&".join(f"p{number}=1" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = Client(raise_request_exception=False).get(f"{address}?{too_many}")

    assert response.status_code == 400
