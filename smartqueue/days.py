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
# midnight is an interval of the next day, from midnight (doctors.models.parts_on_weekday).
END_OF_DAY = time.max


def moment_on(day, clock_time):
    """The hospital's local moment of a clock time on the day; END_OF_DAY is the midnight that ends the day."""
    if clock_time == END_OF_DAY:
        return day_ends_at(day)
    return timezone.make_aware(datetime.combine(day, clock_time))
