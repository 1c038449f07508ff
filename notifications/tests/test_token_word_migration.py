"""Arabic texts call a token "رقم الدور" (the queue number), not "الرقم", which is also the phone number ("صحّح مكتب
الاستقبال رقم هاتفكم للرقم CARD-001"); migration 0038 rewords the texts still as shipped, and only those."""

import importlib
import re

from django.apps import apps

from notifications.defaults import DEFAULT_TEMPLATES, DEFAULT_TRANSLATIONS
from notifications.models import NotificationTemplate, NotificationTemplateTranslation

migration = importlib.import_module("notifications.migrations.0038_arabic_texts_call_a_token_its_queue_number")
TemplateType = NotificationTemplate.TemplateType
BARE_NUMBER_BEFORE_A_TOKEN = re.compile(r"(?:^|[\s(])[وف]?(?:ال|لل|بال)رقم \{token\}")


def test_no_shipped_arabic_text_calls_a_token_the_bare_number():
    wrong = [kind for kind, texts in DEFAULT_TRANSLATIONS.items() if BARE_NUMBER_BEFORE_A_TOKEN.search(texts["ar"])]
    assert not wrong
    assert "رقم هاتفكم لرقم الدور {token}" in DEFAULT_TRANSLATIONS[TemplateType.PHONE_CORRECTED]["ar"]


def test_arabic_texts_still_as_shipped_say_the_queue_number_and_an_admins_wording_is_kept(db):
    name, text = DEFAULT_TEMPLATES[TemplateType.PHONE_CORRECTED]
    template = NotificationTemplate.objects.create(
        template_type=TemplateType.PHONE_CORRECTED, name=name, sms_template=text
    )
    shipped = NotificationTemplateTranslation.objects.create(
        template=template, language="ar", sms_template=migration.REWORDED["phone_corrected"]["ar"][0]
    )
    name, text = DEFAULT_TEMPLATES[TemplateType.YOUR_TURN]
    your_turn = NotificationTemplate.objects.create(template_type=TemplateType.YOUR_TURN, name=name, sms_template=text)
    own_words = NotificationTemplateTranslation.objects.create(
        template=your_turn, language="ar", sms_template="الرقم {token}: تفضلوا إلى {doctor}."
    )

    migration.reword(apps, None)

    shipped.refresh_from_db()
    own_words.refresh_from_db()
    assert shipped.sms_template == DEFAULT_TRANSLATIONS[TemplateType.PHONE_CORRECTED]["ar"]
    assert own_words.sms_template == "الرقم {token}: تفضلوا إلى {doctor}."

    migration.reword_back(apps, None)

    shipped.refresh_from_db()
    assert shipped.sms_template == migration.REWORDED["phone_corrected"]["ar"][0]


def test_the_migration_rewords_to_the_texts_installed_now():
    for template_type, reworded in migration.REWORDED.items():
        assert DEFAULT_TRANSLATIONS[template_type]["ar"] == reworded["ar"][1]


no_token_migration = importlib.import_module("notifications.migrations.0052_arabic_no_token_reply_says_queue_number")
# The indefinite bare "رقم" (a number) too, as the pages' test reads it: the reply to a patient with no token said
# "ليس لديكم رقم … فخذوا رقمًا". "رقم المستشفى" (the hospital's number) is the phone number it means.
INDEFINITE_BARE_NUMBER = re.compile(r"(?<!\S)[وفب]?رقم(?:ًا)?(?=[\s.:،؛]|$)(?!\s+(?:ال)?(?:دور|هاتف|المستشفى))")


def test_no_shipped_arabic_text_calls_a_token_a_bare_number():
    wrong = [kind for kind, texts in DEFAULT_TRANSLATIONS.items() if INDEFINITE_BARE_NUMBER.search(texts["ar"])]
    assert not wrong


def test_the_no_token_reply_still_as_shipped_says_a_queue_number(db):
    name, text = DEFAULT_TEMPLATES[TemplateType.REPLY_NO_TOKEN]
    template = NotificationTemplate.objects.create(
        template_type=TemplateType.REPLY_NO_TOKEN, name=name, sms_template=text
    )
    before, after = no_token_migration.REWORDED["reply_no_token"]["ar"]
    shipped = NotificationTemplateTranslation.objects.create(template=template, language="ar", sms_template=before)

    no_token_migration.reword(apps, None)

    shipped.refresh_from_db()
    assert shipped.sms_template == after == DEFAULT_TRANSLATIONS[TemplateType.REPLY_NO_TOKEN]["ar"]
    no_token_migration.reword_back(apps, None)
    shipped.refresh_from_db()
    assert shipped.sms_template == before
