"""A department's name and room in the site's other languages: shown on pages and in texts in that language;
where missing, shown as written and marked as the site's language (WCAG 3.1.2)."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from notifications.models import NotificationTemplate
from notifications.services import message_values
from patients import services

SPANISH = {"es": {"name": "Cardiología", "room": "Sala 2"}}


@pytest.fixture
def cardiology(make_department):
    return make_department(name="Cardiology", code="CARD", room="Room 2", translations=SPANISH)


def rendered(department, field, language):
    with translation.override(language):
        return Template('{% load departments %}{{ department|translated:field }}').render(
            Context({"department": department, "field": field})
        )


@pytest.mark.parametrize(
    ("translations", "problem"),
    [
        (["Cardiología"], "Give the translations by language"),
        ({"es": "Cardiología"}, "Give the translations by language"),
        ({"fr": {"name": "Cardiologie"}}, "fr is not one of the site's other languages: es, hi, ar."),
        ({"en": {"name": "Heart"}}, "en is not one of the site's other languages"),
        ({"es": {"description": "Corazón"}}, "Only a department's name and room are translated, not description."),
        ({"es": {"name": "C" * 101}}, "The name in es must be text of at most 100 characters."),
        ({"es": {"room": 7}}, "The room in es must be text of at most 50 characters."),
    ],
)
def test_translations_of_another_shape_are_refused_in_words(cardiology, translations, problem):
    cardiology.translations = translations

    with pytest.raises(ValidationError) as refused:
        cardiology.full_clean()

    assert problem in str(refused.value.message_dict["translations"])


def test_a_page_in_another_language_shows_the_translation(cardiology):
    assert rendered(cardiology, "name", "es") == "Cardiología"
    assert rendered(cardiology, "room", "es") == "Sala 2"


def test_an_untranslated_name_is_marked_as_the_sites_language(cardiology):
    assert rendered(cardiology, "name", "hi") == '<span lang="en" dir="ltr">Cardiology</span>'
    assert rendered(cardiology, "name", "en") == "Cardiology"


def test_the_marking_escapes_the_name(make_department):
    department = make_department(name="Ear <b>& Nose")

    assert rendered(department, "name", "ar") == '<span lang="en" dir="ltr">Ear &lt;b&gt;&amp; Nose</span>'


def test_the_departments_page_and_registration_form_speak_the_patients_language(client, cardiology):
    landing = client.get("/patients/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    form = client.get("/patients/register/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    hindi = client.get("/patients/", HTTP_ACCEPT_LANGUAGE="hi").content.decode()

    assert "Cardiología" in landing and "Sala 2" in landing
    assert f'<option value="{cardiology.pk}">Cardiología</option>' in form
    assert '<span lang="en" dir="ltr">Cardiology</span>' in hindi


def test_the_api_gives_the_translations_beside_the_name(api_client, cardiology):
    listed = api_client.get("/patients/api/departments/").json()[0]

    assert (listed["name"], listed["translations"]) == ("Cardiology", SPANISH)


def test_texts_name_the_department_in_the_patients_language(cardiology, make_token):
    entry = make_token(department=cardiology, name="Lucía", language="es")

    with translation.override("es"):
        values = message_values(entry, NotificationTemplate.TemplateType.REGISTRATION, "")

    assert values["department"] == "Cardiología"
    assert entry.where_to_go == "Room 2"


def test_a_refusal_names_the_department_in_the_pages_language(client, cardiology, make_token):
    cardiology.daily_capacity = 1
    cardiology.save()
    make_token(department=cardiology)
    typed = {"name": "Lucía", "phone": "+14155550161", "age": "30", "gender": "female", "department": cardiology.pk}

    page = client.post("/patients/register/", typed, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    refusal = page.split('id="id_department_error">', 1)[1].split("<", 1)[0]
    assert refusal.startswith("Cardiología ")


def test_a_department_of_one_token_a_day_says_so_in_the_singular(client, cardiology, make_token):
    cardiology.daily_capacity = 1
    cardiology.save()
    make_token(department=cardiology)
    typed = {"name": "Ann Lee", "phone": "+14155550162", "age": "30", "gender": "female", "department": cardiology.pk}

    page = client.post("/patients/register/", typed).content.decode()

    assert "Cardiology has issued its one token for today." in page


def test_a_transferred_patients_page_says_where_they_were_moved_in_their_language(client, cardiology, make_department):
    ent = make_department(name="ENT", code="ENT", translations={"es": {"name": "Otorrinolaringología"}})
    referral = services.register_visit(
        department=ent, name="Lucía", phone="+14155550163", age=30, gender="female", language="es"
    ).entry
    moved = services.transfer(entry=referral, to_department=cardiology)

    page = client.get(referral.get_absolute_url(), follow=True).content.decode()

    assert (
        f"Le hemos trasladado de Otorrinolaringología (turno {referral.token}) a Cardiología. "
        f"Su nuevo número es <strong>{moved.token}</strong>."
    ) in " ".join(page.split())
