"""POST /doctors/api/schedule/: weekly working hours, validated; bookings the new hours no longer hold."""

import re
from datetime import time, timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from adminpanel.models import AuditLog, SystemConfiguration
from doctors.models import DoctorSchedule
from doctors.selectors import working_hours
from notifications.models import Notification
from patients.models import Appointment
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture
from smartqueue.days import END_OF_DAY

URL = "/doctors/api/schedule/"


@pytest.fixture
def doctor(make_doctor):
    return make_doctor()


@pytest.fixture
def doctor_client(client, doctor):
    client.force_login(doctor.user)
    return client


def post(client, schedule):
    return client.post(URL, {"schedule": schedule}, content_type="application/json")


def test_weekly_hours_replace_the_old_ones_and_are_audited(doctor_client, doctor):
    post(doctor_client, [{"weekday": 4, "starts_at": "08:00", "ends_at": "12:00"}])
    response = post(
        doctor_client,
        [
            {"weekday": 0, "starts_at": "14:00", "ends_at": "17:00"},
            {"weekday": 0, "starts_at": "09:00", "ends_at": "13:00"},
        ],
    )
    assert response.status_code == 200
    assert response.json()["schedule"] == [
        {"weekday": 0, "starts_at": "09:00", "ends_at": "13:00"},
        {"weekday": 0, "starts_at": "14:00", "ends_at": "17:00"},
    ]
    assert [str(interval) for interval in DoctorSchedule.objects.filter(doctor=doctor)] == [
        "Monday 09:00 to 13:00",
        "Monday 14:00 to 17:00",
    ]
    audit = AuditLog.objects.filter(action="doctor.schedule").latest("id")
    assert audit.before == {"intervals": [{"weekday": 4, "starts_at": "08:00", "ends_at": "12:00"}]}
    assert doctor_client.get(URL).json() == response.json()


@pytest.mark.parametrize(
    "schedule, field",
    [
        ([{"weekday": 1, "starts_at": "09:00", "ends_at": "09:00"}], "schedule[0].ends_at"),
        (
            [
                {"weekday": 2, "starts_at": "09:00", "ends_at": "12:00"},
                {"weekday": 2, "starts_at": "11:30", "ends_at": "15:00"},
            ],
            "schedule[1].starts_at",
        ),
    ],
)
def test_bad_hours_are_refused_naming_the_interval(doctor_client, doctor, schedule, field):
    post(doctor_client, [{"weekday": 4, "starts_at": "08:00", "ends_at": "12:00"}])
    response = post(doctor_client, schedule)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert DoctorSchedule.objects.filter(doctor=doctor).count() == 1


def test_a_night_shift_runs_past_midnight_into_the_next_days_hours(doctor_client, doctor):
    # An evening and night clinic: Monday 20:00 to Tuesday 02:00, one interval as the rota says it.
    response = post(doctor_client, [{"weekday": 0, "starts_at": "20:00", "ends_at": "02:00"}])

    assert response.status_code == 200, response.json()
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert working_hours(doctor.department_id, monday) == [(time(20), END_OF_DAY)]
    assert working_hours(doctor.department_id, monday + timedelta(days=1)) == [(time(0), time(2))]
    assert working_hours(doctor.department_id, monday + timedelta(days=2)) == []


def test_hours_overlapping_the_night_shift_after_midnight_are_refused_naming_it(doctor_client, doctor):
    response = post(
        doctor_client,
        [
            {"weekday": 0, "starts_at": "20:00", "ends_at": "02:00"},
            {"weekday": 1, "starts_at": "01:00", "ends_at": "05:00"},
        ],
    )

    assert response.status_code == 400
    assert "overlaps Monday 20:00 to 02:00" in response.json()["errors"]["schedule[1].starts_at"][0]
    assert not DoctorSchedule.objects.filter(doctor=doctor).exists()


