"""A doctor signed in with a password an administrator chose (their first, or a new one after they forgot theirs)
chooses their own before anything else: the administrator who typed it knows it."""

import pytest
from django.urls import reverse

from adminpanel import services as panel_services
from doctors.models import Doctor

pytestmark = pytest.mark.django_db

GIVEN = "Cardio!2026x"
OWN = "Heart#Beat2027"


def sign_in(client, username, password):
    return client.post(reverse("doctors:login"), {"username": username, "password": password})


def change_password(client, old, new):
    return client.post(
        reverse("doctor-password-change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


@pytest.fixture
def new_doctor(make_department, make_user):
    actor = make_user(is_superuser=True)
    return panel_services.create_doctor(
        username="dr.amir",
        password=GIVEN,
        first_name="Amir",
        last_name="Khan",
        department=make_department(),
        actor=actor,
    )


def test_a_doctor_created_on_the_panel_chooses_their_own_password_before_the_dashboard(client, new_doctor):
    sign_in(client, "dr.amir", GIVEN)

    dashboard = client.get(reverse("doctors:dashboard"))
    api = client.get(reverse("doctors:api"))
    page = client.get(reverse("doctor-password-change")).content.decode()

    assert dashboard.status_code == 302 and dashboard["Location"] == reverse("doctor-password-change")
    assert api.status_code == 403
    assert "chosen by an administrator" in page

    assert change_password(client, GIVEN, OWN).status_code == 302
    assert client.get(reverse("doctors:dashboard")).status_code == 200
    assert not Doctor.objects.get(pk=new_doctor.pk).must_change_password


def test_a_password_set_after_the_doctor_forgot_theirs_is_changed_at_the_next_sign_in(client, new_doctor):
    Doctor.objects.filter(pk=new_doctor.pk).update(must_change_password=False)
    panel_services.set_doctor_password(doctor=new_doctor, password=OWN, actor=None)

    sign_in(client, "dr.amir", OWN)

    assert client.get(reverse("doctors:dashboard"))["Location"] == reverse("doctor-password-change")


def test_a_doctor_who_chose_their_own_password_goes_straight_to_the_dashboard(client, make_doctor, make_user):
    user = make_user(username="dr.own", password=OWN)
    make_doctor(user=user)

    sign_in(client, "dr.own", OWN)

    assert client.get(reverse("doctors:dashboard")).status_code == 200


def test_a_password_a_superuser_sets_in_django_admin_is_changed_at_the_next_sign_in(client, new_doctor, make_user):
    Doctor.objects.filter(pk=new_doctor.pk).update(must_change_password=False)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    client.post(f"/admin/auth/user/{new_doctor.user.pk}/password/", {"password1": OWN, "password2": OWN})
    client.logout()

    sign_in(client, "dr.amir", OWN)

    assert client.get(reverse("doctors:dashboard"))["Location"] == reverse("doctor-password-change")
