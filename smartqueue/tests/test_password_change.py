"""Staff change their own password: a doctor from the dashboard, an administrator from the panel."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from adminpanel.models import AdminUser, AuditLog

PASSWORD = "pass-word-123"
NEW_PASSWORD = "Ward-7-night-kettle"


@pytest.fixture
def doctor_user(make_doctor):
    return make_doctor().user


@pytest.fixture
def manager(make_user):
    user = make_user()
    AdminUser.objects.create(user=user)
    return user


# (the user fixture, its page, its page after the change, a page of that role with the navigation)
ROLES = [
    ("doctor_user", "doctor-password-change", "doctor-password-changed", "doctors:dashboard"),
    ("manager", "panel-password-change", "panel-password-changed", "adminpanel:queues"),
]


def signed_in(user):
    browser = Client()
    assert browser.post(
        reverse("doctors:login" if hasattr(user, "doctor") else "adminpanel:login"),
        {"username": user.username, "password": PASSWORD},
    ).status_code == 302
    return browser


def change(browser, url_name, old=PASSWORD, new=NEW_PASSWORD, again=None):
    return browser.post(
        reverse(url_name), {"old_password": old, "new_password1": new, "new_password2": new if again is None else again}
    )


@pytest.mark.parametrize("user_fixture, url_name, done_name, dashboard", ROLES)
def test_each_dashboard_links_to_its_password_page(request, user_fixture, url_name, done_name, dashboard):
    browser = signed_in(request.getfixturevalue(user_fixture))

    page = browser.get(reverse(dashboard)).content.decode()

    assert f'href="{reverse(url_name)}"' in page


@pytest.mark.parametrize("user_fixture, url_name, done_name, dashboard", ROLES)
def test_the_page_labels_its_fields_and_names_itself(request, user_fixture, url_name, done_name, dashboard):
    browser = signed_in(request.getfixturevalue(user_fixture))

    response = browser.get(reverse(url_name))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Change password · SmartQueue</title>" in page
    for field, label in [
        ("old_password", "Current password"),
        ("new_password1", "New password"),
        ("new_password2", "New password again"),
    ]:
        assert f'<label class="form-label" for="id_{field}">{label}</label>' in page
    # The role's own navigation, with its sign-out.
    assert reverse(dashboard.split(":")[0] + ":logout") in page


@pytest.mark.parametrize("user_fixture, url_name, done_name, dashboard", ROLES)
def test_a_new_password_keeps_this_session_and_ends_the_others(request, user_fixture, url_name, done_name, dashboard):
    user = request.getfixturevalue(user_fixture)
    browser, elsewhere = signed_in(user), signed_in(user)

    response = change(browser, url_name)

    assert response.status_code == 302 and response.url == reverse(done_name)
    done = browser.get(response.url)
    assert done.status_code == 200 and "Your password has been changed." in done.content.decode()
    assert browser.get(reverse(dashboard)).status_code == 200
    assert elsewhere.get(reverse(dashboard)).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    old_sign_in = {"username": user.username, "password": PASSWORD}
    assert Client().post(reverse(dashboard.split(":")[0] + ":login"), old_sign_in).status_code == 200
    audit = AuditLog.objects.get(action="auth.password_changed")
    assert (audit.actor, audit.object_id, audit.after) == (user, str(user.pk), {"path": reverse(url_name)})
    assert NEW_PASSWORD not in str(audit.after) + audit.object_repr


@pytest.mark.parametrize("user_fixture, url_name, done_name, dashboard", ROLES)
def test_a_wrong_current_password_is_refused_on_its_field(request, user_fixture, url_name, done_name, dashboard):
    user = request.getfixturevalue(user_fixture)
    browser = signed_in(user)

    response = change(browser, url_name, old="not-my-password")

    page = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors == {"old_password": ["This is not your current password. Type it again."]}
    assert '<a class="alert-link" href="#id_old_password">Current password: This is not your current password.' in page
    assert re.search(r'<input[^>]*name="old_password"[^>]*aria-describedby="id_old_password_error"', page)
    assert page.count("<title>Please correct the form · ") == 1
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditLog.objects.filter(action="auth.password_changed").exists()


@pytest.mark.parametrize(
    "new, again, field, message",
    [
        # The rules are the new password's: refused beside it, where its rules are listed (Django says it beside
        # "New password again").
        ("123", "123", "new_password1", "This password is too short"),
        ("password123", "password123", "new_password1", "This password is too common"),
        ("73920584617", "73920584617", "new_password1", "This password is all digits"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "new_password2", "The two new passwords differ"),
    ],
)
def test_a_weak_or_mistyped_new_password_is_refused_on_its_field(doctor_user, new, again, field, message):
    browser = signed_in(doctor_user)

    response = change(browser, "doctor-password-change", new=new, again=again)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in " ".join(errors[field])
    doctor_user.refresh_from_db()
    assert doctor_user.check_password(PASSWORD)


def test_a_password_like_the_username_is_refused(make_doctor, make_user):
    doctor = make_doctor(user=make_user(username="jsmithward"))
    browser = signed_in(doctor.user)

    response = change(browser, "doctor-password-change", new="jsmithward1", again="jsmithward1")

    assert response.status_code == 400
    assert "too much like the username" in " ".join(response.context["form"].errors["new_password1"])


def test_wrong_current_passwords_count_toward_the_sign_in_lockout(doctor_user, settings):
    """A session left open is no way to guess the account's password without limit: each wrong one is a failed
    sign-in, and at the limit the page answers as a locked sign-in does, even to the right password."""
    browser = signed_in(doctor_user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert change(browser, "doctor-password-change", old="guess").status_code == 400

    assert change(browser, "doctor-password-change", old="guess").status_code == 429
    locked = change(browser, "doctor-password-change")

    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    doctor_user.refresh_from_db()
    assert doctor_user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "url_name, sign_in",
    [
        ("doctor-password-change", "doctors:login"),
        ("doctor-password-changed", "doctors:login"),
        ("panel-password-change", "adminpanel:login"),
        ("panel-password-changed", "adminpanel:login"),
    ],
)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, db, url_name, sign_in):
    for response in (client.get(reverse(url_name)), change(client, url_name)):
        assert response.status_code == 302
        assert response.url == f"{reverse(sign_in)}?next={reverse(url_name)}"


def test_each_role_changes_its_password_on_its_own_page(doctor_user, manager):
    assert signed_in(doctor_user).get(reverse("panel-password-change")).status_code == 403
    assert signed_in(manager).get(reverse("doctor-password-change")).status_code == 403


def test_the_audit_log_names_the_change(doctor_user, admin_client):
    change(signed_in(doctor_user), "doctor-password-change")

    page = admin_client.get(reverse("adminpanel:audit")).content.decode()

    assert "Password changed" in page


@pytest.fixture
def superuser(make_user):
    return make_user(is_staff=True, is_superuser=True)


def signed_in_to_django_admin(user):
    browser = Client()
    assert browser.post(
        reverse("admin:login"), {"username": user.username, "password": PASSWORD, "next": "/admin/"}
    ).status_code == 302
    return browser


def test_wrong_current_passwords_on_django_admins_page_count_toward_the_sign_in_lockout(superuser, settings):
    """Django's own form compared the old password with check_password: a superuser's session guessed on without
    limit there (eight wrong ones, no lockout, in the eleventh attack run)."""
    browser = signed_in_to_django_admin(superuser)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert change(browser, "admin:password_change", old="guess").status_code == 400

    assert change(browser, "admin:password_change", old="guess").status_code == 429
    assert change(browser, "admin:password_change").status_code == 429
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)


def test_django_admins_page_changes_the_password_in_its_own_look(superuser):
    browser, elsewhere = signed_in_to_django_admin(superuser), signed_in_to_django_admin(superuser)
    page = browser.get(reverse("admin:password_change"))
    assert page.status_code == 200 and 'id="content-main"' in page.content.decode()

    response = change(browser, "admin:password_change")

    assert response.status_code == 302 and response.url == reverse("admin:password_change_done")
    assert browser.get(reverse("admin:index")).status_code == 200
    assert elsewhere.get(reverse("admin:index")).status_code == 302
    superuser.refresh_from_db()
    assert superuser.check_password(NEW_PASSWORD)
    audit = AuditLog.objects.get(action="auth.password_changed")
    assert (audit.actor, audit.after) == (superuser, {"path": reverse("admin:password_change")})
