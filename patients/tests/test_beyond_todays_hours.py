"""A wait that runs past the end of the department's hours (its doctors' last shift, at the latest midnight, when the
day's line closes) is said to be maybe not today, the same way on the status page, the landing list, the queue and
visit APIs (and so the sockets, which send those shapes) and the text messages; and a patient registering now is
shown the range each waiting token is (docs/wait-estimates.md, "Beyond today's hours" and "The range")."""

import re
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from adminpanel.models import SystemConfiguration
from doctors.models import DoctorSchedule
from notifications.models import NotificationTemplate
from notifications.services import message_values
from patients.estimates import estimate_waits
from patients.selectors import consultation_pace, department_queue_snapshot, doctors_of, visit_status
from patients.templatetags.waits import estimated_wait_words
from smartqueue.days import day_ends_at

REGISTRATION = NotificationTemplate.TemplateType.REGISTRATION


def on_schedule(doctor, start, end):
    DoctorSchedule.objects.create(doctor=doctor, weekday=timezone.localdate().weekday(), starts_at=start, ends_at=end)


def landing_wait(client, department):
    landing = client.get(reverse("patients:landing")).content.decode()
    return re.search(r'class="[^"]*estimated-wait">([^<]*)<', landing).group(1)


def page_wait(entry):
    """The wait as the patient's pages draw it from the visit's status (the registration page; the status page's
    script draws it alike)."""
    visit = visit_status(entry=entry)
    minutes, low, high = (visit[f"estimated_wait{end}_minutes"] for end in ("", "_low", "_high"))
    return estimated_wait_words(minutes, low, high, visit)


def test_a_wait_past_the_doctors_last_shift_is_said_to_be_maybe_not_today_everywhere(
    client, department, make_doctor, make_token, clock
):
    # Noon; the one doctor's day ends at 1 p.m. and consultations take 10 minutes: the first patients will be seen
    # before then, the last of eight only if the doctor stays on.
    on_schedule(make_doctor(department=department), time(8), time(13))
    line = [make_token(department, phone=f"+141555507{number:02d}") for number in range(8)]

    first, last = visit_status(entry=line[0]), visit_status(entry=line[-1])
    queue = department_queue_snapshot(department=department)

    assert first["hours_end_at"] == last["hours_end_at"] == queue["hours_end_at"]
    assert first["maybe_not_today"] is False and last["maybe_not_today"] is True
    assert [place["maybe_not_today"] for place in queue["waiting"]][:2] == [False, False]
    assert queue["waiting"][-1]["maybe_not_today"] is True and queue["maybe_not_today"] is True
    assert "maybe not today" not in page_wait(line[0])
    assert page_wait(line[-1]).endswith(", maybe not today (hours end at 1 p.m.)")
    assert landing_wait(client, department).endswith(", maybe not today (hours end at 1 p.m.)")
    text_wait = message_values(line[-1], REGISTRATION, "")["expected_wait"]
    assert text_wait.startswith("about ") and text_wait.endswith(", maybe not today (hours end at 1 p.m.)")
    assert "maybe not today" not in message_values(line[0], REGISTRATION, "")["expected_wait"]


def test_a_wait_past_midnight_is_maybe_not_today_where_no_doctor_has_set_hours(
    client, department, make_doctor, make_token, clock
):
    # A doctor without weekly hours may see patients until the line closes at midnight, not after.
    clock.move_to(timezone.make_aware(datetime.combine(timezone.localdate(), time(23, 15))))
    make_doctor(department=department)
    line = [make_token(department, phone=f"+141555508{number:02d}") for number in range(6)]

    assert visit_status(entry=line[0])["maybe_not_today"] is False
    assert visit_status(entry=line[-1])["maybe_not_today"] is True
    assert page_wait(line[-1]).endswith(", maybe not today (hours end at midnight)")


def test_where_no_doctor_has_set_hours_a_wait_past_the_clinics_closing_is_maybe_not_today(
    client, department, make_doctor, make_token, clock
):
    # 3 p.m., the clinic closes at 5 and consultations take 10 minutes: the last of eighteen waits past 5, and was
    # told nothing of it (the hours ended at midnight).
    SystemConfiguration.objects.create(clinic_closes_at=time(17))
    clock.move_to(timezone.make_aware(datetime.combine(timezone.localdate(), time(15))))
    make_doctor(department=department)
    line = [make_token(department, phone=f"+141555511{number:02d}") for number in range(18)]

    assert visit_status(entry=line[0])["maybe_not_today"] is False
    assert page_wait(line[-1]).endswith(", maybe not today (hours end at 5 p.m.)")


