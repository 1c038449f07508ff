"""The pictures in README.md, from a morning like the demo's: each is a page a new user meets first."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE
from e2e.test_accessibility import a_busy_morning
from e2e.test_patient_flows import register_on_phone
from e2e.test_staff_flows import sign_in
from patients.models import Queue
from patients.tests.factories import register_patient

TV_1080P = {"viewport": {"width": 1920, "height": 1080}}


def last_weeks_visits(department, count=60):
    """Seen visits spread over the past week's mornings, busiest mid-morning, for the reports' heat map."""
    now = timezone.now()
    for n in range(count):
        entry = register_patient(department=department, name=f"Past Patient {n}", phone=f"+1415555{1000 + n}", age=50,
                                 gender="male", priority="normal", notes="", actor=None, ip_address=None,
                                 self_service=False)[0]
        arrived = (now - timedelta(days=1 + n % 6)).replace(hour=8 + (n * 7) % 3 + n % 4, minute=n % 60)
        Queue.objects.filter(pk=entry.pk).update(
            token_date=timezone.localdate(arrived), checked_in_at=arrived, status=Queue.Status.COMPLETED,
            called_at=arrived + timedelta(minutes=5 + (n * 11) % 40), started_at=arrived + timedelta(minutes=50),
            completed_at=arrived + timedelta(minutes=60),
        )


def test_readme_screenshots(open_page, hospital, readme_screenshot):
    last_weeks_visits(hospital["cardiology"])
    visits = a_busy_morning(hospital)

    phone = open_page(**PHONE)
    register_on_phone(phone, name="Farah Khan", phone="+14155550120")
    expect(phone.get_by_role("link", name="Follow my place in line")).to_be_visible()
    readme_screenshot(phone, "patient-phone-token", full_page=True)
    phone.goto(f"/patients/status/{visits[0].public_id}/")
    expect(phone.get_by_role("alert").filter(has_text="It's your turn")).to_be_visible()
    readme_screenshot(phone, "patient-status-your-turn", full_page=True)

    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    expect(doctor.get_by_role("button", name="Start consultation")).to_be_visible()
    readme_screenshot(doctor, "doctor-dashboard")

    board = open_page(**TV_1080P)
    board.goto(f"/display/{hospital['cardiology'].pk}/")
    expect(board.locator(".serving-card").first).to_be_visible()
    readme_screenshot(board, "display-board")

    admin = open_page(**DESKTOP)
    sign_in(admin, "/adminpanel/login/", "admin.manager", "admin123")
    admin.goto("/adminpanel/reports/")
    admin.get_by_role("heading", name="Peak hours").scroll_into_view_if_needed()
    readme_screenshot(admin, "admin-report", full_page=True)
