"""The reports' figures by priority and their count of tokens restored after a cancellation made by mistake: the
same in the report, the daily roll-up, the page and the export as computed here from the tokens themselves."""

import csv
import io
import math
from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from adminpanel import analytics
from adminpanel.models import DepartmentAnalytics
from adminpanel.views import CSV_COLUMNS
from patients import services
from patients.models import Priority, Queue

DAY = date(2026, 3, 10)
QUERY = {"start": "2026-03-10", "end": "2026-03-10"}


def at(hhmm):
    hour, minute = map(int, hhmm.split(":"))
    return timezone.make_aware(datetime(DAY.year, DAY.month, DAY.day, hour, minute))


@pytest.fixture
def mixed_priorities_day(department, make_department, make_doctor, make_token):
    """Cardiology's 10 March: emergencies, high and normal priorities called after different waits, one of each
    never called, a cancelled token restored and another left cancelled, and an emergency transferred in."""
    ent = make_department(name="ENT", code="ENT")
    doctor = make_doctor(department=department)
    with time_machine.travel(at("08:00"), tick=False) as clock:
        tokens = {}
        for name, check_in, priority in [
            ("E1", "09:00", Priority.EMERGENCY),
            ("N1", "09:01", Priority.NORMAL),
            ("N2", "09:02", Priority.NORMAL),
            ("N3", "09:03", Priority.NORMAL),
            ("N4", "09:04", Priority.NORMAL),
            ("E2", "09:05", Priority.EMERGENCY),
            ("H1", "09:10", Priority.HIGH),
            ("H2", "09:15", Priority.HIGH),
            ("N5", "09:20", Priority.NORMAL),
            ("N6", "09:25", Priority.NORMAL),
        ]:
            clock.move_to(at(check_in))
            tokens[name] = make_token(department, priority=priority)

        def see(name, called):
            clock.move_to(at(called))
            services.call_patient(entry=tokens[name], doctor=doctor)
            services.start_consultation(entry=tokens[name])
            services.complete_consultation(entry=tokens[name])

        see("E1", "09:02")
        see("E2", "09:12")
        clock.move_to(at("09:26"))
        services.cancel(entry=tokens["N6"])
        clock.move_to(at("09:27"))
        services.reinstate(entry=tokens["N6"])
        see("H1", "09:30")
        clock.move_to(at("09:35"))
        services.cancel(entry=make_token(department, priority=Priority.HIGH))
        see("N1", "09:40")
        see("N2", "10:00")
        clock.move_to(at("10:01"))
        referral = make_token(ent, priority=Priority.EMERGENCY)
        clock.move_to(at("10:05"))
        moved = services.transfer(entry=referral, to_department=department)
        clock.move_to(at("10:08"))
        services.call_patient(entry=moved, doctor=doctor)
        services.start_consultation(entry=moved)
        services.complete_consultation(entry=moved)
        see("N3", "10:31")
        see("N4", "11:15")
    return department


def nearest_rank_90(values):
    ranked = sorted(values)
    return ranked[math.ceil(len(ranked) * 9 / 10) - 1] if ranked else None


def expected_figures(department):
    """Each priority's figures of the department's day, from its tokens: registrations (not a token transferred in,
    registered in its first department), and the waits of those called, from arrival or from the transfer."""
    tokens = Queue.objects.filter(department=department, token_date=DAY)
    figures = {}
    for priority in Priority:
        of_priority = tokens.filter(priority=priority)
        waits = [
            ((token.created_at if token.transferred_from_id else token.checked_in_at) - token.called_at).total_seconds()
            / -60
            for token in of_priority.exclude(called_at=None)
        ]
        figures[priority] = (
            of_priority.filter(transferred_from=None).count(),
            sum(waits) / len(waits) if waits else None,
            nearest_rank_90(waits),
        )
    return figures


def figures_of(row):
    return {
        priority: tuple(getattr(row, f"{priority}_{measure}") for measure in analytics.PRIORITY_MEASURES)
        for priority in Priority
    }


