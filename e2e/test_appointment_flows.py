"""A booked patient's day: book on a phone, check in at the lobby kiosk by the booking's QR code, and see the
token called on the waiting-room board."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from adminpanel.models import SystemConfiguration
from doctors.models import DoctorSchedule
from e2e.conftest import DESKTOP, PHONE
from e2e.test_staff_flows import sign_in

TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}


@pytest.fixture
def bookable_cardiology(hospital):
    """dr.smith works the hour from the next slot but one (until the last minute of the day, late in the
    evening), so its first slot is free and check-in is open now; the clinic is open around the clock, so the
    slots are offered at whatever time of day the test runs."""
    configuration = SystemConfiguration.load()
    configuration.clinic_opens_at, configuration.clinic_closes_at = time(0, 0), time(23, 59)
    configuration.save()
    now = timezone.localtime()
    first_slot = (now + timedelta(minutes=20)).replace(second=0, microsecond=0)
    first_slot -= timedelta(minutes=first_slot.minute % 10)
    last_minute = now.replace(hour=23, minute=59, second=0, microsecond=0)
    slot = timedelta(minutes=hospital["cardiology"].average_consultation_minutes)
    if first_slot + slot > last_minute:
        pytest.skip("no slot fits between now and midnight; run it at another time of day")
    DoctorSchedule.objects.create(
        doctor=hospital["doctor"],
        weekday=now.weekday(),
        starts_at=first_slot.time(),
        ends_at=min(first_slot + timedelta(hours=1), last_minute).time(),
    )
    return {**hospital, "first_slot": first_slot}


def book_on_phone(page, *, name, phone):
    page.goto("/patients/appointments/")
    page.get_by_label("Department", exact=True).select_option(label="Cardiology")
    page.get_by_role("button", name="Show free times").click()
    page.locator(".slot-choice label").first.click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Phone", exact=True).fill(phone)
    page.get_by_label("Age", exact=True).fill("58")
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("heading", name="Your appointment")).to_be_visible()


def test_book_on_a_phone_check_in_at_the_kiosk_and_see_the_token_called_on_the_board(
    open_page, bookable_cardiology, screenshot
):
    patient = open_page(**PHONE)
    book_on_phone(patient, name="Ravi Kumar", phone="+14155550131")
    expect(patient.locator("#appointment-details [data-slot]")).to_have_text(
        f"{bookable_cardiology['first_slot']:%a} {bookable_cardiology['first_slot'].day} "
        f"{bookable_cardiology['first_slot']:%b, %H:%M}"
    )
    expect(patient.locator(".qr-code svg")).to_be_visible()
    screenshot(patient, "booked")
    manage_link = patient.url

    board = open_page(viewport={"width": 1920, "height": 1080})
    board.goto(f"/display/{bookable_cardiology['cardiology'].pk}/")

    kiosk = open_page(**TABLET)
    kiosk.goto("/kiosk/site/")
    # A lobby scanner reading the booking's QR code types its link into the focused field.
    expect(kiosk.get_by_label("Booking code")).to_be_focused()
    kiosk.get_by_label("Booking code").fill(manage_link)
    kiosk.get_by_role("button", name="Check in").click()
    expect(kiosk.locator("#ticket-token")).to_have_text("CARD-001")
    expect(kiosk.locator(".ticket .qr-code svg")).to_be_visible()
    screenshot(kiosk, "ticket")

    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    expect(doctor.locator('#waiting-rows tr[data-token="CARD-001"]')).to_contain_text("Early")
    doctor.get_by_role("button", name="Call next patient").click()

    expect(board.locator('[data-now-serving] [data-token="CARD-001"]')).to_be_visible(timeout=2000)
    screenshot(board, "booked-token-called")
