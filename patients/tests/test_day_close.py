"""The hospital's midnight (services.close_days_over): what a day leaves open (a long-wait alert, a consultation its
doctor never finished, a call whose patient was never seen) ends with it, whether Celery beat runs (the embedded
defaults run none) or not."""

import csv
import io
from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from adminpanel import analytics
from adminpanel.models import AuditLog, DepartmentAnalytics
from adminpanel.tasks import rollup_analytics
from patients import hooks, services
from patients.models import Queue, WaitAlert
from patients.selectors import open_wait_alerts, wait_alert_totals
from patients.tasks import close_days_over, review_wait_alerts

DAY = date(2026, 3, 10)
NEXT_DAY = date(2026, 3, 11)


@pytest.fixture(autouse=True)
def hospital_zone(settings):
    """A hospital whose midnight is not UTC's: every day boundary here is the hospital's; and no Celery beat (the
    embedded defaults), whatever REDIS_URL says, unless a test runs its task."""
    settings.TIME_ZONE = "Asia/Kolkata"
    settings.DAYS_CLOSED_ON_QUEUE_CHANGES = True


def at(hhmm, day=DAY):
    hour, minute = map(int, hhmm.split(":"))
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def announced():
    """Every long-wait alert raised or cleared, as (department id, raised)."""
    changes = []

    def receiver(sender, *, change, **kwargs):
        changes.append((change.alert.department_id, change.raised))

    hooks.wait_alert_changed.connect(receiver, dispatch_uid="test_day_close")
    yield changes
    hooks.wait_alert_changed.disconnect(dispatch_uid="test_day_close")


@pytest.fixture
def evening_alert(department, make_token, django_capture_on_commit_callbacks):
    """Cardiology's waits passed its 30 minutes at 22:31 on 10 March, and no one was called after."""
    department.wait_alert_minutes = 30
    department.save()
    with time_machine.travel(at("22:00"), tick=False) as clock:
        make_token(department)
        clock.move_to(at("22:31"))
        with django_capture_on_commit_callbacks(execute=True):
            review_wait_alerts.apply()
    return WaitAlert.objects.get()


def test_an_alert_open_at_midnight_is_no_longer_shown_the_next_day_nor_counted_past_midnight(evening_alert, department):
    with time_machine.travel(at("08:00", NEXT_DAY), tick=False):
        assert open_wait_alerts() == {}
        assert wait_alert_totals(start=DAY, end=DAY) == {department.pk: (1, 89)}  # 22:31 to midnight


