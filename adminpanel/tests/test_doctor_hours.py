"""A panel administrator sets a doctor's weekly hours: a new hospital's doctors are bookable and counted on duty
without each of them signing in first to type their own."""

import pytest
from django.urls import reverse

from adminpanel.models import AuditLog
from doctors.tests.test_schedule import page_rows

pytestmark = pytest.mark.django_db


def hours_page(doctor):
    return reverse("adminpanel:doctor-hours", args=[doctor.pk])


def test_a_panel_admin_sets_a_doctors_weekly_hours_from_the_doctors_list(admin_client, make_doctor):
    doctor = make_doctor()
    assert hours_page(doctor) in admin_client.get(reverse("adminpanel:doctors")).content.decode()

    response = admin_client.post(hours_page(doctor), page_rows(("0", "09:00", "13:00"), ("0", "14:00", "17:00")))

    assert response.status_code == 302
    assert [str(interval) for interval in doctor.schedule.all()] == ["Monday 09:00 to 13:00", "Monday 14:00 to 17:00"]
    page = admin_client.get(hours_page(doctor)).content.decode()
    assert f"Weekly hours of {doctor}" in page
    assert 'value="14:00"' in page
    assert AuditLog.objects.get(action="doctor.schedule").actor.username == "manager"


def test_hours_that_overlap_are_refused_beside_the_row_and_nothing_is_saved(admin_client, make_doctor):
    doctor = make_doctor()

    response = admin_client.post(hours_page(doctor), page_rows(("2", "09:00", "12:00"), ("2", "11:00", "13:00")))

    assert response.status_code == 400
    assert "overlaps 09:00 to 12:00" in response.context["form"].forms[1].errors["starts_at"][0]
    assert not doctor.schedule.exists()


def test_a_doctor_cannot_set_another_doctors_hours_on_the_panel(client, make_doctor):
    doctor = make_doctor()
    client.force_login(make_doctor().user)

    response = client.post(hours_page(doctor), page_rows(("0", "09:00", "13:00")))

    assert response.status_code == 403
    assert not doctor.schedule.exists()
