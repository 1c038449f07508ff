"""Django admin in the site's other languages: every model's name, every field's label and help text, and every
choice, read in the admin's language, as in the panel. They were written in English and left so on a Spanish page
("Añadir queue entry")."""

import re
from datetime import timedelta
from functools import cache

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from axes.models import AccessLog
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext

from adminpanel.models import AdminUser, AuditLog, DepartmentAnalytics, SystemConfiguration
from notifications.models import (
    InboundMessage,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    NotificationTemplateTranslation,
    NumberOptOut,
    OutboxMessage,
    WebhookDelivery,
    WebhookEndpoint,
)
from patients.models import Appointment, PatientFeedback, WaitAlert
from smartqueue.django_admin_words import DJANGO_ADMIN_WORDS_MISSING_IN_HINDI
from smartqueue.sign_in_lockouts import DJANGO_AXES_WORDS
from smartqueue.tests.test_translations import TRANSLATED, VisibleText, catalogue

OWN_APPS = ["patients", "doctors", "notifications", "adminpanel"]
OWN_MODELS = [model for app in OWN_APPS for model in apps.get_app_config(app).get_models()]
# django-axes' models, whose words the project's catalogues carry (smartqueue.sign_in_lockouts).
AXES_MODELS = list(apps.get_app_config("axes").get_models())
AXES_REGISTERED = [model for model in AXES_MODELS if model in admin.site._registry]
REGISTERED = sorted(
    (model for model in admin.site._registry if model._meta.app_label in OWN_APPS), key=lambda model: model._meta.label
)
# Languages are named in their own words wherever a language is chosen (docs/i18n.md).
LANGUAGE_NAMES = {name for _code, name in settings.LANGUAGES}


@cache
def translations_in(language):
    return {entry.msgid: entry.msgstr for entry in catalogue(language, "django") if entry.msgstr and not entry.msgctxt}


def fields_shown(model):
    return [field for field in model._meta.get_fields() if not field.auto_created]


def words_of(model):
    """What Django admin reads out of the model: its names, each field's label and help text, each choice."""
    words = [model._meta.verbose_name, model._meta.verbose_name_plural]
    for field in fields_shown(model):
        words += [field.verbose_name, field.help_text]
        words += [label for _value, label in field.flatchoices if label not in LANGUAGE_NAMES]
    return [word for word in words if word]


def words_of_admin(model):
    """What the model's admin page adds: its columns' and filters' titles, its actions' descriptions."""
    model_admin = admin.site._registry[model]
    words = [label_for_field(name, model, model_admin) for name in model_admin.list_display]
    words += [description for _action, _name, description in model_admin._get_base_actions()]
    for inline in model_admin.inlines:
        words += words_of(inline.model)
    return words


@pytest.mark.parametrize("model", OWN_MODELS + AXES_MODELS, ids=lambda model: model._meta.label)
def test_every_name_label_and_choice_of_a_model_is_translated_in_every_language(model):
    untranslated = []
    for word in words_of(model):
        with translation.override(None):
            english = str(word)
        if not isinstance(word, Promise):
            untranslated.append(f"{english!r} is not marked for translation")
            continue
        for language in TRANSLATED:
            with translation.override(language):
                translated = str(word)
            # A word may read the same in a language ("SMS"), when its catalogue says so.
            if translated == english and english not in translations_in(language):
                untranslated.append(f"{english!r} has no {language} translation")
    assert not untranslated, "\n".join(untranslated)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_column_and_action_of_a_models_admin_page_is_marked_for_translation(model):
    model_admin = admin.site._registry[model]
    # "__str__" is titled with the model's name, checked with the model.
    columns = [label_for_field(name, model, model_admin) for name in model_admin.list_display if name != "__str__"]
    actions = [description for _action, _name, description in model_admin._get_base_actions()]
    assert not [str(word) for word in columns + actions if not isinstance(word, Promise)]


