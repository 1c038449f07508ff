"""Second input fuzz run: the weekly hours saved twice at once (a double click on Save, a resent request) were
kept twice, each interval doubled, on PostgreSQL: each save deleted the hours it saw and added its own."""

import time as clock_time
from datetime import time

import pytest

from conftest import requires_postgresql
from doctors import services
from doctors.models import DoctorSchedule

WEEK = [(weekday, time(8), time(16)) for weekday in range(7)]


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_weekly_hours_saved_twice_at_once_are_kept_once(make_doctor, at_once, monkeypatch):
    doctor = make_doctor()
    read_hours = services._schedule_snapshot

    def slow_read(schedule):
        clock_time.sleep(0.3)  # both saves have read the old hours before either has written its own
        return read_hours(schedule)

    monkeypatch.setattr(services, "_schedule_snapshot", slow_read)

    def save_week():
        return services.replace_weekly_schedule(doctor=doctor, intervals=WEEK, actor=doctor.user)

    outcomes = at_once(save_week, save_week)

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    kept = DoctorSchedule.objects.filter(doctor=doctor)
    assert sorted(kept.values_list("weekday", "starts_at", "ends_at")) == WEEK
