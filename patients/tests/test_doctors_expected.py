"""What patients are told while no doctor is seeing patients: when the doctors are expected (a break, the start of
the day), that none is expected back today, or, without schedules to tell by, only that none is on duty yet."""

import re
from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from doctors.models import Doctor, DoctorSchedule
from doctors.services import record_absence, set_availability
from patients import services
from patients.selectors import latest_queue_snapshot, visit_status
from patients.templatetags.waits import expected_wait_words


def on_schedule(doctor, *shifts):
    DoctorSchedule.objects.bulk_create(
        DoctorSchedule(doctor=doctor, weekday=timezone.localdate().weekday(), starts_at=start, ends_at=end)
        for start, end in shifts
    )


def today_at(hour):
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour)))


def expected_wait_shown(client):
    landing = client.get(reverse("patients:landing")).content.decode()
    return re.search(r'class="[^"]*estimated-wait">([^<]*)<', landing).group(1)


def test_during_the_doctors_break_patients_see_the_wait_and_when_the_doctors_are_back(
    client, department, make_doctor, make_patient, clock
):
    # The clock stands at noon; the only doctor is on their lunch break until one.
    doctor = make_doctor(department=department, availability=Doctor.Availability.ON_BREAK)
    on_schedule(doctor, (time(8), time(11)), (time(13), time(17)))
    entry = services.allocate_token(department=department, patient=make_patient())

    visit = visit_status(entry=entry)
    queue = latest_queue_snapshot(department_id=department.pk)

    assert visit["doctors_on_duty"] == queue["doctors_on_duty"] == 0
    assert parse_datetime(visit["doctors_expected_at"]) == parse_datetime(queue["doctors_expected_at"]) == today_at(13)
    assert visit["no_doctor_left_today"] is queue["no_doctor_left_today"] is False
    # The wait counts the hour until the doctor is back.
    assert visit["estimated_wait_minutes"] == 60
    assert expected_wait_shown(client) == "about 1 hour 10 min (doctors from 1 p.m.)"
    assert expected_wait_words(60, doctors=visit) == "about 1 hour (doctors from 1 p.m.)"


def test_once_the_days_doctors_have_left_the_waiting_are_told_none_is_expected_back_today(
    client, department, make_doctor, make_patient, clock
):
    doctor = make_doctor(department=department)
    on_schedule(doctor, (time(8), time(11)))
    entry = services.allocate_token(department=department, patient=make_patient())
    set_availability(doctor=doctor, availability=Doctor.Availability.OFFLINE, actor=doctor.user)

    visit = visit_status(entry=entry)

    assert visit["doctors_on_duty"] == 0 and visit["doctors_expected_at"] is None
    assert visit["no_doctor_left_today"] is True
    assert expected_wait_shown(client) == "No doctor is expected back today: please ask at the desk"
    assert expected_wait_words(None, doctors=visit) == "no doctor is expected back today (please ask at the desk)"


def test_a_doctor_late_for_their_shift_or_doctors_without_schedules_promise_nothing(
    client, department, make_doctor, make_patient, clock
):
    unscheduled = make_doctor(department=department, availability=Doctor.Availability.OFFLINE)
    entry = services.allocate_token(department=department, patient=make_patient())

    visit = visit_status(entry=entry)
    assert (visit["doctors_expected_at"], visit["no_doctor_left_today"]) == (None, False)
    assert expected_wait_shown(client) == "No doctor on duty yet"

    # Their shift began at eight: they may come any moment, or not.
    on_schedule(unscheduled, (time(8), time(17)))
    set_availability(doctor=unscheduled, availability=Doctor.Availability.OFFLINE, actor=unscheduled.user)
    visit = visit_status(entry=entry)
    assert parse_datetime(visit["doctors_expected_at"]) == timezone.now()
    assert expected_wait_shown(client) == "No doctor on duty yet"
    assert expected_wait_words(visit["estimated_wait_minutes"], doctors=visit) == "no doctor on duty yet"


def test_when_the_days_only_doctor_is_recorded_absent_the_waiting_are_told_none_is_expected_today(
    client, department, make_doctor, make_patient, clock
):
    doctor = make_doctor(department=department, availability=Doctor.Availability.OFFLINE)
    on_schedule(doctor, (time(8), time(17)))
    entry = services.allocate_token(department=department, patient=make_patient())

    record_absence(doctor=doctor, day=timezone.localdate(), reason="Off sick")

    visit = visit_status(entry=entry)
    assert (visit["doctors_on_duty"], visit["doctors_expected_at"], visit["no_doctor_left_today"]) == (0, None, True)
    assert expected_wait_shown(client) == "No doctor is expected back today: please ask at the desk"
