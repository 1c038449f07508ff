"""The published queue stays true when what feeds its estimates changes outside the queue."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from adminpanel.models import SystemConfiguration
from patients import published, selectors, services
from patients.selectors import latest_queue_snapshot
from patients.tests.factories import CHANGE_NUMBER_QUERIES

pytestmark = pytest.mark.django_db(transaction=True)


def published_waits(department):
    return [token["estimated_wait_minutes"] for token in latest_queue_snapshot(department_id=department.pk)["waiting"]]


def test_a_department_edited_outside_the_queue_is_published_with_its_new_estimate(department, make_token, make_doctor):
    make_doctor(department=department)
    make_token(department)
    make_token(department)
    assert published_waits(department) == [0, 10]  # The doctor is free for the first token.

    department.average_consultation_minutes = 15
    department.save()  # As Django admin or the panel's form does.

    assert published_waits(department) == [0, 15]
    make_token(department)  # A token's change reuses the pace only while it still holds.
    assert published_waits(department) == [0, 15, 30]


def test_a_doctor_joining_the_department_is_published(department, make_token, make_doctor):
    make_doctor(department=department)
    for _ in range(4):
        make_token(department)
    assert published_waits(department) == [0, 10, 20, 30]

    make_doctor(department=department)

    assert published_waits(department) == [0, 0, 10, 10]


def test_a_completed_consultation_sets_the_pace_of_the_next_published_queue(department, make_token, make_doctor):
    doctor = make_doctor(department=department)
    for _ in range(3):
        make_token(department)
    entry = services.call_next(doctor=doctor)
    entry = services.start_consultation(entry=entry)
    entry.called_at = entry.started_at = timezone.now() - timedelta(minutes=4)
    entry.save(update_fields=["called_at", "started_at"])

    services.complete_consultation(entry=entry)

    # Was [0, 10]. The 4 minutes against the configured 10 (counted as three consultations): the department's
    # pace 8.5; the doctor's own, their 4 against that, 7.4.
    assert published_waits(department) == [0, 7]


def test_a_visit_says_when_no_doctor_is_on_duty_and_follows_a_doctor_arriving(
    api_client, department, make_token, make_doctor
):
    entry = make_token(department)
    url = f"/patients/api/visit/{entry.public_id}/status/"
    assert api_client.get(url).json()["doctors_on_duty"] == 0

    make_doctor(department=department)

    assert api_client.get(url).json()["doctors_on_duty"] == 1


def test_an_average_changed_in_django_admin_shows_in_the_next_read(admin_client, department, make_token, make_doctor):
    make_doctor(department=department)
    make_token(department)
    make_token(department)
    assert published_waits(department) == [0, 10]

    response = admin_client.post(
        f"/admin/patients/department/{department.pk}/change/",
        {
            "name": department.name,
            "code": department.code,
            "description": "",
            "room": department.room,
            "average_consultation_minutes": 25,
            "daily_capacity": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert published_waits(department) == [0, 25]


def test_a_published_queue_is_read_without_the_database_while_its_waits_are_fresh(
    clock, department, make_token, make_doctor, django_assert_num_queries
):
    make_doctor(department=department)
    make_token(department)
    make_token(department)
    latest_queue_snapshot(department_id=department.pk)
    clock.shift(timedelta(seconds=published.ESTIMATES_REFRESH_SECONDS - 5))

    with django_assert_num_queries(CHANGE_NUMBER_QUERIES):
        assert published_waits(department) == [0, 10]


def test_waits_count_down_while_a_consultation_runs_on_without_a_change(clock, department, make_token, make_doctor):
    doctor = make_doctor(department=department)
    for _ in range(3):
        make_token(department)
    services.call_next(doctor=doctor)
    assert published_waits(department) == [9, 20]

    clock.shift(timedelta(minutes=6))

    # Six minutes into a 10-minute consultation on average: its likeliest end is closer, and the line's too.
    first, second = published_waits(department)
    assert first < 9 and second < 20


def test_one_reader_refreshes_an_aged_queue_while_the_others_read_the_kept_one(
    clock, department, make_token, make_doctor, django_assert_num_queries
):
    make_doctor(department=department)
    make_token(department)
    seq = published.current_sequence(department.pk)
    clock.shift(timedelta(seconds=published.ESTIMATES_REFRESH_SECONDS + 1))

    assert published.snapshot_to_read(department.pk, seq) is None  # This reader works it out anew...
    # ...while the next ones are answered from the kept queue meanwhile.
    with django_assert_num_queries(CHANGE_NUMBER_QUERIES):
        assert published.snapshot_to_read(department.pk, seq)["queue_length"] == 1
        assert published_waits(department) == [0]


def test_a_clock_set_back_leaves_no_published_queue_fresh_for_as_long(clock, department, make_token, make_doctor):
    make_doctor(department=department)
    make_token(department)
    seq = published.current_sequence(department.pk)
    # The server's clock is corrected half an hour back (or another server's clock ran ahead of this one's).
    clock.shift(timedelta(minutes=-30))

    assert published.snapshot_to_read(department.pk, seq) is None  # Worked out again, not shown for 30 more minutes.
    assert published.line_to_extend(department.pk, seq) is None


def test_a_queue_published_yesterday_is_not_shown_today(clock, department, make_token, make_doctor):
    make_doctor(department=department)
    make_token(department)
    clock.shift(timedelta(days=1))

    snapshot = latest_queue_snapshot(department_id=department.pk)

    assert snapshot["date"] == timezone.localdate().isoformat()
    assert snapshot["waiting"] == []


def test_a_queue_read_from_the_database_is_kept_for_the_next_readers(
    department, make_token, make_doctor, django_assert_num_queries
):
    make_doctor(department=department)
    make_token(department)
    make_token(department)
    # As after an eviction, or for a department never published.
    cache.delete(published.snapshot_cache_key(department.pk, published.current_sequence(department.pk)))

    assert published_waits(department) == [0, 10]
    with django_assert_num_queries(CHANGE_NUMBER_QUERIES):
        assert published_waits(department) == [0, 10]


def test_the_wait_shown_on_registering_is_kept_on_the_token_and_later_changes_leave_it(
    department, make_token, make_doctor
):
    doctor = make_doctor(department=department)
    first, second = make_token(department), make_token(department)

    services.call_next(doctor=doctor)
    second.refresh_from_db()
    first.refresh_from_db()

    assert (first.estimated_wait_at_registration, second.estimated_wait_at_registration) == (0, 10)
    # The line moved (the consultation just begun likeliest ends in 9 minutes); what was shown on registering stays.
    assert published_waits(department) == [9]


def test_a_department_keeps_its_last_two_published_queues_not_one_per_change(department, make_token, make_doctor):
    make_doctor(department=department)
    for _ in range(4):
        make_token(department)
    latest = published.current_sequence(department.pk)

    kept = [published.kept_snapshot(department.pk, seq) is not None for seq in range(latest - 3, latest + 1)]

    assert kept == [False, False, True, True]


def test_a_queue_kept_by_other_code_is_read_from_the_database(department, make_token, make_doctor, monkeypatch):
    make_doctor(department=department)
    make_token(department)

    read = published.cache.get

    def kept_by_a_renamed_class(key, *args, **kwargs):
        if key.startswith("closed-days:") or key == SystemConfiguration.cache_key():
            # The day's closures are department ids, the hospital's settings its configuration: no queue in them.
            return read(key, *args, **kwargs)
        raise ModuleNotFoundError("No module named 'patients.renamed'")

    monkeypatch.setattr(published.cache, "get", kept_by_a_renamed_class)

    assert published_waits(department) == [0]


def a_change_whose_queue_was_evicted(department):
    """As bench/http_load.py's cold phase: a new change number with nothing kept under it."""
    published.next_sequence(department.pk)


