"""Migration 0011 counts, into the days rolled up before the figure existed, the tokens they left unseen."""

import importlib

from django.apps import apps
from django.utils import timezone

from adminpanel import analytics
from adminpanel.models import DepartmentAnalytics
from patients import services

migration = importlib.import_module("adminpanel.migrations.0011_departmentanalytics_not_seen")


def test_a_day_rolled_up_before_the_figure_gets_its_tokens_left_waiting_or_called(
    department, make_department, make_token, make_doctor
):
    ent = make_department(name="ENT", code="ENT")
    make_token(department)
    services.call_patient(entry=make_token(department), doctor=make_doctor(department=department))
    services.cancel(entry=make_token(department))
    services.transfer(entry=make_token(ent), to_department=department)
    analytics.rollup_day(day=timezone.localdate())
    # As the roll-up stood before the field: none counted.
    DepartmentAnalytics.objects.update(not_seen=0)

    migration.count_not_seen_in_earlier_roll_ups(apps, None)

    assert dict(DepartmentAnalytics.objects.values_list("department__code", "not_seen")) == {"CARD": 3, "ENT": 0}
