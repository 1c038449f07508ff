"""Moving a doctor to another department or deactivating them, from the panel and from Django admin: refused
while they have a patient, and the bookings only they held are released."""

from datetime import time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from adminpanel import services as panel_services
from adminpanel.analytics import doctor_performance
from adminpanel.models import AuditLog
from conftest import requires_postgresql
from doctors.models import Doctor
from notifications.models import Notification
from patients import services
from patients.models import Appointment, Queue
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def django_admin(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def panel_edit(client, doctor, department):
    return client.post(
        reverse("adminpanel:doctor-edit", args=[doctor.pk]), {"department": department.pk, "is_active": "on"}
    )


def django_admin_edit(client, doctor, department, is_active=True):
    return client.post(
        reverse("admin:doctors_doctor_change", args=[doctor.pk]),
        {
            "user": doctor.user.pk,
            "department": department.pk,
            "specialization": "",
            "room": "",
            "availability": doctor.availability,
            "language": "",
            **({"is_active": "on"} if is_active else {}),
        },
    )


@pytest.fixture
def doctor_with_a_patient(make_department, make_doctor, make_token):
    general = make_department(name="General", code="GEN")
    doctor = make_doctor(department=general)
    entry = make_token(general)
    services.call_patient(entry=entry, doctor=doctor)
    doctor.token = entry.token
    return doctor


def test_the_panel_keeps_a_doctor_with_a_called_patient_in_their_department_and_active(
    admin_client, doctor_with_a_patient, make_department
):
    doctor, general = doctor_with_a_patient, doctor_with_a_patient.department

    response = panel_edit(admin_client, doctor, make_department(name="Dermatology", code="DERM"))

    assert response.status_code == 400
    assert doctor.token in " ".join(response.context["form"].errors["department"])
    confirmation = admin_client.get(reverse("adminpanel:doctor-deactivate", args=[doctor.pk]))
    assert doctor.token in confirmation.context["refusal"]
    assert 'name="confirmed"' not in confirmation.content.decode()
    response = admin_client.post(reverse("adminpanel:doctor-deactivate", args=[doctor.pk]))
    assert response.status_code == 302
    assert any(doctor.token in str(message) for message in get_messages(response.wsgi_request))
    doctor.refresh_from_db()
    assert doctor.department == general and doctor.is_active


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["panel", "django admin"])
def test_a_doctor_deactivated_while_calling_is_left_with_no_patient(
    department, make_doctor, make_token, django_admin, at_once, slow_patient_check, where
):
    doctor = make_doctor(department=department)
    make_token(department)

    def deactivate():
        """The words of a refusal, or None when the doctor was deactivated."""
        if where == "django admin":
            response = django_admin_edit(django_admin, doctor, department, is_active=False)
            return None if response.status_code == 302 else response.content.decode()
        try:
            panel_services.save_doctor(
                instance=Doctor.objects.get(pk=doctor.pk),
                changes={"is_active": False},
                action="doctor.deactivated",
                actor=None,
            )
        except ValidationError as refusal:
            return " ".join(refusal.messages)

    refusal, call = at_once(deactivate, lambda: services.call_next(doctor=doctor))

    doctor.refresh_from_db()
    if doctor.is_active:
        # The call went first: the deactivation waited for it, found the patient and was refused.
        assert call.doctor_id == doctor.pk and call.status == Queue.Status.CALLED
        assert "CARD-001" in refusal
    else:
        # The deactivation went first: the call waited for it and was refused.
        assert refusal is None
        assert str(call) == f"{doctor} no longer sees patients in Cardiology."
        assert not Queue.objects.filter(doctor=doctor).exists()


def test_the_refusal_offers_only_what_the_dashboard_can_do_with_the_token(
    admin_client, doctor_with_a_patient, make_department
):
    doctor = doctor_with_a_patient
    services.start_consultation(entry=Queue.objects.get(doctor=doctor))

    response = panel_edit(admin_client, doctor, make_department(name="Dermatology", code="DERM"))

    refusal = " ".join(response.context["form"].errors["department"])
    assert "complete the consultation" in refusal and "no-show" not in refusal


def test_django_admin_keeps_a_doctor_with_a_called_patient_in_their_department(
    django_admin, doctor_with_a_patient, make_department
):
    response = django_admin_edit(django_admin, doctor_with_a_patient, make_department(name="Dermatology", code="DERM"))

    assert response.status_code == 200
    assert doctor_with_a_patient.token in " ".join(response.context["adminform"].form.errors["department"])
    assert Doctor.objects.get(pk=doctor_with_a_patient.pk).department == doctor_with_a_patient.department


