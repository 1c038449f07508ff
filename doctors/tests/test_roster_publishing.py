"""A doctor's working week or absence edited from the panel changes who the estimates count on: the department's
published queue follows at once, not when its kept copy expires hours later."""

from datetime import time

import pytest
from django.utils import timezone

from doctors.models import Doctor
from doctors.services import record_absence, replace_weekly_schedule
from patients.selectors import latest_queue_snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def published_waits(department):
    return [token["estimated_wait_minutes"] for token in latest_queue_snapshot(department_id=department.pk)["waiting"]]


def two_doctors_and_four_waiting(department, make_doctor, make_token):
    doctors = [make_doctor(department=department) for _ in range(2)]
    for _ in range(4):
        make_token(department)
    assert published_waits(department) == [0, 0, 10, 10]
    return doctors


def test_a_doctor_recorded_absent_today_is_taken_off_the_published_estimates(
    department, make_doctor, make_token, make_user
):
    _staying, going = two_doctors_and_four_waiting(department, make_doctor, make_token)

    record_absence(doctor=going, day=timezone.localdate(), reason="Off sick", actor=make_user())

    assert published_waits(department) == [0, 10, 20, 30]


def test_a_working_week_without_the_rest_of_today_takes_the_doctor_off_the_published_estimates(
    department, make_doctor, make_token, make_user, clock
):
    today = timezone.localdate().weekday()
    make_doctor(department=department)
    on_break = make_doctor(department=department, availability=Doctor.Availability.ON_BREAK)
    replace_weekly_schedule(doctor=on_break, intervals=[(today, time(12, 15), time(17))], actor=make_user())
    for _ in range(4):
        make_token(department)
    # The clock stands at noon: the doctor on a break is back for their 12:15 shift.
    assert published_waits(department) == [0, 10, 15, 20]

    replace_weekly_schedule(doctor=on_break, intervals=[(today, time(8), time(11))], actor=make_user())

    assert published_waits(department) == [0, 10, 20, 30]
