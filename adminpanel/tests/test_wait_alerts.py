"""Long-wait alerts: raised once per episode when a department's longest wait passes its limit, cleared when it
falls back, announced to the staff screens, shown on them and counted in the reports."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from adminpanel.models import AdminUser, SystemConfiguration
from conftest import requires_postgresql
from patients import hooks, services
from patients.broadcasts import staff_group
from patients.models import Queue, WaitAlert
from patients.tasks import review_wait_alerts

MINUTE = 60


@pytest.fixture
def announced(django_capture_on_commit_callbacks):
    """Every raise and clear announced on hooks.wait_alert_changed, as (department id, raised)."""
    changes = []

    def receiver(sender, *, change, **kwargs):
        changes.append((change.alert.department_id, change.raised))

    hooks.wait_alert_changed.connect(receiver, dispatch_uid="test_wait_alerts")
    yield changes
    hooks.wait_alert_changed.disconnect(dispatch_uid="test_wait_alerts")


def review(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return review_wait_alerts.apply().get()


def test_an_alert_is_raised_once_per_episode_and_cleared(
    clock, department, make_token, make_doctor, announced, django_capture_on_commit_callbacks
):
    department.wait_alert_minutes = 30
    department.save()
    doctor = make_doctor(department=department)
    make_token(department)
    clock.shift(10 * MINUTE)
    make_token(department)

    clock.shift(20 * MINUTE)  # the first has waited 30 min: not over the limit yet
    assert review(django_capture_on_commit_callbacks) == []

    clock.shift(1 * MINUTE)
    [alert_id] = review(django_capture_on_commit_callbacks)
    clock.shift(5 * MINUTE)
    assert review(django_capture_on_commit_callbacks) == [alert_id]

    alert = WaitAlert.objects.get()
    assert (alert.threshold_minutes, alert.peak_wait_minutes, alert.ended_at) == (30, 36, None)
    assert announced == [(department.pk, True)]

    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(doctor=doctor)  # the next one has waited 26 min: back under the limit

    alert.refresh_from_db()
    assert alert.ended_at is not None and alert.minutes_over_threshold == 5
    assert announced == [(department.pk, True), (department.pk, False)]

    clock.shift(10 * MINUTE)  # 36 min: a new episode
    review(django_capture_on_commit_callbacks)
    assert WaitAlert.objects.count() == 2
    assert announced[-1] == (department.pk, True)


@pytest.fixture
def reviewed(monkeypatch):
    """The department ids of every review of an alert, as they happen."""
    review = services.review_wait_alert
    departments = []

    def recording_review(*, department_id):
        departments.append(department_id)
        return review(department_id=department_id)

    monkeypatch.setattr(services, "review_wait_alert", recording_review)
    return departments


def test_without_beat_a_walk_ins_registration_reviews_only_once_the_longest_wait_is_past_the_limit(
    settings, clock, department, make_token, make_doctor, reviewed, announced, django_capture_on_commit_callbacks
):
    settings.WAIT_ALERTS_REVIEWED_ON_REGISTRATION = True
    department.wait_alert_minutes = 30
    department.save()
    doctor = make_doctor(department=department)
    with django_capture_on_commit_callbacks(execute=True):
        make_token(department)
    clock.shift(20 * MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        make_token(department)  # the first has waited 20 min: registering cannot raise anything
    assert reviewed == []

    clock.shift(11 * MINUTE)  # 31 min, and no beat running (as on the embedded defaults): the next one raises it
    with django_capture_on_commit_callbacks(execute=True):
        make_token(department)
    assert reviewed == [department.pk]
    assert announced == [(department.pk, True)]

    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(doctor=doctor)  # a call always reviews: the next one has waited 11 min, cleared
    assert reviewed == [department.pk, department.pk]
    assert announced == [(department.pk, True), (department.pk, False)]


def test_where_beat_reviews_alerts_a_registration_checks_nothing_and_a_call_still_reviews(
    settings, clock, department, make_token, make_doctor, reviewed, django_capture_on_commit_callbacks
):
    settings.WAIT_ALERTS_REVIEWED_ON_REGISTRATION = False
    department.wait_alert_minutes = 30
    department.save()
    doctor = make_doctor(department=department)
    make_token(department)
    clock.shift(31 * MINUTE)  # past the limit: without beat, this registration would raise the alert
    with django_capture_on_commit_callbacks(execute=True):
        make_token(department)
    assert reviewed == []

    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(doctor=doctor)
    assert reviewed == [department.pk]


def test_the_hospital_limit_applies_unless_the_department_sets_its_own(
    clock, department, make_department, make_token, django_capture_on_commit_callbacks
):
    configuration = SystemConfiguration.load()
    configuration.wait_alert_minutes = 60
    configuration.save()
    strict = make_department(name="Emergency", code="EMER", wait_alert_minutes=15)
    make_token(department)
    make_token(strict)

    clock.shift(20 * MINUTE)
    review(django_capture_on_commit_callbacks)

    assert list(WaitAlert.objects.values_list("department__code", "threshold_minutes")) == [("EMER", 15)]


@pytest.mark.django_db(transaction=True)
def test_raising_and_clearing_send_a_frame_to_the_staff_screens(clock, department, make_token, monkeypatch):
    department.wait_alert_minutes = 5
    department.save()
    entry = make_token(department)
    sent = []

    class RecordingLayer:
        async def group_send(self, group, message):
            sent.append((group, json.loads(message["text"])))

    monkeypatch.setattr("patients.broadcasts.get_channel_layer", lambda: RecordingLayer())
    clock.shift(6 * MINUTE)
    services.review_wait_alert(department_id=department.pk)
    services.cancel(entry=entry)

    staff_frames = [frame["payload"] for group, frame in sent if group == staff_group(department.pk)]
    alert_events = [payload["event"] for payload in staff_frames if payload["event"].startswith("wait_alert")]
    assert alert_events == ["wait_alert_raised", "wait_alert_cleared"]
    assert staff_frames[0]["detail"]["wait_alert"]["peak_wait_minutes"] == 6


def test_staff_screens_show_the_open_alert(
    clock, department, make_token, admin_client, django_capture_on_commit_callbacks
):
    department.wait_alert_minutes = 20
    department.save()
    make_token(department)
    clock.shift(25 * MINUTE)
    assert "Long wait" not in admin_client.get(reverse("adminpanel:queues-live")).content.decode()

    review(django_capture_on_commit_callbacks)

    page = admin_client.get(reverse("adminpanel:queues-live")).content.decode()
    assert "Long wait: the longest wait reached 25 min, over the 20 min limit" in page


def test_staff_screens_give_a_long_wait_in_hours_and_minutes(
    clock, department, make_token, admin_client, django_capture_on_commit_callbacks
):
    department.wait_alert_minutes = 120
    department.save()
    make_token(department)
    clock.shift(162 * MINUTE)
    review(django_capture_on_commit_callbacks)
    admin_client.force_login(AdminUser.objects.get().user)  # again: a session idle that long has ended

    page = admin_client.get(reverse("adminpanel:queues-live")).content.decode()

    assert "Long wait: the longest wait reached 2 hours 40 min, over the 2 hours limit" in page
    assert "longest 2 hours 40 min" in page and "162 min" not in page

def test_the_doctor_dashboard_shows_the_open_alert(
    clock, client, department, make_doctor, make_token, django_capture_on_commit_callbacks
):
    client.force_login(make_doctor(department=department).user)
    department.wait_alert_minutes = 20
    department.save()
    make_token(department)
    clock.shift(25 * MINUTE)
    review(django_capture_on_commit_callbacks)

    page = client.get(reverse("doctors:dashboard-live")).content.decode()
    assert 'id="wait-alert"' in page and "over the 20 min limit" in page
    api = client.get(reverse("doctors:api")).json()
    assert api["wait_alert"]["threshold_minutes"] == 20


def test_reports_count_alerts_and_their_minutes_over_the_limit(
    clock, department, make_token, admin_client, django_capture_on_commit_callbacks
):
    department.wait_alert_minutes = 20
    department.save()
    entry = make_token(department)
    clock.shift(21 * MINUTE)
    review(django_capture_on_commit_callbacks)
    clock.shift(12 * MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(entry=entry)

    today = timezone.localdate().isoformat()
    admin_client.force_login(AdminUser.objects.get().user)  # signed in again after the idle time the clock skipped
    page = admin_client.get(reverse("adminpanel:reports"), {"start": today, "end": today}).content.decode()

    assert '<tr><td>Cardiology</td><td>1</td><td>12</td></tr>' in page


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_two_reviews_at_once_raise_one_alert(clock, department, make_token, announced):
    department.wait_alert_minutes = 5
    department.save()
    make_token(department)
    clock.shift(6 * MINUTE)
    barrier = threading.Barrier(2)
    errors = []

    def review_in_a_thread():
        barrier.wait()
        try:
            services.review_wait_alert(department_id=department.pk)
        except Exception as error:  # e.g. the one-open-alert constraint refusing a second insert
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=review_in_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert WaitAlert.objects.count() == 1
    assert announced == [(department.pk, True)]


def test_every_screen_counts_a_wait_from_the_transfer_or_the_slot_as_the_alert_does(
    clock, department, make_department, make_doctor, make_token, admin_client
):
    ent = make_department(name="ENT", code="ENT")
    referred = make_token(department)
    clock.shift(150 * MINUTE)
    referred = services.transfer(entry=referred, to_department=ent)
    booked_early = make_token(ent)
    Queue.objects.filter(pk=booked_early.pk).update(due_at=timezone.now() + timedelta(hours=1))
    clock.shift(8 * MINUTE)
    admin_client.force_login(AdminUser.objects.get().user)  # again: a session idle that long has ended
    doctor_client = Client()
    doctor_client.force_login(make_doctor(department=ent).user)

    dashboard = doctor_client.get(reverse("doctors:api")).json()["waiting"]
    live = next(row for row in admin_client.get(reverse("adminpanel:api")).json()["departments"] if row["id"] == ent.pk)

    # The referred patient arrived 158 minutes ago, but has waited 8 in ENT; the early one waits from the slot.
    assert services.longest_wait_minutes(department=ent, now=timezone.now()) == 8
    assert live["longest_wait_minutes"] == 8
    assert {row["token"]: row["waiting_minutes"] for row in dashboard} == {referred.token: 8, booked_early.token: 0}


def test_an_on_time_booked_patient_waits_from_their_arrival_not_from_the_slot_before_it(
    clock, department, make_doctor, make_token, client
):
    client.force_login(make_doctor(department=department).user)
    booked_on_time = make_token(department)
    Queue.objects.filter(pk=booked_on_time.pk).update(due_at=timezone.now() - timedelta(minutes=8))
    clock.shift(5 * MINUTE)

    [row] = client.get(reverse("doctors:api")).json()["waiting"]
    assert row["waiting_minutes"] == 5
    assert services.longest_wait_minutes(department=department, now=timezone.now()) == 5
