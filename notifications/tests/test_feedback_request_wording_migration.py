"""Migration 0031 rewords the shipped Hindi and Arabic feedback requests, which thanked the patient for visiting the
department's name as if it were a place ("हृदय रोग आने के लिए"), and only those."""

import importlib

from django.apps import apps

from notifications.defaults import DEFAULT_TEMPLATES, DEFAULT_TRANSLATIONS
from notifications.models import NotificationTemplate, NotificationTemplateTranslation

migration = importlib.import_module("notifications.migrations.0031_feedback_request_names_the_department_as_a_place")
TemplateType = NotificationTemplate.TemplateType


def test_the_shipped_feedback_requests_say_in_the_department_and_an_admins_wording_is_kept(db):
    name, text = DEFAULT_TEMPLATES[TemplateType.FEEDBACK_REQUEST]
    template = NotificationTemplate.objects.create(
        template_type=TemplateType.FEEDBACK_REQUEST, name=name, sms_template=text
    )
    hindi = NotificationTemplateTranslation.objects.create(
        template=template, language="hi", sms_template=migration.REWORDED["hi"][0]
    )
    arabic = NotificationTemplateTranslation.objects.create(
        template=template, language="ar", sms_template="شكرًا {name}: {link}"
    )

    migration.reword(apps, None)

    hindi.refresh_from_db()
    arabic.refresh_from_db()
    assert hindi.sms_template == DEFAULT_TRANSLATIONS[TemplateType.FEEDBACK_REQUEST]["hi"]
    assert hindi.sms_template.startswith("{department} में आने")
    assert arabic.sms_template == "شكرًا {name}: {link}"

    migration.reword_back(apps, None)

    hindi.refresh_from_db()
    assert hindi.sms_template == migration.REWORDED["hi"][0]


def test_the_migration_rewords_to_the_texts_installed_now():
    for language, (_before, after) in migration.REWORDED.items():
        assert DEFAULT_TRANSLATIONS[TemplateType.FEEDBACK_REQUEST][language] == after
