"""Signing in to each side, throttled failed logins, idle session expiry and CSRF."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.backends import ModelBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from axes.models import AccessAttempt

from adminpanel.models import AdminUser, AuditLog

PASSWORD = "pass-word-123"


@pytest.fixture
def doctor_user(make_doctor):
    return make_doctor().user


@pytest.fixture
def manager(make_user):
    user = make_user()
    AdminUser.objects.create(user=user)
    return user


def sign_in(client, url_name, user, password=PASSWORD):
    return client.post(reverse(url_name), {"username": user.username, "password": password})


def test_doctor_signs_in_to_the_dashboard_and_out_again(client, doctor_user):
    response = client.post(
        reverse("doctors:login"), {"username": doctor_user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.5"
    )
    assert response.status_code == 302 and response.url == reverse("doctors:dashboard")
    assert client.get(reverse("doctors:dashboard")).status_code == 200
    assert client.post(reverse("doctors:logout")).url == reverse("doctors:login")
    assert client.get(reverse("doctors:dashboard")).status_code == 302
    audit = AuditLog.objects.filter(actor=doctor_user).order_by("id")
    assert [(row.action, row.ip_address) for row in audit] == [
        ("auth.signed_in", "10.0.0.5"),
        ("auth.signed_out", "127.0.0.1"),
    ]


def test_admin_signs_in_to_the_panel(client, manager):
    response = sign_in(client, "adminpanel:login", manager)
    assert response.status_code == 302 and response.url == reverse("adminpanel:queues")


@pytest.mark.parametrize(
    "url_name, user_fixture, message",
    [
        ("adminpanel:login", "doctor_user", "cannot use the admin panel"),
        ("doctors:login", "manager", "not an active doctor"),
    ],
)
def test_each_login_page_only_admits_its_role(client, request, url_name, user_fixture, message):
    response = sign_in(client, url_name, request.getfixturevalue(user_fixture))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_doctors_bookmark_of_the_desks_bookings_leads_to_a_sign_in_that_admits_them_and_back_to_it(
    client, doctor_user
):
    bookings = reverse("adminpanel:todays-bookings")
    sign_in_page = client.get(bookings)
    assert sign_in_page.url == f"{reverse('adminpanel:login')}?next={bookings}"
    page = client.get(sign_in_page.url).content.decode()
    # Not the panel's alone: named for whoever works the page.
    assert "<h1 class=\"h4 mb-3\">Staff sign-in</h1>" in page

    signed_in = client.post(sign_in_page.url, {"username": doctor_user.username, "password": PASSWORD, "next": bookings})

    assert signed_in.status_code == 302 and signed_in.url == bookings
    assert client.get(bookings).status_code == 200


@pytest.mark.parametrize("next_page", ["", "/adminpanel/", "/adminpanel/reports/", "/nowhere/"])
def test_the_panels_sign_in_still_refuses_a_doctor_on_the_way_to_the_panels_own_pages(client, doctor_user, next_page):
    refused = client.post(
        reverse("adminpanel:login"), {"username": doctor_user.username, "password": PASSWORD, "next": next_page}
    )

    assert refused.status_code == 200
    assert "cannot use the admin panel" in refused.content.decode()
    assert "Admin panel sign-in" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_throttled_even_for_the_right_password_afterwards(client, settings, doctor_user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "doctors:login", doctor_user, password="wrong").status_code == 200
    assert sign_in(client, "doctors:login", doctor_user, password="wrong").status_code == 429
    locked = sign_in(client, "doctors:login", doctor_user)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client, make_doctor, doctor_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "doctors:login", doctor_user, password="wrong")
    colleague = make_doctor().user
    assert sign_in(client, "doctors:login", colleague).status_code == 302
    elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    assert sign_in(elsewhere, "doctors:login", doctor_user).status_code == 302


def test_a_successful_login_resets_the_failure_count(client, doctor_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "doctors:login", doctor_user, password="wrong")
    assert sign_in(client, "doctors:login", doctor_user).status_code == 302
    client.post(reverse("doctors:logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "doctors:login", doctor_user, password="wrong")
    assert sign_in(client, "doctors:login", doctor_user).status_code == 302


@pytest.mark.parametrize("url", ["/doctors/login/", "/adminpanel/login/", "/admin/login/"])
def test_a_username_too_long_for_any_account_is_a_failed_sign_in_not_an_error(client, db, settings, url):
    attempt = {"username": "scanner" * 60, "password": "wrong"}

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        failed = client.post(url, attempt)
        assert failed.status_code == 200
        assert "_auth_user_id" not in client.session
    assert client.post(url, attempt).status_code == 429
    assert AccessAttempt.objects.count() == 1


@pytest.mark.parametrize("url", ["/doctors/login/", "/adminpanel/login/", "/admin/login/"])
def test_a_password_typed_into_the_username_field_is_not_kept(client, doctor_user, settings, url):
    """Thirteenth attack run: axes kept the username typed at each failed sign-in, readable in Django admin; staff
    who typed their password there left it in clear. An account's name is kept, anything else only as a digest."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": PASSWORD, "password": PASSWORD}).status_code == 200
    client.post(url, {"username": doctor_user.username, "password": "wrong"})

    kept = list(AccessAttempt.objects.values_list("username", flat=True))
    assert doctor_user.username in kept and not any(PASSWORD in username for username in kept)
    assert client.post(url, {"username": PASSWORD, "password": PASSWORD}).status_code == 429