def test_a_cold_reader_after_a_change_that_leaves_the_pace_reads_only_the_open_tokens(
    department, make_token, make_doctor, django_assert_num_queries
):
    make_doctor(department=department)
    for _ in range(3):
        make_token(department)
    a_change_whose_queue_was_evicted(department)

    with django_assert_num_queries(1 + CHANGE_NUMBER_QUERIES):
        assert published_waits(department) == [0, 10, 20]


def test_a_cold_reader_after_a_change_of_the_pace_measures_it_again(department, make_token, make_doctor):
    doctor = make_doctor(department=department)
    for _ in range(3):
        make_token(department)
    entry = services.start_consultation(entry=services.call_next(doctor=doctor))
    entry.called_at = entry.started_at = timezone.now() - timedelta(minutes=4)
    entry.save(update_fields=["called_at", "started_at"])
    services.complete_consultation(entry=entry)
    cache.delete(published.snapshot_cache_key(department.pk, published.current_sequence(department.pk)))

    # The queue kept under the number before holds the pace of before the 4-minute consultation (10): not taken.
    assert published_waits(department) == [0, 7]


def test_a_cold_reader_measures_a_pace_more_than_a_minute_old(
    clock, department, make_token, make_doctor, django_assert_num_queries
):
    make_doctor(department=department)
    make_token(department)
    clock.shift(timedelta(seconds=published.ESTIMATES_REFRESH_SECONDS + 1))
    a_change_whose_queue_was_evicted(department)

    with django_assert_num_queries(4 + CHANGE_NUMBER_QUERIES):
        assert published_waits(department) == [0]


