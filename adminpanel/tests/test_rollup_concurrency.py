"""Two roll-ups of one day at once (the rollup_analytics command while the schedule runs) both finish, leaving
one row per department."""

import time

import pytest

from adminpanel import analytics
from adminpanel.models import DepartmentAnalytics
from conftest import requires_postgresql

pytestmark = [pytest.mark.real_services, requires_postgresql(), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_figures(monkeypatch):
    """Computing a day's figures takes a moment, as on a busy day: two roll-ups released together both compute
    before either writes."""
    compute = analytics.department_days

    def compute_slowly(**kwargs):
        rows = compute(**kwargs)
        time.sleep(0.3)
        return rows

    monkeypatch.setattr(analytics, "department_days", compute_slowly)


@pytest.mark.parametrize("rolled_up_before", [False, True])
def test_two_rollups_of_one_day_at_once_both_finish(
    department, make_department, make_token, at_once, slow_figures, rolled_up_before
):
    make_token(department)
    make_token(make_department(name="ENT", code="ENT"))
    day = department.queue_entries.get().token_date
    if rolled_up_before:
        analytics.rollup_day(day=day)

    outcomes = at_once(lambda: analytics.rollup_day(day=day), lambda: analytics.rollup_day(day=day))

    assert outcomes == [2, 2]
    assert DepartmentAnalytics.objects.filter(date=day).count() == 2
