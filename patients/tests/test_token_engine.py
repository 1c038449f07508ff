import re
import threading
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, connections, transaction

from conftest import requires_postgresql
from patients import appointments, services
from patients.models import DEPARTMENT_CODE_PATTERN, ClosedDay, Department, Patient, Queue
from patients.tests.factories import register_patient


def test_tokens_are_sequential_from_one_and_show_the_department_code(department, make_patient):
    entries = [services.allocate_token(department=department, patient=make_patient()) for _ in range(3)]

    assert [entry.token_number for entry in entries] == [1, 2, 3]
    assert entries[2].token == "CARD-003"


@pytest.mark.parametrize(
    "name, code",
    [
        ("Cardiology", "CARD"),
        ("Ünfallchirurgie", "UNFA"),  # letters of other alphabets' accents kept as their base letter
        ("Кардиология", "DEPT"),  # no letter of A to Z
        ("हृदय रोग", "DEPT"),
        ("X", "DX"),
        ("24x7 Clinic", "D24X"),
    ],
)
def test_a_code_made_from_the_name_is_one_a_typed_code_could_be(db, name, code):
    # A code outside A to Z made tokens the kiosk's address and the texts' token words could not name, and the
    # department could not be saved again while anyone held one of its tokens.
    department = Department.objects.create(name=name)

    assert department.code == code
    assert re.fullmatch(DEPARTMENT_CODE_PATTERN, department.code)


def test_a_code_made_from_the_name_of_a_code_in_use_is_numbered(db):
    Department.objects.create(name="Cardiology")

    assert Department.objects.create(name="Cardiology Annex").code == "CARD2"


def test_each_department_has_its_own_sequence(make_department, make_patient):
    cardiology, pediatrics = make_department(code="CARD"), make_department(code="PED")

    services.allocate_token(department=cardiology, patient=make_patient())
    first_pediatric = services.allocate_token(department=pediatrics, patient=make_patient())

    assert first_pediatric.token == "PED-001"


def test_numbering_restarts_at_the_hospitals_local_midnight(settings, department, make_patient):
    settings.TIME_ZONE = "Asia/Kolkata"  # UTC+05:30: local midnight is 18:30 UTC
    kolkata = ZoneInfo("Asia/Kolkata")
    with time_machine.travel(datetime(2026, 3, 1, 23, 50, tzinfo=kolkata), tick=False):
        evening = [services.allocate_token(department=department, patient=make_patient()) for _ in range(2)]
    with time_machine.travel(datetime(2026, 3, 2, 0, 5, tzinfo=kolkata), tick=False):
        morning = services.allocate_token(department=department, patient=make_patient())

    assert [entry.token_number for entry in evening] == [1, 2]
    assert evening[0].token_date.isoformat() == "2026-03-01"
    assert (morning.token_number, morning.token_date.isoformat()) == (1, "2026-03-02")


def test_a_registration_held_at_the_counter_across_midnight_joins_the_new_days_line(
    settings, department, make_patient, monkeypatch
):
    # Registered at 23:59:59.9 while another registration held the counter: numbered in the day that had ended, the
    # token joined a closed line, was never called, and its patient was told next morning "not called before the
    # line closed".
    settings.TIME_ZONE = "Asia/Kolkata"
    kolkata = ZoneInfo("Asia/Kolkata")
    take_number = services.next_token_number
    with time_machine.travel(datetime(2026, 3, 1, 23, 59, 59, 900000, tzinfo=kolkata), tick=False) as clock:
        services.allocate_token(department=department, patient=make_patient())

        def held_past_midnight(**kwargs):
            clock.move_to(datetime(2026, 3, 2, 0, 0, 1, tzinfo=kolkata))
            return take_number(**kwargs)

        monkeypatch.setattr(services, "next_token_number", held_past_midnight)
        entry = services.allocate_token(department=department, patient=make_patient())

    assert (entry.token_date.isoformat(), entry.token_number) == ("2026-03-02", 1)
    assert entry.token_date == entry.checked_in_at.astimezone(kolkata).date()