def tomorrows_booking(clinic):
    return book(clinic, at(time(13), timezone.localdate() + timedelta(days=1)))


def test_deactivating_a_doctor_cancels_the_bookings_only_they_held_and_tells_the_patients(
    clinic, admin_client, django_capture_on_commit_callbacks, tasks_run_inline
):
    appointment = tomorrows_booking(clinic)
    confirmation = admin_client.get(reverse("adminpanel:doctor-deactivate", args=[clinic.doctor.pk]))
    assert "the other doctors of Clinic cannot take are cancelled" in confirmation.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("adminpanel:doctor-deactivate", args=[clinic.doctor.pk]))

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert Notification.objects.filter(appointment=appointment, event="booking_cancelled").exists()


@pytest.mark.parametrize("edit", [panel_edit, django_admin_edit], ids=["panel", "django admin"])
def test_moving_a_doctor_cancels_the_bookings_only_they_held(clinic, make_department, admin_client, make_user, edit):
    appointment = tomorrows_booking(clinic)
    if edit is django_admin_edit:
        admin_client.force_login(make_user(is_staff=True, is_superuser=True))

    response = edit(admin_client, clinic.doctor, make_department(name="Dermatology", code="DERM"))

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


@pytest.mark.parametrize(
    "delete_url",
    [
        lambda doctor: reverse("admin:doctors_doctor_delete", args=[doctor.pk]),
        # Their account: deleting it deletes the doctor with it.
        lambda doctor: reverse("admin:auth_user_delete", args=[doctor.user.pk]),
    ],
    ids=["doctor", "account"],
)
def test_django_admin_deletes_no_doctor_with_a_called_patient(django_admin, doctor_with_a_patient, delete_url):
    # Deleted, the doctor would leave their token called with no doctor: on the boards as being served, on no
    # dashboard, and their department's line one doctor short in its estimate.
    url = delete_url(doctor_with_a_patient)

    response = django_admin.post(url, {"post": "yes"})

    assert response.status_code == 200
    assert f"is still with token {doctor_with_a_patient.token}" in response.content.decode()
    assert Doctor.objects.filter(pk=doctor_with_a_patient.pk).exists()
    assert Queue.objects.get(token_number=1, department=doctor_with_a_patient.department).doctor_id == (
        doctor_with_a_patient.pk
    )


def test_django_admin_deletes_a_doctor_with_no_patient(django_admin, make_doctor):
    doctor = make_doctor()

    django_admin.post(reverse("admin:doctors_doctor_delete", args=[doctor.pk]), {"post": "yes"})

    assert not Doctor.objects.filter(pk=doctor.pk).exists()


@pytest.mark.parametrize(
    "delete_url",
    [
        lambda doctor: reverse("admin:doctors_doctor_delete", args=[doctor.pk]),
        lambda doctor: reverse("admin:auth_user_delete", args=[doctor.user.pk]),
    ],
    ids=["doctor", "account"],
)
def test_django_admin_deletes_no_doctor_whose_patients_the_reports_count(
    django_admin, make_doctor, make_token, delete_url
):
    # Deleted, the doctor's past tokens would keep no doctor, and every report's figures per doctor would lose them.
    doctor = make_doctor()
    entry = make_token(doctor.department)
    services.call_patient(entry=entry, doctor=doctor)
    services.start_consultation(entry=entry)
    services.complete_consultation(entry=entry)

    response = django_admin.post(delete_url(doctor), {"post": "yes"})

    assert response.status_code == 200
    assert "has 1 patient on record" in response.content.decode()
    assert Queue.objects.get(pk=entry.pk).doctor_id == doctor.pk
    today = timezone.localdate()
    assert [row.seen for row in doctor_performance(start=today, end=today)] == [1]


@pytest.mark.parametrize(
    "delete_url",
    [
        lambda doctor: reverse("admin:doctors_doctor_delete", args=[doctor.pk]),
        lambda doctor: reverse("admin:auth_user_delete", args=[doctor.user.pk]),
    ],
    ids=["doctor", "account"],
)
def test_django_admin_deleting_a_doctor_cancels_the_bookings_only_they_held_and_tells_the_patients(
    clinic, django_admin, django_capture_on_commit_callbacks, tasks_run_inline, delete_url
):
    # As deactivating them does: deleted, the doctor left their bookings on slots nobody works, the patients never
    # told (and reminded of them), to come to a line with no doctor for them.
    appointment = tomorrows_booking(clinic)

    with django_capture_on_commit_callbacks(execute=True):
        django_admin.post(delete_url(clinic.doctor), {"post": "yes"})

    assert not Doctor.objects.filter(pk=clinic.doctor.pk).exists()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert Notification.objects.filter(appointment=appointment, event="booking_cancelled").exists()


