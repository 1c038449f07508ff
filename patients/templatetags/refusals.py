"""`{% refused_form_title %}` at the start of a page's <title>: a page shown again because its form was refused says
so in its title, the first thing a screen reader reads when the page opens, not only in the error summary (WCAG 2.4.2,
3.3.1). Every page's forms are looked for under whatever name its view gave them, so no page can forget to."""

from django import forms, template
from django.forms.formsets import BaseFormSet
from django.utils.translation import gettext as _

register = template.Library()


def _refused(value):
    if isinstance(value, forms.BaseForm):
        return value.is_bound and bool(value.errors)
    if isinstance(value, BaseFormSet):
        return value.is_bound and value.total_error_count() > 0
    return False


@register.simple_tag(takes_context=True)
def refused_form_title(context):
    if any(_refused(value) for value in context.flatten().values()):
        return _("Please correct the form") + " · "
    return ""
