"""Migration 0027 puts the one-time {code} into the shipped CANCEL questions, and only into those."""

import importlib

from django.apps import apps

from notifications.defaults import DEFAULT_TEMPLATES
from notifications.models import NotificationTemplate, NotificationTemplateTranslation
from notifications.tests.shipped_before_the_token_word import shipped_before_the_token_word

migration = importlib.import_module("notifications.migrations.0028_cancel_question_carries_its_code")
TemplateType = NotificationTemplate.TemplateType


def test_cancel_questions_still_as_shipped_carry_the_code_and_an_admins_wording_is_kept(db):
    old = migration.REWORDED
    shipped = NotificationTemplate.objects.create(
        template_type=TemplateType.REPLY_CANCEL_ASK, name="Confirm cancelling", sms_template=old["en"][0]
    )
    translations = {
        language: NotificationTemplateTranslation.objects.create(template=shipped, language=language, sms_template=text)
        for language, (text, _with_code) in old.items()
        if language not in ("en", "es")
    }
    own_words = NotificationTemplateTranslation.objects.create(
        template=shipped, language="es", sms_template="¿Cancelar {token}? Responda SÍ."
    )

    migration.with_the_code(apps, None)

    shipped.refresh_from_db()
    own_words.refresh_from_db()
    assert shipped.sms_template == DEFAULT_TEMPLATES[TemplateType.REPLY_CANCEL_ASK][1]
    assert "{code}" in shipped.sms_template
    for language, translation in translations.items():
        translation.refresh_from_db()
        assert translation.sms_template == shipped_before_the_token_word(TemplateType.REPLY_CANCEL_ASK, language)
    assert own_words.sms_template == "¿Cancelar {token}? Responda SÍ."

    migration.without_the_code(apps, None)

    shipped.refresh_from_db()
    assert shipped.sms_template == old["en"][0]
