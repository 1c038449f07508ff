"""The panel's appointments page (bookings per day, closed days, absences) and the appointment reports."""

import re
from datetime import time, timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from adminpanel.analytics import appointment_figures
from adminpanel.models import AuditLog, SystemConfiguration
from doctors.models import DoctorAbsence, DoctorSchedule
from notifications.models import Notification
from patients import appointments, services
from patients.models import Appointment, ClosedDay, Queue
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture
from patients.tests.page_forms import PageForms

pytestmark = pytest.mark.django_db


def test_appointments_page_counts_bookings_per_day(clinic, admin_client):
    book(clinic, at(time(13)))
    page = admin_client.get(reverse("adminpanel:appointments"))
    assert page.status_code == 200
    assert "Clinic" in page.content.decode()


def test_the_bookings_closed_days_and_live_queues_name_the_department_in_the_readers_language(clinic, admin_client):
    clinic.translations = {"es": {"name": "Consulta"}}
    clinic.save()
    book(clinic, at(time(13)))
    appointments.close_day(day=timezone.localdate() + timedelta(days=1), department=clinic)
    admin_client.cookies["django_language"] = "es"

    bookings = admin_client.get(reverse("adminpanel:appointments")).content.decode()
    queues = admin_client.get(reverse("adminpanel:queues")).content.decode()

    assert "<td>Consulta</td>" in bookings and " · Consulta</span>" in bookings
    assert '<h2 class="h5">Consulta <small' in queues
    assert "Clinic" not in bookings + queues


def test_closing_a_day_cancels_its_bookings_and_tells_the_patients(
    clinic, admin_client, django_capture_on_commit_callbacks, tasks_run_inline
):
    appointment = book(clinic, at(time(13)))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("adminpanel:close-day"),
            {
                "close_day-day": timezone.localdate().isoformat(),
                "close_day-reason": "Holiday",
                "close_day-agreed_cancellations": 1,
            },
        )
    assert response.status_code == 302
    assert ClosedDay.objects.get().department is None
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert Notification.objects.filter(appointment=appointment, event="booking_cancelled").exists()


def closing_question(response):
    html = response.content.decode()
    return re.search(r'id="closing-question">(.*?)</div>', html, re.S).group(1)