def test_malformed_payload_is_a_400(doctor_client):
    response = post(doctor_client, [{"weekday": 9, "starts_at": "nine", "ends_at": "12:00"}])
    assert response.status_code == 400
    # Named as the service names the intervals it refuses: one level of fields, as documented.
    assert set(response.json()["errors"]) == {"schedule[0].weekday", "schedule[0].starts_at"}
    assert doctor_client.post(URL, {}, content_type="application/json").status_code == 400


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"schedule": "Monday"}, {"schedule": ['Expected a list of items but got type "str".']}),
        ({"schedule": ["09:00"]}, {"schedule[0]": ["Invalid data. Expected a dictionary, but got str."]}),
        ({}, {"schedule": ["This field is required."]}),
    ],
)
def test_a_malformed_schedule_is_refused_in_the_documented_shape(doctor_client, body, errors):
    response = doctor_client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": errors}


def test_back_to_back_intervals_are_fine(doctor_client):
    response = post(
        doctor_client,
        [
            {"weekday": 3, "starts_at": "09:00", "ends_at": "12:00"},
            {"weekday": 3, "starts_at": "12:00", "ends_at": "15:00"},
        ],
    )
    assert response.status_code == 200


PAGE = "/doctors/schedule/"


def page_rows(*rows):
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0"}
    for index, (weekday, starts_at, ends_at) in enumerate(rows):
        data.update(
            {f"form-{index}-weekday": weekday, f"form-{index}-starts_at": starts_at, f"form-{index}-ends_at": ends_at}
        )
    return data


def test_hours_page_saves_rows_and_skips_blank_ones(doctor_client, doctor):
    response = doctor_client.post(PAGE, page_rows(("1", "09:00", "12:30"), ("", "", "")))
    assert response.status_code == 302
    assert [str(interval) for interval in doctor.schedule.all()] == ["Tuesday 09:00 to 12:30"]
    page = doctor_client.get(PAGE).content.decode()
    assert 'value="09:00"' in page and 'value="12:30"' in page


def test_a_negative_count_of_rows_keeps_the_saved_week(doctor_client, doctor):
    doctor_client.post(PAGE, page_rows(("1", "09:00", "12:30")))

    response = doctor_client.post(PAGE, {**page_rows(("1", "09:00", "12:30")), "form-TOTAL_FORMS": "-1"})

    assert response.status_code == 400
    assert "reload it and try again" in response.content.decode()
    assert [str(interval) for interval in doctor.schedule.all()] == ["Tuesday 09:00 to 12:30"]


def test_an_hour_given_twice_is_refused_naming_it_and_keeps_the_saved_week(doctor_client, doctor):
    doctor_client.post(PAGE, page_rows(("1", "09:00", "12:30")))
    body = urlencode([*page_rows(("1", "09:00", "12:30")).items(), ("form-0-starts_at", "10:00")])

    response = doctor_client.post(PAGE, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.context["form"].forms[0].errors["starts_at"] == ['"From" is given more than once.']
    assert [str(interval) for interval in doctor.schedule.all()] == ["Tuesday 09:00 to 12:30"]


def test_hours_page_shows_overlaps_beside_the_row(doctor_client, doctor):
    response = doctor_client.post(PAGE, page_rows(("2", "09:00", "12:00"), ("2", "11:00", "13:00")))
    assert response.status_code == 400
    formset = response.context["form"]
    assert "overlaps 09:00 to 12:00" in formset.forms[1].errors["starts_at"][0]
    assert not doctor.schedule.exists()


def test_hours_that_no_longer_cover_a_day_cancel_the_bookings_beyond_the_remaining_doctors(
    client, clinic, make_doctor, django_capture_on_commit_callbacks, tasks_run_inline
):
    SystemConfiguration.objects.create(appointment_walk_in_share_percent=0)
    tomorrow = timezone.localdate() + timedelta(days=1)
    leaving = make_doctor(department=clinic)
    for weekday in DoctorSchedule.Weekday.values:
        DoctorSchedule.objects.create(doctor=leaving, weekday=weekday, starts_at=time(13), ends_at=time(15))
    first, second = book(clinic, at(time(13), tomorrow)), book(clinic, at(time(13), tomorrow))
    later = book(clinic, at(time(14), tomorrow))
    client.force_login(leaving.user)

    every_day_but_tomorrow = [
        {"weekday": weekday, "starts_at": "13:00", "ends_at": "15:00"}
        for weekday in DoctorSchedule.Weekday.values
        if weekday != tomorrow.weekday()
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, every_day_but_tomorrow).status_code == 200

    # The other doctor still sees one patient at 13:00 and one at 14:00: only the second 13:00 booking goes.
    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "booked", second.pk: "cancelled", later.pk: "booked"}
    assert Notification.objects.filter(appointment=second, event="booking_cancelled").exists()


