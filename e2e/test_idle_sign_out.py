"""Staff sessions' idle time as a doctor lives it: typing notes is activity, a warning comes before the sign-out,
and notes typed before a sign-out are there again after signing back in. The server's idle time is one minute; the
page's clock is Playwright's, run forward (smartqueue/tests/test_sessions.py holds the server to its idle time)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, stop_the_clock
from e2e.test_live_renderers import register
from e2e.test_staff_flows import sign_in, sign_in_to_django_admin
from patients import services
from smartqueue.tests.live_server import running_daphne

KEEP_ALIVE = "/session/keep-alive/"


@pytest.fixture
def live_app(transactional_db):
    with running_daphne(database=connection.settings_dict, env={"SESSION_IDLE_MINUTES": "1"}) as server:
        yield server


@pytest.fixture
def consultation(hospital):
    entry = register(hospital["cardiology"], "Asha Rao", "+14155550101")
    services.call_next(doctor=hospital["doctor"])
    return services.start_consultation(entry=entry)


def keep_alives_answered(page):
    """A callable that waits until every keep-alive the page has sent is answered, and returns their statuses."""
    sent, statuses = [], []
    page.on("request", lambda request: sent.append(request) if request.url.endswith(KEEP_ALIVE) else None)
    page.on("response", lambda response: statuses.append(response.status) if response.url.endswith(KEEP_ALIVE) else None)

    def answered():
        for _ in range(200):
            if len(statuses) == len(sent):
                return statuses
            page.wait_for_timeout(50)
        raise AssertionError(f"{len(sent) - len(statuses)} keep-alive requests were not answered in 10 s")

    return answered


def test_a_doctor_typing_notes_past_the_idle_time_stays_signed_in(open_page, consultation):
    doctor = open_page(**DESKTOP)
    stop_the_clock(doctor)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    keep_alives = keep_alives_answered(doctor)
    notes = doctor.get_by_label("Notes (optional)")
    warning = doctor.get_by_role("alertdialog", name="Are you still there?")

    notes.click()
    for _ in range(15):  # a key every 5 s for 75 s, past the minute's idle time
        notes.press_sequentially("ab")
        keep_alives()
        doctor.clock.run_for(5000)
        expect(warning).to_be_hidden()

    # Told once every quarter of the idle time while typing, not at every key.
    assert 4 <= len(keep_alives()) <= 6
    assert set(keep_alives()) == {204}
    doctor.get_by_role("button", name="Complete consultation").click()
    expect(doctor.get_by_role("button", name="Call next patient")).to_be_visible()
    assert doctor.url.endswith("/doctors/")


def test_the_warning_keeps_the_session_and_the_sign_out_says_why_and_keeps_the_notes_in_the_tab(open_page, consultation):
    doctor = open_page(**DESKTOP)
    stop_the_clock(doctor)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    notes = doctor.get_by_label("Notes (optional)")
    notes.fill("Blood pressure 130/85, review in two weeks")
    warning = doctor.get_by_role("alertdialog", name="Are you still there?")
    stay = warning.get_by_role("button", name="Stay signed in")

    # Warned half the minute before (two minutes before with the usual idle times), the button focused.
    doctor.clock.run_for(31_000)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("You will be signed out in")
    expect(stay).to_be_focused()
    keep_alives = keep_alives_answered(doctor)
    doctor.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    expect(notes).to_be_focused()
    expect(notes).to_have_value("Blood pressure 130/85, review in two weeks")
    assert keep_alives() == [204]

    # Not signed out at the first end: warned again once the minute has gone by since the button.
    doctor.clock.run_for(31_000)
    expect(warning).to_be_visible()
    assert doctor.url.endswith("/doctors/")

    # Left alone: signed out and told why; the notes stay in the tab for when the doctor signs in again.
    doctor.clock.run_for(31_000)
    expect(doctor.get_by_text("You were signed out after 1 minute without activity")).to_be_visible()
    assert "/doctors/login/?next=%2Fdoctors%2F&idle=1" in doctor.url
    assert doctor.evaluate("Object.values(sessionStorage)") == ["Blood pressure 130/85, review in two weeks"]


def test_the_warnings_button_is_in_sight_with_the_focus_on_a_short_screen_at_twice_the_text_size(open_page, hospital):
    """The countdown was written once the warning had opened and scrolled its focused button into view: on a short
    landscape screen at twice the text size the words then pushed "Stay signed in" out of the dialog's sight, as on
    the kiosk (e2e/test_kiosk.py)."""
    doctor = open_page(viewport={"width": 568, "height": 320}, is_mobile=True, has_touch=True)
    doctor.context.new_cdp_session(doctor).send("Page.setFontSizes", {"fontSizes": {"standard": 32}})
    stop_the_clock(doctor)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    warning = doctor.get_by_role("alertdialog", name="Are you still there?")
    stay = warning.get_by_role("button", name="Stay signed in")

    doctor.clock.run_for(31_000)

    expect(stay).to_be_focused()
    expect(warning).to_contain_text("You will be signed out in")
    expect(stay).to_be_in_viewport(ratio=1)


def test_notes_kept_in_the_tab_are_back_after_signing_in_again(open_page, consultation):
    # Without the clock: Playwright's replays its log in every new document, whose performance.now() then does not
    # start at 0, so the page signed in again would count its idle time from the first page's.
    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    doctor.get_by_label("Notes (optional)").fill("Blood pressure 130/85, review in two weeks")

    # Signed out as the idle time signs out: the sign-out form submitted by the page's script, not clicked.
    doctor.evaluate("document.querySelector('[data-sign-out]').submit()")
    expect(doctor.get_by_role("button", name="Sign in")).to_be_visible()
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")

    expect(doctor.get_by_label("Notes (optional)")).to_have_value("Blood pressure 130/85, review in two weeks")


def test_django_admin_warns_before_the_idle_sign_out_and_its_sign_in_page_says_why(open_page, hospital):
    get_user_model().objects.create_superuser("admin", password="admin123")
    admin = open_page(**DESKTOP)
    stop_the_clock(admin)
    sign_in_to_django_admin(admin, "/admin/login/?next=/admin/patients/department/add/", "admin", "admin123")
    warning = admin.get_by_role("alertdialog", name="Are you still there?")
    stay = warning.get_by_role("button", name="Stay signed in")
    admin.get_by_label("Name").fill("Neurology")

    admin.clock.run_for(31_000)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("You will be signed out in")
    expect(stay).to_be_focused()
    keep_alives = keep_alives_answered(admin)
    admin.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    expect(admin.get_by_label("Name")).to_have_value("Neurology")
    # The session is the server's: the page's next end is counted from the keep-alive's answer, not the key.
    assert keep_alives() == [204]

    # Left alone: signed out, back to this page after signing in again, and told why.
    admin.clock.run_for(31_000)
    expect(warning).to_be_visible()
    admin.clock.run_for(31_000)
    why = "You were signed out after 1 minute without activity; sign in again to continue."
    expect(admin.get_by_text(why)).to_be_visible()
    expect(admin.get_by_label("Username")).to_have_accessible_description(why)
    signed_out_to = urlsplit(admin.url)
    assert signed_out_to.path == "/admin/login/"
    assert parse_qs(signed_out_to.query) == {"next": ["/admin/patients/department/add/"], "idle": ["1"]}


def test_a_doctor_on_the_desks_bookings_is_warned_signed_out_and_signs_in_again_to_them(open_page, hospital):
    doctor = open_page(**DESKTOP)
    stop_the_clock(doctor)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    doctor.goto("/adminpanel/bookings/today/")
    warning = doctor.get_by_role("alertdialog", name="Are you still there?")

    doctor.clock.run_for(31_000)
    expect(warning).to_be_visible()
    expect(warning.get_by_role("button", name="Stay signed in")).to_be_focused()
    doctor.clock.run_for(31_000)

    # On the sign-in the page's own sign-out leads to, which a doctor may use for this page.
    expect(doctor.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    expect(doctor.get_by_text("You were signed out after 1 minute without activity")).to_be_visible()
    signed_out_to = urlsplit(doctor.url)
    assert (signed_out_to.path, parse_qs(signed_out_to.query)) == (
        "/adminpanel/login/", {"next": ["/adminpanel/bookings/today/"], "idle": ["1"]}
    )
    # Signed in again on a page without the test's clock: Playwright's replays its log in every new document, whose
    # performance.now() then does not start at 0, so the page signed in again counted its idle minute from the first
    # page's and signed out at once (see test_notes_kept_in_the_tab_are_back_after_signing_in_again).
    again = open_page(**DESKTOP)
    again.goto(doctor.url)
    again.get_by_label("Username").fill("dr.smith")
    again.get_by_label("Password").fill("doctor123")
    again.get_by_role("button", name="Sign in").click(timeout=30_000)
    expect(again.get_by_role("heading", name="Today's bookings")).to_be_visible()
    assert urlsplit(again.url).path == "/adminpanel/bookings/today/"