def closing_question_answer(response):
    """The fields the question's button sends."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', closing_question(response)))


def test_closing_a_day_with_bookings_asks_first_naming_how_many_it_cancels(clinic, admin_client):
    # The department left at "Whole hospital", or the wrong day picked, had cancelled every booking at once and
    # texted each patient; reopening the day does not bring them back.
    kept = [book(clinic, at(time(13))), book(clinic, at(time(13, 30)))]
    close = {"close_day-day": timezone.localdate().isoformat(), "close_day-reason": "Holiday"}

    asked = admin_client.post(reverse("adminpanel:close-day"), close)

    assert asked.status_code == 200 and not ClosedDay.objects.exists()
    assert {booking.status for booking in Appointment.objects.all()} == {Appointment.Status.BOOKED}
    question = closing_question(asked)
    assert (
        f"Closing {date_format(timezone.localdate(), 'D j M Y')} for the whole hospital cancels 2 bookings and "
        "texts their patients. Reopening the day later does not bring them back." in question
    )
    assert "Close the day and cancel 2 bookings" in question and "Keep it open" in question
    assert PageForms(asked.content.decode()).duplicate_ids() == []

    # A booking made while the admin read the question is asked about again.
    kept.append(book(clinic, at(time(14))))
    agreed = closing_question_answer(asked)
    assert agreed["close_day-agreed_cancellations"] == "2" and agreed["close_day-reason"] == "Holiday"
    asked_again = admin_client.post(reverse("adminpanel:close-day"), agreed)
    assert asked_again.status_code == 200 and "cancels 3 bookings" in asked_again.content.decode()

    closed = admin_client.post(reverse("adminpanel:close-day"), closing_question_answer(asked_again))
    assert closed.status_code == 302 and ClosedDay.objects.get().reason == "Holiday"
    assert {booking.status for booking in Appointment.objects.all()} == {Appointment.Status.CANCELLED}


def test_closing_today_with_patients_in_line_asks_first_naming_how_many_are_texted(
    clinic, admin_client, make_token, django_capture_on_commit_callbacks, tasks_run_inline
):
    waiting, skipped = make_token(clinic), make_token(clinic)
    services.cancel(entry=make_token(clinic))
    Queue.objects.filter(pk=skipped.pk).update(status=Queue.Status.SKIPPED, skipped_at=timezone.now())
    close = {"close_day-day": timezone.localdate().isoformat(), "close_day-department": clinic.pk}

    asked = admin_client.post(reverse("adminpanel:close-day"), close)

    assert asked.status_code == 200 and not ClosedDay.objects.exists()
    question = closing_question(asked)
    assert "2 patients still in line today are texted that it is closed and to ask at the desk." in question
    assert ">Close the day</button>" in question
    assert closing_question_answer(asked)["close_day-agreed_texts"] == "2"

    with django_capture_on_commit_callbacks(execute=True):
        closed = admin_client.post(reverse("adminpanel:close-day"), closing_question_answer(asked))
    assert closed.status_code == 302 and ClosedDay.objects.get().department == clinic
    told = Notification.objects.filter(event="closed_today").values_list("queue_entry", flat=True)
    assert sorted(told) == [waiting.pk, skipped.pk]


def test_closing_a_closed_day_again_says_it_already_was(clinic, admin_client):
    close = {"close_day-day": timezone.localdate().isoformat(), "close_day-department": clinic.pk}
    first = admin_client.post(reverse("adminpanel:close-day"), close, follow=True)
    assert "its booked patients are told" in first.content.decode()

    again = admin_client.post(reverse("adminpanel:close-day"), close)

    assert again.status_code == 400
    assert again.context["close_day_form"].errors["day"] == [
        f"{date_format(timezone.localdate())} is already closed for bookings."
    ]
    assert "its booked patients are told" not in again.content.decode()
    assert ClosedDay.objects.count() == 1


def test_a_bad_day_is_refused_naming_the_field(clinic, admin_client):
    response = admin_client.post(reverse("adminpanel:close-day"), {"close_day-day": "someday"})
    assert response.status_code == 400 and "day" in response.context["close_day_form"].errors
    assert not ClosedDay.objects.exists()


def test_an_earlier_day_is_not_closed_nor_taken_as_an_absence(clinic, admin_client):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    closed = admin_client.post(reverse("adminpanel:close-day"), {"close_day-day": yesterday})
    absent = admin_client.post(
        reverse("adminpanel:doctor-absence"), {"absence-doctor": clinic.doctor.pk, "absence-day": yesterday}
    )

    assert closed.status_code == 400
    assert "Choose today or a later day." in closed.context["close_day_form"].errors["day"]
    assert absent.status_code == 400 and "day" in absent.context["absence_form"].errors
    assert not ClosedDay.objects.exists() and not DoctorAbsence.objects.exists()


def test_a_doctors_absence_cancels_their_bookings(clinic, admin_client):
    appointment = book(clinic, at(time(13)))
    response = admin_client.post(
        reverse("adminpanel:doctor-absence"),
        {
            "absence-doctor": clinic.doctor.pk,
            "absence-day": timezone.localdate().isoformat(),
            "absence-agreed_cancellations": 1,
        },
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


@pytest.mark.parametrize(
    "with_the_doctor, what_to_do",
    [
        ("called", "an administrator returns the patient to the line under Live queues"),
        ("in_consultation", "an administrator ends the consultation under Live queues"),
    ],
)
def test_a_doctor_off_sick_with_a_patient_called_is_not_recorded_absent_today_until_the_patient_is_seen_to(
    clinic, admin_client, make_token, with_the_doctor, what_to_do
):
    """The absence went through and the patient stayed called to the absent doctor's room, on the boards as served
    and told nothing, while the rest of the line was texted that no doctor is expected back."""
    waiting_for_the_doctor = services.call_patient(entry=make_token(clinic), doctor=clinic.doctor)
    if with_the_doctor == "in_consultation":
        services.start_consultation(entry=waiting_for_the_doctor)
    absence = {"absence-doctor": clinic.doctor.pk, "absence-day": timezone.localdate().isoformat()}

    refused = admin_client.post(reverse("adminpanel:doctor-absence"), absence)

    assert refused.status_code == 400
    (refusal,) = refused.context["absence_form"].errors["doctor"]
    assert f"is still {'with' if with_the_doctor == 'called' else 'seeing'} token CLIN-001" in refusal
    assert what_to_do in refusal
    assert not DoctorAbsence.objects.exists()
    if with_the_doctor == "called":
        services.return_to_line(entry=waiting_for_the_doctor)
    else:
        services.end_consultation(entry=waiting_for_the_doctor)
    assert admin_client.post(reverse("adminpanel:doctor-absence"), absence).status_code == 302
    assert DoctorAbsence.objects.filter(doctor=clinic.doctor, day=timezone.localdate()).exists()


def test_a_doctor_with_a_patient_now_is_recorded_absent_on_a_day_to_come(clinic, admin_client, make_token):
    services.call_patient(entry=make_token(clinic), doctor=clinic.doctor)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    recorded = admin_client.post(
        reverse("adminpanel:doctor-absence"), {"absence-doctor": clinic.doctor.pk, "absence-day": tomorrow}
    )

    assert recorded.status_code == 302


def test_an_absence_that_cancels_bookings_asks_first_naming_how_many(clinic, admin_client, make_doctor):
    # The wrong doctor or day picked had cancelled their bookings at once and texted each patient; withdrawing the
    # absence does not bring them back. Only the bookings left without a doctor are counted.
    configuration = SystemConfiguration.load()
    configuration.appointment_walk_in_share_percent = 0
    configuration.save()
    colleague = make_doctor(department=clinic)
    DoctorSchedule.objects.create(
        doctor=colleague, weekday=timezone.localdate().weekday(), starts_at=time(13), ends_at=time(14)
    )
    kept = book(clinic, at(time(14)))
    for slot in (time(13), time(13), time(13, 30), time(13, 30)):
        book(clinic, at(slot))
    absence = {"absence-doctor": clinic.doctor.pk, "absence-day": timezone.localdate().isoformat()}

    asked = admin_client.post(reverse("adminpanel:doctor-absence"), absence)

    assert asked.status_code == 200 and not DoctorAbsence.objects.exists()
    question = re.search(r'id="absence-question">(.*?)</div>', asked.content.decode(), re.S).group(1)
    assert (
        f"Recording {clinic.doctor} absent on {date_format(timezone.localdate(), 'D j M Y')} cancels 3 bookings and "
        "texts their patients. Withdrawing the absence later does not bring them back." in question
    )
    assert "Record the absence and cancel 3 bookings" in question and "Keep the bookings" in question
    assert PageForms(asked.content.decode()).duplicate_ids() == []
    agreed = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', question))

    recorded = admin_client.post(reverse("adminpanel:doctor-absence"), agreed)

    assert recorded.status_code == 302 and DoctorAbsence.objects.get().doctor == clinic.doctor
    statuses = Appointment.objects.values_list("status", flat=True)
    assert sorted(statuses) == ["booked", "booked", "cancelled", "cancelled", "cancelled"]
    assert Appointment.objects.get(pk=kept.pk).status == Appointment.Status.CANCELLED


def test_a_day_closed_by_mistake_is_reopened_for_bookings_and_self_registration(clinic, admin_client):
    # Closed, a day stayed closed: no way back in the panel for a wrong day or department picked.
    booked = book(clinic, at(time(13)))
    tomorrow = timezone.localdate() + timedelta(days=1)
    closed = appointments.close_day(day=timezone.localdate(), department=clinic)
    appointments.close_day(day=tomorrow, department=clinic)
    assert not appointments.available_slots(department=clinic, day=timezone.localdate())

    page = admin_client.post(reverse("adminpanel:reopen-day", args=[closed.pk]), follow=True).content.decode()

    assert "is open again; the bookings its closing cancelled stay cancelled." in page
    assert list(ClosedDay.objects.values_list("day", flat=True)) == [tomorrow]
    assert appointments.available_slots(department=clinic, day=timezone.localdate())
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert AuditLog.objects.filter(action="appointments.day_reopened").exists()


def test_a_doctors_absence_is_withdrawn_and_their_hours_give_slots_again(clinic, admin_client):
    tomorrow = timezone.localdate() + timedelta(days=1)
    absence = DoctorAbsence.objects.create(doctor=clinic.doctor, day=tomorrow)
    assert not appointments.available_slots(department=clinic, day=tomorrow)

    page = admin_client.post(reverse("adminpanel:withdraw-absence", args=[absence.pk]), follow=True).content.decode()

    assert "Absence withdrawn:" in page
    assert not DoctorAbsence.objects.exists()
    assert appointments.available_slots(department=clinic, day=tomorrow)
    assert AuditLog.objects.filter(action="doctor.absence_withdrawn", actor__username="manager").exists()


def test_reports_give_no_show_rate_punctuality_and_booked_versus_walk_in_waits(clinic, admin_client, clock, make_token):
    on_time = book(clinic, at(time(13)))
    missed = book(clinic, at(time(13, 30)))
    clock.move_to(at(time(12, 40)))
    walk_in = make_token(clinic)
    booked_entry = appointments.check_in(appointment=on_time)
    clock.move_to(at(time(13, 5)))
    services.call_patient(entry=booked_entry, doctor=clinic.doctor)  # waited 5 min from its slot
    services.start_consultation(entry=booked_entry)
    services.complete_consultation(entry=booked_entry)
    services.call_patient(entry=walk_in, doctor=clinic.doctor)  # waited 25 min from arrival
    clock.move_to(at(time(13, 45)))
    appointments.mark_no_shows()
    assert Appointment.objects.get(pk=missed.pk).status == Appointment.Status.NO_SHOW

    [row] = appointment_figures(start=timezone.localdate(), end=timezone.localdate())
    assert (row.bookings, row.checked_in, row.no_shows, row.no_show_rate) == (2, 1, 1, 0.5)
    assert (row.early, row.on_time, row.late, row.average_arrival_minutes) == (1, 0, 0, -20)
    assert (row.average_booked_wait_minutes, row.average_walk_in_wait_minutes) == (5, 25)
    admin_client.force_login(User.objects.get(username="manager"))  # the clock moved past the session's idle limit
    page = admin_client.get(reverse("adminpanel:reports")).content.decode()
    assert "50%" in page and "1 / 0 / 0" in page


def test_reports_count_a_booked_patient_transferred_to_another_department_among_the_booked_there(
    clinic, clock, make_department, make_doctor
):
    # Kept at their slot in the new line, their wait was counted from their arrival among the walk-ins'.
    neurology = make_department(name="Neurology", code="NEUR")
    booking = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 40)))
    moved = services.transfer(entry=appointments.check_in(appointment=booking), to_department=neurology)
    clock.move_to(at(time(13, 5)))
    services.call_patient(entry=moved, doctor=make_doctor(department=neurology))

    today = timezone.localdate()
    [there] = [row for row in appointment_figures(start=today, end=today) if row.department == neurology]
    assert (there.average_booked_wait_minutes, there.average_walk_in_wait_minutes) == (5, None)


def test_deactivating_a_department_cancels_its_bookings_to_come_and_tells_the_patients(
    clinic, admin_client, django_capture_on_commit_callbacks, tasks_run_inline
):
    appointment = book(clinic, at(time(13)))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/adminpanel/api/",
            {"action": "deactivate_department", "department": clinic.pk},
            content_type="application/json",
        )

    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert Notification.objects.filter(appointment=appointment, event="booking_cancelled").exists()


def test_a_departments_deactivation_says_first_how_many_bookings_it_cancels_and_texts(clinic, admin_client):
    """The confirmation page spoke of new patients, the boards and the patients waiting; the bookings to come, each
    cancelled and texted at once and not brought back by Reactivate, were not mentioned."""
    book(clinic, at(time(13)))
    book(clinic, at(time(14)))

    page = " ".join(admin_client.get(reverse("adminpanel:department-deactivate", args=[clinic.pk])).content.decode().split())

    assert (
        "2 bookings to come are cancelled and their patients texted; reactivating does not bring them back." in page
    )
    assert "leave the display boards once its patients of today have been called" in page


def test_the_close_day_and_absence_forms_label_their_own_fields(clinic, admin_client):
    page = PageForms(admin_client.get(reverse("adminpanel:appointments")).content.decode())

    assert page.duplicate_ids() == []
    assert page.labels_pointing_elsewhere() == {}
    assert len(page.form(reverse("adminpanel:doctor-absence")).label_targets) == 3


@pytest.mark.parametrize(
    "url_name, summary",
    [
        ("adminpanel:close-day", ['<a class="alert-link" href="#id_close_day-day">Day: Choose the day to close.</a>']),
        (
            "adminpanel:doctor-absence",
            [
                '<a class="alert-link" href="#id_absence-doctor">Doctor: Choose the doctor.</a>',
                '<a class="alert-link" href="#id_absence-day">Day: Choose the day of the absence.</a>',
            ],
        ),
    ],
)
def test_an_empty_close_day_or_absence_form_leads_with_its_own_error_summary(clinic, admin_client, url_name, summary):
    page = admin_client.post(reverse(url_name), {}).content.decode()

    assert page.count("data-error-summary") == 1
    for line in summary:
        assert line in page
    assert "This field is required." not in page
