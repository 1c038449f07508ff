"""Migration 0014 has the hourly roll-up redo the days rolled up before the priority figures and the restored count
existed, whose rows would otherwise read zero emergencies and no restored token."""

import importlib
from datetime import datetime, time, timedelta

import time_machine
from django.apps import apps
from django.utils import timezone

from adminpanel import analytics
from adminpanel.models import DepartmentAnalytics
from patients import services

migration = importlib.import_module("adminpanel.migrations.0014_departmentanalytics_priorities_and_reinstated")


def test_a_day_rolled_up_before_the_priority_figures_is_redone_by_the_next_hourly_rollup(department, make_token):
    yesterday = timezone.localdate() - timedelta(days=1)
    with time_machine.travel(timezone.make_aware(datetime.combine(yesterday, time(12))), tick=False) as clock:
        make_token(department, priority="emergency")
        mistaken = make_token(department)
        services.cancel(entry=mistaken)
        services.reinstate(entry=mistaken)
        # Rolled up well after the day's last change: nothing reads as changed since.
        clock.shift(analytics.UNCOMMITTED_CHANGE_MARGIN * 2)
        analytics.rollup_day(day=yesterday)
    # As the roll-up stood before the fields: nothing counted in them, and no token changed since.
    DepartmentAnalytics.objects.update(emergency_registrations=0, normal_registrations=0, reinstated=0)

    migration.rollups_to_redo(apps, None)
    analytics.rollup_today_and_late_changes(today=timezone.localdate())

    stored = DepartmentAnalytics.objects.get(department=department, date=yesterday)
    assert (stored.emergency_registrations, stored.normal_registrations, stored.reinstated) == (1, 1, 1)
