"""Report numbers on a constructed day of data, the CSV export, and the daily roll-up."""

import csv
import io
import re
from datetime import date, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from adminpanel import analytics
from adminpanel.models import DepartmentAnalytics
from adminpanel.tasks import rollup_analytics
from adminpanel.templatetags.report_figures import percent
from patients import services
from patients.models import PatientFeedback, Queue

DAY = date(2026, 3, 10)


def at(hhmm, day=DAY):
    hour, minute = map(int, hhmm.split(":"))
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def clinic_day(department, make_department, make_doctor, make_token):
    """Cardiology's 10 March: seven registrations, one transfer in from ENT, feedback on two visits."""
    ent = make_department(name="ENT", code="ENT")
    smith = make_doctor(department=department, user=None)
    jones = make_doctor(department=department)
    with time_machine.travel(at("08:00"), tick=False) as clock:

        def visit(check_in, called=None, started=None, completed=None, skipped=None, cancelled=None, doctor=smith):
            clock.move_to(at(check_in))
            entry = make_token(department)
            if called:
                clock.move_to(at(called))
                services.call_patient(entry=entry, doctor=doctor)
            if started:
                clock.move_to(at(started))
                services.start_consultation(entry=entry)
            if completed:
                clock.move_to(at(completed))
                services.complete_consultation(entry=entry)
            if skipped:
                clock.move_to(at(skipped))
                services.skip(entry=entry)
            if cancelled:
                clock.move_to(at(cancelled))
                services.cancel(entry=entry)
            return entry

        first = visit("09:00", called="09:10", started="09:12", completed="09:27")
        second = visit("09:20", called="09:40", started="09:41", completed="09:51")
        no_show = visit("09:45", called="10:15", skipped="10:20")
        with_jones = visit("10:05", called="10:45", started="10:45", completed="11:05", doctor=jones)
        never_called = visit("10:30")
        visit("10:50", cancelled="11:00")
        visit("10:55")
        clock.move_to(at("11:10"))
        referral = make_token(ent)
        clock.move_to(at("11:20"))
        services.transfer(entry=referral, to_department=department)
        clock.move_to(at("09:30", day=date(2026, 3, 11)))
        make_token(department)
    for entry, rating in [(first, 5), (second, 3)]:
        PatientFeedback.objects.create(patient=entry.patient, queue_entry=entry, rating=rating)
    # The waits shown on registering (as the publisher records them), against waits of 10, 20, 30, 40 and none.
    for entry, shown in [(first, 15), (second, 20), (no_show, 20), (with_jones, 30), (never_called, 5)]:
        Queue.objects.filter(pk=entry.pk).update(estimated_wait_at_registration=shown)
    return {"cardiology": department, "ent": ent, "smith": smith, "jones": jones}


def test_department_day_figures(clinic_day, django_assert_num_queries):
    with django_assert_num_queries(4):
        rows = analytics.department_days(start=DAY, end=DAY)
    by_department = {row.department_name: row for row in rows}
    assert set(by_department) == {"Cardiology", "ENT"}
    cardiology = by_department["Cardiology"]
    assert cardiology.registrations == 7  # the transferred-in token was registered in ENT
    assert cardiology.completed == 3
    assert cardiology.no_shows == 1
    assert cardiology.cancelled == 1
    assert cardiology.not_seen == 3  # two never called, and the patient transferred in from ENT
    assert cardiology.average_wait_minutes == 25.0  # waits 10, 20, 30, 40
    assert cardiology.p90_wait_minutes == 40.0
    assert cardiology.average_consultation_minutes == 15.0  # 15, 10, 20
    assert (cardiology.average_rating, cardiology.rating_count) == (4.0, 2)
    assert cardiology.peak_hour == 10  # four registrations from 10:00, three from 09:00
    # Errors +5, 0, -10, -10; the token never called has no wait to compare with.
    assert (cardiology.estimate_count, cardiology.estimate_mean_absolute_error, cardiology.estimate_bias) == (
        4,
        6.25,
        -3.75,
    )
    ent = by_department["ENT"]
    assert (ent.registrations, ent.cancelled, ent.not_seen, ent.completed, ent.average_wait_minutes, ent.peak_hour) == (
        1,
        0,  # the token transferred to Cardiology was not cancelled
        0,  # nor left unseen here
        0,
        None,
        11,
    )


