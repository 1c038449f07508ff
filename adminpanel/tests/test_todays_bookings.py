"""The desk's list of today's bookings: found by name, phone or code, and checked in from the list."""

import re
from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doctors.models import DoctorSchedule
from patients import appointments
from patients.models import Appointment, Queue
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture

pytestmark = pytest.mark.django_db

PAGE = reverse("adminpanel:todays-bookings")


@pytest.fixture
def bookings(clinic, make_department, make_doctor):
    """Asha at 13:00 and Bilal at 13:30 in the clinic, Chen at 14:00 in Eyes (the clock is at noon)."""
    eyes = make_department(name="Eyes", code="EYE", average_consultation_minutes=30)
    for weekday in DoctorSchedule.Weekday.values:
        DoctorSchedule.objects.create(
            doctor=make_doctor(department=eyes), weekday=weekday, starts_at=time(13), ends_at=time(15)
        )
    return {
        "asha": book(clinic, at(time(13)), name="Asha Rao", phone="+14155550123"),
        "bilal": book(clinic, at(time(13, 30)), name="Bilal Khan", phone="+14155559876"),
        "chen": book(eyes, at(time(14)), name="Chen Li", phone="+14155554444"),
    }


def names_listed(response):
    page = response.content.decode()
    return {name for name in ("Asha Rao", "Bilal Khan", "Chen Li") if name in page}


@pytest.fixture
def desk_doctor(client, clinic):
    client.force_login(clinic.doctor.user)
    return client


def test_a_stranger_or_a_signed_in_patient_is_refused_and_doctors_and_admins_get_the_list(
    make_user, bookings, clinic, admin_client
):
    client = Client()
    stranger = client.get(PAGE)
    assert stranger.status_code == 302 and stranger["Location"].startswith(reverse("adminpanel:login"))
    client.force_login(make_user(username="patient"))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"appointment": bookings["asha"].pk}).status_code == 403

    admin_page = admin_client.get(PAGE)
    assert admin_page.status_code == 200 and names_listed(admin_page) == {"Asha Rao", "Bilal Khan", "Chen Li"}
    admin_client.force_login(clinic.doctor.user)
    assert admin_client.get(PAGE).status_code == 200


def test_the_list_shows_time_department_name_masked_phone_and_state_in_a_captioned_table(bookings, desk_doctor):
    page = desk_doctor.get(PAGE).content.decode()
    assert "<caption" in page and '<th scope="col">Phone</th>' in page
    assert '<th scope="row">1 p.m.</th>' in page and "Clinic" in page and "Eyes" in page
    assert "\u2022" * 6 + "0123" in page and "+14155550123" not in page
    assert "Booked: check-in opens at 12:30 p.m., a little before the slot." in page
    assert "3 bookings found." in page


@pytest.mark.parametrize(
    "search, found",
    [
        ("asha", {"Asha Rao"}),
        ("KHAN", {"Bilal Khan"}),
        ("555-0123", {"Asha Rao"}),
        ("(415) 555 0123", {"Asha Rao"}),
        ("4444", {"Chen Li"}),
    ],
)
def test_the_desk_finds_a_booking_by_the_patients_name_or_phone_digits(bookings, desk_doctor, search, found):
    response = desk_doctor.get(PAGE, {"search": search})
    assert response.status_code == 200
    assert names_listed(response) == found
    assert "1 booking found." in response.content.decode()


def test_the_desk_finds_a_booking_by_its_code_typed_in_groups_and_filters_by_department(bookings, clinic, desk_doctor):
    code = bookings["bilal"].booking_code
    by_code = desk_doctor.get(PAGE, {"search": f"{code[:4].lower()} {code[4:].lower()}"})
    assert names_listed(by_code) == {"Bilal Khan"}

    by_department = desk_doctor.get(PAGE, {"department": clinic.pk})
    assert names_listed(by_department) == {"Asha Rao", "Bilal Khan"}
    nobody = desk_doctor.get(PAGE, {"search": "Zed"})
    assert nobody.status_code == 200 and names_listed(nobody) == set()
    assert "0 bookings found." in nobody.content.decode()


