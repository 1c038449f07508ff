"""Days as the date pickers and the APIs send them. Only YYYY-MM-DD: the locales' own forms read 03/12/2026 as
12 March in one language and 3 December in another, and Python's ISO reader also takes 20261203."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DAY_INPUT_FORMATS = ["%Y-%m-%d"]
DAY_FORMAT_ERROR = _("Enter the date as YYYY-MM-DD, e.g. 2026-03-10.")


def day_starts_at(day):
    """The hospital's midnight that starts a local day."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_ends_at(day):
    """The hospital's midnight that ends a local day: when its lines close."""
    return day_starts_at(day + timedelta(days=1))


# The end of a working interval that runs past midnight, on the day it starts: that day's end. Its part after
# midnight is an interval of the next day, from midnight (split_at_midnight).
END_OF_DAY = time.max


def split_at_midnight(starts_at, ends_at):
    """A daily interval of clock times (a doctor's shift, the clinic's hours) as its part on the day it starts and its
    part on the next day, None when it has none: one that ends before it starts runs past midnight (20:00-02:00 is
    20:00 to END_OF_DAY, then 00:00-02:00)."""
    if ends_at > starts_at:
        return (starts_at, ends_at), None
    return (starts_at, END_OF_DAY), (None if ends_at == time.min else (time.min, ends_at))


def moment_on(day, clock_time):
    """The hospital's local moment of a clock time on the day; END_OF_DAY is the midnight that ends the day."""
    if clock_time == END_OF_DAY:
        return day_ends_at(day)
    return timezone.make_aware(datetime.combine(day, clock_time))
