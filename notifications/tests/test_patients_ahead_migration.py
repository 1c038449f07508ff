"""Migration 0016 rewords the shipped "patients ahead" texts ("1 patients are ahead") to {patients_ahead}, and
only those."""

import importlib

from django.apps import apps

from notifications.defaults import DEFAULT_TEMPLATES
from notifications.models import NotificationTemplate, NotificationTemplateTranslation
from notifications.tests.shipped_before_the_token_word import shipped_before_the_token_word

migration = importlib.import_module("notifications.migrations.0016_patients_ahead_in_words")
TemplateType = NotificationTemplate.TemplateType


def test_texts_still_as_shipped_word_the_count_and_an_admins_wording_is_kept(db):
    NotificationTemplate.objects.all().delete()
    old = migration.REWORDED["patients_ahead"]
    shipped = NotificationTemplate.objects.create(
        template_type=TemplateType.PATIENTS_AHEAD, name="Patients ahead", sms_template=old["en"][0]
    )
    arabic = NotificationTemplateTranslation.objects.create(template=shipped, language="ar", sms_template=old["ar"][0])
    own_words = NotificationTemplateTranslation.objects.create(
        template=shipped, language="es", sms_template="{name}: {position} delante."
    )

    migration.reword(apps, forwards=True)

    for row in (shipped, arabic, own_words):
        row.refresh_from_db()
    assert shipped.sms_template == DEFAULT_TEMPLATES[TemplateType.PATIENTS_AHEAD][1]
    assert arabic.sms_template == shipped_before_the_token_word(TemplateType.PATIENTS_AHEAD, "ar")
    assert own_words.sms_template == "{name}: {position} delante."

    migration.reword(apps, forwards=False)

    shipped.refresh_from_db()
    assert shipped.sms_template == old["en"][0]