def test_an_estimate_is_checked_against_the_first_call_of_a_patient_recalled_or_put_back_in_line(
    department, make_doctor, make_token
):
    """Shown 10, 20 and 15 minutes; first called after 10, 15 and 25: errors 0, +5 and -10. The later calls (after a
    no-show recalled, after the doctor was called away) made them 0, -40 and -70: a mean error of 36.7 minutes for
    estimates within 10 of the first call."""
    doctor, other_doctor = make_doctor(department=department), make_doctor(department=department)
    with time_machine.travel(at("09:00"), tick=False) as clock:
        on_time, recalled = make_token(department), make_token(department)
        clock.move_to(at("09:05"))
        put_back = make_token(department)
        for entry, shown in [(on_time, 10), (recalled, 20), (put_back, 15)]:
            Queue.objects.filter(pk=entry.pk).update(estimated_wait_at_registration=shown)
        steps = [
            ("09:10", services.call_patient, on_time, doctor),
            ("09:15", services.call_patient, recalled, other_doctor),
            ("09:20", services.skip, recalled, None),
            ("09:25", services.start_consultation, on_time, None),
            ("09:29", services.complete_consultation, on_time, None),
            ("09:30", services.call_patient, put_back, doctor),
            ("09:32", services.return_to_line, put_back, None),
            ("09:40", services.recall, recalled, None),
            ("10:00", services.call_patient, recalled, other_doctor),
            ("10:30", services.call_patient, put_back, doctor),
        ]
        for moment, action, entry, calling in steps:
            clock.move_to(at(moment))
            action(entry=entry, **({"doctor": calling} if calling else {}))

    [cardiology] = analytics.department_days(start=DAY, end=DAY)

    assert cardiology.estimate_count == 3
    assert cardiology.estimate_mean_absolute_error == pytest.approx(5.0)
    assert cardiology.estimate_bias == pytest.approx(-5 / 3)


def test_a_token_transferred_out_is_not_counted_as_cancelled(clinic_day, make_token):
    cardiology, ent = clinic_day["cardiology"], clinic_day["ent"]
    with time_machine.travel(at("11:30"), tick=False):
        services.transfer(entry=make_token(cardiology), to_department=ent)
        services.cancel(entry=make_token(cardiology))

    by_department = {row.department_name: row for row in analytics.department_days(start=DAY, end=DAY)}

    assert by_department["Cardiology"].cancelled == 2  # the one cancelled before, and the one cancelled now
    assert by_department["ENT"].cancelled == 0
    assert by_department["ENT"].registrations == 1  # and the transfer in is not a registration either


def test_a_transferred_patients_wait_in_the_new_department_starts_with_the_transfer(
    department, make_department, make_doctor, make_token
):
    ent = make_department(name="ENT", code="ENT")
    with time_machine.travel(at("11:40"), tick=False) as clock:
        referral = make_token(ent)
        clock.move_to(at("13:00"))
        services.call_patient(entry=referral, doctor=make_doctor(department=ent))
        clock.move_to(at("13:05"))
        moved = services.transfer(entry=referral, to_department=department)
        clock.move_to(at("13:45"))
        # 40 minutes in Cardiology's line: its long-wait alert counts those, not the 80 before in ENT's.
        assert services.longest_wait_minutes(department=department, now=timezone.now()) == 40
        services.call_patient(entry=moved, doctor=make_doctor(department=department))

    waits = {row.department_name: row.average_wait_minutes for row in analytics.department_days(start=DAY, end=DAY)}
    assert moved.checked_in_at == at("11:40")  # its place in line still keeps the first arrival
    assert waits == {"ENT": 80.0, "Cardiology": 40.0}


def test_doctor_performance(clinic_day, django_assert_num_queries):
    with django_assert_num_queries(4):
        rows = analytics.doctor_performance(start=DAY, end=DAY)
    by_doctor = {row.doctor_id: row for row in rows}
    smith, jones = by_doctor[clinic_day["smith"].pk], by_doctor[clinic_day["jones"].pk]
    assert (smith.seen, smith.average_consultation_minutes, smith.average_wait_minutes) == (2, 12.5, 15.0)
    assert (smith.average_rating, smith.rating_count) == (4.0, 2)
    assert (jones.seen, jones.average_consultation_minutes, jones.average_wait_minutes) == (1, 20.0, 40.0)
    assert (jones.average_rating, jones.rating_count) == (None, 0)