def test_each_prioritys_registrations_and_waits_and_the_restored_tokens_are_those_of_the_tokens(mixed_priorities_day):
    cardiology = mixed_priorities_day
    [row] = [row for row in analytics.department_days(start=DAY, end=DAY) if row.department == cardiology]

    assert figures_of(row) == expected_figures(cardiology)
    assert figures_of(row) == {
        # The emergency transferred in was registered in ENT; its wait here ran from the transfer: 3 minutes.
        Priority.EMERGENCY: (2, 4.0, 7.0),
        Priority.HIGH: (3, 20.0, 20.0),  # one called, one never called, one cancelled
        Priority.NORMAL: (6, 79.0, 131.0),  # waits 39, 58, 88 and 131; two never called
    }
    assert sum(figures.registrations for figures in row.by_priority) == row.registrations
    assert row.reinstated == 1
    assert row.cancelled == 1  # the high-priority token left cancelled
    assert [figures.priority for figures in row.by_priority] == [Priority.EMERGENCY, Priority.HIGH, Priority.NORMAL]


def test_the_rollup_stores_the_same_figures_and_repeating_it_changes_nothing(mixed_priorities_day):
    cardiology = mixed_priorities_day
    analytics.rollup_day(day=DAY)
    analytics.rollup_day(day=DAY)

    [stored] = DepartmentAnalytics.objects.filter(department=cardiology, date=DAY)
    assert figures_of(stored) == expected_figures(cardiology)
    assert stored.reinstated == 1


def test_the_page_shows_each_prioritys_figures_under_headers_naming_them(admin_client, mixed_priorities_day):
    response = admin_client.get("/adminpanel/reports/", QUERY)

    page = response.content.decode()
    table = page[page.index('id="department-priorities"') :]
    table = table[: table.index("</table>")]
    for priority in ("Emergency", "High", "Normal"):
        assert f'scope="colgroup" colspan="3" id="priority-{priority.lower()}">{priority}</th>' in table
    emergency = expected_figures(mixed_priorities_day)[Priority.EMERGENCY]
    assert f'headers="priority-row-1 priority-emergency priority-emergency-mean">{emergency[1]:.1f}</td>' in table
    assert "<th scope=\"col\">Restored</th>" in page
    assert "<td>1</td><td>1</td>" in page  # cancelled, restored


def test_the_page_names_the_priorities_in_the_readers_language(admin_client, mixed_priorities_day):
    admin_client.cookies["django_language"] = "ar"

    page = admin_client.get("/adminpanel/reports/", QUERY).content.decode()

    assert "الأولويات حسب اليوم" in page
    assert 'id="priority-emergency">طارئة</th>' in page
    assert "<th scope=\"col\">أُعيدت</th>" in page


def test_the_exports_new_headings_are_in_the_readers_language(admin_client, mixed_priorities_day):
    admin_client.cookies["django_language"] = "es"

    export = admin_client.get("/adminpanel/reports/export.csv", QUERY).content.decode("utf-8-sig")

    heading = next(csv.reader(io.StringIO(export)))
    assert heading[:3] == ["Fecha", "Servicio", "Registros"]
    assert heading[-10] == "Registros urgentes"
    assert heading[-1] == "Restablecidos tras cancelarse"


def test_the_export_adds_the_figures_as_its_last_columns(admin_client, mixed_priorities_day):
    export = admin_client.get("/adminpanel/reports/export.csv", QUERY).content.decode("utf-8-sig")

    heading, *rows = list(csv.reader(io.StringIO(export)))
    new_fields = (*analytics.PRIORITY_FIELDS, "reinstated")
    assert heading[: -len(new_fields)] == [str(label) for field, label in CSV_COLUMNS if field not in new_fields]
    [cells] = [row for row in rows if row[1] == "Cardiology"]
    by_heading = dict(zip(heading, cells))
    expected = expected_figures(mixed_priorities_day)
    for priority, name in [(Priority.EMERGENCY, "Emergency"), (Priority.HIGH, "High priority")]:
        registrations, mean_wait, p90_wait = expected[priority]
        assert by_heading[f"{name} registrations"] == str(registrations)
        assert by_heading[f"{name} average wait (minutes)"] == f"{mean_wait:.1f}"
        assert by_heading[f"{name} 90th percentile wait (minutes)"] == f"{p90_wait:.1f}"
    assert heading[-1] == "Restored after cancelling" and cells[-1] == "1"
