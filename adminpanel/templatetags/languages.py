"""A language's name as it writes it itself (settings.LANGUAGES): `{{ "ar"|language_name }}`."""

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import format_html

register = template.Library()


@register.filter
def language_name(code):
    """The name marked with its language and direction, so a screen reader says "العربية" in an Arabic voice
    on an English page (WCAG 3.1.2), and it keeps its order inside a sentence of the other direction."""
    direction = "rtl" if translation.get_language_info(code)["bidi"] else "ltr"
    return format_html('<span lang="{}" dir="{}">{}</span>', code, direction, dict(settings.LANGUAGES)[code])