def test_the_new_days_first_change_ends_the_alert_at_midnight_and_says_so(
    evening_alert, department, make_token, announced, django_capture_on_commit_callbacks
):
    with time_machine.travel(at("07:30", NEXT_DAY), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            make_token(department)

    evening_alert.refresh_from_db()
    assert evening_alert.ended_at == at("00:00", NEXT_DAY)
    assert announced == [(department.pk, False)]


def test_waits_of_the_next_day_raise_an_alert_of_their_own(
    evening_alert, department, make_token, make_doctor, announced, django_capture_on_commit_callbacks
):
    """Left open, yesterday's alert took today's episode as its own: counted on the wrong day and never texted."""
    doctor = make_doctor(department=department)
    with time_machine.travel(at("08:00", NEXT_DAY), tick=False) as clock:
        make_token(department)
        make_token(department)
        clock.move_to(at("08:40", NEXT_DAY))
        with django_capture_on_commit_callbacks(execute=True):
            services.call_next(doctor=doctor)  # the second has waited 40 minutes

    today, yesterday = WaitAlert.objects.order_by("-started_at")
    assert yesterday == evening_alert and yesterday.ended_at == at("00:00", NEXT_DAY)
    assert (today.started_at, today.ended_at) == (at("08:40", NEXT_DAY), None)
    assert announced == [(department.pk, False), (department.pk, True)]


def test_celery_beat_after_midnight_ends_the_alert_at_midnight(
    evening_alert, late_consultation, django_capture_on_commit_callbacks
):
    with time_machine.travel(at("00:01", NEXT_DAY), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            close_days_over.apply()
        evening_alert.refresh_from_db()
        late_consultation.refresh_from_db()
        assert evening_alert.ended_at == at("00:00", NEXT_DAY)
        assert late_consultation.status == Queue.Status.IN_CONSULTATION

        clock.move_to(at("06:01", NEXT_DAY))
        close_days_over.apply()
    late_consultation.refresh_from_db()
    assert late_consultation.consultation_left_open


@pytest.fixture
def late_consultation(department, make_doctor, make_token):
    """Dr's last patient of 10 March: called at 23:20, consultation started at 23:25, never finished on the page."""
    doctor = make_doctor(department=department)
    with time_machine.travel(at("23:00"), tick=False) as clock:
        entry = make_token(department)
        clock.move_to(at("23:20"))
        services.call_patient(entry=entry, doctor=doctor)
        clock.move_to(at("23:25"))
        return services.start_consultation(entry=entry)


def test_a_consultation_left_open_is_closed_by_the_next_days_first_change(
    late_consultation, department, make_token, django_capture_on_commit_callbacks
):
    with time_machine.travel(at("07:30", NEXT_DAY), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            make_token(department)
        late_consultation.refresh_from_db()
        assert services.current_patient_of(late_consultation.doctor) is None

    assert late_consultation.status == Queue.Status.COMPLETED
    assert late_consultation.consultation_left_open
    assert late_consultation.completed_at == at("00:00", NEXT_DAY)


def test_a_consultation_under_way_at_midnight_goes_on_until_the_morning(
    late_consultation, department, make_token, django_capture_on_commit_callbacks
):
    """Closed at the first change after midnight, a consultation finished at 00:30 read as one its doctor forgot."""
    with time_machine.travel(at("00:20", NEXT_DAY), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            make_token(department)
        late_consultation.refresh_from_db()
        assert late_consultation.status == Queue.Status.IN_CONSULTATION

        clock.move_to(at("06:10", NEXT_DAY))
        with django_capture_on_commit_callbacks(execute=True):
            make_token(department)
    late_consultation.refresh_from_db()
    assert late_consultation.consultation_left_open


def test_the_doctor_finishing_it_the_next_morning_keeps_their_notes_and_ends_it_with_its_day(late_consultation):
    with time_machine.travel(at("08:05", NEXT_DAY), tick=False):
        services.complete_consultation(entry=late_consultation, consultation_notes="BP 150/95, review in a week")

    late_consultation.refresh_from_db()
    assert late_consultation.consultation_left_open
    assert late_consultation.completed_at == at("00:00", NEXT_DAY)
    assert late_consultation.consultation_notes == "BP 150/95, review in a week"


def test_the_report_counts_it_as_seen_that_day_and_left_open_without_its_length(
    late_consultation, department, admin_client
):
    with time_machine.travel(at("06:00", NEXT_DAY), tick=False):
        # Read before anything of the new day happened: nothing has closed it yet.
        page = admin_client.get("/adminpanel/reports/", {"start": DAY.isoformat(), "end": DAY.isoformat()})
        export = admin_client.get("/adminpanel/reports/export.csv", {"start": DAY.isoformat(), "end": DAY.isoformat()})

    [row] = page.context["department_days"]
    assert (row.completed, row.consultations_left_open, row.average_consultation_minutes) == (1, 1, None)
    header, values = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert dict(zip(header, values))["Left open"] == "1"


def test_the_roll_up_counts_it(late_consultation, department):
    with time_machine.travel(at("07:05", NEXT_DAY), tick=False):
        rollup_analytics.apply(kwargs={"day": "today"})

    rolled = DepartmentAnalytics.objects.get(department=department, date=DAY)
    assert (rolled.completed, rolled.consultations_left_open, rolled.average_consultation_minutes) == (1, 1, None)
    assert analytics.department_days(start=DAY, end=DAY)[0].consultations_left_open == 1


def test_a_consultation_referred_on_the_next_morning_also_ends_with_its_day(late_consultation, make_department):
    radiology = make_department(name="Radiology", code="RAD")
    with time_machine.travel(at("08:10", NEXT_DAY), tick=False):
        referred = services.refer(entry=late_consultation, to_department=radiology, consultation_notes="Chest X-ray")

    late_consultation.refresh_from_db()
    assert late_consultation.consultation_left_open
    assert late_consultation.completed_at == at("00:00", NEXT_DAY)
    assert (referred.department, referred.token_date) == (radiology, NEXT_DAY)


@pytest.fixture
def late_call(department, make_doctor, make_token):
    """Dr's last call of 10 March, at 23:40: the patient never came in, and nobody marked them a no-show."""
    doctor = make_doctor(department=department)
    with time_machine.travel(at("23:30"), tick=False) as clock:
        entry = make_token(department)
        clock.move_to(at("23:40"))
        return services.call_patient(entry=entry, doctor=doctor)


def test_a_call_never_seen_ends_with_its_day_and_its_doctor_calls_the_next_morning(
    late_call, department, make_token, django_capture_on_commit_callbacks
):
    """Left called, the token was its doctor's patient the next morning: "Finish with token ..." at every Call next
    until someone marked a no-show the doctor never saw."""
    doctor = late_call.doctor
    with time_machine.travel(at("07:30", NEXT_DAY), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first_of_the_day = make_token(department)
        called = services.call_next(doctor=doctor)

    assert called == first_of_the_day and called.doctor == doctor
    late_call.refresh_from_db()
    assert (late_call.status, late_call.doctor, late_call.called_at) == (Queue.Status.WAITING, None, at("23:40"))
    assert late_call.expired
    [audited] = AuditLog.objects.filter(action="queue.call_left_open")
    assert (audited.object_id, audited.before["status"], audited.after["status"]) == (
        str(late_call.pk),
        Queue.Status.CALLED,
        Queue.Status.WAITING,
    )


def test_a_call_under_way_at_midnight_goes_on_until_the_morning(
    late_call, department, make_token, django_capture_on_commit_callbacks
):
    """The patient called at 23:40 may come in after midnight: their doctor starts the consultation then."""
    with time_machine.travel(at("00:05", NEXT_DAY), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            make_token(department)
        started = services.start_consultation(entry=late_call)

    assert started.status == Queue.Status.IN_CONSULTATION


def test_the_report_counts_a_call_never_seen_as_not_seen_before_and_after_its_close(late_call, department):
    with time_machine.travel(at("06:01", NEXT_DAY), tick=False):
        before = analytics.department_days(start=DAY, end=DAY)[0]
        close_days_over.apply()
        after = analytics.department_days(start=DAY, end=DAY)[0]

    assert (before.not_seen, before.no_shows, before.average_wait_minutes) == (1, 0, 10)
    assert (after.not_seen, after.no_shows, after.average_wait_minutes) == (1, 0, 10)