def test_a_doctor_moved_between_departments_has_the_patients_of_each_in_its_own_row(clinic_day, make_token):
    smith, cardiology, ent = clinic_day["smith"], clinic_day["cardiology"], clinic_day["ent"]
    with time_machine.travel(at("12:00"), tick=False) as clock:
        smith.department = ent
        smith.save()
        entry = make_token(ent)
        clock.move_to(at("12:05"))
        services.call_patient(entry=entry, doctor=smith)
        services.start_consultation(entry=entry)
        clock.move_to(at("12:35"))
        services.complete_consultation(entry=entry)
    rows = [row for row in analytics.doctor_performance(start=DAY, end=DAY) if row.doctor_id == smith.pk]
    assert [(row.department, row.seen, row.average_consultation_minutes, row.average_wait_minutes) for row in rows] == [
        (cardiology, 2, 12.5, 15.0),  # seen in Cardiology before the move, as its own report counts them
        (ent, 1, 30.0, 5.0),
    ]
    assert [(row.average_rating, row.rating_count) for row in rows] == [(4.0, 2), (None, 0)]


def test_a_consultation_an_admin_ended_for_its_doctor_is_completed_but_not_a_consultation_time(
    clinic_day, make_token, admin_user
):
    """Ended 3 hours after the call, when the admin learnt the doctor had left: its patient was seen, but those
    hours are not how long a consultation took, in the department's or the doctor's figures."""
    cardiology, smith = clinic_day["cardiology"], clinic_day["smith"]
    with time_machine.travel(at("11:30"), tick=False) as clock:
        entry = services.call_patient(entry=make_token(cardiology), doctor=smith)
        services.start_consultation(entry=entry)
        clock.move_to(at("14:30"))
        services.end_consultation(entry=entry, actor=admin_user)

    analytics.rollup_day(day=DAY)

    rolled_up = DepartmentAnalytics.objects.get(department=cardiology, date=DAY)
    assert (rolled_up.registrations, rolled_up.completed) == (8, 4)
    assert rolled_up.average_consultation_minutes == 15.0  # 15, 10 and 20, as without it
    performance = {row.doctor_id: row for row in analytics.doctor_performance(start=DAY, end=DAY)}
    assert (performance[smith.pk].seen, performance[smith.pk].average_consultation_minutes) == (3, 12.5)


def test_a_date_range_covers_each_day(clinic_day):
    rows = analytics.department_days(start=DAY, end=date(2026, 3, 11))
    assert [(row.date, row.department_name, row.registrations) for row in rows] == [
        (DAY, "Cardiology", 7),
        (DAY, "ENT", 1),
        (date(2026, 3, 11), "Cardiology", 1),
    ]


def test_query_count_does_not_grow_with_departments(clinic_day, make_department, make_token, django_assert_num_queries):
    with time_machine.travel(at("12:00"), tick=False):
        for _ in range(3):
            make_token(make_department())
    with django_assert_num_queries(4):
        assert len(analytics.department_days(start=DAY, end=DAY)) == 5


