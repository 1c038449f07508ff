"""How a wait reads: an estimate on the patient's pages and in their text messages "about 25 min", "about 1 hour 15
min", "about 4 hours"; a wait so far on the staff screens `{{ minutes|wait_duration }}`, "2 hours 40 min". A wait of 250
minutes is a number to work out; in hours it is one to plan by. static/js/wait-words.js draws the same words on
the live pages (test_wait_words_read_alike_on_the_server_and_in_the_browser)."""

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import json_script
from django.utils.translation import get_language, gettext, ngettext

from smartqueue.i18n import clock_time

register = template.Library()

# From an hour on, a wait reads in hours and minutes (to five minutes); from three hours, in hours: an estimate
# that far ahead is not better than that.
HOURS_FROM_MINUTES = 60
WHOLE_HOURS_FROM_MINUTES = 180
NO_BREAK_SPACE = "\u00a0"
# The plural categories a browser's Intl.PluralRules names, each with a count that gettext's rule of each site
# language puts in the same form: the live scripts pick an hour's form by these (static/js/wait-words.js).
PLURAL_CATEGORY_COUNTS = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}


def _nearest(value, step):
    return int(value / step + 0.5) * step


# Hours agree with their number where a language's word for them does: Hindi "1 घंटा", "2 घंटे". A word, not "h",
# which screen readers spell: "about 1 h 15 min" was said "about one aitch fifteen min".
def _hours_words(hours):
    return ngettext("%(hours)s hour", "%(hours)s hours", hours)


def _hours_minutes_words(hours):
    return ngettext("%(hours)s hour %(minutes)s min", "%(hours)s hours %(minutes)s min", hours)


@register.filter
def wait_duration(minutes):
    if minutes < HOURS_FROM_MINUTES:
        return gettext("%(minutes)s min") % {"minutes": minutes}
    if minutes < WHOLE_HOURS_FROM_MINUTES:
        hours, rest = divmod(_nearest(minutes, 5), 60)
        if rest:
            return _hours_minutes_words(hours) % {"hours": hours, "minutes": rest}
        return _hours_words(hours) % {"hours": hours}
    hours = _nearest(minutes, 60) // 60
    return _hours_words(hours) % {"hours": hours}


def wait_units():
    """A duration's words in the active language for static/js/wait-words.js, which draws it as wait_duration does:
    the hours' forms by the plural category the browser's Intl.PluralRules gives their number."""
    return {
        "language": get_language(),
        "minutes": gettext("%(minutes)s min"),
        "hours": {category: _hours_words(count) for category, count in PLURAL_CATEGORY_COUNTS.items()},
        "hours_minutes": {
            category: _hours_minutes_words(count) for category, count in PLURAL_CATEGORY_COUNTS.items()
        },
    }


@register.simple_tag
def wait_units_script():
    return json_script(wait_units(), "wait-units")


@register.simple_tag
def wait_words(minutes):
    # "about", not "~": screen readers read the sign out as "tilde" (or not at all), and texts say "about" too.
    return gettext("about %(wait)s") % {"wait": wait_duration(minutes)}


def unbroken(duration):
    """A duration a line may not break inside: the status page's wide figure wrapped "about 50 min – 1" above "h 35
    min", the hour's number parted from its unit (in Arabic "نحو 50 د – 1" above "س 35 د"). Pages only: a text
    message keeps plain spaces, as the no-break space is not in the GSM alphabet."""
    return duration.replace(" ", NO_BREAK_SPACE)


@register.simple_tag
def wait_range_words(low, high, in_a_text=False):
    """A wide estimate's range, "about 20 to 35 min", "about 45 min to 1 hour 30 min": its ends kept whole on a page,
    with plain spaces in a text message (in_a_text; see unbroken). A word between the ends, not a dash: a screen
    reader skips the dash and says "about twenty thirty-five min"."""
    if high < HOURS_FROM_MINUTES:
        return gettext("about %(low)s to %(high)s min") % {"low": low, "high": high}
    keep_whole = str if in_a_text else unbroken
    ends = {"low": keep_whole(wait_duration(low)), "high": keep_whole(wait_duration(high))}
    # Ends of whole hours can read alike ("about 3 hours to 3 hours" for 180-200 min): a range of one figure is that figure.
    if ends["low"] == ends["high"]:
        return gettext("about %(wait)s") % {"wait": ends["low"]}
    return gettext("about %(low)s to %(high)s") % ends