@pytest.fixture
def one_of_each(make_department, make_doctor, make_user, make_token):
    """A row of every model Django admin lists, worded so that no English name of the models could be in it."""
    department = make_department(name="Kardio", code="KARD", room="B-4")
    doctor = make_doctor(department=department, user=make_user(username="rao", first_name="Ravi", last_name="Rao"))
    entry = make_token(department, name="Asha Rao", phone="+14155550101")
    patient = entry.patient
    now = timezone.now()
    PatientFeedback.objects.create(patient=patient, queue_entry=entry, rating=4, comment="Muy bien")
    Appointment.objects.create(patient=patient, department=department, slot_start=now + timedelta(days=1), seat=1)
    WaitAlert.objects.create(department=department, threshold_minutes=45, started_at=now, peak_wait_minutes=50)
    NotificationTemplate.objects.all().delete()
    template = NotificationTemplate.objects.create(
        name="Kardio", template_type=NotificationTemplate.TemplateType.CUSTOM, sms_template="Hola {name}"
    )
    NotificationTemplateTranslation.objects.create(template=template, language="es", sms_template="Hola {name}")
    NotificationPreference.objects.create(patient=patient, opted_out=True)
    NumberOptOut.objects.create(phone="+14155550199")
    Notification.objects.create(
        patient=patient, queue_entry=entry, channel="sms", event="registration", idempotency_key="k-1", body="Hola"
    )
    OutboxMessage.objects.create(task_name="tarea.uno")
    InboundMessage.objects.create(
        message_sid="SM1", channel="sms", from_phone=patient.phone, body="ESTADO", keyword="ESTADO",
        effect=InboundMessage.Effect.STATUS_SENT, patient=patient, queue_entry=entry,
    )
    endpoint = WebhookEndpoint.objects.create(name="Kardio", url="https://example.org/h", event_types=["token.called"])
    WebhookDelivery.objects.create(endpoint=endpoint, event="token.called", payload={"turno": "KARD-001"})
    AdminUser.objects.create(user=make_user(username="gerente"), designation="Jefa")
    DepartmentAnalytics.objects.create(department=department, date=now.date())
    SystemConfiguration.load()
    AuditLog.objects.create(actor=doctor.user, action="x.y", object_type="x", object_id="1", object_repr="Kardio")


def theirs(language):
    """The names of Django's own apps and models: their translators' to complete."""
    others = [model for model in admin.site._registry if model._meta.app_label not in [*OWN_APPS, "axes"]]
    with translation.override(language):
        return {capfirst(model._meta.verbose_name_plural) for model in others} | {
            str(model._meta.app_config.verbose_name) for model in others
        }


def english_left(page, words, language):
    """The English words (of those translated in the language) that the page shows. A word in code is code: a
    placeholder ({name}), a JSON key ("room") or part of a task's dotted name (notifications.tasks.…)."""
    parser = VisibleText()
    parser.feed(page)
    shown = "\n".join(text for text in parser.texts if text not in theirs(language))
    left = []
    for word in words:
        with translation.override(None):
            english = str(word)
        # "doctor" is "doctor" in Spanish too, and Arabic writes "URL" in "عنوان URL".
        if english.casefold() in translations_in(language).get(english, "").casefold():
            continue
        left += [
            f"{english!r} in …{shown[max(found.start() - 30, 0):found.end() + 30]}…"
            for found in re.finditer(rf"(?<![\w{{\".]){re.escape(english)}(?![\w}}\"]|\.\w)", shown, re.IGNORECASE)
        ]
    return left


@pytest.mark.parametrize("language", ["es", "ar"])
@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_django_admin_lists_and_forms_read_in_the_admins_language(client, make_user, one_of_each, language, model):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    # The navigation names every model, the page its own and its rows' models.
    words = [word for listed in REGISTERED for word in words_of(listed)[1:2]]
    words += [apps.get_app_config(app).verbose_name for app in OWN_APPS]
    words += words_of(model) + words_of_admin(model)
    changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    change_form = f"{changelist}{model.objects.order_by('pk').first().pk}/change/"

    for page in [changelist, change_form]:
        answer = client.get(page)
        assert answer.status_code == 200, page
        assert f'lang="{language}"' in answer.content.decode()
        assert not english_left(answer.content.decode(), words, language), page