def test_after_midnight_a_night_shift_begun_the_evening_before_sets_the_hours_end(
    client, department, make_doctor, make_token, clock
):
    # 00:30; the doctor's shift began at 20:00 yesterday and ends at 02:00: the hours end then, not at midnight
    # tonight, and a wait past 02:00 is maybe not today.
    today = timezone.localdate()
    clock.move_to(timezone.make_aware(datetime.combine(today, time(0, 30))))
    doctor = make_doctor(department=department)
    DoctorSchedule.objects.create(
        doctor=doctor, weekday=(today - timedelta(days=1)).weekday(), starts_at=time(20), ends_at=time(2)
    )
    line = [make_token(department, phone=f"+141555510{number:02d}") for number in range(12)]

    queue = department_queue_snapshot(department=department)
    assert parse_datetime(queue["hours_end_at"]) == timezone.make_aware(datetime.combine(today, time(2)))
    assert visit_status(entry=line[0])["maybe_not_today"] is False
    assert page_wait(line[-1]).endswith(", maybe not today (hours end at 2 a.m.)")


def test_a_patient_registering_now_is_shown_the_range_a_patient_in_line_is(client, department, make_doctor, make_token):
    make_doctor(department=department)
    line = [make_token(department, phone=f"+141555509{number:02d}") for number in range(3)]
    queue = department_queue_snapshot(department=department)

    # The newcomer's wait is the range as the waiting tokens' are; the list showed "about 40 min" beside the
    # "about 25 to 55 min" the same patient read once registered.
    assert queue["estimated_wait_low_minutes"] is not None and queue["estimated_wait_high_minutes"] is not None
    low, high = queue["estimated_wait_low_minutes"], queue["estimated_wait_high_minutes"]
    assert landing_wait(client, department) == f"about {low} to {high} min"
    assert visit_status(entry=line[-1])["estimated_wait_low_minutes"] is not None
    assert timedelta(minutes=high) > timedelta(minutes=low)


def test_maybe_not_today_is_said_in_the_patients_language(department, make_doctor, make_token, clock):
    on_schedule(make_doctor(department=department), time(8), time(13))
    line = [make_token(department, phone=f"+141555510{number:02d}") for number in range(8)]

    with translation.override("es"):
        assert page_wait(line[-1]).endswith(", quizá no hoy (el horario termina a las 13:00)")
    with translation.override("ar"):
        assert "وربما ليس اليوم" in page_wait(line[-1])


def test_a_doctor_on_duty_after_their_last_shift_is_seeing_the_line_out_until_midnight(
    department, make_doctor, make_token, clock
):
    # Noon, the doctor's shift ended at 11 and they are still seeing patients: "any moment now, maybe not today (hours
    # end at 11 a.m.)" told the next patient that the hours already over might keep them from being seen.
    on_schedule(make_doctor(department=department), time(8), time(11))
    entry = make_token(department, phone="+14155551100")

    visit = visit_status(entry=entry)

    assert visit["maybe_not_today"] is False
    assert page_wait(entry) == "Any moment now"


def test_a_pace_measured_before_the_end_of_the_shift_and_kept_after_it_reads_the_line_seen_out_until_midnight(
    department, make_doctor, make_token, clock
):
    # Measured at 10:55 (the shift ends at 11) and kept for the registrations and calls after it: at 11:05 every
    # patient read "maybe not today (hours end at 11 a.m.)" until a consultation ended and the pace was measured again.
    clock.move_to(timezone.make_aware(datetime.combine(timezone.localdate(), time(10, 55))))
    on_schedule(make_doctor(department=department), time(8), time(11))
    make_token(department, phone="+14155551200")
    pace = consultation_pace(department=department)

    clock.move_to(timezone.make_aware(datetime.combine(timezone.localdate(), time(11, 5))))
    [wait] = estimate_waits(pace=pace, priorities=["normal"], serving=[], now=timezone.now())

    assert pace.hours_end_at < timezone.now() and wait.maybe_not_today is False
    assert doctors_of(pace)["hours_end_at"] == day_ends_at(timezone.localdate())