def doctors_expected_later(doctors, now=None):
    """The local time the department's first doctor is expected, while none is on duty and that time is still
    ahead; else None (one late is not counted on: they may come any moment, or not)."""
    expected_at = doctors["doctors_expected_at"]
    if doctors["doctors_on_duty"] or expected_at is None:
        return None
    if isinstance(expected_at, str):
        expected_at = parse_datetime(expected_at)
    if expected_at <= (now or timezone.now()):
        return None
    return clock_time(expected_at)


def beyond_today(wait, doctors):
    """The wait, said to be maybe not today where it runs past the day's hours (doctors' maybe_not_today and
    hours_end_at: a queue's or a visit's), so that a patient told "about 5 h" at 2 p.m. knows the department's hours
    end at 6 p.m. (the line closes at midnight at the latest)."""
    if not doctors.get("maybe_not_today") or doctors.get("hours_end_at") is None:
        return wait
    hours_end_at = doctors["hours_end_at"]
    if isinstance(hours_end_at, str):
        hours_end_at = parse_datetime(hours_end_at)
    return gettext("%(wait)s, maybe not today (hours end at %(time)s)") % {
        "wait": wait,
        "time": clock_time(hours_end_at),
    }


@register.simple_tag
def estimated_wait_words(minutes, low, high, doctors, now=None):
    """The estimated wait as the patient's pages show it (static/js/patient-status.js shows it alike), with what
    it rests on when no doctor is on duty: a wait measured against doctors who are not there, and are not
    expected, would be a promise nobody keeps; nor is one given in a department closed for today. doctors:
    selectors.DOCTORS_FIELDS, closed_today where the visit's department is closed, and maybe_not_today where the
    wait runs past the day's hours (VisitStatusSerializer, DepartmentOverviewSerializer: beyond_today)."""
    if doctors.get("closed_today"):
        return gettext("The department is closed today: please ask at the desk")
    if doctors["no_doctor_left_today"]:
        return gettext("No doctor is expected back today: please ask at the desk")
    expected_later = doctors_expected_later(doctors, now)
    if not doctors["doctors_on_duty"] and expected_later is None:
        return gettext("No doctor on duty yet")
    if low is not None and high is not None:
        wait = wait_range_words(low, high)
    elif minutes == 0:
        wait = gettext("Any moment now")
    else:
        wait = wait_words(minutes)
    if expected_later is not None:
        wait = gettext("%(wait)s (doctors from %(time)s)") % {"wait": wait, "time": expected_later}
    return beyond_today(wait, doctors)


def expected_wait_words(minutes, *, doctors, low=None, high=None, now=None):
    """A text message's {expected_wait}: what the status page shows, in words that fit a sentence, its range too
    where the page shows one (low, high: the visit's estimated_wait_low_minutes and _high_minutes; a text saying
    "about 2 h 30 min" beside the page's "about 1 h 40 min – 3 h" told the patient deciding whether to step out
    that the wait was surer than it was). doctors: as estimated_wait_words takes them, closed_today included where
    the visit's department is closed, and maybe_not_today where the wait runs past the day's hours."""
    if doctors.get("closed_today"):
        return gettext("the department is closed today (please ask at the desk)")
    if doctors["no_doctor_left_today"]:
        return gettext("no doctor is expected back today (please ask at the desk)")
    expected_later = doctors_expected_later(doctors, now)
    if not doctors["doctors_on_duty"] and expected_later is None:
        return gettext("no doctor on duty yet")
    if minutes is None:
        return ""
    if low is not None and high is not None:
        wait = wait_range_words(low, high, in_a_text=True)
    elif minutes == 0:
        wait = gettext("any moment now")
    else:
        wait = gettext("about %(wait)s") % {"wait": wait_duration(minutes)}
    if expected_later is not None:
        wait = gettext("%(wait)s (doctors from %(time)s)") % {"wait": wait, "time": expected_later}
    return beyond_today(wait, doctors)