def test_reports_page_shows_tables_and_chart_data(admin_client, clinic_day):
    response = admin_client.get("/adminpanel/reports/", {"start": "2026-03-10", "end": "2026-03-11"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "chart.umd.min.js" in page and 'id="report-chart-data"' in page
    assert response.context["chart"]["labels"] == ["03/10/2026", "03/11/2026"]
    assert response.context["chart"]["totals"]["registrations"] == [8, 1]
    assert "<td>Cardiology</td><td>7</td><td>3</td><td>1</td>" in page
    assert "12.5" in page  # Dr. Smith's average consultation


def test_reports_page_shows_yesterdays_estimate_accuracy_from_the_rollup(admin_client, clinic_day):
    with time_machine.travel(at("08:00", day=date(2026, 3, 11)), tick=False):
        rollup_analytics()
        page = admin_client.get("/adminpanel/reports/").content.decode()

    assert "Wait estimates on March 10, 2026" in page
    assert "<tr><td>Cardiology</td><td>4</td>\n      <td>6.3</td>\n      <td>-3.8</td></tr>" in page
    assert "<tr><td>ENT</td><td>0</td>" in page


def test_a_positive_bias_is_shown_with_its_sign(admin_client, clinic_day):
    """Waits of 10, 20, 30 and 40 shown as 15, 25, 30 and 45: errors +5, +5, 0, +5, a bias of +3.75 (waits were
    shorter than shown), which read 3.8 on the page, a size with no direction."""
    shown = {"09:00": 15, "09:20": 25, "09:45": 30, "10:05": 45}
    for entry in Queue.objects.filter(department=clinic_day["cardiology"], estimated_wait_at_registration__isnull=False):
        check_in = timezone.localtime(entry.checked_in_at).strftime("%H:%M")
        Queue.objects.filter(pk=entry.pk).update(estimated_wait_at_registration=shown.get(check_in, 5))
    with time_machine.travel(at("08:00", day=date(2026, 3, 11)), tick=False):
        page = admin_client.get("/adminpanel/reports/").content.decode()

    assert "<tr><td>Cardiology</td><td>4</td>\n      <td>3.8</td>\n      <td>+3.8</td></tr>" in page


def test_yesterdays_estimate_accuracy_is_rolled_up_when_no_schedule_has(admin_client, clinic_day):
    """The embedded defaults (make run) run no Celery beat: the table said "no roll-up yet" every day."""
    with time_machine.travel(at("08:00", day=date(2026, 3, 11)), tick=False):
        page = admin_client.get("/adminpanel/reports/").content.decode()

    assert "<tr><td>Cardiology</td><td>4</td>\n      <td>6.3</td>\n      <td>-3.8</td></tr>" in page
    assert DepartmentAnalytics.objects.filter(date=DAY).count() == 2


def test_a_day_without_patients_says_so_and_is_not_rolled_up(admin_client, clinic_day):
    with time_machine.travel(at("08:00", day=date(2026, 3, 13)), tick=False):
        page = admin_client.get("/adminpanel/reports/").content.decode()

    assert "No patient registered that day." in page
    assert not DepartmentAnalytics.objects.filter(date=date(2026, 3, 12)).exists()


@pytest.mark.parametrize(
    "query, field",
    [
        ({"start": "2026-03-12", "end": "2026-03-10"}, "end"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2025-01-01", "end": "2026-03-10"}, "start"),
    ],
)
def test_bad_report_ranges_are_explained_not_500(admin_client, query, field):
    response = admin_client.get("/adminpanel/reports/", query)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    csv_response = admin_client.get("/adminpanel/reports/export.csv", query)
    assert csv_response.status_code == 400
    assert csv_response.content.decode().startswith(f"{response.context['form'][field].label}:")


@pytest.mark.parametrize(
    "query, start_shown, end_shown",
    [
        ({"start": "2026-03-12", "end": "2026-03-10"}, "2026-03-12", "2026-03-10"),
        ({"start": "2025-01-01", "end": "2026-03-10"}, "2025-01-01", "2026-03-10"),
    ],
)
def test_a_refused_report_range_keeps_the_dates_typed_to_put_right(admin_client, query, start_shown, end_shown):
    page = admin_client.get("/adminpanel/reports/", query).content.decode()

    assert re.search(rf'<input class="form-control[^"]*" id="id_start" type="date" name="start" value="{start_shown}"', page)
    assert re.search(rf'<input class="form-control[^"]*" id="id_end" type="date" name="end" value="{end_shown}"', page)


def test_csv_export_content(admin_client, clinic_day):
    response = admin_client.get("/adminpanel/reports/export.csv", {"start": "2026-03-10", "end": "2026-03-10"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="smartqueue-report-2026-03-10-to-2026-03-10.csv"' in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        [
            "Date",
            "Department",
            "Registrations",
            "Completed",
            "No-shows",
            "Cancelled",
            "Not seen",
            "In consultation",
            "Left open",
            "Average wait (min)",
            "90th percentile wait (min)",
            "Average consultation (min)",
            "Average rating",
            "Ratings",
            "Peak hour",
            "Wait estimates checked",
            "Wait estimate mean error (min)",
            "Wait estimate bias (min)",
            # Added at the end: a spreadsheet reading the columns above by position still reads them.
            *["Emergency registrations", "Emergency average wait (minutes)", "Emergency 90th percentile wait (minutes)"],
            "High priority registrations",
            "High priority average wait (minutes)",
            "High priority 90th percentile wait (minutes)",
            "Normal priority registrations",
            "Normal priority average wait (minutes)",
            "Normal priority 90th percentile wait (minutes)",
            "Restored after cancelling",
        ],
        [
            *["2026-03-10", "Cardiology", "7", "3", "1", "1", "3", "0", "0"],
            # A mean error of 6.25 reads 6.3 here as on the page (it read 6.2: a half rounded to even).
            *["25.0", "40.0", "15.0", "4.0", "2", "10", "4", "6.3", "-3.8"],
            *["0", "", "", "0", "", "", "7", "25.0", "40.0", "0"],
        ],
        [
            *["2026-03-10", "ENT", "1", "0", "0", "0", "0", "0", "0", "", "", "", "", "0", "11", "0", "", ""],
            *["0", "", "", "0", "", "", "1", "", "", "0"],
        ],
    ]


def test_the_patients_a_day_left_unseen_are_counted_in_the_report_beside_its_cancellations(admin_client, clinic_day):
    """Registrations 7 and completed 3, no-shows 1: the page showed nothing of the cancelled patient nor of the three
    still in line when the day ended, whose waits are in no mean either."""
    page = admin_client.get("/adminpanel/reports/", {"start": "2026-03-10", "end": "2026-03-10"}).content.decode()

    # Registrations, completed, no-shows, cancelled, restored, not seen.
    assert "<td>Cardiology</td><td>7</td><td>3</td><td>1</td><td>1</td><td>0</td><td>3</td>" in page
    assert "<td>ENT</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td>" in page
    assert "Not seen: tokens still waiting, or called and never seen, when the day ended" in page
    analytics.rollup_day(day=DAY)
    assert DepartmentAnalytics.objects.get(department=clinic_day["cardiology"], date=DAY).not_seen == 3


def test_rollup_writes_one_row_per_department_and_rerunning_replaces_it(clinic_day):
    assert analytics.rollup_day(day=DAY) == 2
    assert analytics.rollup_day(day=DAY) == 2
    cardiology = DepartmentAnalytics.objects.get(department=clinic_day["cardiology"], date=DAY)
    assert (cardiology.registrations, cardiology.p90_wait_minutes, cardiology.peak_hour) == (7, 40.0, 10)
    assert (cardiology.estimate_count, cardiology.estimate_mean_absolute_error, cardiology.estimate_bias) == (
        4,
        6.25,
        -3.75,
    )
    assert DepartmentAnalytics.objects.filter(date=DAY).count() == 2
    PatientFeedback.objects.all().delete()
    analytics.rollup_day(day=DAY)
    cardiology = DepartmentAnalytics.objects.get(department=clinic_day["cardiology"], date=DAY)
    assert (cardiology.average_rating, cardiology.rating_count) == (None, 0)
    assert DepartmentAnalytics.objects.filter(date=date(2026, 3, 11)).count() == 0


def test_rollup_command(clinic_day):
    out = io.StringIO()
    call_command("rollup_analytics", "--date", "2026-03-10", stdout=out)
    assert "Rolled up 2026-03-10: 2 department row(s)." in out.getvalue()
    assert DepartmentAnalytics.objects.filter(date=DAY).count() == 2


@pytest.mark.parametrize("bad", ["2026-02-30", "10/03/2026", "tomorrow", "", " ", "20260310", "2026-W11-2"])
def test_rollup_command_rejects_bad_dates_and_stores_nothing(clinic_day, bad):
    with time_machine.travel(at("08:00", day=date(2026, 3, 11)), tick=False):  # yesterday had visits
        with pytest.raises(CommandError, match="--date must be a real day written YYYY-MM-DD"):
            call_command("rollup_analytics", "--date", bad)

    assert not DepartmentAnalytics.objects.exists()


def test_rollup_command_refuses_a_second_date_and_stores_nothing(clinic_day):
    with pytest.raises(CommandError, match="--date: given more than once"):
        call_command("rollup_analytics", "--date", "2026-03-09", "--date", "2026-03-10")

    assert not DepartmentAnalytics.objects.exists()


@pytest.mark.parametrize("later", ["2026-03-12", "9999-12-31"])
def test_rollup_command_refuses_a_day_still_to_come(clinic_day, later):
    with time_machine.travel(at("08:00", day=date(2026, 3, 11)), tick=False):
        with pytest.raises(CommandError, match="has not happened yet"):
            call_command("rollup_analytics", "--date", later)

    assert not DepartmentAnalytics.objects.exists()


@pytest.mark.parametrize(
    ("now", "argument", "rolled_day"),
    [("2026-03-11 00:15", None, DAY), ("2026-03-10 23:05", "today", DAY), ("2026-04-01 09:00", "2026-03-10", DAY)],
)
def test_beat_task_rolls_up_yesterday_by_default_today_on_demand_or_a_given_day(
    clinic_day, settings, now, argument, rolled_day
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with time_machine.travel(timezone.make_aware(datetime.fromisoformat(now)), tick=False):
        rows = rollup_analytics.apply(kwargs={"day": argument}).get()

    assert rows == 2
    assert set(DepartmentAnalytics.objects.values_list("date", flat=True)) == {rolled_day}


@pytest.mark.parametrize("day", ["20260310", "2026-W11-2", "2026-03-12"])
def test_the_rollup_task_refuses_a_day_the_command_refuses_and_stores_nothing(clinic_day, settings, day):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with time_machine.travel(at("08:00", day=date(2026, 3, 11)), tick=False):
        with pytest.raises(ValueError, match="must be"):
            rollup_analytics.apply(kwargs={"day": day}).get()

    assert not DepartmentAnalytics.objects.exists()


def test_beat_schedule_names_registered_tasks(settings):
    from smartqueue.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_every_day_of_the_range_is_charted_a_day_without_tokens_as_zero(admin_client, clinic_day):
    response = admin_client.get("/adminpanel/reports/", {"start": "2026-03-08", "end": "2026-03-14"})
    chart = response.context["chart"]
    assert chart["labels"] == [f"03/{day:02d}/2026" for day in range(8, 15)]
    assert chart["totals"]["registrations"] == [0, 0, 8, 1, 0, 0, 0]
    # All departments' waits that day: 10, 20, 30, 40 (Cardiology) beside the mean.
    assert (chart["all_waits"]["mean"][2], chart["all_waits"]["p90"][2]) == (25.0, 40.0)
    assert chart["all_waits"]["mean"][0] is None


def test_the_charts_figures_are_in_a_table_and_their_days_read_as_the_tables_write_them(admin_client, clinic_day):
    """The charts draw each day's totals and the wait of all departments, which the tables by department do not add
    up to: the charts' text alternative is a table of those figures, and the charts' days are dates as the page
    writes them in the reader's language, not ISO codes."""
    admin_client.post("/i18n/setlang/", {"language": "hi"})
    response = admin_client.get("/adminpanel/reports/", {"start": "2026-03-09", "end": "2026-03-11"})
    assert response.context["chart"]["labels"] == ["09-03-2026", "10-03-2026", "11-03-2026"]
    table = response.content.decode().split('id="all-department-days"')[1].split("</table>")[0]
    rows = [re.sub(r"<[^>]+>", " ", row).split() for row in table.split("<tr>")[2:]]
    chart = response.context["chart"]
    assert [row[0] for row in rows] == chart["labels"]
    assert [int(row[1]) for row in rows] == chart["totals"]["registrations"] == [0, 8, 1]
    assert [row[4:6] for row in rows][1] == ["25.0", "40.0"]  # all departments' mean and 90th percentile


def test_peak_hours_heat_map_of_arrivals_and_waits_by_weekday_and_hour(admin_client, clinic_day):
    peaks = analytics.peak_hours(start=DAY, end=date(2026, 3, 11))
    assert peaks.hours == [9, 10, 11]
    tuesday = {row["weekday"]: row for row in peaks.arrivals}["Tuesday"]
    assert [cell["value"] for cell in tuesday["cells"]] == [3, 4, 1]  # the transferred-in token is not an arrival
    assert [cell["level"] for cell in tuesday["cells"]] == [4, 5, 2]
    waits = {row["weekday"]: row for row in peaks.waits}["Tuesday"]
    assert [cell["value"] for cell in waits["cells"]] == [20, 40, None]
    page = admin_client.get("/adminpanel/reports/", {"start": "2026-03-10", "end": "2026-03-11"}).content.decode()
    assert "Peak hours" in page and '<td class="heat-5">4</td>' in page


@pytest.mark.parametrize("language", ["en", "es", "hi", "ar"])
def test_the_heat_maps_hours_are_written_as_the_peak_hour_column_writes_them(admin_client, clinic_day, language):
    """An hour reads as the page's languages write a time, as its "Peak hour" column does (10:00), not "10h"."""
    admin_client.cookies["django_language"] = language

    page = admin_client.get("/adminpanel/reports/", {"start": "2026-03-10", "end": "2026-03-10"}).content.decode()

    heat_map_hours = re.findall(r'<th scope="col">(\d+\S*)</th>', page.split("heat-map", 1)[1].split("</thead>")[0])
    assert heat_map_hours == ["9:00", "10:00", "11:00"]
    assert "<td>10:00</td>" in page


def test_a_figure_with_nothing_to_measure_says_so_in_words_not_with_a_dash(admin_client, clinic_day):
    # The 11th: one Cardiology arrival still waiting (no wait, consultation or rating to average) and a quiet ENT.
    page = admin_client.get("/adminpanel/reports/", {"start": "2026-03-11", "end": "2026-03-11"}).content.decode()

    assert not re.search(r">\s*[–—]\s*<", page)
    assert "<td>No data</td>" in page and "<td>No ratings</td>" in page


def test_csv_export_headings_are_in_the_readers_language(admin_client, clinic_day):
    admin_client.cookies["django_language"] = "es"

    response = admin_client.get("/adminpanel/reports/export.csv", {"start": "2026-03-10", "end": "2026-03-10"})

    headings = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert headings[:3] == ["Fecha", "Servicio", "Registros"]


@pytest.mark.parametrize("typed", ["03/12/2026", "12.03.2026", "3 Dec 2026"])
def test_a_report_day_in_a_locales_own_form_is_refused_not_guessed(admin_client, typed):
    response = admin_client.get("/adminpanel/reports/", {"start": typed, "end": "2026-12-03"})

    assert response.status_code == 400
    assert "Enter the date as YYYY-MM-DD" in response.context["form"].errors["start"][0]


def test_a_consultation_finished_after_the_nightly_rollup_reaches_its_days_figures(department, make_doctor, make_token):
    doctor = make_doctor(department=department)
    next_day = date(2026, 3, 11)
    with time_machine.travel(at("23:30"), tick=False) as clock:
        entry = make_token(department)
        clock.move_to(at("23:50"))
        services.call_patient(entry=entry, doctor=doctor)
        services.start_consultation(entry=entry)
        clock.move_to(at("00:15", day=next_day))
        rollup_analytics()
        clock.move_to(at("00:30", day=next_day))
        services.complete_consultation(entry=entry)
        clock.move_to(at("01:05", day=next_day))
        rollup_analytics(day="today")
        row = DepartmentAnalytics.objects.get(date=DAY)
        assert (row.completed, row.average_consultation_minutes, row.rating_count) == (1, 40.0, 0)

        clock.move_to(at("10:00", day=next_day))
        services.submit_feedback(entry=entry, rating=4)
        clock.move_to(at("11:05", day=next_day))
        rollup_analytics(day="today")
        row = DepartmentAnalytics.objects.get(date=DAY)
        assert (row.average_rating, row.rating_count) == (4.0, 1)

        clock.move_to(at("12:05", day=next_day))
        rollup_analytics(day="today")  # nothing changed since: the day is not redone
    assert DepartmentAnalytics.objects.get(date=DAY).updated_at == at("11:05", day=next_day)


def test_the_hourly_rollup_looks_back_a_bounded_number_of_days(clinic_day, settings):
    settings.ANALYTICS_LATE_CHANGE_DAYS = 3
    with time_machine.travel(at("08:05", day=date(2026, 3, 14)), tick=False):
        rollup_analytics(day="today")
    # 11-13 March are looked at: the 11th had tokens and no roll-up; the 10th is too long ago.
    assert set(DepartmentAnalytics.objects.values_list("date", flat=True)) == {date(2026, 3, 11)}
    with time_machine.travel(at("08:05", day=date(2026, 3, 15)), tick=False):
        rollup_analytics(day="today")
    assert not DepartmentAnalytics.objects.filter(updated_at__date=date(2026, 3, 15)).exists()


def test_reports_and_their_export_name_each_department_in_the_readers_language(admin_client, clinic_day, department):
    department.translations = {"ar": {"name": "أمراض القلب"}}
    department.save()
    admin_client.cookies["django_language"] = "ar"

    report = admin_client.get("/adminpanel/reports/", {"start": "2026-03-10", "end": "2026-03-10"})
    response = admin_client.get("/adminpanel/reports/export.csv", {"start": "2026-03-10", "end": "2026-03-10"})

    # The day's row and each of its two doctors'; ENT has no Arabic name and is shown as written, marked as English.
    page = report.content.decode()
    assert page.count("<td>أمراض القلب</td>") == 3
    assert '<td><span lang="en" dir="ltr">ENT</span></td>' in page
    assert set(report.context["chart"]["waits"]) == {"أمراض القلب", "ENT"}
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["أمراض القلب", "ENT"]


@pytest.mark.parametrize("rate, shown", [(1 / 8, "13"), (1 / 40, "3"), (0.5, "50"), (0.0, "0"), (None, None)])
def test_a_rate_is_shown_as_a_percentage_whose_half_rounds_up_as_the_other_figures(rate, shown):
    # 1 no-show among 8 bookings read 12% (widthratio rounds a half to the even number), 1 among 40 read 2%.
    assert percent(rate) == shown


def test_the_reports_no_show_rate_rounds_its_half_up(admin_client, department, monkeypatch):
    one_in_eight = analytics.AppointmentFigures(
        department=department, bookings=8, checked_in=7, no_shows=1, no_show_rate=1 / 8, on_time=7, early=0, late=0,
        average_arrival_minutes=0.0, average_booked_wait_minutes=None, average_walk_in_wait_minutes=None,
    )
    monkeypatch.setattr(analytics, "appointment_figures", lambda **period: [one_in_eight])

    page = admin_client.get("/adminpanel/reports/").content.decode()

    assert "<td>13%</td>" in page


def test_a_heat_map_wait_rounds_its_half_up_as_the_tables_do(department, make_doctor, make_token):
    doctor = make_doctor(department=department)
    with time_machine.travel(at("09:00"), tick=False) as clock:
        first = make_token(department)
        clock.move_to(at("09:10"))
        second = make_token(department)
        services.call_patient(entry=first, doctor=doctor)  # waited 10 minutes
        services.skip(entry=first)
        clock.move_to(at("09:25"))
        services.call_patient(entry=second, doctor=doctor)  # waited 15 minutes

    waits = {row["weekday"]: row for row in analytics.peak_hours(start=DAY, end=DAY).waits}["Tuesday"]

    assert [cell["value"] for cell in waits["cells"]] == [13]  # a mean of 12.5 read 12


def test_a_patient_with_a_doctor_is_counted_so_the_statuses_account_for_every_token(
    admin_client, department, make_doctor, make_token
):
    doctor = make_doctor(department=department)
    seen, with_the_doctor, _still_waiting = make_token(department), make_token(department), make_token(department)
    for entry in (seen, with_the_doctor):
        services.call_patient(entry=entry, doctor=doctor)
        services.start_consultation(entry=entry)
        if entry is seen:
            services.complete_consultation(entry=entry)
    today = timezone.localdate()

    [row] = analytics.department_days(start=today, end=today)

    assert (row.registrations, row.completed, row.in_consultation, row.not_seen) == (3, 1, 1, 1)
    page = admin_client.get("/adminpanel/reports/").content.decode()
    assert "<td>1</td><td>1</td><td>0</td>" in page  # not seen, in consultation, left open
    export = admin_client.get("/adminpanel/reports/export.csv").content.decode("utf-8-sig")
    heading, cells = list(csv.reader(io.StringIO(export)))
    assert cells[heading.index("In consultation")] == "1"