def test_checking_in_from_the_list_puts_the_patient_in_line_at_the_bookings_place(bookings, clinic, clock, desk_doctor):
    clock.move_to(at(time(12, 45)))
    desk_doctor.force_login(clinic.doctor.user)  # signed in again: 45 minutes idle ended the session
    asha = bookings["asha"]
    page = desk_doctor.get(PAGE, {"search": "asha"}).content.decode()
    assert "Check in<span" in page

    response = desk_doctor.post(f"{PAGE}?search=asha", {"appointment": asha.pk}, follow=True)

    asha.refresh_from_db()
    assert asha.status == Appointment.Status.CHECKED_IN and asha.arrival == Appointment.Arrival.EARLY
    entry = Queue.objects.get(patient=asha.patient)
    assert entry == asha.queue_entry and entry.department == clinic and entry.due_at == asha.slot_start
    assert response.redirect_chain[-1][0] == f"{PAGE}?search=asha"
    said = response.content.decode()
    assert f"Asha Rao, token {entry.token}: Checked in for the 1 p.m. booking" in said
    assert "Checked in at 12:45 p.m. (early)." in said


def test_a_check_in_the_service_refuses_says_why_and_names_nothing_wrong(bookings, clinic, clock, desk_doctor):
    asha = bookings["asha"]
    too_early = desk_doctor.post(PAGE, {"appointment": asha.pk})
    assert too_early.status_code == 409
    page = too_early.content.decode()
    assert "Check-in opens at 12:30 p.m." in page and "Please correct the following" not in page
    asha.refresh_from_db()
    assert asha.status == Appointment.Status.BOOKED and not Queue.objects.exists()

    clock.move_to(at(time(12, 45)))
    desk_doctor.force_login(clinic.doctor.user)
    desk_doctor.post(PAGE, {"appointment": asha.pk})
    again = desk_doctor.post(PAGE, {"appointment": asha.pk})
    assert again.status_code == 409
    assert "This appointment was already checked in (at 12:45 p.m.)." in again.content.decode()
    assert "your phone" not in again.content.decode()
    assert Queue.objects.count() == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ({"search": "x" * 500}, "Name, phone or booking code"),
        ({"department": "cardiology"}, "Department"),
        ({"department": "999999"}, "Department"),
        ({"search": ["asha", "bilal"]}, "Name, phone or booking code"),
        ({"day": "tomorrow"}, "Date"),
        ({"day": "0001-01-01"}, "Date"),
        ({"day": "9999-12-31"}, "Date"),
    ],
)
def test_a_bad_filter_is_a_400_naming_its_field(bookings, desk_doctor, query, field):
    response = desk_doctor.get(PAGE, query)
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()
    assert names_listed(response) == set()


@pytest.mark.parametrize("posted", [{}, {"appointment": "abc"}, {"appointment": "999999"}])
def test_a_check_in_of_no_booking_is_a_400_naming_the_booking(bookings, desk_doctor, posted):
    response = desk_doctor.post(PAGE, posted)
    assert response.status_code == 400
    assert "booking" in response.content.decode().lower()
    assert not Queue.objects.exists()


@pytest.mark.parametrize(
    "language, heading, state",
    [
        ("es", "Citas de hoy", "Reservada: el registro de llegada abre a las 12:30, poco antes de la cita."),
        ("hi", "आज की बुकिंग", "बुक: चेक-इन 12:30 बजे खुलेगा, स्लॉट से थोड़ा पहले।"),
        ("ar", "حجوزات اليوم", "محجوز: يبدأ تسجيل الوصول الساعة 12:30، قبل الموعد بقليل."),
    ],
)
def test_the_list_is_in_the_desks_language(bookings, desk_doctor, language, heading, state):
    desk_doctor.cookies["django_language"] = language
    page = desk_doctor.get(PAGE).content.decode()
    assert heading in page and state in page


def test_the_list_warns_before_the_idle_sign_out_as_every_staff_page_does(bookings, desk_doctor):
    assert "data-idle-warning" in desk_doctor.get(PAGE).content.decode()


def test_a_booking_missed_before_its_day_was_closed_is_still_checked_in_by_the_desk_as_a_walk_in(
    bookings, clinic, clock, desk_doctor
):
    # A patient missing on a closed day is refused at the kiosk; the desk, which sees them, may still put them in line.
    asha = bookings["asha"]
    clock.move_to(at(time(13, 15)))
    appointments.mark_no_shows()
    appointments.close_day(day=asha.slot_start.date(), department=clinic, agreed_cancellations=1)
    desk_doctor.force_login(clinic.doctor.user)
    assert "Missed: checked in now, the patient joins the line as a walk-in." in desk_doctor.get(PAGE).content.decode()

    assert desk_doctor.post(PAGE, {"appointment": asha.pk}).status_code == 302

    asha.refresh_from_db()
    assert asha.status == Appointment.Status.CHECKED_IN and asha.arrival == Appointment.Arrival.LATE
    assert asha.queue_entry.due_at is None


