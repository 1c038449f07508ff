"""The live queue as people see it: calls reach the patient's phone and the waiting-room board without a
reload, an emergency jumps the line on the doctor's screen, feedback reaches the admin's report, and a
dropped socket recovers without losing an update."""

import re
import socket

import pytest
from django.db import connection
from playwright.sync_api import expect

from doctors.models import Doctor
from e2e.conftest import DESKTOP, PHONE
from e2e.test_patient_flows import register_on_phone
from e2e.test_staff_flows import sign_in
from patients import services
from patients.models import Department, Queue
from smartqueue.tests.live_server import running_daphne


def follow_own_status(page):
    page.get_by_role("link", name="Follow my place in line").click()
    expect(page.locator("#live-status")).to_have_attribute("data-live-status", "live")


def test_a_call_reaches_the_patients_phone_and_the_display_board_within_two_seconds(
    open_page, hospital, screenshot
):
    patient = open_page(**PHONE)
    register_on_phone(patient, name="Asha Rao", phone="+14155550101")
    follow_own_status(patient)
    board = open_page(viewport={"width": 1920, "height": 1080})
    board.goto(f"/display/{hospital['cardiology'].pk}/")
    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    expect(doctor.locator('#waiting-rows tr[data-token="CARD-001"]')).to_be_visible()

    doctor.get_by_role("button", name="Call next patient").click()

    expect(patient.locator('[data-field="your-turn"]')).to_be_visible(timeout=2000)
    expect(patient.locator('[data-field="go_to"]')).to_have_text("Room 2A")
    expect(board.locator('[data-now-serving] [data-token="CARD-001"]')).to_be_visible(timeout=2000)
    screenshot(patient, "your-turn")
    screenshot(board, "display-board")
    screenshot(doctor, "dashboard")


def test_an_emergency_registered_at_the_desk_jumps_ahead_on_the_doctors_dashboard(open_page, hospital, screenshot):
    patient = open_page(**PHONE)
    register_on_phone(patient, name="Asha Rao", phone="+14155550101")
    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    expect(doctor.locator("#live-status")).to_have_attribute("data-live-status", "live")
    expect(doctor.locator("#waiting-rows tr[data-token]").first).to_have_attribute("data-token", "CARD-001")

    desk = open_page(**DESKTOP)
    sign_in(desk, "/adminpanel/login/", "admin.manager", "admin123")
    desk.goto("/patients/register/")
    desk.get_by_label("Name", exact=True).fill("Ravi Kumar")
    desk.get_by_label("Phone", exact=True).fill("+14155550102")
    desk.get_by_label("Age", exact=True).fill("61")
    desk.get_by_label("Department", exact=True).select_option(label="Cardiology")
    desk.get_by_label("Priority", exact=True).select_option(label="Emergency")
    desk.get_by_role("button", name="Get my token").click()
    expect(desk.get_by_text("CARD-002", exact=True)).to_be_visible()

    rows = doctor.locator("#waiting-rows tr[data-token]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-token", "CARD-002")
    expect(rows.first).to_have_attribute("data-priority", "emergency")
    expect(rows.nth(1)).to_have_attribute("data-token", "CARD-001")
    screenshot(doctor, "emergency-first")


def patient_in_consultation(open_page):
    """The patient's page following their token, and the doctor's dashboard with them in consultation."""
    patient = open_page(**PHONE)
    register_on_phone(patient, name="Asha Rao", phone="+14155550101")
    follow_own_status(patient)
    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    doctor.get_by_role("button", name="Call next patient").click()
    doctor.get_by_role("button", name="Start consultation").click()
    return patient, doctor


def test_after_the_consultation_the_patients_rating_reaches_todays_report(open_page, hospital, screenshot):
    patient, doctor = patient_in_consultation(open_page)

    doctor.get_by_role("button", name="Complete consultation").click()
    expect(doctor.locator('[data-statistic="seen"]')).to_have_text("1")

    patient.get_by_label("4", exact=True).check()
    patient.get_by_label("Comment").fill("Kind and quick.")
    patient.get_by_role("button", name="Send feedback").click()
    expect(patient.locator('[data-show="feedback_given"]')).to_be_visible()

    admin = open_page(**DESKTOP)
    sign_in(admin, "/adminpanel/login/", "admin.manager", "admin123")
    admin.goto("/adminpanel/reports/")
    cardiology_row = admin.get_by_role("row").filter(has_text="Cardiology").first
    expect(cardiology_row).to_contain_text("4.0 (1)")
    screenshot(admin, "report")


def test_a_patient_referred_after_the_consultation_follows_their_new_token_on_the_same_page(open_page, hospital):
    Department.objects.create(name="Radiology", code="XRAY", room="Block C")
    patient, doctor = patient_in_consultation(open_page)
    doctor.get_by_label("Notes (optional)").fill("Needs an X-ray.")

    doctor.get_by_text("Refer to another department").click()
    doctor.get_by_label("Refer to", exact=True).select_option(label="Radiology")
    doctor.get_by_role("button", name="Complete and refer").click()

    expect(doctor.locator("#dashboard-notice")).to_contain_text("referred to Radiology as XRAY-001")
    expect(patient.get_by_text("Your doctor in Cardiology (token CARD-001) referred you to Radiology.")).to_be_visible(
        timeout=3000
    )
    expect(patient.locator('[data-field="token"]')).to_have_text("XRAY-001")
    expect(doctor.locator('[data-statistic="seen"]')).to_have_text("1")


