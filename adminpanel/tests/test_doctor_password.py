"""A doctor who forgot their password gets a new one from a panel administrator: staff have no e-mail reset, and
without this page only a superuser in Django admin could give them one."""

import pytest
from django.test import Client
from django.urls import reverse

from adminpanel.models import AdminUser, AuditLog

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Heart#Beat2027"


def set_password(client, doctor, password=NEW_PASSWORD, again=None):
    return client.post(
        reverse("adminpanel:doctor-password", args=[doctor.pk]),
        {"new_password1": password, "new_password2": password if again is None else again},
    )


def test_a_panel_admin_gives_a_doctor_a_new_password_and_their_sign_ins_end(admin_client, make_doctor):
    doctor = make_doctor()
    signed_in_doctor = Client()
    signed_in_doctor.force_login(doctor.user)

    assert reverse("adminpanel:doctor-password", args=[doctor.pk]) in admin_client.get(
        reverse("adminpanel:doctors")
    ).content.decode()
    response = set_password(admin_client, doctor)

    assert response.status_code == 302
    doctor.user.refresh_from_db()
    assert doctor.user.check_password(NEW_PASSWORD)
    assert signed_in_doctor.get(reverse("doctors:dashboard")).status_code == 302
    row = AuditLog.objects.get(action="auth.password_set")
    assert row.object_id == str(doctor.user.pk)
    assert NEW_PASSWORD not in str(row.after)


def test_a_new_password_is_held_to_the_password_rules_and_typed_twice(admin_client, make_doctor):
    doctor = make_doctor()
    old_password = doctor.user.password

    too_short = set_password(admin_client, doctor, password="abc")
    differ = set_password(admin_client, doctor, again="Heart#Beat2028")

    assert too_short.status_code == 400
    assert too_short.context["form"].errors["new_password1"]
    assert differ.status_code == 400
    assert differ.context["form"].errors["new_password2"]
    doctor.user.refresh_from_db()
    assert doctor.user.password == old_password


def test_an_account_that_also_runs_the_panel_keeps_its_password(admin_client, make_doctor):
    doctor = make_doctor()
    AdminUser.objects.create(user=doctor.user)
    old_password = doctor.user.password

    response = set_password(admin_client, doctor)

    assert response.status_code == 400
    assert "runs the admin panel" in response.content.decode()
    doctor.user.refresh_from_db()
    assert doctor.user.password == old_password


def test_only_panel_administrators_set_a_doctors_password(client, make_doctor):
    doctor = make_doctor()
    client.force_login(make_doctor().user)

    response = set_password(client, doctor)

    assert response.status_code == 403
    doctor.user.refresh_from_db()
    assert not doctor.user.check_password(NEW_PASSWORD)
