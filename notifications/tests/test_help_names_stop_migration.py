"""Migration 0015 adds the STOP word to the shipped HELP replies, and only to those."""

import importlib

from django.apps import apps

from notifications.defaults import DEFAULT_TEMPLATES
from notifications.models import NotificationTemplate, NotificationTemplateTranslation
from notifications.tests.shipped_before_the_token_word import shipped_before_the_token_word

migration = importlib.import_module("notifications.migrations.0015_help_names_stop")
TemplateType = NotificationTemplate.TemplateType


def test_help_replies_still_as_shipped_name_stop_and_an_admins_wording_is_kept(db):
    NotificationTemplate.objects.all().delete()
    old = migration.REWORDED["reply_help"]
    shipped = NotificationTemplate.objects.create(
        template_type=TemplateType.REPLY_HELP, name="Keywords", sms_template=old["en"][0]
    )
    translations = {
        language: NotificationTemplateTranslation.objects.create(template=shipped, language=language, sms_template=text)
        for language, (text, _reworded) in old.items()
        if language not in ("en", "es")
    }
    own_words = NotificationTemplateTranslation.objects.create(
        template=shipped, language="es", sms_template="Turno {token}: escriba ESTADO. {link}"
    )

    migration.reword(apps, forwards=True)

    shipped.refresh_from_db()
    own_words.refresh_from_db()
    assert shipped.sms_template == DEFAULT_TEMPLATES[TemplateType.REPLY_HELP][1]
    for language, translation in translations.items():
        translation.refresh_from_db()
        assert translation.sms_template == shipped_before_the_token_word(TemplateType.REPLY_HELP, language)
    assert own_words.sms_template == "Turno {token}: escriba ESTADO. {link}"

    migration.reword(apps, forwards=False)

    shipped.refresh_from_db()
    assert shipped.sms_template == old["en"][0]
