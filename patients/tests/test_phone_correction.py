"""The desk corrects a phone mistyped at registration (services.correct_phone): the token keeps its place, the links
the wrong number was sent stop working, and no two people's records are merged."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError

from adminpanel.models import AuditLog
from patients import appointments, broadcasts, services
from patients.models import Patient, Queue
from patients.selectors import visit_for_link

from .appointment_helpers import at, book, clinic  # noqa: F401  (clinic is a fixture)

WRONG, RIGHT = "+12025550111", "+12025550122"


@pytest.fixture
def desk(make_user):
    return make_user(username="desk", is_superuser=True)


@pytest.fixture
def mistyped(department, desk):
    """Ana is registered at the desk, second in line, with a digit of her phone wrong."""
    services.register_visit(department=department, name="Ravi Kumar", phone="+12025550100", age=50, gender="male")
    registration = services.register_visit(
        department=department, name="Ana Ruiz", phone=WRONG, age=34, gender="female", language="es", actor=desk
    )
    return registration.entry


def status_page(client, entry):
    return client.get(f"/patients/status/{entry.public_id}/")


def test_a_new_patients_phone_is_corrected_and_their_token_keeps_its_place_under_a_new_link(
    client, mistyped, desk
):
    old_link = mistyped.public_id

    correction = services.correct_phone(entry=mistyped, phone="(202) 555-0122", actor=desk)

    entry = Queue.objects.get(pk=mistyped.pk)
    assert (correction.moved, correction.patient.pk) == (False, mistyped.patient_id)
    assert Patient.objects.get(pk=mistyped.patient_id).phone == RIGHT
    assert (entry.token, entry.status, entry.get_position_in_queue()) == ("CARD-002", "waiting", 2)
    assert entry.public_id != old_link
    assert visit_for_link(old_link) is None
    assert client.get(f"/patients/status/{old_link}/").status_code == 404
    assert status_page(client, entry).status_code == 200
    row = AuditLog.objects.get(action="queue.phone_corrected")
    assert row.actor == desk
    assert (row.before["phone"], row.after["phone"]) == ("••••••0111", "••••••0122")


def test_the_correction_is_published_to_the_screens_as_the_tokens_change(
    mistyped, desk, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(broadcasts, "publish_queue_change", lambda *, event, entry: published.append((event, entry)))

    with django_capture_on_commit_callbacks(execute=True):
        services.correct_phone(entry=mistyped, phone=RIGHT, actor=desk)

    [(event, entry)] = published
    assert event == "phone_corrected"
    assert entry.public_id == Queue.objects.get(pk=mistyped.pk).public_id != mistyped.public_id


def test_the_right_number_on_file_takes_the_visit_and_keeps_its_patients_details(make_patient, mistyped, desk):
    known = make_patient(name="Ana María Ruiz", phone=RIGHT, age=35, gender="female")
    typed = mistyped.patient

    correction = services.correct_phone(entry=mistyped, phone=RIGHT, actor=desk)

    entry = Queue.objects.get(pk=mistyped.pk)
    assert correction.moved and entry.patient_id == known.pk
    known.refresh_from_db()
    assert (known.name, known.age, known.phone) == ("Ana María Ruiz", 35, RIGHT)
    # The record the wrong number made is left as it was, holding nothing: no history is merged into another.
    assert Patient.objects.get(pk=typed.pk).phone == WRONG
    assert not Queue.objects.filter(patient=typed).exists()
    # The visit is reached by its own new link only, not by the id of a patient who registered before.
    assert not entry.listed_under_patient


def test_a_mistyped_number_that_is_someone_elses_keeps_their_history(department, make_department, make_patient, desk):
    """The wrong number is a returning patient's: their record, and their earlier visit, stay theirs."""
    owner = make_patient(name="Leo Park", phone=WRONG, age=60)
    earlier = services.allocate_token(department=make_department(name="Dermatology", code="DERM"), patient=owner)
    typed = services.register_visit(
        department=department, name="Ana Ruiz", phone=WRONG, age=34, gender="female", actor=desk
    )

    correction = services.correct_phone(entry=typed.entry, phone=RIGHT, actor=desk)

    assert correction.moved
    new_patient = Patient.objects.get(phone=RIGHT)
    assert (new_patient.name, new_patient.age) == ("Ana Ruiz", 34)
    assert Queue.objects.get(pk=typed.entry.pk).patient_id == new_patient.pk
    assert Queue.objects.get(pk=earlier.pk).patient_id == owner.pk
    assert Patient.objects.get(pk=owner.pk).phone == WRONG


def test_a_transferred_tokens_earlier_link_stops_working_too(department, make_department, mistyped, desk):
    earlier_link = mistyped.public_id
    moved = services.transfer(entry=mistyped, to_department=make_department(name="Radiology", code="RAD"))
    assert visit_for_link(earlier_link).pk == moved.pk

    services.correct_phone(entry=moved, phone=RIGHT, actor=desk)

    assert visit_for_link(earlier_link) is None
    assert set(Queue.objects.values_list("patient__phone", flat=True).filter(pk__in=[mistyped.pk, moved.pk])) == {
        RIGHT
    }


@pytest.mark.parametrize(
    "typed, said",
    [
        ("", "Enter a phone number."),
        ("12", "Enter a valid phone number, with the country code if it is not a local number (e.g. +14155550123)."),
        ("(202) 555-0111", "This is already the phone number of token CARD-002."),
    ],
)
def test_the_right_number_is_checked_as_the_desks_registration_checks_it(mistyped, desk, typed, said):
    with pytest.raises(ValidationError) as refusal:
        services.correct_phone(entry=mistyped, phone=typed, actor=desk)

    assert refusal.value.message_dict == {"phone": [said]}
    assert Patient.objects.get(pk=mistyped.patient_id).phone == WRONG
    assert Queue.objects.get(pk=mistyped.pk).public_id == mistyped.public_id


def test_a_visit_that_is_over_keeps_its_number(mistyped, desk):
    services.cancel(entry=mistyped)

    with pytest.raises(services.QueueError, match="can be corrected only while it is open today"):
        services.correct_phone(entry=mistyped, phone=RIGHT, actor=desk)

    assert Patient.objects.get(pk=mistyped.patient_id).phone == WRONG
    assert not AuditLog.objects.filter(action="queue.phone_corrected").exists()


def test_the_right_numbers_patient_already_in_this_line_is_refused(department, make_patient, mistyped, desk):
    known = make_patient(name="Ana Ruiz", phone=RIGHT, age=34)
    held = services.allocate_token(department=department, patient=known)

    with pytest.raises(services.TokenAlreadyHeld) as refusal:
        services.correct_phone(entry=mistyped, phone=RIGHT, actor=desk)

    assert refusal.value.held == held
    assert Queue.objects.get(pk=mistyped.pk).patient_id == mistyped.patient_id


def test_a_booked_patients_manage_link_stops_leading_to_the_token(client, clock, clinic, desk):
    booking = book(clinic, at(time(13, 0)), name="Ana Ruiz", phone=WRONG)
    clock.move_to(at(time(12, 45)))
    entry = appointments.check_in(appointment=booking)
    manage_link = booking.get_absolute_url()

    services.correct_phone(entry=entry, phone=RIGHT, actor=desk)

    booking.refresh_from_db()
    assert client.get(manage_link).status_code == 404
    assert booking.patient.phone == RIGHT and booking.queue_entry_id == entry.pk
    assert client.get(booking.get_absolute_url()).status_code == 200