def test_a_self_registration_held_at_the_counter_across_midnight_into_a_closed_day_is_refused(
    settings, department, make_patient, monkeypatch
):
    # Checked open at 23:59:59.9; the number it waited for was the next day's, a holiday closed to patients
    # registering themselves: its line took them, and nobody saw them.
    settings.TIME_ZONE = "Asia/Kolkata"
    kolkata = ZoneInfo("Asia/Kolkata")
    ClosedDay.objects.create(department=department, day=date(2026, 3, 2), reason="Holi")
    take_number = services.next_token_number
    with time_machine.travel(datetime(2026, 3, 1, 23, 59, 59, 900000, tzinfo=kolkata), tick=False) as clock:

        def held_past_midnight(**kwargs):
            clock.move_to(datetime(2026, 3, 2, 0, 0, 1, tzinfo=kolkata))
            return take_number(**kwargs)

        monkeypatch.setattr(services, "next_token_number", held_past_midnight)
        with pytest.raises(services.DepartmentUnavailable, match="closed today"):
            register_patient(
                department=department, name="Asha Rao", phone="+14155550170", age=30, gender="female", self_service=True
            )

    assert not Queue.objects.exists()


def test_database_refuses_a_second_token_with_the_same_number_on_the_same_day(department, make_patient):
    entry = services.allocate_token(department=department, patient=make_patient())
    duplicate = Queue(
        patient=make_patient(),
        department=department,
        token_number=entry.token_number,
        token_date=entry.token_date,
        checked_in_at=entry.checked_in_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_inactive_department_takes_no_tokens(make_department, make_patient):
    closed = make_department(is_active=False)

    with pytest.raises(services.DepartmentUnavailable, match="not taking patients"):
        services.allocate_token(department=closed, patient=make_patient())
    assert not Queue.objects.exists()


def test_a_department_deactivated_since_the_registration_read_it_takes_no_token(department, make_patient):
    # The registration page read the department while it was active; the admin's deactivation committed before the
    # token was issued.
    read_before = Department.objects.get(pk=department.pk)
    Department.objects.filter(pk=department.pk).update(is_active=False)

    with pytest.raises(services.DepartmentUnavailable, match="not taking patients"):
        services.allocate_token(department=read_before, patient=make_patient())
    assert not Queue.objects.exists()


@pytest.mark.django_db(transaction=True)
@requires_postgresql()
def test_a_registration_racing_a_deactivation_on_postgresql_waits_for_it_and_is_refused(department, make_patient):
    # The deactivation is under way (saved, its bookings released, not yet committed) when a registration that read
    # the department as active takes a number: it joined the line of a department that no longer takes patients.
    patient, read_before = make_patient(), Department.objects.get(pk=department.pk)
    deactivating, registering = threading.Event(), threading.Event()
    outcomes = {}

    def deactivate():
        try:
            with transaction.atomic():
                Department.objects.select_for_update().filter(pk=department.pk).update(is_active=False)
                deactivated = Department.objects.get(pk=department.pk)
                appointments.release_bookings_of_inactive_department(department=deactivated)
                deactivating.set()
                registering.wait(timeout=10)
                time.sleep(0.5)  # the registration, let go, reaches the counter before this commits
        finally:
            connections.close_all()

    def register():
        deactivating.wait(timeout=10)
        registering.set()
        try:
            outcomes["token"] = services.allocate_token(department=read_before, patient=patient)
        except services.QueueError as refusal:
            outcomes["refusal"] = refusal
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deactivate), threading.Thread(target=register)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert isinstance(outcomes.get("refusal"), services.DepartmentUnavailable), outcomes
    assert not Queue.objects.filter(department=department).exists()


def test_daily_capacity_is_enforced(make_department, make_patient):
    small = make_department(daily_capacity=2)
    for _ in range(2):
        services.allocate_token(department=small, patient=make_patient())

    with pytest.raises(services.DepartmentUnavailable, match="all 2 tokens"):
        services.allocate_token(department=small, patient=make_patient())
    assert Queue.objects.filter(department=small).count() == 2


def test_an_emergency_is_given_a_token_when_the_daily_capacity_is_reached(make_department, make_patient):
    # The desk could not register a patient in anaphylaxis at a department whose routine tokens had run out.
    small = make_department(daily_capacity=1)
    services.allocate_token(department=small, patient=make_patient())

    emergency = services.allocate_token(department=small, patient=make_patient(), priority=Queue.Priority.EMERGENCY)

    assert emergency.token_number == 2
    with pytest.raises(services.DepartmentUnavailable, match="one token"):
        services.allocate_token(department=small, patient=make_patient(), priority=Queue.Priority.HIGH)


