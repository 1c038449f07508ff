import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from django.utils.formats import time_format

from adminpanel.models import AdminUser
from conftest import TEST_PASSWORD

from smartqueue.sessions import SIGNED_IN_AT_SESSION_KEY, ActivitySessionMiddleware
from smartqueue.staff_sockets import signed_in_user


def test_a_pages_own_refresh_that_changes_the_session_still_saves_the_change(rf, db):
    def switching_language(request):
        request.session["staff_language"] = "es"
        return HttpResponse()

    response = ActivitySessionMiddleware(switching_language)(rf.get("/", HTTP_X_BACKGROUND_REFRESH="1"))

    saved = SessionStore(response.cookies[settings.SESSION_COOKIE_NAME].value)
    assert saved["staff_language"] == "es"


KEEP_ALIVE = "/session/keep-alive/"


def test_the_keep_alive_a_page_sends_while_the_person_types_keeps_the_session_alive(client, settings, make_doctor):
    doctor = make_doctor()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(doctor.user)
        for _ in range(3):
            clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
            assert client.post(KEEP_ALIVE).status_code == 204
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))

        assert client.get("/doctors/").status_code == 200


def test_the_keep_alive_refuses_a_session_that_has_ended(client, settings, make_doctor):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(make_doctor().user)
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))

        # A 403 for the page's script, not a redirect to sign-in that it would follow; the session stays ended.
        assert client.post(KEEP_ALIVE).status_code == 403
        assert client.get("/doctors/").status_code == 302


def test_the_keep_alive_takes_only_a_post_with_the_pages_csrf_token(make_doctor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_doctor().user)

    assert browser.get(KEEP_ALIVE).status_code == 405
    assert browser.post(KEEP_ALIVE).status_code == 403
    page = browser.get("/doctors/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert browser.post(KEEP_ALIVE, HTTP_X_CSRFTOKEN=token).status_code == 204


@pytest.mark.parametrize("page", ["/doctors/", "/doctors/schedule/", "/adminpanel/", "/adminpanel/departments/"])
def test_every_staff_page_warns_before_the_idle_sign_out(client, settings, make_doctor, make_user, page):
    settings.SESSION_COOKIE_AGE = 10 * 60
    user = make_doctor().user if page.startswith("/doctors/") else make_user()
    if page.startswith("/adminpanel/"):
        AdminUser.objects.create(user=user)
    client.force_login(user)

    html = client.get(page).content.decode()

    assert 'role="alertdialog"' in html and 'data-idle-seconds="600"' in html
    assert 'data-keep-alive-url="/session/keep-alive/"' in html
    assert "js/staff-session.js" in html


def told_shift_end(html):
    """The end of the sign-in a staff page is given: as an instant, and as seconds left when it was made."""
    dialog = re.search(r"<dialog[^>]*data-shift-warning[^>]*>", html).group(0)
    ends_at = datetime.fromisoformat(re.search(r'data-shift-ends-at="([^"]+)"', dialog).group(1))
    return ends_at, int(re.search(r'data-shift-seconds-left="([0-9]+)"', dialog).group(1))


@pytest.mark.parametrize("page", ["/doctors/", "/adminpanel/"])
def test_a_staff_page_is_told_the_end_of_its_sign_in_that_the_middleware_enforces_and_no_activity_moves(
    client, settings, make_doctor, make_user, page
):
    settings.TIME_ZONE = "Asia/Kolkata"
    # Idle for hours without idling out: only the shift's end is at stake here.
    settings.SESSION_COOKIE_AGE = 2 * settings.SESSION_MAX_AGE_SECONDS
    user = make_doctor().user if page == "/doctors/" else make_user()
    if page == "/adminpanel/":
        AdminUser.objects.create(user=user)
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False) as clock:
        client.force_login(user)
        signed_in = timezone.now()
        clock.shift(timedelta(hours=3))

        html = client.get(page).content.decode()
        ends_at, seconds_left = told_shift_end(html)

        assert ends_at == signed_in + timedelta(seconds=settings.SESSION_MAX_AGE_SECONDS)
        assert seconds_left == settings.SESSION_MAX_AGE_SECONDS - 3 * 3600
        # In the hospital's time, as the warning says it.
        assert ends_at.utcoffset() == timedelta(hours=5, minutes=30)
        assert f"Your sign-in ends at {time_format(timezone.localtime(ends_at))}, one shift after" in html
        # Keep-alives (typing) up to the end do not move it, and the middleware signs out just past it.
        clock.move_to(ends_at - timedelta(seconds=1))
        assert client.post(KEEP_ALIVE).status_code == 204
        assert told_shift_end(client.get(page).content.decode()) == (ends_at, 1)
        clock.move_to(ends_at)
        assert client.post(KEEP_ALIVE).status_code == 204
        clock.move_to(ends_at + timedelta(seconds=1))
        assert client.post(KEEP_ALIVE).status_code == 403
        assert client.get(page).status_code == 302


