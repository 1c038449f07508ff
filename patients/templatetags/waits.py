"""How a wait reads: an estimate on the patient's pages and in their text messages "~25 min", "about 1 h 15 min",
"about 4 h"; a wait so far on the staff screens `{{ minutes|wait_duration }}`, "2 h 40 min". A wait of 250
minutes is a number to work out; in hours it is one to plan by. static/js/wait-words.js draws the same words on
the live pages (test_wait_words_read_alike_on_the_server_and_in_the_browser)."""

from django import template
from django.utils.translation import gettext

register = template.Library()

# From an hour on, a wait reads in hours and minutes (to five minutes); from three hours, in hours: an estimate
# that far ahead is not better than that.
HOURS_FROM_MINUTES = 60
WHOLE_HOURS_FROM_MINUTES = 180


def _nearest(value, step):
    return int(value / step + 0.5) * step


@register.filter
def wait_duration(minutes):
    if minutes < HOURS_FROM_MINUTES:
        return gettext("%(minutes)s min") % {"minutes": minutes}
    if minutes < WHOLE_HOURS_FROM_MINUTES:
        hours, rest = divmod(_nearest(minutes, 5), 60)
        if rest:
            return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
        return gettext("%(hours)s h") % {"hours": hours}
    return gettext("%(hours)s h") % {"hours": _nearest(minutes, 60) // 60}


@register.simple_tag
def wait_words(minutes):
    if minutes < HOURS_FROM_MINUTES:
        return gettext("~%(minutes)s min") % {"minutes": minutes}
    return gettext("about %(wait)s") % {"wait": wait_duration(minutes)}


@register.simple_tag
def wait_range_words(low, high):
    if high < HOURS_FROM_MINUTES:
        return gettext("about %(low)s–%(high)s min") % {"low": low, "high": high}
    return gettext("about %(low)s – %(high)s") % {"low": wait_duration(low), "high": wait_duration(high)}


def expected_wait_words(minutes, *, doctors_on_duty):
    """A text message's {expected_wait}: what the status page shows, in words that fit a sentence."""
    if not doctors_on_duty:
        # A wait measured against doctors who are not there would be a promise nobody keeps.
        return gettext("no doctor on duty yet")
    if minutes is None:
        return ""
    if minutes == 0:
        return gettext("any moment now")
    return gettext("about %(wait)s") % {"wait": wait_duration(minutes)}