# The rows whose name is in words ("… by SMS: Sent"), as Django admin titles their pages and lists them.
WORDED_ROWS = [
    PatientFeedback, WaitAlert, NotificationPreference, NumberOptOut, Notification, OutboxMessage, InboundMessage,
    WebhookDelivery, DepartmentAnalytics,
]


@pytest.mark.parametrize("model", WORDED_ROWS, ids=lambda model: model._meta.label)
def test_a_rows_name_is_in_the_readers_language(one_of_each, model):
    row = model.objects.order_by("pk").first()
    with translation.override(None):
        english = str(row)
    for language in TRANSLATED:
        with translation.override(language):
            assert str(row) != english, language


@pytest.mark.parametrize("language", ["es", "hi", "ar"])
@pytest.mark.parametrize("model", AXES_REGISTERED, ids=lambda model: model._meta.label)
def test_django_admin_shows_sign_in_attempts_and_lockouts_in_the_admins_language(client, make_user, language, model):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    words = [*DJANGO_AXES_WORDS, apps.get_app_config("axes").verbose_name]
    # A row's name is axes' own English sentence ("Access Log for rao @ …"), not a word the catalogues can give.
    AccessLog.objects.all().delete()

    for page in ["/admin/", f"/admin/axes/{model._meta.model_name}/"]:
        answer = client.get(page)
        assert answer.status_code == 200, page
        assert not english_left(answer.content.decode(), words, language), page


def test_every_word_of_django_axes_models_and_pages_is_translated_by_the_catalogues_or_by_django():
    with translation.override(None):
        words = {str(word) for model in AXES_MODELS for word in words_of(model)}
        words |= {str(word) for model in AXES_REGISTERED for word in words_of_admin(model)}
    untranslated = []
    for word in sorted(words - set(DJANGO_AXES_WORDS)):
        for language in TRANSLATED:
            with translation.override(language):
                if gettext(word) == word:
                    untranslated.append(f"{word!r} in {language}")
    assert not untranslated
    for language in TRANSLATED:
        assert set(DJANGO_AXES_WORDS) <= set(translations_in(language)), language


@pytest.mark.parametrize("language", TRANSLATED)
def test_django_admins_own_words_that_django_leaves_in_english_in_hindi_are_in_the_catalogues(
    client, make_user, department, language
):
    """Django ships Hindi for its older admin words only: a Hindi admin page said "Skip to main content",
    "Toggle theme", "Recent actions" and named each row's check box "Select this object for an action" in English."""
    client.force_login(make_user(is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    pages = "".join(client.get(page).content.decode() for page in ["/admin/", "/admin/patients/department/"])

    for english in ["Skip to main content", "Toggle theme", "Recent actions", "View site", "Breadcrumbs", "Sidebar",
                    "Start typing to filter", "Select this object for an action", "Authentication and Authorization"]:
        assert english not in pages, (language, english)
    assert set(DJANGO_ADMIN_WORDS_MISSING_IN_HINDI) <= set(translations_in(language)), language


@pytest.mark.parametrize("language", TRANSLATED)
def test_django_admins_search_box_is_named_in_the_admins_language(client, make_user, department, language):
    """The box's label is Django's magnifier, whose alt text Django writes in English: a screen reader called the
    search box "Search" on a Spanish, Hindi or Arabic list."""
    client.force_login(make_user(is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get("/admin/patients/department/").content.decode()

    label = re.search(r'<label for="searchbar"><img [^>]*alt="([^"]*)"', page).group(1)
    with translation.override(language):
        assert label == gettext("Search") != "Search"


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_django_admins_yes_and_no_icons_are_words_in_the_admins_language(client, make_user, make_department, language):
    """Django writes a yes/no column's icon with the Python value for its alt text: a screen reader said "True" and
    "False" on every list, in every language."""
    make_department(name="Cardiology", code="CARD")
    make_department(name="Dermatology", code="DERM", is_active=False)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get("/admin/patients/department/").content.decode()

    icons = re.findall(r'<img src="[^"]*/icon-(yes|no|unknown)\.svg" alt="([^"]*)"', page)
    with translation.override(language):
        assert sorted(set(icons)) == [("no", gettext("No")), ("yes", gettext("Yes"))]
