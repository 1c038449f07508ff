"""How a page's language is chosen: Accept-Language, then the switcher (a cookie), and for signed-in staff the
language on their profile, which the switcher also changes."""

import json
import re

import pytest

from django.conf import settings

from adminpanel.models import AdminUser, SystemConfiguration
from conftest import TEST_PASSWORD


def html_tag(response):
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def test_the_browsers_accept_language_is_honoured(client, db):
    assert html_tag(client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")) == '<html lang="es" dir="ltr">'
    assert html_tag(client.get("/", HTTP_ACCEPT_LANGUAGE="ar")) == '<html lang="ar" dir="rtl">'
    assert html_tag(client.get("/", HTTP_ACCEPT_LANGUAGE="fr")) == '<html lang="en" dir="ltr">'


def test_an_arabic_page_loads_bootstraps_right_to_left_build(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert "bootstrap.rtl.min.css" in page
    assert "bootstrap.min.css" not in page


def test_the_switcher_is_on_every_page_labelled_and_keeps_the_choice(client, db):
    page = client.get("/patients/register/").content.decode()
    assert '<label class="visually-hidden" for="language-select-nav">Language</label>' in page

    response = client.post("/i18n/setlang/", {"language": "hi", "next": "/patients/register/"})

    assert response.status_code == 302 and response["Location"] == "/patients/register/"
    assert html_tag(client.get("/", HTTP_ACCEPT_LANGUAGE="es")) == '<html lang="hi" dir="ltr">'


def test_the_display_board_has_the_switcher_too(client, db):
    assert 'id="language-select-board"' in client.get("/display/").content.decode()


def test_a_staff_members_profile_language_applies_when_they_sign_in(client, make_user, make_doctor):
    doctor = make_doctor(language="ar", user=make_user(username="dr.amal"))

    client.post("/doctors/login/", {"username": "dr.amal", "password": TEST_PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")

    assert html_tag(client.get("/doctors/", HTTP_ACCEPT_LANGUAGE="en")) == '<html lang="ar" dir="rtl">'
    assert doctor.user.is_authenticated


def test_switching_language_while_signed_in_saves_it_on_the_profile(client, make_user):
    administrator = make_user()
    profile = AdminUser.objects.create(user=administrator)
    client.force_login(administrator)

    client.post("/i18n/setlang/", {"language": "es", "next": "/adminpanel/"})

    profile.refresh_from_db()
    assert profile.language == "es"
    assert html_tag(client.get("/adminpanel/", HTTP_ACCEPT_LANGUAGE="hi")) == '<html lang="es" dir="ltr">'


@pytest.mark.parametrize("language", ["xx", "fr", "fr-aaaaaaaa-bbbbbbbb-cccccccc"])
def test_an_unknown_language_changes_nothing(client, make_user, language):
    """Django knows French; SmartQueue does not speak it, and the profile's column holds eight characters."""
    administrator = make_user()
    profile = AdminUser.objects.create(user=administrator, language="hi")
    client.force_login(administrator)

    client.post("/i18n/setlang/", {"language": language, "next": "/adminpanel/"})

    profile.refresh_from_db()
    assert profile.language == "hi"
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_the_javascript_catalogue_follows_the_language_in_its_address(client, db):
    # The catalogue is JavaScript holding its words as JSON strings, non-ASCII letters escaped.
    assert json.dumps("प्रतीक्षा में") in client.get("/i18n/hi/catalog.js").content.decode()
    assert client.get("/i18n/xx/catalog.js").status_code == 404


def test_the_boards_get_their_words_in_each_configured_language(client, department):
    configuration = SystemConfiguration.load()
    configuration.board_languages = ["en", "ar"]
    configuration.save()

    page = client.get(f"/display/{department.pk}/").content.decode()

    found = re.search(r'<script id="board-words" type="application/json">(.*?)</script>', page, re.S)
    words = json.loads(found.group(1))
    assert [(entry["language"], entry["direction"], entry["now_serving"]) for entry in words] == [
        ("en", "ltr", "Now serving"),
        ("ar", "rtl", "يُخدم الآن"),
    ]


def test_a_board_opened_in_another_language_shows_that_one_first_then_the_configured_ones(client, department):
    """A board in Spanish kept "NOW SERVING" and every word of the boards in English (the only language
    configured), under a Spanish title."""
    configuration = SystemConfiguration.load()
    configuration.board_languages = ["en", "ar"]
    configuration.save()

    page = client.get(f"/display/{department.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    found = re.search(r'<script id="board-words" type="application/json">(.*?)</script>', page, re.S)
    words = json.loads(found.group(1))
    assert [(entry["language"], entry["now_serving"]) for entry in words] == [
        ("es", "Atendiendo ahora"),
        ("en", "Now serving"),
        ("ar", "يُخدم الآن"),
    ]


def physical_sides(css):
    """The declarations of a stylesheet that set a side as left or right rather than as where a line starts or ends."""
    found = []
    for name, value in re.findall(r"([\w-]+)\s*:\s*([^;{}]+)", re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        value = value.strip()
        # A shorthand's values, a calc(...) being one.
        values = re.findall(r"[\w.%-]+\([^)]*\)|[^\s()]+", value)
        if (
            re.fullmatch(r"(?:margin|padding|border)-(?:left|right)(?:-\w+)?", name)
            or (name in {"text-align", "float", "clear"} and value in {"left", "right"})
            or (name in {"margin", "padding", "border-width", "inset"} and len(values) == 4 and values[1] != values[3])
        ):
            found.append(f"{name}: {value}")
    return found


def test_the_sites_own_styles_mirror_on_a_right_to_left_page():
    """Bootstrap's right-to-left build mirrors Bootstrap; the site's own stylesheets serve both directions, so a side
    is a logical one (margin-inline-start): "margin: 0 0 0 auto" kept the action notice in the right corner of an
    Arabic page, where its lines start, not where they end as on an English one."""
    sheets = (settings.BASE_DIR / "static" / "css").glob("*.css")
    found = {sheet.name: physical_sides(sheet.read_text()) for sheet in sheets}
    assert not any(found.values()), found
