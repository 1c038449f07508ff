"""A department's name, room and description on a page: `{{ department|translated:"name" }}`.

Admins write them in the site's language (LANGUAGE_CODE) and may translate them (Department.translations).
A page in another language shows the translation; where there is none, the text as written, marked with its
language so that a screen reader says "Cardiology" in an English voice on a Spanish page (WCAG 3.1.2), and
isolated so that a left-to-right name keeps its order inside an Arabic sentence.

The department is a Department or, on the boards, the department of a published queue (a dict of
patients.serializers.DepartmentSummarySerializer).
"""

import unicodedata

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from patients.models import Department, translation_in
from smartqueue.i18n import text_direction

register = template.Library()


def _read(department, key):
    return department.get(key) if isinstance(department, dict) else getattr(department, key)


def _primary(language):
    return (language or settings.LANGUAGE_CODE).split("-")[0]


@register.filter
def translated(department, field):
    text = translation_in(_read(department, "translations"), field, translation.get_language())
    return text or in_site_language(_read(department, field))


def site_language_marks(department, field):
    """lang and dir of the site's language for a department's field shown as written on a page in another
    language, else none: for an element that names it alone (an <option>, which holds no <span>)."""
    if translation_in(_read(department, "translations"), field, translation.get_language()):
        return {}
    if _primary(translation.get_language()) == _primary(settings.LANGUAGE_CODE):
        return {}
    return {"lang": settings.LANGUAGE_CODE, "dir": text_direction(settings.LANGUAGE_CODE)}


@register.filter
def in_site_language(text):
    """Words as admins wrote them (a department's name in a report's row), marked as the site's language on a page
    in another one."""
    if not text or _primary(translation.get_language()) == _primary(settings.LANGUAGE_CODE):
        return text
    return format_html(
        '<span lang="{}" dir="{}">{}</span>', settings.LANGUAGE_CODE, text_direction(settings.LANGUAGE_CODE), text
    )


@register.simple_tag
def site_language_attributes():
    """data-written-in and data-written-dir: the site's language and its direction, for a script that draws a
    department's name or a room as written where it has no translation (the boards, the status page)."""
    language = settings.LANGUAGE_CODE
    return format_html('data-written-in="{}" data-written-dir="{}"', language, text_direction(language))


def reading_order(label):
    """A name's place in an alphabetical list as its readers look for it: accents and other marks set on a letter
    (Spanish "í", Arabic hamza "أ", Hindi "ं") do not move it."""
    decomposed = unicodedata.normalize("NFKD", str(label)).casefold()
    return "".join(character for character in decomposed if unicodedata.category(character) != "Mn")


@register.filter
def in_reading_order(departments):
    """Departments in the alphabetical order of their names as the page shows them, not as written (in English a
    Spanish page listed "Cardiología, Dermatología, Otorrinolaringología, Medicina general, …")."""
    return sorted(departments, key=lambda department: reading_order(translated_text(department, "name")))


@register.filter
def translated_text(department, field):
    """The same words without their language's mark-up, for attributes and option labels."""
    translated_words = translation_in(_read(department, "translations"), field, translation.get_language())
    return translated_words or _read(department, field)


def sentence_with(message, **values):
    """A translated %-style sentence for a page with names put in as HTML (a department `translated` marks with its
    language keeps its lang and dir): the sentence and plain values escaped, HTML values kept."""
    return mark_safe(conditional_escape(message) % {name: conditional_escape(value) for name, value in values.items()})


def name_on_page(target):
    """A department by its name in the reader's language (marked where left as written), anything else (a doctor)
    as it describes itself: for a page's sentence (sentence_with)."""
    return translated(target, "name") if isinstance(target, Department) else str(target)
