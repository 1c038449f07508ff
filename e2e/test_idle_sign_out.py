"""Staff sessions' idle time as a doctor lives it: typing notes is activity, a warning comes before the sign-out,
and notes typed before a sign-out are there again after signing back in. The server's idle time is one minute."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from e2e.conftest import DESKTOP
from e2e.test_live_renderers import register
from e2e.test_staff_flows import sign_in
from patients import services
from smartqueue.tests.live_server import running_daphne


@pytest.fixture
def live_app(transactional_db):
    with running_daphne(database=connection.settings_dict, env={"SESSION_IDLE_MINUTES": "1"}) as server:
        yield server


@pytest.fixture
def consultation(hospital):
    entry = register(hospital["cardiology"], "Asha Rao", "+14155550101")
    services.call_next(doctor=hospital["doctor"])
    return services.start_consultation(entry=entry)


def test_a_doctor_typing_notes_past_the_idle_time_stays_signed_in(open_page, consultation):
    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    notes = doctor.get_by_label("Notes (optional)")
    warning = doctor.get_by_role("alertdialog", name="Are you still there?")

    notes.click()
    for _ in range(15):  # a key every 5 s for 75 s, past the minute's idle time
        notes.press_sequentially("ab")
        doctor.wait_for_timeout(5000)
        expect(warning).to_be_hidden()

    doctor.get_by_role("button", name="Complete consultation").click()
    expect(doctor.get_by_role("button", name="Call next patient")).to_be_visible()
    assert doctor.url.endswith("/doctors/")


def test_the_warning_keeps_the_session_and_a_sign_out_keeps_the_notes_and_says_why(open_page, consultation):
    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    notes = doctor.get_by_label("Notes (optional)")
    notes.fill("Blood pressure 130/85, review in two weeks")
    warning = doctor.get_by_role("alertdialog", name="Are you still there?")
    stay = warning.get_by_role("button", name="Stay signed in")

    # Warned half the minute before (two minutes before with the usual idle times), the button focused.
    expect(warning).to_be_visible(timeout=40_000)
    expect(warning).to_contain_text("You will be signed out in")
    expect(stay).to_be_focused()
    doctor.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    expect(notes).to_be_focused()
    expect(notes).to_have_value("Blood pressure 130/85, review in two weeks")

    # Warned again once the minute has gone by since the button, past the first end: the server kept the session.
    expect(warning).to_be_visible(timeout=40_000)
    still_signed_in = doctor.evaluate(
        "fetch('/doctors/live/', {headers: {'X-Background-Refresh': '1'}}).then((response) => response.status)"
    )
    assert still_signed_in == 200

    # Left alone: signed out, told why, and the notes are back after signing in again.
    expect(doctor.get_by_text("You were signed out after 1 minute without activity")).to_be_visible(timeout=40_000)
    assert "/doctors/login/?next=%2Fdoctors%2F&idle=1" in doctor.url
    doctor.get_by_label("Username").fill("dr.smith")
    doctor.get_by_label("Password").fill("doctor123")
    doctor.get_by_role("button", name="Sign in").click()
    expect(doctor.get_by_label("Notes (optional)")).to_have_value("Blood pressure 130/85, review in two weeks")
