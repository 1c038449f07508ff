import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from patients import hooks, selectors, services
from patients.models import Queue
from patients.selectors import (
    consultation_pace,
    consultation_paces,
    current_visit_status,
    department_queue_snapshot,
    visit_by_link,
    visit_status,
)
from patients.serializers import ServingTokenSerializer
from patients.tests.factories import CHANGE_NUMBER_QUERIES, register_patient
from smartqueue.shapes import represent


def fill_queue(department, count, first_phone=0):
    return [
        register_patient(
            department=department, name=f"Patient {n}", phone=f"+1555100{first_phone + n:04d}", age=30, gender="other"
        )[0]
        for n in range(count)
    ]


def test_department_snapshot_reads_a_fixed_number_of_queries(department, make_doctor, django_assert_num_queries):
    doctor = make_doctor(department=department)
    fill_queue(department, 2)
    services.call_next(doctor=doctor)
    # The hospital's settings (its doctor has no weekly hours: they work the clinic's) are kept between saves.
    hooks.hospital_settings()
    # The day's tokens (the line, who is being served, the pace's history), the bookings, the doctors' roster;
    # the first read of the day also reads the department's history and the day's closures, kept for the rest of it.
    with django_assert_num_queries(5):
        small = department_queue_snapshot(department=department)
    fill_queue(department, 12, first_phone=100)
    with django_assert_num_queries(3):
        large = department_queue_snapshot(department=department)

    assert small["queue_length"] == 1 and large["queue_length"] == 13
    assert [t["position"] for t in large["waiting"]] == list(range(1, 14))
    assert large["estimated_wait_minutes"] == 14 * 10


def documented_department_queue():
    realtime = (Path(settings.BASE_DIR) / "docs" / "realtime.md").read_text()
    section = realtime.split("### The department queue", 1)[1]
    return json.loads(re.search(r"```json\n(.*?)\n```", section, re.DOTALL).group(1))


def test_the_department_queue_documented_for_socket_clients_has_the_fields_a_snapshot_has(department, make_doctor):
    # The example left out the waiting tokens' status and the serving tokens' doctor_name, which every frame sends.
    fill_queue(department, 2)
    services.call_next(doctor=make_doctor(department=department))
    documented = documented_department_queue()

    snapshot = department_queue_snapshot(department=department)

    assert sorted(documented) == sorted(snapshot)
    assert sorted(documented["waiting"][0]) == sorted(snapshot["waiting"][0])
    assert sorted(documented["now_serving"][0]) == sorted(snapshot["now_serving"][0])


def test_tokens_being_served_show_what_their_model_instances_show(
    clock, department, make_department, make_doctor, make_user
):
    department.room = "Block A"
    department.save()
    with_room = make_doctor(department=department, room="Room 4", user=make_user(first_name="Meera", last_name="Shah"))
    without_room = make_doctor(department=department, user=make_user(username="dr.okafor"))
    from_elsewhere = make_doctor(department=make_department(name="Radiology", room="Basement"))
    first, second, third, *_ = fill_queue(department, 5)
    # A doctor of another department may call a patient of this one: they still go to that doctor's room.
    for entry, doctor in ((first, with_room), (second, without_room), (third, from_elsewhere)):
        services.call_patient(entry=entry, doctor=doctor)
        clock.shift(timedelta(minutes=3))
    services.start_consultation(entry=first)
    served = (
        Queue.objects.filter(status__in=Queue.SERVING_STATUSES)
        .select_related("department", "doctor__user", "doctor__department")
        .order_by("-called_at", "-id")
    )
    expected = [represent(ServingTokenSerializer, entry) for entry in served]

    snapshot = department_queue_snapshot(department=department)

    assert snapshot["now_serving"] == expected
    assert [(token["doctor"], token["room"]) for token in snapshot["now_serving"]] == [
        (str(from_elsewhere), "Basement"),
        ("Dr. dr.okafor", "Block A"),
        ("Dr. Meera Shah", "Room 4"),
    ]
    assert [token["status"] for token in snapshot["now_serving"]] == ["called", "called", "in_consultation"]