def keep_busy_until_the_shift_nearly_ends(client, clock, settings):
    """Keep the session from idling out until less than one keep-alive interval of its shift is left, which it
    returns."""
    shift_ends = timezone.now() + timedelta(seconds=settings.SESSION_MAX_AGE_SECONDS)
    step = timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    while timezone.now() + step < shift_ends:
        clock.shift(step)
        assert client.post(KEEP_ALIVE).status_code == 204
    return step


def test_a_sign_in_kept_busy_ends_after_its_shift_and_the_sign_in_page_says_why(client, settings, make_doctor):
    doctor = make_doctor()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(doctor.user)
        step = keep_busy_until_the_shift_nearly_ends(client, clock, settings)
        assert client.get("/doctors/").status_code == 200
        clock.shift(step)

        signed_out = client.get("/doctors/", follow=True)

    assert signed_out.redirect_chain[-1][0].startswith("/doctors/login/")
    assert "You were signed in for 12 hours, as long as a sign-in lasts: sign in again to go on." in (
        signed_out.content.decode()
    )
    assert not signed_out.context["user"].is_authenticated


def test_a_staff_socket_is_refused_once_its_sign_in_outlived_its_shift(client, settings, make_doctor):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(make_doctor().user)
        session_key = client.session.session_key
        step = keep_busy_until_the_shift_nearly_ends(client, clock, settings)
        assert signed_in_user(session_key) is not None

        clock.shift(step)

        assert signed_in_user(session_key) is None


def test_a_session_signed_in_before_sign_ins_were_timed_starts_its_shift_at_its_next_request(
    client, settings, make_doctor
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(make_doctor().user)
        session = client.session
        del session[SIGNED_IN_AT_SESSION_KEY]
        session.save()

        assert client.get("/doctors/").status_code == 200
        step = keep_busy_until_the_shift_nearly_ends(client, clock, settings)
        clock.shift(step)

        assert client.get("/doctors/").status_code == 302


def test_a_staff_sign_in_ends_with_the_browser_and_still_after_the_idle_time(settings, make_doctor):
    """Fifteenth attack run: the session cookie carried Max-Age, so the browser kept it on disk and a colleague
    opening it again at a shared desk within the idle time found the doctor still signed in."""
    doctor = make_doctor()
    browser = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        signed_in = browser.post("/doctors/login/", {"username": doctor.user.username, "password": TEST_PASSWORD})
        assert signed_in.status_code == 302
        session_cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME]
        assert not session_cookie["max-age"] and not session_cookie["expires"]

        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
        assert browser.get("/doctors/api/").status_code == 403


@pytest.mark.parametrize("sign_out", ["/admin/logout/", "/doctors/logout/", "/adminpanel/logout/"])
def test_a_page_signing_itself_out_after_the_server_ended_its_session_still_arrives_where_it_says_why(
    settings, make_user, sign_out
):
    # The server's end of the sign-in comes a moment before the page's timer: the page's sign-out then posts with a
    # session already over, and must still reach the sign-in page that says why (static/js/staff-session.js).
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user(is_staff=True, is_superuser=True))
    page = browser.get("/admin/patients/queue/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        assert browser.post(sign_out, {"next": "/admin/login/"}).status_code == 403
        signed_out = browser.post(
            sign_out, {"csrfmiddlewaretoken": token, "next": "/admin/login/?next=/admin/patients/queue/&idle=1"}
        )

    assert signed_out.status_code == 302
    assert signed_out["Location"] == "/admin/login/?next=/admin/patients/queue/&idle=1"


IDLE_REASON = "You were signed out after 30 minutes without activity; sign in again to continue."


@pytest.mark.parametrize("page", ["/doctors/", "/adminpanel/", "/admin/patients/queue/"])
def test_a_staff_page_reached_after_its_sign_in_ended_for_idleness_leads_to_a_sign_in_page_that_says_why(
    client, make_doctor, make_user, page
):
    # The page's own timer did not sign it out (it reloaded on a refused refresh, or a link was followed after the
    # device slept): the sign-in page said nothing of why.
    if page == "/doctors/":
        user = make_doctor().user
    elif page == "/adminpanel/":
        user = make_user()
        AdminUser.objects.create(user=user)
    else:
        user = make_user(is_staff=True, is_superuser=True)
    client.force_login(user)
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        signed_out = client.get(page, follow=True)

    assert "idle=1" in signed_out.redirect_chain[-1][0]
    reason = re.search(r'id="sign-out-reason">([^<]*)</', signed_out.content.decode())
    assert reason and reason.group(1) == IDLE_REASON
    assert re.search(r'aria-describedby="[^"]*sign-out-reason', signed_out.content.decode())


def test_the_sign_in_page_says_nothing_to_a_visitor_never_signed_in_or_signed_out_for_another_reason(
    client, make_doctor
):
    assert IDLE_REASON not in client.get("/doctors/", follow=True).content.decode()
    client.get("/patients/", HTTP_ACCEPT_LANGUAGE="es")  # a patient's session, no sign-in
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        assert IDLE_REASON not in client.get("/doctors/", follow=True).content.decode()
    doctor = make_doctor()
    client.force_login(doctor.user)
    doctor.user.set_password("another password 9")
    doctor.user.save()  # the session of the old password ends at once
    assert IDLE_REASON not in client.get("/doctors/", follow=True).content.decode()
