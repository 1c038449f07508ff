"""The dashboard shows booked patients in the line with their slot and arrival, and the bookings still to come."""

from datetime import time

import pytest
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from adminpanel.models import SystemConfiguration
from doctors.models import DoctorSchedule
from patients import appointments, services
from patients.tests.appointment_helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def working_doctor(doctor, clock):
    department = doctor.department
    department.average_consultation_minutes = 30
    department.save()
    for weekday in DoctorSchedule.Weekday.values:
        DoctorSchedule.objects.create(doctor=doctor, weekday=weekday, starts_at=time(13), ends_at=time(15))
    return doctor


def test_dashboard_lists_booked_tokens_with_slot_and_arrival_and_bookings_not_arrived(
    doctor_client, working_doctor, make_token, clock
):
    department = working_doctor.department
    arriving = book(department, at(time(13)))
    book(department, at(time(13, 30)))
    clock.move_to(at(time(12, 50)))
    entry = appointments.check_in(appointment=arriving)
    walk_in = make_token(department)
    doctor_client.force_login(working_doctor.user)  # the clock moved past the session's idle limit

    data = doctor_client.get(reverse("doctors:api")).json()
    rows = {row["token"]: row for row in data["waiting"]}
    assert (rows[entry.token]["arrival"], rows[walk_in.token]["slot_time"]) == ("early", None)
    assert [parse_datetime(booking["slot_time"]) for booking in data["expected_appointments"]] == [at(time(13, 30))]

    page = doctor_client.get(reverse("doctors:dashboard")).content.decode()
    assert "1 p.m. · Early" in page and "Walk-in" in page and "1:30 p.m." in page and "Booked Patient" in page


def test_dashboard_rows_are_labelled_in_the_doctors_language(doctor_client, working_doctor, make_token, clock):
    department = working_doctor.department
    arriving = book(department, at(time(13)))
    clock.move_to(at(time(12, 50)))
    entry = appointments.check_in(appointment=arriving)
    urgent = make_token(department, priority="emergency")
    doctor_client.force_login(working_doctor.user)

    data = doctor_client.get(reverse("doctors:api"), HTTP_ACCEPT_LANGUAGE="es").json()
    rows = {row["token"]: row for row in data["waiting"]}
    labels = {token: (row["priority_label"], row["status_label"], row["arrival_label"]) for token, row in rows.items()}
    assert labels == {urgent.token: ("Urgente", "En espera", ""), entry.token: ("Normal", "En espera", "Antes de hora")}


def test_bookings_not_arrived_leave_out_patients_already_in_line_or_seen_and_bookings_past_their_grace(
    doctor_client, working_doctor, clock
):
    # The desk registered the 14:00 patient as a walk-in at noon (check-in had not opened) and the 14:30 one was seen
    # already: both were listed "Booked, not arrived yet" beside their own tokens. The 13:00 patient, 20 minutes
    # late, is missed: listed until the sweep ran, and for good where no beat runs.
    SystemConfiguration.objects.update_or_create(pk=1, defaults={"appointment_walk_in_share_percent": 0})
    department = working_doctor.department
    book(department, at(time(13)))
    book(department, at(time(14)), phone="+14155550201")
    book(department, at(time(14, 30)), phone="+14155550202")
    awaited = book(department, at(time(13, 30)))
    services.register_visit(department=department, name="In Line", phone="+14155550201", age=40, gender="male")
    seen = services.register_visit(department=department, name="Seen", phone="+14155550202", age=40, gender="male")
    services.call_patient(entry=seen.entry, doctor=working_doctor)
    services.start_consultation(entry=seen.entry)
    services.complete_consultation(entry=seen.entry)
    clock.move_to(at(time(13, 20)))
    doctor_client.force_login(working_doctor.user)

    data = doctor_client.get(reverse("doctors:api")).json()

    assert [parse_datetime(booking["slot_time"]) for booking in data["expected_appointments"]] == [awaited.slot_start]


def test_a_booked_patient_transferred_here_is_shown_booked_for_the_slot_that_keeps_their_place(
    client, working_doctor, make_department, make_doctor, make_token, clock
):
    # The transfer keeps the booking's place in line, so the token sat ahead of earlier walk-ins marked "Walk-in":
    # the booking stayed linked to the first department's token.
    neurology = make_department(name="Neurology", code="NEUR")
    neurologist = make_doctor(department=neurology)
    arriving = book(working_doctor.department, at(time(13)))
    clock.move_to(at(time(12, 50)))
    entry = appointments.check_in(appointment=arriving)
    walk_in = make_token(neurology)
    moved = services.transfer(entry=entry, to_department=neurology)
    client.force_login(neurologist.user)

    data = client.get(reverse("doctors:api")).json()
    rows = {row["token"]: row for row in data["waiting"]}
    assert [token for token in rows] == [walk_in.token, moved.token]
    assert (parse_datetime(rows[moved.token]["slot_time"]), rows[moved.token]["arrival"]) == (at(time(13)), "early")
    assert rows[walk_in.token]["slot_time"] is None
    page = client.get(reverse("doctors:dashboard")).content.decode()
    assert "1 p.m. · Early" in page
