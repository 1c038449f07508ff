"""The end of a staff sign-in (SESSION_MAX_HOURS) as a doctor typing notes lives it: warned ten minutes and one minute
before it, in the hospital's time, however busy; "Sign in again now" comes back to the same page with the notes; left
alone, the page signs out at the end and the sign-in page says why. A one-hour shift and an idle time longer than it,
so that only the shift's end is at stake; the page's clock is Playwright's, run forward
(smartqueue/tests/test_sessions.py holds the server to the end it gives the page)."""

import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone, translation
from django.utils.formats import time_format
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, stop_the_clock
from e2e.test_idle_sign_out import consultation  # noqa: F401, F811 - a fixture: a patient in consultation
from e2e.test_staff_flows import sign_in, sign_in_to_django_admin
from smartqueue.tests.live_server import running_daphne

HOSPITAL_TIME_ZONE = "Asia/Kolkata"
MINUTE = 60 * 1000


@pytest.fixture
def live_app(transactional_db):
    env = {"SESSION_MAX_HOURS": "1", "SESSION_IDLE_MINUTES": "90", "TIME_ZONE": HOSPITAL_TIME_ZONE}
    with running_daphne(database=connection.settings_dict, env=env) as server:
        yield server


def test_a_doctor_typing_is_warned_before_the_sign_in_ends_and_signs_in_again_to_the_same_page(
    open_page, consultation
):
    doctor = open_page(**DESKTOP)
    stop_the_clock(doctor)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    notes = doctor.get_by_label("Notes (optional)")
    notes.press_sequentially("Blood pressure 130/85")
    warning = doctor.get_by_role("alertdialog", name="Your sign-in is ending")
    keep_working = warning.get_by_role("button", name="Keep working")

    # The page counts from when it was drawn, a few real seconds after the sign-in on a busy machine.
    doctor.clock.run_for(50 * MINUTE - 30_000)
    expect(warning).to_be_hidden()
    doctor.clock.run_for(30_000)
    expect(warning).to_be_visible()
    # Its countdown in whole minutes, not more than are left (a fraction of a second after the ten minutes: nine).
    expect(warning).to_contain_text(re.compile(r"You will be signed out in (10|9) minutes\."))
    # When, in the hospital's time, as the server enforces it.
    ends_at = datetime.fromisoformat(doctor.locator("[data-shift-warning]").get_attribute("data-shift-ends-at"))
    with timezone.override(HOSPITAL_TIME_ZONE), translation.override("en"):
        expect(warning).to_contain_text(f"Your sign-in ends at {time_format(timezone.localtime(ends_at))}, one shift")
    expect(keep_working).to_be_focused()

    # "Keep working": back to the notes, nothing typed into them.
    doctor.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    expect(notes).to_be_focused()
    expect(notes).to_have_value("Blood pressure 130/85")
    # Typing on does not move the end: warned again a minute before it.
    notes.press_sequentially(", review")
    doctor.clock.run_for(9 * MINUTE)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(re.compile(r"You will be signed out in (1 minute|[1-5]?[0-9] seconds)\."))

    warning.get_by_role("button", name="Sign in again now").click()
    expect(doctor.get_by_role("button", name="Sign in")).to_be_visible()
    # Back to the same page after signing in, however the address is encoded on the way.
    sign_in_page = urlsplit(doctor.url)
    assert sign_in_page.path == "/doctors/login/"
    assert parse_qs(sign_in_page.query) == {"next": ["/doctors/"]}
    sign_in(doctor, "/doctors/login/?next=%2Fdoctors%2F", "dr.smith", "doctor123")
    assert doctor.url.endswith("/doctors/")
    expect(doctor.get_by_label("Notes (optional)")).to_have_value("Blood pressure 130/85, review")