def test_notes_typed_for_a_consultation_completed_on_another_device_are_kept_in_a_notice(open_page, hospital):
    """The doctor's tablet completed the consultation while the desktop had notes typed: the field went with the
    redraw, and the notes with it, unsaid. The doctor's own Complete, whose redraw may come before its answer, says
    only that it is done."""
    _patient, doctor = patient_in_consultation(open_page)
    tablet = open_page(**DESKTOP)
    sign_in(tablet, "/doctors/login/", "dr.smith", "doctor123")
    doctor.get_by_label("Notes (optional)").fill("Chest pain on exertion; ECG normal")

    tablet.get_by_role("button", name="Complete consultation").click()

    notice = doctor.locator("#dashboard-notice")
    expect(notice).to_contain_text(
        "The consultation ended elsewhere before your notes were saved. Your notes: Chest pain on exertion; ECG normal"
    )
    expect(doctor.get_by_text("No patient is with you.")).to_be_visible()
    doctor.get_by_role("button", name="Dismiss").click()

    register_on_phone(open_page(**PHONE), name="Ravi Kumar", phone="+14155550102")
    doctor.get_by_role("button", name="Call next patient").click()
    doctor.get_by_role("button", name="Start consultation").click()
    doctor.get_by_label("Notes (optional)").fill("Follow-up in a month")
    doctor.get_by_role("button", name="Complete consultation").click()
    expect(notice).to_contain_text("Consultation with CARD-002 completed.")
    doctor.wait_for_timeout(1500)
    expect(notice).not_to_contain_text("ended elsewhere")
    assert Queue.objects.get(token_number=2).consultation_notes == "Follow-up in a month"


@pytest.fixture
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_dropped_socket_shows_reconnecting_then_recovers_without_losing_the_call(
    browser, hospital, free_port, screenshot
):
    context = browser.new_context(base_url=f"http://127.0.0.1:{free_port}", **PHONE)
    context.set_default_timeout(10_000)
    patient = context.new_page()
    try:
        with running_daphne(database=connection.settings_dict, port=free_port):
            register_on_phone(patient, name="Asha Rao", phone="+14155550101")
            follow_own_status(patient)

        expect(patient.locator("#live-status")).not_to_have_attribute("data-live-status", "live")
        # The place in line and wait left on the page are not live: dimmed, and said so in words with their time.
        expect(patient.locator("[data-stale-note]")).to_have_text(re.compile(r"^Not live: last updated \d"))
        expect(patient.locator(".visit-figures")).to_have_class(re.compile(r"\blive-stale\b"))
        screenshot(patient, "reconnecting")
        # The call happens while the page cannot hear about it.
        services.call_patient(
            entry=Queue.objects.get(token_number=1), doctor=Doctor.objects.get(user__username="dr.smith")
        )

        with running_daphne(database=connection.settings_dict, port=free_port):
            expect(patient.locator("#live-status")).to_have_attribute("data-live-status", "live", timeout=30_000)
            expect(patient.locator('[data-field="your-turn"]')).to_be_visible()
            # The badge goes from sight, and a screen reader, which heard "Reconnecting…", hears that it is back.
            expect(patient.locator("#live-status")).to_have_text("Live again: this page is up to date.")
            expect(patient.locator("#live-status")).to_have_class(re.compile(r"\bvisually-hidden\b"))
            expect(patient.locator("[data-stale-note]")).to_be_hidden()
            expect(patient.locator('[data-field="status"]').locator("..")).not_to_have_class(re.compile("live-stale"))
            screenshot(patient, "recovered")
    finally:
        context.close()


def test_a_doctors_dashboard_without_its_socket_marks_its_figures_not_live_until_back(browser, hospital, free_port):
    context = browser.new_context(base_url=f"http://127.0.0.1:{free_port}", **DESKTOP)
    context.set_default_timeout(10_000)
    doctor = context.new_page()
    waiting_card = doctor.locator("[data-live-figures]").filter(has=doctor.locator("#waiting-queue"))
    try:
        with running_daphne(database=connection.settings_dict, port=free_port):
            sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
            expect(doctor.locator("#live-status")).to_have_attribute("data-live-status", "live")
            expect(doctor.locator("[data-stale-note]")).to_be_hidden()

        # The line left on the dashboard is not live: greyed, not faded (its links and muted words keep their
        # contrast), and said so in words with its time.
        expect(doctor.locator("[data-stale-note]")).to_have_text(re.compile(r"^Not live: last updated \d"))
        expect(waiting_card).to_have_class(re.compile(r"\blive-stale\b"))
        assert waiting_card.evaluate("card => getComputedStyle(card).opacity") == "1"

        with running_daphne(database=connection.settings_dict, port=free_port):
            expect(doctor.locator("#live-status")).to_have_attribute("data-live-status", "live", timeout=30_000)
            expect(doctor.locator("[data-stale-note]")).to_be_hidden()
            expect(waiting_card).not_to_have_class(re.compile(r"\blive-stale\b"))
    finally:
        context.close()