@pytest.fixture
def lines_read(monkeypatch):
    """How many times the department's line is read and played from the database."""
    reads = []
    read_line = selectors.department_line

    def counted(**kwargs):
        reads.append(kwargs["department"].pk)
        return read_line(**kwargs)

    monkeypatch.setattr(selectors, "department_line", counted)
    return reads


def queue_of_a_full_publish(department):
    """The queue a publisher reading and playing the whole line now would publish (the kept pace reused)."""
    reuse = published.pace_to_reuse(
        department.pk, generation=published.current_pace_generation(department.pk), recent_only=False
    )
    return selectors.department_queue_snapshot(department=department, line=selectors.published_line(department=department, reuse=reuse))


def test_a_walk_in_joins_the_end_of_the_kept_queue_without_the_line_being_read_again(
    clock, department, make_token, make_doctor, lines_read
):
    doctor = make_doctor(department=department)
    make_doctor(department=department)
    for priority in ("normal", "emergency", "normal", "high"):
        make_token(department, priority=priority)
    services.call_next(doctor=doctor)
    clock.shift(timedelta(seconds=20))
    lines_read.clear()

    entry = make_token(department)

    assert lines_read == []
    queue = latest_queue_snapshot(department_id=department.pk)
    assert queue == queue_of_a_full_publish(department)
    assert queue["waiting"][-1]["token"] == entry.token
    entry.refresh_from_db()
    assert entry.estimated_wait_at_registration == queue["waiting"][-1]["estimated_wait_minutes"]


@pytest.mark.parametrize("priority", ["high", "emergency"])
def test_a_patient_of_higher_priority_is_placed_by_reading_the_line(
    clock, department, make_token, make_doctor, lines_read, priority
):
    make_doctor(department=department)
    for _ in range(3):
        make_token(department)
    lines_read.clear()

    entry = make_token(department, priority=priority)

    assert lines_read == [department.pk]
    assert latest_queue_snapshot(department_id=department.pk)["waiting"][0]["token"] == entry.token


def test_a_walk_in_arriving_before_a_booked_patients_slot_is_placed_ahead_of_them(
    clock, department, make_token, make_doctor, lines_read
):
    make_doctor(department=department)
    make_token(department)
    booked = make_token(department)
    # Checked in early for a slot in twenty minutes: due then (QueueQuerySet.in_service_order).
    booked.due_at = timezone.now() + timedelta(minutes=20)
    booked.save(update_fields=["due_at"])
    published.next_sequence(department.pk)
    latest_queue_snapshot(department_id=department.pk)
    lines_read.clear()

    entry = make_token(department)

    assert lines_read == [department.pk]
    waiting = [place["token"] for place in latest_queue_snapshot(department_id=department.pk)["waiting"]]
    assert waiting[1:] == [entry.token, booked.token]


def test_a_walk_in_joining_a_queue_whose_waits_are_due_for_working_out_again_reads_the_line(
    clock, department, make_token, make_doctor, lines_read
):
    make_doctor(department=department)
    make_token(department)
    clock.shift(timedelta(seconds=published.ESTIMATES_REFRESH_SECONDS))
    lines_read.clear()

    make_token(department)

    assert lines_read == [department.pk]
    assert published_waits(department) == [0, 10]


def test_a_queue_that_holds_the_new_token_already_is_not_joined_again(clock, department, make_token, make_doctor):
    make_doctor(department=department)
    entry = make_token(department)
    seq = published.current_sequence(department.pk)
    # As when the registration committed before the change numbered just before it read its queue.
    kept = published.line_to_extend(department.pk, seq)

    assert kept.queue["waiting"][-1]["token"] == entry.token
    assert selectors.queue_joined_at_the_end(kept=kept, entry=entry) is None
