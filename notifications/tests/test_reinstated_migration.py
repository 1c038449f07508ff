"""Migration 0042 installs the "cancelled token restored" template, with its translations, where templates are
installed."""

import importlib

from django.apps import apps

from notifications.defaults import DEFAULT_TEMPLATES, DEFAULT_TRANSLATIONS
from notifications.models import NotificationTemplate

migration = importlib.import_module("notifications.migrations.0042_reinstated_message")
TemplateType = NotificationTemplate.TemplateType


def test_a_hospital_with_its_templates_installed_gets_the_new_one_to_edit(db):
    name, text = DEFAULT_TEMPLATES[TemplateType.YOUR_TURN]
    NotificationTemplate.objects.create(template_type=TemplateType.YOUR_TURN, name=name, sms_template=text)

    migration.install_template(apps, None)

    installed = NotificationTemplate.objects.get(template_type=TemplateType.REINSTATED)
    assert installed.sms_template == DEFAULT_TEMPLATES[TemplateType.REINSTATED][1]
    assert dict(installed.translations.values_list("language", "sms_template")) == DEFAULT_TRANSLATIONS[
        TemplateType.REINSTATED
    ]

    migration.remove_template(apps, None)

    assert not NotificationTemplate.objects.filter(template_type=TemplateType.REINSTATED).exists()


def test_a_hospital_without_templates_keeps_sending_the_default_text(db):
    migration.install_template(apps, None)

    assert not NotificationTemplate.objects.exists()
