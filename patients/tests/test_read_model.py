"""The order of a line is stated once: change it there and every reader and call-next follow."""

import pytest

from notifications.models import Notification
from patients import selectors, services
from patients.models import QueueQuerySet
from patients.selectors import department_line, department_queue_snapshot, visit_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_come_first_served(monkeypatch):
    monkeypatch.setattr(QueueQuerySet, "in_service_order", lambda queryset: queryset.order_by("-checked_in_at", "-id"))
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


def test_without_the_override_the_line_is_by_priority_then_arrival(department, make_token):
    normal = make_token(department)
    emergency = make_token(department, priority="emergency")

    assert [place.entry_id for place in department_line(department=department).waiting] == [emergency.pk, normal.pk]
    assert (emergency.get_position_in_queue(), normal.get_position_in_queue()) == (1, 2)