def register_concurrently(department, count, max_connections, phone_of=lambda index: f"+1555200{index:04d}"):
    """Start `count` registrations at the same instant (the index-th with the phone phone_of(index)); at most
    `max_connections` hold a DB connection."""
    start = threading.Barrier(count)
    connection_slots = threading.BoundedSemaphore(max_connections)
    errors = []

    def register(index):
        start.wait()
        with connection_slots:
            try:
                register_patient(
                    department=department,
                    name=f"Concurrent {index}",
                    phone=phone_of(index),
                    age=30,
                    gender="female",
                )
            except Exception as error:  # collected and asserted on below
                errors.append(repr(error))
            finally:
                connections.close_all()

    threads = [threading.Thread(target=register, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite-specific: runs in the embedded-defaults pass")
def test_twenty_simultaneous_registrations_on_sqlite_get_tokens_one_to_twenty(department):
    errors = register_concurrently(department, count=20, max_connections=20)

    assert errors == []
    numbers = sorted(Queue.objects.filter(department=department).values_list("token_number", flat=True))
    assert numbers == list(range(1, 21))


@pytest.mark.django_db(transaction=True)
@requires_postgresql()
def test_two_hundred_simultaneous_registrations_on_postgresql_get_tokens_one_to_two_hundred(department):
    # PostgreSQL here allows 100 connections; 40 at a time stands in for the app servers' connection pools.
    errors = register_concurrently(department, count=200, max_connections=40)

    assert errors == []
    numbers = sorted(Queue.objects.filter(department=department).values_list("token_number", flat=True))
    assert numbers == list(range(1, 201))


@pytest.mark.django_db(transaction=True)
@requires_postgresql()
def test_simultaneous_registrations_on_postgresql_take_no_more_than_the_daily_capacity(make_department):
    # The capacity counts the day's tokens that are not cancelled: each registration counts them once it holds
    # the department's counter, so registrations arriving together are counted in turn.
    small = make_department(name="Dermatology", code="DERM", daily_capacity=5)

    errors = register_concurrently(small, count=20, max_connections=20)

    assert len(errors) == 15 and all("DepartmentUnavailable" in error for error in errors)
    assert Queue.objects.filter(department=small).count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_known_phone_registering_many_times_at_once_gets_one_token(department):
    Patient.objects.create(name="Known", phone="+15552009999", age=30)

    errors = register_concurrently(department, count=20, max_connections=20, phone_of=lambda index: "+15552009999")

    assert errors == []
    assert list(Queue.objects.filter(department=department).values_list("token_number", "patient__phone")) == [
        (1, "+15552009999")
    ]
    assert Patient.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@requires_postgresql()
def test_overlapping_registrations_are_called_in_the_order_of_their_numbers(department, monkeypatch):
    # The first registration reaches the counter, then waits there while a second one is numbered and saved: the
    # numbers go to the second first, and the line (ordered by arrival) must call them in that order too, or the
    # board shows CARD-002 called while CARD-001 still waits.
    take_number = services.next_token_number
    first_at_the_counter, second_registered = threading.Event(), threading.Event()

    def first_held_at_the_counter(**kwargs):
        if not first_at_the_counter.is_set():
            first_at_the_counter.set()
            second_registered.wait(timeout=10)
        return take_number(**kwargs)

    monkeypatch.setattr(services, "next_token_number", first_held_at_the_counter)

    def registration(phone, *, after=None, then=None):
        def run():
            try:
                if after is not None:
                    after.wait(timeout=10)
                register_patient(department=department, name="Overlapping", phone=phone, age=30, gender="female")
            finally:
                if then is not None:
                    then.set()
                connection.close()

        return threading.Thread(target=run)

    threads = [
        registration("+15552100001"),
        registration("+15552100002", after=first_at_the_counter, then=second_registered),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    line = Queue.objects.filter(department=department).in_service_order()
    assert [(entry.patient.phone, entry.token_number) for entry in line] == [("+15552100002", 1), ("+15552100001", 2)]
