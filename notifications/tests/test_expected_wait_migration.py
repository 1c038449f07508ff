"""Migration 0010 rewords the shipped texts that gave the wait as a number of minutes, and only those."""

import importlib

from django.apps import apps

from notifications.defaults import DEFAULT_TEMPLATES, DEFAULT_TRANSLATIONS
from notifications.models import NotificationTemplate, NotificationTemplateTranslation

migration = importlib.import_module("notifications.migrations.0010_expected_wait_in_words")
TemplateType = NotificationTemplate.TemplateType


def test_texts_still_as_shipped_say_the_expected_wait_and_an_admins_wording_is_kept(db):
    NotificationTemplate.objects.all().delete()
    old = migration.REWORDED["registration"]
    shipped = NotificationTemplate.objects.create(
        template_type=TemplateType.REGISTRATION, name="Registration", sms_template=old["en"][0]
    )
    spanish = NotificationTemplateTranslation.objects.create(template=shipped, language="es", sms_template=old["es"][0])
    own_words = NotificationTemplate.objects.create(
        template_type=TemplateType.PATIENTS_AHEAD, name="Ahead", sms_template="{name}: {position} ahead, {wait} min."
    )

    migration.reword(apps, forwards=True)

    shipped.refresh_from_db()
    spanish.refresh_from_db()
    own_words.refresh_from_db()
    assert shipped.sms_template == DEFAULT_TEMPLATES[TemplateType.REGISTRATION][1]
    assert spanish.sms_template == DEFAULT_TRANSLATIONS[TemplateType.REGISTRATION]["es"]
    assert own_words.sms_template == "{name}: {position} ahead, {wait} min."

    migration.reword(apps, forwards=False)

    shipped.refresh_from_db()
    assert shipped.sms_template == old["en"][0]