def test_hours_page_asks_before_saving_hours_that_cancel_bookings_naming_how_many(client, clinic):
    SystemConfiguration.objects.create(appointment_walk_in_share_percent=0)
    tomorrow = timezone.localdate() + timedelta(days=1)
    booked = [book(clinic, at(time(14), tomorrow)), book(clinic, at(time(14, 30), tomorrow))]
    client.force_login(clinic.doctor.user)
    # Tomorrow's hours typed as 13:00-14:00: the two afternoon bookings are left without a doctor.
    other_days = [weekday for weekday in DoctorSchedule.Weekday.values if weekday != tomorrow.weekday()]
    rows = page_rows(
        *[(str(weekday), "13:00", "15:00") for weekday in other_days], (str(tomorrow.weekday()), "13:00", "14:00")
    )

    asked = client.post(PAGE, rows)

    assert asked.status_code == 200
    page = asked.content.decode()
    assert "These hours leave 2 bookings without a doctor: saving them cancels them and texts their patients." in page
    assert re.search(r'name="agreed_cancellations" value="2">Save the hours and cancel 2 bookings</button>', page)
    assert {appointment.status for appointment in Appointment.objects.all()} == {"booked"}
    assert not Notification.objects.filter(appointment__in=booked).exists()
    assert clinic.doctor.schedule.get(weekday=tomorrow.weekday()).ends_at == time(15)

    assert client.post(PAGE, {**rows, "agreed_cancellations": "2"}).status_code == 302
    assert {appointment.status for appointment in Appointment.objects.all()} == {"cancelled"}
    assert clinic.doctor.schedule.get(weekday=tomorrow.weekday()).ends_at == time(14)


def test_hours_page_errors_are_summed_up_naming_each_row_and_marked_on_their_fields(doctor_client):
    response = doctor_client.post(PAGE, page_rows(("1", "09:00", "12:00"), ("2", "09:00", "")))

    page = response.content.decode()
    summary = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", page, re.S)
    assert summary and "autofocus" in summary.group(0)
    items = re.findall(r'<li><a class="alert-link" href="#(id_[\w-]+)">([^<]*)</a></li>', summary.group(1))
    assert items == [("id_form-1-ends_at", "Interval 2: To — Fill in “To”.")]
    assert re.search(r'<legend class="small fw-semibold mb-1">Interval 2</legend>', page)
    field = re.search(r'<input [^>]*id="id_form-1-ends_at"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_form-1-ends_at_error"' in field
    assert re.search(r'id="id_form-1-ends_at_error">To: Fill in “To”.', page)
    assert "aria-invalid" not in re.search(r'<input [^>]*id="id_form-1-starts_at"[^>]*>', page).group(0)


def test_hours_page_says_what_a_time_looks_like_and_that_the_form_was_refused(doctor_client):
    response = doctor_client.post(PAGE, page_rows(("1", "nine", "12:00")))

    page = response.content.decode()
    assert re.search(r'id="id_form-0-starts_at_error">From: Enter a time such as 09:30.', page)
    assert re.search(r"<title>Please correct the form · ", page)
