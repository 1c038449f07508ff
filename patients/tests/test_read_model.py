"""The order of a line is stated once: change it there and every reader and call-next follow."""

from datetime import timedelta

import pytest

from notifications.models import Notification
from patients import selectors, services
from patients.models import Queue, QueueQuerySet
from patients.selectors import department_line, department_queue_snapshot, latest_queue_snapshot, visit_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_come_first_served(monkeypatch):
    monkeypatch.setattr(QueueQuerySet, "in_service_order", lambda queryset: queryset.order_by("-checked_in_at", "-id"))
    # The same order for tokens in memory (a walk-in's is its arrival).
    monkeypatch.setattr(
        Queue, "service_order_key", lambda *, priority, due, entry_id: (-due.timestamp(), -entry_id)
    )
    # The read model compiles its statement once per process: from the order in force, here the override.
    selectors._compiled_line.cache_clear()
    yield
    selectors._compiled_line.cache_clear()


def test_one_ordering_drives_places_waits_snapshots_messages_and_call_next(
    department, make_token, make_doctor, last_come_first_served, django_capture_on_commit_callbacks, tasks_run_inline
):
    doctor = make_doctor(department=department)
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = (make_token(department) for _ in range(3))

    assert [place.token for place in department_line(department=department).waiting] == [
        third.token,
        second.token,
        first.token,
    ]
    assert [token["token"] for token in department_queue_snapshot(department=department)["waiting"]] == [
        third.token,
        second.token,
        first.token,
    ]
    assert (first.get_position_in_queue(), third.get_position_in_queue()) == (3, 1)
    assert (visit_status(entry=first)["position"], visit_status(entry=first)["estimated_wait_minutes"]) == (3, 20)
    assert "number 3 in line" in Notification.objects.get(queue_entry=first, event="registration").body
    assert services.call_next(doctor=doctor) == third


def test_registrations_published_one_after_the_other_follow_the_order(
    department, make_token, last_come_first_served, django_capture_on_commit_callbacks
):
    tokens = []
    for _ in range(3):
        # Each registration committed and published before the next, as at the desk: each publisher may
        # extend the queue the one before published, by the order's key for tokens in memory.
        with django_capture_on_commit_callbacks(execute=True):
            tokens.append(make_token(department))

    published = [token["token"] for token in latest_queue_snapshot(department_id=department.pk)["waiting"]]
    assert published == [entry.token for entry in reversed(tokens)]


def test_the_order_of_tokens_in_memory_is_the_order_of_the_database(department, make_token):
    emergency = make_token(department, priority="emergency")
    normal, high, booked, booked_emergency, late_normal, late_emergency = (
        make_token(department, priority=p) for p in ("normal", "high", "normal", "emergency", "normal", "emergency")
    )
    # Checked in early for a slot after the last walk-in's arrival: due then, unless urgent (due from arrival).
    for early in (booked, booked_emergency):
        early.due_at = late_emergency.checked_in_at + timedelta(minutes=5)
        early.save(update_fields=["due_at"])
    tokens = [emergency, normal, high, booked, booked_emergency, late_normal, late_emergency]

    in_memory = sorted(
        tokens, key=lambda entry: Queue.service_order_key(priority=entry.priority, due=entry.due, entry_id=entry.pk)
    )

    in_database = list(Queue.objects.filter(department=department).in_service_order())
    assert in_memory == in_database == [emergency, booked_emergency, late_emergency, high, normal, late_normal, booked]


def test_without_the_override_the_line_is_by_priority_then_arrival(department, make_token):
    normal = make_token(department)
    emergency = make_token(department, priority="emergency")

    assert [place.entry_id for place in department_line(department=department).waiting] == [emergency.pk, normal.pk]
    assert (emergency.get_position_in_queue(), normal.get_position_in_queue()) == (1, 2)