def test_sessions_expire_after_the_idle_time(client, settings, manager):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, "adminpanel:login", manager)
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
        assert client.get(reverse("adminpanel:queues")).status_code == 200
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
        assert client.get(reverse("adminpanel:queues")).status_code == 200, "activity keeps the session alive"
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        response = client.get(reverse("adminpanel:queues"))
        assert response.status_code == 302 and response.url.startswith(reverse("adminpanel:login"))


BACKGROUND = {"HTTP_X_BACKGROUND_REFRESH": "1"}


@pytest.mark.parametrize(
    "signed_in, login, live_page",
    [
        ("doctor_user", "doctors:login", "/doctors/live/"),
        ("manager", "adminpanel:login", "/adminpanel/live/"),
    ],
)
def test_a_live_pages_own_refreshes_do_not_keep_an_unattended_session_alive(
    client, settings, request, signed_in, login, live_page
):
    """A dashboard left open redraws after every change of its department; those fetches are not the person."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, login, request.getfixturevalue(signed_in))
        for _ in range(3):
            clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE / 3 - 30))
            refreshed = client.get(live_page, **BACKGROUND)
            assert refreshed.status_code == 200
            assert settings.SESSION_COOKIE_NAME not in refreshed.cookies
        clock.shift(timedelta(seconds=120))

        assert client.get(live_page, **BACKGROUND).status_code == 403


def test_what_the_person_does_on_a_live_page_keeps_the_session_alive(client, settings, doctor_user):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client, "doctors:login", doctor_user)
        for _ in range(3):
            clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE / 3 - 30))
            assert client.get("/doctors/live/", **BACKGROUND).status_code == 200
        assert client.get("/doctors/api/").status_code == 200
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))

        assert client.get("/doctors/live/", **BACKGROUND).status_code == 200


def test_forms_and_apis_require_the_csrf_token(doctor_user, manager):
    doctor_browser = Client(enforce_csrf_checks=True)
    doctor_browser.force_login(doctor_user)
    assert doctor_browser.post(reverse("doctors:dashboard"), {"action": "call_next"}).status_code == 403
    assert doctor_browser.post("/doctors/api/", {"action": "call_next"}).status_code == 403
    admin_browser = Client(enforce_csrf_checks=True)
    admin_browser.force_login(manager)
    assert admin_browser.post(reverse("adminpanel:broadcast"), {"message": "hi"}).status_code == 403
    assert 'name="csrfmiddlewaretoken"' in admin_browser.get(reverse("adminpanel:broadcast")).content.decode()


@pytest.mark.parametrize("login", ["doctors:login", "adminpanel:login"])
def test_the_sign_in_page_says_why_after_an_idle_sign_out(client, settings, login):
    settings.SESSION_COOKIE_AGE = 30 * 60

    page = client.get(reverse(login), {"next": "/doctors/", "idle": "1"}).content.decode()

    assert "You were signed out after 30 minutes without activity; sign in again to continue." in page
    # Read out with the username field, which has the focus on arrival.
    assert 'aria-describedby="sign-out-reason"' in page
    assert "without activity" not in client.get(reverse(login), {"next": "/doctors/"}).content.decode()


@pytest.mark.parametrize("login", ["doctors:login", "adminpanel:login"])
def test_the_sign_in_page_says_why_after_the_page_signed_out_at_the_end_of_the_shift(client, login):
    page = client.get(reverse(login), {"next": "/doctors/", "shift": "1"}).content.decode()

    assert "You were signed in for 12 hours, as long as a sign-in lasts: sign in again to go on." in page
    assert 'aria-describedby="sign-out-reason"' in page


def test_the_page_that_signs_out_for_idleness_lands_on_the_sign_in_page_that_says_why(client, doctor_user):
    client.force_login(doctor_user)
    signed_in_again = reverse("doctors:login") + "?next=%2Fdoctors%2F&idle=1"

    signed_out = client.post(reverse("doctors:logout"), {"next": signed_in_again})

    assert signed_out.url == signed_in_again
    assert client.get(reverse("doctors:dashboard")).status_code == 302
    assert "without activity" in client.get(signed_out.url).content.decode()


@pytest.mark.parametrize("url_name", ["doctors:login", "adminpanel:login", "admin:login"])
def test_one_address_cannot_try_passwords_on_every_account_in_turn(client, make_doctor, settings, url_name):
    """Eighth attack run: four wrong passwords on each of twelve accounts from one address met no lockout (axes
    counts a username from an address), and the next account's right password then signed in."""
    settings.THROTTLE_SIGN_IN_FAILURES = f"{3 * (settings.AXES_FAILURE_LIMIT - 1)}/hour"
    accounts = [make_doctor().user for _ in range(4)]
    for account in accounts[:-1]:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert sign_in(client, url_name, account, password="wrong").status_code == 200
    locked = sign_in(client, url_name, accounts[-1])
    assert locked.status_code == 429
    assert "Too many sign-ins from this address have failed" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    assert sign_in(elsewhere, "doctors:login", accounts[-1]).status_code == 302