@pytest.mark.parametrize("ahead", [2, 20])
def test_patient_status_reads_a_fixed_number_of_queries(
    ahead, make_department, make_patient, django_assert_num_queries
):
    patient = make_patient()
    earlier, current = make_department(), make_department()
    services.allocate_token(department=earlier, patient=patient)
    fill_queue(current, ahead, first_phone=current.pk * 100)
    entry = visit_by_link(services.allocate_token(department=current, patient=patient).public_id)

    # Nothing published (the changes' transactions are never committed here): the database answers, in
    # department_line's three queries, and reads the department's history and the day's closures the first time
    # of the day.
    with django_assert_num_queries(5 + CHANGE_NUMBER_QUERIES):
        status = current_visit_status(entry=entry)

    assert (status["department"]["id"], status["position"]) == (current.pk, ahead + 1)
    assert status["visit_id"] == entry.pk


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ahead", [2, 20])
def test_patient_status_comes_from_the_last_published_queue(
    ahead, make_department, make_patient, django_assert_num_queries, monkeypatch
):
    patient = make_patient()
    department = make_department()
    fill_queue(department, ahead, first_phone=department.pk * 100)
    entry = visit_by_link(services.allocate_token(department=department, patient=patient).public_id)
    expected = visit_status(entry=entry)

    def database_path(**_):
        raise AssertionError("the published queue holds this visit; it must not be read again")

    monkeypatch.setattr(selectors, "department_line", database_path)
    with django_assert_num_queries(CHANGE_NUMBER_QUERIES):
        status = current_visit_status(entry=entry)

    assert status == expected
    assert (status["position"], status["patients_ahead"]) == (ahead + 1, ahead)


@pytest.mark.django_db
def test_paces_of_several_departments_match_one_at_a_time(make_department, make_doctor, clock):
    quick, slow = make_department(average_consultation_minutes=5), make_department(average_consultation_minutes=30)
    make_doctor(department=quick)
    doctor = make_doctor(department=slow)
    fill_queue(slow, 1)
    entry = services.call_next(doctor=doctor)
    services.start_consultation(entry=entry)
    entry = services.complete_consultation(entry=entry)
    entry.called_at = entry.started_at = entry.completed_at - timedelta(minutes=12)
    entry.save(update_fields=["called_at", "started_at"])

    together = consultation_paces(departments=[quick, slow], day=timezone.localdate())

    assert together[quick.pk] == consultation_pace(department=quick)
    assert together[slow.pk] == consultation_pace(department=slow)
    # The one consultation of 12 minutes against the configured 30, counted as three more.
    assert together[slow.pk].minutes_per_consultation == pytest.approx((12 + 3 * 30) / 4)
    assert together[quick.pk].minutes_per_consultation == 5


@pytest.mark.parametrize("builder_language", ["es", "ar", "hi"])
def test_a_shared_queue_names_the_doctor_in_the_sites_language_whoever_built_it(
    department, make_doctor, make_user, builder_language
):
    """A doctor working in Spanish calls the next patient: the queue kept for everyone (boards, the queue API,
    sockets) must not carry "Dr./Dra." to the English board, nor an Arabic title to the Hindi one."""
    doctor = make_doctor(department=department, user=make_user(first_name="Anil", last_name="Patel"))
    fill_queue(department, 2)
    services.call_next(doctor=doctor)

    with translation.override(builder_language):
        snapshot = department_queue_snapshot(department=department)
        entry = represent(ServingTokenSerializer, Queue.objects.select_related("doctor__user").get(doctor=doctor))

    assert [token["doctor"] for token in snapshot["now_serving"]] == ["Dr. Anil Patel"]
    assert entry["doctor"] == "Dr. Anil Patel"
    # Untitled too, for the boards to title in each of their languages.
    assert [token["doctor_name"] for token in snapshot["now_serving"]] == ["Anil Patel"]
    assert entry["doctor_name"] == "Anil Patel"


def test_a_waiting_patient_with_a_doctor_of_another_department_is_marked_at_their_place_and_wait(
    department, make_department, make_doctor, clock
):
    """Call next passes them over until they are free, so the board says so beside their token; the line's order and
    every wait stay as they were (the mark is not a change of the line)."""
    ent = make_department(name="ENT", code="ENT")
    fill_queue(department, 3)
    register_patient(department=ent, name="Patient 1", phone="+15551000001", age=30, gender="other")
    before = department_queue_snapshot(department=department)

    services.call_next(doctor=make_doctor(department=ent))
    with_ent = department_queue_snapshot(department=department)

    def unmarked(queue):
        return [{name: value for name, value in place.items() if name != "with_a_doctor_elsewhere"} for place in queue]

    assert [place["with_a_doctor_elsewhere"] for place in before["waiting"]] == [False, False, False]
    assert [place["with_a_doctor_elsewhere"] for place in with_ent["waiting"]] == [False, True, False]
    assert unmarked(with_ent["waiting"]) == unmarked(before["waiting"])
    assert with_ent["estimated_wait_minutes"] == before["estimated_wait_minutes"]