@pytest.mark.parametrize(
    "signed_in, edit, status, errors_of",
    [
        ("admin_client", panel_edit, 400, lambda response: response.context["form"].errors),
        ("django_admin", django_admin_edit, 200, lambda response: response.context["adminform"].form.errors),
    ],
    ids=["panel", "django admin"],
)
def test_no_doctor_is_moved_to_an_inactive_department(
    request, make_doctor, make_department, signed_in, edit, status, errors_of
):
    doctor = make_doctor()
    closed = make_department(name="Dermatology", code="DERM", is_active=False)

    response = edit(request.getfixturevalue(signed_in), doctor, closed)

    assert response.status_code == status
    assert "department" in errors_of(response)
    assert Doctor.objects.get(pk=doctor.pk).department == doctor.department


@pytest.mark.parametrize(
    "signed_in, url, form_of",
    [
        ("admin_client", "adminpanel:doctor-edit", lambda response: response.context["form"]),
        ("django_admin", "admin:doctors_doctor_change", lambda response: response.context["adminform"].form),
    ],
    ids=["panel", "django admin"],
)
def test_the_doctor_edit_forms_offer_only_active_departments_and_the_doctors_own(
    request, make_doctor, make_department, signed_in, url, form_of
):
    doctor = make_doctor()
    make_department(name="Dermatology", code="DERM", is_active=False)
    open_department = make_department(name="Radiology", code="RAD")

    page = request.getfixturevalue(signed_in).get(reverse(url, args=[doctor.pk]))
    offered = form_of(page).fields["department"].queryset

    assert set(offered) == {doctor.department, open_department}


@pytest.mark.parametrize(
    "signed_in, edit",
    [("admin_client", panel_edit), ("django_admin", django_admin_edit)],
    ids=["panel", "django admin"],
)
def test_a_doctor_of_a_department_made_inactive_since_can_still_be_edited(request, make_doctor, signed_in, edit):
    doctor = make_doctor()
    doctor.department.is_active = False
    doctor.department.save(update_fields=["is_active"])

    response = edit(request.getfixturevalue(signed_in), doctor, doctor.department)

    assert response.status_code == 302


def test_no_doctor_is_created_in_an_inactive_department(make_department, make_user):
    closed = make_department(name="Dermatology", code="DERM", is_active=False)

    with pytest.raises(ValidationError) as refusal:
        panel_services.create_doctor(
            username="dr.new",
            password="a long enough password 1",
            first_name="Ana",
            last_name="Ruiz",
            department=closed,
            actor=make_user(is_staff=True, is_superuser=True),
        )

    assert "department" in refusal.value.message_dict
    assert not Doctor.objects.filter(user__username="dr.new").exists()


def test_an_availability_changed_in_django_admin_is_audited_and_shown_as_the_dashboards_change(
    django_admin, make_doctor, monkeypatch, django_capture_on_commit_callbacks
):
    doctor = make_doctor(availability=Doctor.Availability.AVAILABLE)
    published = []
    monkeypatch.setattr(
        "doctors.services.broadcasts.publish_department_change", lambda **change: published.append(change)
    )
    form = {
        "user": doctor.user.pk,
        "department": doctor.department.pk,
        "specialization": "",
        "room": "Room 9",
        "availability": Doctor.Availability.ON_BREAK,
        "language": "",
        "is_active": "on",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = django_admin.post(reverse("admin:doctors_doctor_change", args=[doctor.pk]), form)

    assert response.status_code == 302
    assert Doctor.objects.get(pk=doctor.pk).availability == Doctor.Availability.ON_BREAK
    availability_row = AuditLog.objects.get(action="doctor.availability")
    assert availability_row.after == {"availability": Doctor.Availability.ON_BREAK}
    generic_row = AuditLog.objects.get(action="django_admin.updated")
    assert generic_row.after == {"room": "Room 9"}
    assert "availability" in [change["event"] for change in published]


def test_a_doctor_deactivated_or_reactivated_in_django_admin_is_audited_as_the_panels(django_admin, make_doctor):
    doctor = make_doctor()

    django_admin_edit(django_admin, doctor, doctor.department, is_active=False)
    django_admin_edit(django_admin, doctor, doctor.department, is_active=True)

    rows = list(AuditLog.objects.filter(object_type="doctor").order_by("pk").values_list("action", "after"))
    assert rows == [("doctor.deactivated", {"is_active": False}), ("doctor.reactivated", {"is_active": True})]
