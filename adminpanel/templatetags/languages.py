"""A language's name as it writes it itself (settings.LANGUAGES): `{{ "ar"|language_name }}`."""

from django import template
from django.conf import settings
from django.utils.html import format_html

from smartqueue.i18n import text_direction

register = template.Library()


@register.filter
def language_name(code):
    """The name marked with its language and direction, so a screen reader says "العربية" in an Arabic voice
    on an English page (WCAG 3.1.2), and it keeps its order inside a sentence of the other direction."""
    return format_html('<span lang="{}" dir="{}">{}</span>', code, text_direction(code), dict(settings.LANGUAGES)[code])