def test_sign_in_failures_from_one_ipv6_network_share_one_budget(client, make_doctor, settings):
    settings.THROTTLE_SIGN_IN_FAILURES = "3/hour"
    doctor = make_doctor().user
    for host in range(1, 4):
        stranger = Client(REMOTE_ADDR=f"2001:db8:1:2::{host}")
        assert sign_in(stranger, "doctors:login", make_doctor().user, password="wrong").status_code == 200
    assert sign_in(Client(REMOTE_ADDR="2001:db8:1:2::99"), "doctors:login", doctor).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="2001:db8:1:3::1"), "doctors:login", doctor).status_code == 302


def test_a_refused_staff_sign_in_takes_the_focus_and_stays_read_with_the_username(client, db):
    page = client.post("/adminpanel/login/", {"username": "nobody", "password": "wrong"}).content.decode()

    assert re.search(r'<div class="alert alert-danger" role="alert" id="sign-in-error" tabindex="-1" autofocus>', page)
    username = re.search(r'<input [^>]*id="id_username"[^>]*>', page, re.S).group(0)
    assert "autofocus" not in username and 'aria-describedby="sign-in-error"' in username


@pytest.mark.parametrize("url", ["/adminpanel/login/", "/doctors/login/"])
def test_a_staff_sign_in_left_empty_is_refused_by_the_page_in_its_language_at_the_fields(client, db, url):
    """Not by the browser's bubble, in the browser's language and gone at the next key: the form is novalidate."""
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert re.search(r"<form method=\"post\" novalidate>", page)

    page = client.post(url, {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    summary = re.search(r'<div class="alert alert-danger" role="alert" id="sign-in-error"[^>]*>(.*?)</div>', page, re.S)
    assert "Rellene «Nombre de usuario»." in summary.group(1) and "Rellene «Contraseña»." in summary.group(1)
    for field in ("id_username", "id_password"):
        tag = re.search(rf'<input [^>]*id="{field}"[^>]*>', page, re.S).group(0)
        assert 'aria-invalid="true"' in tag and 'aria-describedby="sign-in-error"' in tag


def _sign_ins_arriving_while_each_is_checked(monkeypatch, attempts):
    """Sign in with each (client, url_name, user, password) of attempts, each arriving while the ones before it are
    still having their passwords checked, as a burst sent at once does; the passwords checked, and the answers."""
    checked, answers = [], [None] * len(attempts)
    password_check = ModelBackend.authenticate

    def slow_check(backend, request, username=None, password=None, **kwargs):
        checked.append(password)
        sign_in_next()
        return password_check(backend, request, username=username, password=password, **kwargs)

    def sign_in_next():
        if None not in answers:
            return
        number = answers.index(None)
        answers[number] = "arriving"
        client, url_name, user, password = attempts[number]
        answers[number] = sign_in(client, url_name, user, password=password).status_code

    monkeypatch.setattr(ModelBackend, "authenticate", slow_check)
    while None in answers:
        sign_in_next()
    return checked, answers


def test_a_burst_of_sign_ins_has_no_more_passwords_tried_than_the_accounts_limit(client, doctor_user, monkeypatch):
    """Tenth attack run: failures were counted once their passwords had been checked, so sixteen sign-ins sent at
    once all found no failure yet, and all sixteen passwords were tried against a limit of five."""
    attempts = [(client, "doctors:login", doctor_user, f"guess-{number}") for number in range(12)]

    checked, answers = _sign_ins_arriving_while_each_is_checked(monkeypatch, attempts)

    assert checked == [f"guess-{number}" for number in range(5)]
    assert answers[5:] == [429] * 7
    assert sign_in(client, "doctors:login", doctor_user).status_code == 429


def test_a_burst_of_sign_ins_on_many_accounts_has_no_more_passwords_tried_than_the_addresss_budget(
    client, make_doctor, settings, monkeypatch
):
    settings.THROTTLE_SIGN_IN_FAILURES = "3/hour"
    attempts = [(client, "adminpanel:login", make_doctor().user, "wrong") for _ in range(8)]

    checked, answers = _sign_ins_arriving_while_each_is_checked(monkeypatch, attempts)

    assert len(checked) == 3
    assert answers[3:] == [429] * 5


def test_sign_ins_one_after_another_each_end_their_check(client, doctor_user, settings):
    # Each answered sign-in gives its place among the checks back: were they kept, the limit would come sooner.
    for _ in range(3):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert sign_in(client, "doctors:login", doctor_user, password="wrong").status_code == 200
        assert sign_in(client, "doctors:login", doctor_user).status_code == 302
        client.post(reverse("doctors:logout"))


@pytest.mark.parametrize("url_name", ["doctors:login", "adminpanel:login", "admin:login"])
def test_many_addresses_guessing_one_account_are_stopped_and_its_owners_browser_still_signs_in(
    make_doctor, settings, url_name
):
    """Thirteenth attack run: each address had its own allowance on an account (axes counts a username from an
    address), so a botnet could guess one doctor's password without end; locking the account outright would keep
    the doctor out. Failures from browsers that never signed in to the account share one budget."""
    settings.THROTTLE_ACCOUNT_SIGN_IN_FAILURES = "6/hour"
    doctor = make_doctor().user
    usual_browser = Client(REMOTE_ADDR="10.0.0.5")
    assert sign_in(usual_browser, "doctors:login", doctor).status_code == 302
    usual_browser.post(reverse("doctors:logout"))
    for host in range(1, 7):
        assert sign_in(Client(REMOTE_ADDR=f"198.51.100.{host}"), url_name, doctor, password="wrong").status_code == 200

    guessed_right = sign_in(Client(REMOTE_ADDR="198.51.100.99"), url_name, doctor)

    assert guessed_right.status_code == 429
    assert "signed in to it before" in guessed_right.content.decode()
    assert sign_in(usual_browser, "doctors:login", doctor).status_code == 302
    assert sign_in(Client(REMOTE_ADDR="198.51.100.99"), url_name, make_doctor().user).status_code != 429


def test_a_browser_that_signed_in_before_does_not_spend_the_accounts_budget(make_doctor, settings):
    settings.THROTTLE_ACCOUNT_SIGN_IN_FAILURES = "3/hour"
    doctor = make_doctor().user
    usual_browser = Client(REMOTE_ADDR="10.0.0.5")
    assert sign_in(usual_browser, "doctors:login", doctor).status_code == 302
    usual_browser.post(reverse("doctors:logout"))
    for _ in range(3):
        assert sign_in(usual_browser, "doctors:login", doctor, password="wrong").status_code == 200

    assert sign_in(Client(REMOTE_ADDR="10.0.0.6"), "doctors:login", doctor).status_code == 302


def test_a_forged_or_another_accounts_browser_mark_is_not_trusted(make_doctor, settings):
    settings.THROTTLE_ACCOUNT_SIGN_IN_FAILURES = "2/hour"
    doctor, colleague = make_doctor().user, make_doctor().user
    colleagues_browser = Client(REMOTE_ADDR="10.0.0.7")
    assert sign_in(colleagues_browser, "doctors:login", colleague).status_code == 302
    colleagues_browser.post(reverse("doctors:logout"))
    for host in range(1, 3):
        assert sign_in(Client(REMOTE_ADDR=f"198.51.100.{host}"), "doctors:login", doctor, "wrong").status_code == 200
    forged = Client(REMOTE_ADDR="198.51.100.50")
    forged.cookies["smartqueue_devices"] = "0123456789abcdef01234567:forged-signature"

    assert sign_in(colleagues_browser, "doctors:login", doctor).status_code == 429
    assert sign_in(forged, "doctors:login", doctor).status_code == 429


def test_a_password_change_forgets_the_browsers_that_signed_in_with_the_old_one(make_doctor, settings):
    """Fifteenth attack run: the mark of a browser that once signed in (whoever created the account, say) outlived
    the owner's password change, and, copied, let any number of addresses guess the new password outside the
    account's budget."""
    settings.THROTTLE_ACCOUNT_SIGN_IN_FAILURES = "2/hour"
    doctor = make_doctor().user
    knew_the_first_password = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(knew_the_first_password, "doctors:login", doctor).status_code == 302
    knew_the_first_password.post(reverse("doctors:logout"))
    doctor.set_password("a-new-pass-word-456")
    doctor.save()
    copied_mark = knew_the_first_password.cookies["smartqueue_devices"].value

    def guess_elsewhere(host, password):
        elsewhere = Client(REMOTE_ADDR=f"203.0.113.{host}")
        elsewhere.cookies["smartqueue_devices"] = copied_mark
        return sign_in(elsewhere, "doctors:login", doctor, password)

    for host in range(1, 3):
        assert guess_elsewhere(host, "wrong").status_code == 200
    assert guess_elsewhere(3, "a-new-pass-word-456").status_code == 429