def test_the_panels_menu_and_live_queues_lead_to_the_list(admin_client):
    menu = admin_client.get(reverse("adminpanel:appointments")).content.decode()
    queues = admin_client.get(reverse("adminpanel:queues")).content.decode()
    assert menu.count(f'href="{PAGE}"') == 1 and queues.count(f'href="{PAGE}"') == 2


def test_a_booking_codes_digits_are_not_taken_for_a_phone(bookings, desk_doctor):
    Appointment.objects.filter(pk=bookings["bilal"].pk).update(booking_code="ZZ01ZZ23")
    # Asha's phone, +14155550123, holds the code's digits 0123.
    assert names_listed(desk_doctor.get(PAGE, {"search": "zz01 zz23"})) == {"Bilal Khan"}


def test_a_booked_patient_the_desk_already_put_in_line_is_said_so_and_keeps_that_tokens_place(
    bookings, clinic, clock, desk_doctor
):
    asha = bookings["asha"]
    # Registered at noon, before the 13:00 booking's check-in opened: a walk-in's token.
    walk_in = appointments.register_or_check_in(
        department=clinic, name="Asha Rao", phone="+14155550123", age=50, gender="female"
    ).entry
    held = "The patient is already in line here on a token of their own, which the check-in keeps."
    page = desk_doctor.get(PAGE).content.decode()
    assert page.count(held) == 1

    clock.move_to(at(time(12, 45)))
    desk_doctor.force_login(clinic.doctor.user)
    page = desk_doctor.get(PAGE).content.decode()
    assert "Booked: the patient is already in line here on a token of their own, which the check-in keeps." in page
    assert "the token takes the booking&#x27;s place" not in page.split("Asha Rao")[1].split("</tr>")[0]
    said = desk_doctor.post(PAGE, {"appointment": asha.pk}, follow=True).content.decode()

    assert "on the token the patient already held, which keeps its place in line" in said
    assert Queue.objects.get(patient=asha.patient) == walk_in and held not in said


def test_the_desk_looks_up_tomorrows_and_a_chosen_days_bookings_read_only(bookings, clinic, desk_doctor):
    tomorrow = timezone.localdate() + timedelta(days=1)
    later = timezone.localdate() + timedelta(days=5)
    book(clinic, at(time(13), tomorrow), name="Dev Patel", phone="+14155550155")
    book(clinic, at(time(14), later), name="Ema Ito", phone="+14155550166")
    today = desk_doctor.get(PAGE).content.decode()
    # The day's links, the one shown said to be it.
    assert f'href="{PAGE}?day={tomorrow.isoformat()}">Tomorrow</a>' in today
    assert f'href="{PAGE}" aria-current="page">Today</a>' in today
    assert "Dev Patel" not in today and "Check-in</th>" in today

    next_day = desk_doctor.get(PAGE, {"day": tomorrow.isoformat()})
    page = next_day.content.decode()
    assert next_day.status_code == 200
    assert "Dev Patel" in page and "Asha Rao" not in page and "Ema Ito" not in page
    assert f"<h1 class=\"h4 mb-3\">Bookings of {tomorrow:%a %-d %b %Y}</h1>" in page
    assert f'?day={tomorrow.isoformat()}" aria-current="page">Tomorrow</a>' in page
    # Read only: no check-in column, and why.
    assert "Check-in</th>" not in page and "name=\"appointment\"" not in page
    assert "A booking is checked in on its own day: this day's list is to look up." in page

    chosen = desk_doctor.get(PAGE, {"day": later.isoformat(), "search": "ema"}).content.decode()
    assert "Ema Ito" in chosen and "1 booking found." in chosen
    assert f'value="{later.isoformat()}"' in chosen and 'type="date"' in chosen


@pytest.mark.parametrize("language", ["es", "hi", "ar"])
def test_the_day_choice_names_its_field_otherwise_than_the_today_link_in_every_language(
    bookings, desk_doctor, language
):
    desk_doctor.cookies["django_language"] = language
    page = desk_doctor.get(PAGE).content.decode()
    today_link = re.search(rf'href="{PAGE}" aria-current="page">([^<]+)</a>', page)
    date_label = re.search(r'<label class="form-label" for="id_day">([^<]+)</label>', page)
    assert today_link and date_label
    assert today_link.group(1).strip() != date_label.group(1).strip()
