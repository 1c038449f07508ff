"""The reports' figures to a tenth, alike on the page and in the CSV export: `{{ row.estimate_bias|signed_tenths }}`.

Halves round away from zero, as Django's floatformat rounds them and as a reader checking a mean by hand does: a
mean error of 6.25 minutes read 6.3 on the page and 6.2 in the export (Python's format rounds a half to even)."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


def tenths(value, *, localized=True):
    """The number to one decimal, in the page's way of writing numbers unless localized is off (the CSV's)."""
    return floatformat(value, "1" if localized else "1u")


@register.filter
def signed_tenths(value):
    """A bias to one decimal with its sign, "+3.8" or "-3.8" ("0.0" when it rounds to none): a positive one said
    3.8, which a reader takes for a size rather than a direction. None stays None, for `default`."""
    if value is None:
        return None
    shown = tenths(value)
    return f"+{shown}" if value > 0 and shown.strip("0.,") else shown


@register.filter
def percent(rate):
    """A rate of 0 to 1 as a whole percentage, its half rounded up as tenths() rounds one: 1 no-show in 8 reads 13,
    not widthratio's 12 (Python's round takes a half to the even number). None stays None, for `default`."""
    if rate is None:
        return None
    return floatformat(rate * 100, 0)
