"""The panel's patient messages: each template's text per language, the coverage per language, a warning for
a template missing a language, and the boards' languages in the configuration."""

import re

import pytest
from django.utils.translation import trans_real

from adminpanel.models import AuditLog, SystemConfiguration
from notifications.defaults import install_default_templates
from notifications.models import NotificationTemplate

TemplateType = NotificationTemplate.TemplateType
PAGE = "/adminpanel/messages/"


@pytest.fixture
def templates(db):
    install_default_templates()
    return NotificationTemplate.objects.all()


def test_coverage_counts_every_language_and_warns_about_a_missing_one(admin_client, templates):
    your_turn = templates.get(template_type=TemplateType.YOUR_TURN)
    your_turn.translations.filter(language="hi").delete()

    page = admin_client.get(PAGE).content.decode()

    count = templates.count()
    assert f'data-language="en" data-written="{count}"' in page
    assert f'data-language="hi" data-written="{count - 1}"' in page
    assert f'data-missing-template="{your_turn.pk}"' in page
    assert "“Your turn” has no text in हिन्दी: those patients get the English text." in page
    assert page.count("data-missing-template=") == 1


def test_each_edit_link_names_its_template_and_language_with_the_languages_own_mark(admin_client, templates):
    your_turn = templates.get(template_type=TemplateType.YOUR_TURN)

    page = admin_client.get(PAGE).content.decode()

    link = page.split(f'href="/adminpanel/messages/{your_turn.pk}/ar/">', 1)[1].split("</a>", 1)[0]
    hidden = link.split('<span class="visually-hidden">', 1)[1].rsplit("</span>", 1)[0]
    assert hidden == f'{your_turn.get_template_type_display()}, <span lang="ar" dir="rtl">العربية</span>'
    assert '<th scope="col"><span lang="hi" dir="ltr">हिन्दी</span></th>' in page


def test_the_edit_links_hidden_words_are_one_translatable_phrase(admin_client, templates, monkeypatch):
    """Listed as the page's language lists: Arabic separates them with "،", not ", "."""
    gettext = trans_real.DjangoTranslation.gettext
    arabic = {"%(template)s, %(language)s": "%(template)s، %(language)s"}
    monkeypatch.setattr(
        trans_real.DjangoTranslation, "gettext", lambda catalogue, text: arabic.get(text) or gettext(catalogue, text)
    )

    page = admin_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert '، <span lang="ar" dir="rtl">العربية</span></span>' in page


def test_writing_a_missing_language_creates_its_text_and_audits_it(admin_client, templates):
    your_turn = templates.get(template_type=TemplateType.YOUR_TURN)
    your_turn.translations.filter(language="hi").delete()
    url = f"/adminpanel/messages/{your_turn.pk}/hi/"

    assert 'Your turn in <span lang="hi" dir="ltr">हिन्दी</span>' in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"sms_template": "{name}, आपकी बारी: {token}", "whatsapp_template": ""})

    assert response.status_code == 302
    assert your_turn.translations.get(language="hi").sms_template == "{name}, आपकी बारी: {token}"
    assert AuditLog.objects.filter(action="message_template.updated").exists()
    assert "data-missing-template" not in admin_client.get(PAGE).content.decode()


def test_english_is_the_templates_own_text(admin_client, templates):
    broadcast = templates.get(template_type=TemplateType.BROADCAST)

    admin_client.post(
        f"/adminpanel/messages/{broadcast.pk}/en/", {"sms_template": "{message}", "whatsapp_template": ""}
    )

    broadcast.refresh_from_db()
    assert broadcast.sms_template == "{message}"


def test_an_unknown_placeholder_is_refused_by_field_and_nothing_is_saved(admin_client, templates):
    broadcast = templates.get(template_type=TemplateType.BROADCAST)
    before = broadcast.translations.get(language="es").sms_template

    response = admin_client.post(
        f"/adminpanel/messages/{broadcast.pk}/es/", {"sms_template": "{nombre}", "whatsapp_template": ""}
    )

    assert response.status_code == 400
    assert "sms_template" in response.context["form"].errors
    assert broadcast.translations.get(language="es").sms_template == before


@pytest.mark.parametrize("text", ["Hello {name:d} {token}", "{name!r} {token}", "{name:>999999999}"])
def test_a_placeholder_with_a_format_code_is_refused_by_field_and_nothing_is_saved(admin_client, templates, text):
    broadcast = templates.get(template_type=TemplateType.BROADCAST)
    before = broadcast.sms_template

    response = admin_client.post(
        f"/adminpanel/messages/{broadcast.pk}/en/", {"sms_template": text, "whatsapp_template": ""}
    )

    assert response.status_code == 400
    assert "Placeholders take no format code" in " ".join(response.context["form"].errors["sms_template"])
    broadcast.refresh_from_db()
    assert broadcast.sms_template == before


def test_a_language_smartqueue_does_not_speak_is_not_found(admin_client, templates):
    assert admin_client.get(f"/adminpanel/messages/{templates.first().pk}/xx/").status_code == 404


def test_the_boards_languages_are_a_subset_of_the_sites(admin_client):
    fields = {
        "hospital_name": "St Mary",
        "notify_when_patients_ahead": "3",
        "clinic_opens_at": "08:00",
        "clinic_closes_at": "17:00",
        "late_moves_back_places": "3",
        "wait_alert_minutes": "45",
        "appointment_early_check_in_minutes": "30",
        "appointment_grace_minutes": "10",
        "appointment_walk_in_share_percent": "30",
        "appointment_booking_days_ahead": "14",
    }

    refused = admin_client.post("/adminpanel/configuration/", {**fields, "board_languages": ["en", "xx"]})
    assert "board_languages" in refused.context["form"].errors

    saved = admin_client.post("/adminpanel/configuration/", {**fields, "board_languages": ["hi", "ar"]})
    assert saved.status_code == 302
    assert SystemConfiguration.load().board_languages == ["hi", "ar"]


def test_a_texts_page_names_its_event_in_the_readers_language(admin_client, templates):
    """Its title read "Your turn en Español": the installed template's English name inside a Spanish sentence."""
    your_turn = templates.get(template_type=TemplateType.YOUR_TURN)

    page = admin_client.get(f"/adminpanel/messages/{your_turn.pk}/hi/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Su turno en" in page
    assert "Your turn en" not in page


def test_a_texts_fields_are_typed_in_its_language_and_the_languages_name_is_marked(admin_client, templates):
    """Arabic text on a Spanish page: its fields say they are Arabic, typed right to left, so a screen reader
    reads them in an Arabic voice; the title's "English" is said in English."""
    your_turn = templates.get(template_type=TemplateType.YOUR_TURN)
    spanish = {"HTTP_ACCEPT_LANGUAGE": "es"}

    arabic = admin_client.get(f"/adminpanel/messages/{your_turn.pk}/ar/", **spanish).content.decode()
    english = admin_client.get(f"/adminpanel/messages/{your_turn.pk}/en/", **spanish).content.decode()

    assert re.search(r'<textarea name="sms_template"[^>]* lang="ar" dir="rtl"', arabic)
    assert re.search(r'<textarea name="whatsapp_template"[^>]* lang="ar" dir="rtl"', arabic)
    assert re.search(r'<textarea name="sms_template"[^>]* lang="en" dir="ltr"', english)
    assert 'en <span lang="en" dir="ltr">English</span></h1>' in english
