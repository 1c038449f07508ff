"""An address missing its trailing slash: a GET is sent on as Django does, a POST as a POST (308), body and all."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_a_post_without_the_trailing_slash_is_redirected_as_a_post(settings, debug):
    # Django's 301 is repeated as a GET (answered 405, the registration lost); with DEBUG on Django raised instead.
    settings.DEBUG = debug

    response = Client(raise_request_exception=False).post(
        "/patients/api/register?lang=es", {"name": "Asha"}, content_type="application/json"
    )

    assert response.status_code == 308
    assert response["Location"] == "/patients/api/register/?lang=es"


@pytest.mark.django_db
def test_the_redirected_post_is_answered_at_the_address_with_the_slash(department, unthrottled):
    registration = {"name": "Asha Patel", "phone": "+14155550123", "age": 34, "department": department.pk}

    response = Client().post("/patients/api/register", registration, content_type="application/json", follow=True)

    assert response.redirect_chain == [("/patients/api/register/", 308)]
    assert response.status_code == 201


@pytest.mark.django_db
def test_a_get_without_the_trailing_slash_is_still_djangos_301():
    response = Client().get("/patients/api/departments")

    assert response.status_code == 301
    assert response["Location"] == "/patients/api/departments/"


@pytest.mark.django_db
def test_a_post_to_an_unknown_address_is_still_a_404():
    assert Client().post("/patients/api/no-such-thing", {}).status_code == 404