@pytest.mark.parametrize(
    "login, username, password, page",
    [("/doctors/login/", "dr.smith", "doctor123", "/doctors/"),
     ("/adminpanel/login/", "admin.manager", "admin123", "/adminpanel/")],
)
def test_left_to_the_end_of_its_sign_in_a_staff_page_signs_out_and_the_sign_in_page_says_why(
    open_page, hospital, login, username, password, page
):
    staff = open_page(**DESKTOP)
    stop_the_clock(staff)
    sign_in(staff, login + "?next=" + page, username, password)
    assert staff.url.endswith(page)

    staff.clock.run_for(50 * MINUTE)
    expect(staff.get_by_role("alertdialog", name="Your sign-in is ending")).to_be_visible()
    staff.clock.run_for(10 * MINUTE)

    why = "You were signed in for 1 hour, as long as a sign-in lasts: sign in again to go on."
    expect(staff.get_by_text(why)).to_be_visible()
    signed_out_to = urlsplit(staff.url)
    assert signed_out_to.path == login
    assert parse_qs(signed_out_to.query) == {"next": [page], "shift": ["1"]}


def test_django_admin_warns_before_the_sign_in_ends_and_its_sign_in_page_says_why_it_signed_out(open_page, hospital):
    get_user_model().objects.create_superuser("admin", password="admin123")
    admin = open_page(**DESKTOP)
    stop_the_clock(admin)
    sign_in_to_django_admin(admin, "/admin/login/?next=/admin/patients/queue/", "admin", "admin123")
    warning = admin.get_by_role("alertdialog", name="Your sign-in is ending")

    admin.clock.run_for(50 * MINUTE)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(re.compile(r"You will be signed out in (10|9) minutes\."))
    expect(warning.get_by_role("button", name="Keep working")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    admin.clock.run_for(10 * MINUTE)

    why = "You were signed in for 1 hour, as long as a sign-in lasts: sign in again to go on."
    expect(admin.get_by_text(why)).to_be_visible()
    expect(admin.get_by_label("Username")).to_have_accessible_description(why)
    signed_out_to = urlsplit(admin.url)
    assert signed_out_to.path == "/admin/login/"
    assert parse_qs(signed_out_to.query) == {"next": ["/admin/patients/queue/"], "shift": ["1"]}


def test_the_warning_is_in_the_doctors_language_on_a_phone(open_page, hospital):
    hospital["doctor"].language = "ar"
    hospital["doctor"].save(update_fields=["language"])
    doctor = open_page(**PHONE)
    stop_the_clock(doctor)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")

    doctor.clock.run_for(55 * MINUTE)
    warning = doctor.get_by_role("alertdialog", name="يوشك تسجيل دخولكم على الانتهاء")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("سيتم تسجيل خروجكم بعد")
    expect(warning.get_by_role("button", name="مواصلة العمل")).to_be_focused()
    expect(warning.get_by_role("button", name="تسجيل الدخول من جديد الآن")).to_be_visible()


def test_the_warnings_button_is_in_sight_with_the_focus_on_a_short_screen_at_twice_the_text_size(open_page, hospital):
    """As the idle warning's (e2e/test_idle_sign_out.py): the countdown written after the warning had opened pushed
    "Keep working", focused and scrolled into the dialog's sight, out of it. This warning says more, so the screen is
    one its words fill but for the countdown's line: shorter, they overflow anyway and the focus scrolls past them."""
    doctor = open_page(viewport={"width": 568, "height": 600}, is_mobile=True, has_touch=True)
    doctor.context.new_cdp_session(doctor).send("Page.setFontSizes", {"fontSizes": {"standard": 32}})
    stop_the_clock(doctor)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    warning = doctor.get_by_role("alertdialog", name="Your sign-in is ending")
    keep_working = warning.get_by_role("button", name="Keep working")

    doctor.clock.run_for(50 * MINUTE)

    expect(keep_working).to_be_focused()
    expect(warning).to_contain_text("You will be signed out in")
    expect(keep_working).to_be_in_viewport(ratio=1)
