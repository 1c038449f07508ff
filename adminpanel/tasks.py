from datetime import timedelta

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from .analytics import day_to_roll_up, rollup_day, rollup_today_and_late_changes


@shared_task(acks_late=True)
def rollup_analytics(day=None):
    """Roll one hospital-local day into DepartmentAnalytics: yesterday by default, "today" so far (and the recent
    days changed since their roll-up), or YYYY-MM-DD.

    Safe to repeat, and to run alongside another roll-up: a day's rows are replaced, never added to.
    """
    today = timezone.localdate()
    if day is None:
        target = today - timedelta(days=1)
    elif day == "today":
        return rollup_today_and_late_changes(today=today)
    else:
        target = day_to_roll_up(day)
    return rollup_day(day=target)


@shared_task
def clear_expired_sessions():
    """Delete the sessions past their expiry: nothing else does, and every sign-in and every patient page that keeps
    a choice leaves a row that the database would keep for ever."""
    call_command("clearsessions")
