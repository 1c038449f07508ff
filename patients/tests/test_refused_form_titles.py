"""A page shown again with its form refused says so in its title, the first thing a screen reader reads."""

import re

import pytest

EMPTY_REGISTRATION = {"name": "", "phone": "", "age": "", "gender": "female", "department": ""}


def title(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def test_a_refused_registration_says_so_in_the_title(client, department):
    response = client.post("/patients/register/", EMPTY_REGISTRATION)

    assert title(response) == "Please correct the form · Get a token · SmartQueue"


def test_the_form_before_it_is_sent_has_its_plain_title(client, department):
    assert title(client.get("/patients/register/")) == "Get a token · SmartQueue"


@pytest.mark.parametrize("language", ["es", "hi", "ar"])
def test_the_refusal_in_the_title_is_in_the_pages_language(client, department, language):
    client.cookies["django_language"] = language

    page_title = title(client.post("/patients/register/", EMPTY_REGISTRATION))

    assert "Please correct" not in page_title and " · " in page_title.removesuffix(" · SmartQueue")


def test_a_refused_staff_sign_in_says_so_in_the_title(client, db):
    response = client.post("/doctors/login/", {"username": "nobody", "password": "wrong"})

    assert title(response).startswith("Please correct the form · ")
