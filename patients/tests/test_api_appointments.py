"""The appointments REST API: slots, booking (409 when the slot is gone), the booking, move, cancel, check-in.

Refusals, 400 or 409, name their field as DRF's validation errors do: {"slot": ["..."]}."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from notifications.models import Notification
from patients import appointments, hooks, services
from patients.models import Appointment, Patient, Queue
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture

pytestmark = pytest.mark.django_db


def booking_body(department, slot_start, phone="+14155550177"):
    return {
        "name": "Ravi Kumar",
        "phone": phone,
        "age": 61,
        "gender": "male",
        "department": department.pk,
        "slot": slot_start.isoformat(),
    }


def test_slots_list_the_free_seats(api_client, clinic):
    response = api_client.get(reverse("patients:api-slots"), {"department": clinic.pk, "day": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert [(parse_datetime(slot["start"]), slot["free"]) for slot in response.json()][:1] == [(at(time(13)), 1)]


def test_slots_name_the_bad_field(api_client, clinic):
    response = api_client.get(reverse("patients:api-slots"), {"department": clinic.pk, "day": "tomorrow"})
    assert response.status_code == 400 and "day" in response.json()


@pytest.mark.parametrize("typed", ["20261204", "2026-W49-5", "04/12/2026"])
def test_slots_refuse_a_day_not_written_yyyy_mm_dd(api_client, clinic, typed):
    response = api_client.get(reverse("patients:api-slots"), {"department": clinic.pk, "day": typed})

    assert response.status_code == 400
    assert response.json() == {"day": ["Enter the date as YYYY-MM-DD, e.g. 2026-03-10."]}


def last_booking_day():
    return timezone.localdate() + timedelta(days=hooks.hospital_settings().appointment_booking_days_ahead)


@pytest.mark.parametrize(
    "day_outside",
    [lambda today, last: today - timedelta(days=1), lambda today, last: last + timedelta(days=1),
     lambda today, last: date(9999, 12, 31)],
    ids=["yesterday", "after-the-last-day", "year-9999"],
)
def test_slots_refuse_a_day_outside_the_booking_window_naming_it(api_client, clinic, day_outside):
    today, last = timezone.localdate(), last_booking_day()
    day = day_outside(today, last)

    response = api_client.get(reverse("patients:api-slots"), {"department": clinic.pk, "day": day.isoformat()})

    assert response.status_code == 400
    assert response.json() == {"day": [f"Choose a day from {today.isoformat()} to {last.isoformat()}."]}


def test_slots_are_listed_up_to_the_last_day_open_to_booking(api_client, clinic):
    response = api_client.get(
        reverse("patients:api-slots"), {"department": clinic.pk, "day": last_booking_day().isoformat()}
    )

    assert response.status_code == 200 and response.json()


def test_booking_answers_the_appointment_and_a_taken_slot_answers_409_naming_the_slot(api_client, clinic):
    response = api_client.post(reverse("patients:api-book"), booking_body(clinic, at(time(13))), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "booked" and body["manage_path"].endswith(f"{body['id']}/")

    second = api_client.post(
        reverse("patients:api-book"), booking_body(clinic, at(time(13)), phone="+14155550178"), format="json"
    )
    assert second.status_code == 409
    assert list(second.json()) == ["slot"] and "just been booked" in second.json()["slot"][0]


def test_booking_a_time_that_is_no_slot_is_a_400_naming_the_slot(api_client, clinic):
    response = api_client.post(reverse("patients:api-book"), booking_body(clinic, at(time(13, 5))), format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["slot"] and all(isinstance(problem, str) for problem in response.json()["slot"])


@pytest.mark.parametrize("typed", ["9999-12-31T23:59", "9999-12-31T23:59:59.999999"])
def test_a_slot_past_the_calendar_once_in_utc_is_a_400_naming_the_slot(api_client, clinic, settings, typed):
    # Without an offset the time is the hospital's; behind UTC, 9999-12-31 23:59 there is past year 9999 in UTC.
    settings.TIME_ZONE = "America/New_York"
    appointment = book(clinic, at(time(13)))

    booked = api_client.post(
        reverse("patients:api-book"), {**booking_body(clinic, at(time(14))), "slot": typed}, format="json"
    )
    moved = api_client.post(
        reverse("patients:api-reschedule", args=[appointment.public_id]), {"slot": typed}, format="json"
    )

    for refused in (booked, moved):
        assert refused.status_code == 400 and refused.json() == {"slot": ["Datetime value out of range."]}
    assert Appointment.objects.get().slot_start == appointment.slot_start


def test_a_booking_does_not_move_to_another_day_where_the_phone_already_has_one(api_client, clinic):
    tomorrow = timezone.localdate() + timedelta(days=1)
    book(clinic, at(time(13), tomorrow), phone="+14155550136")
    today = book(clinic, at(time(14)), phone="+14155550136")

    moved = api_client.post(
        reverse("patients:api-reschedule", args=[today.public_id]),
        {"slot": at(time(13, 30), tomorrow).isoformat()},
        format="json",
    )

    assert moved.status_code == 400 and list(moved.json()) == ["slot"]
    assert Appointment.objects.get(pk=today.pk).slot_start == at(time(14))
    assert Appointment.objects.filter(slot_start__date=tomorrow, status=Appointment.Status.BOOKED).count() == 1


def test_moving_a_booking_to_the_time_it_already_holds_is_refused_as_that_not_as_taken(api_client, clinic):
    appointment = book(clinic, at(time(13)))

    moved = api_client.post(
        reverse("patients:api-reschedule", args=[appointment.public_id]),
        {"slot": at(time(13)).isoformat()},
        format="json",
    )

    assert moved.status_code == 400 and "already at this time" in moved.json()["slot"][0]
    assert Appointment.objects.get(pk=appointment.pk).slot_start == at(time(13))


def test_move_cancel_and_check_in_through_the_api(api_client, clinic, clock):
    appointment = book(clinic, at(time(13)))
    moved = api_client.post(
        reverse("patients:api-reschedule", args=[appointment.public_id]), {"slot": at(time(13, 30)).isoformat()}, format="json"
    )
    assert moved.status_code == 200 and parse_datetime(moved.json()["slot_start"]) == at(time(13, 30))

    clock.move_to(at(time(13, 20)))
    checked_in = api_client.post(reverse("patients:api-check-in"), {"code": appointment.booking_code.lower()}, format="json")
    assert checked_in.status_code == 201 and checked_in.json()["status"] == "waiting"
    again = api_client.post(reverse("patients:api-check-in"), {"code": appointment.booking_code}, format="json")
    assert again.status_code == 400 and "code" in again.json()

    shown = api_client.get(reverse("patients:api-appointment", args=[appointment.public_id])).json()
    assert shown["status"] == "checked_in" and shown["arrival"] == "early" and shown["status_path"]

    cancelled = api_client.post(reverse("patients:api-cancel", args=[appointment.public_id]), format="json")
    assert cancelled.status_code == 400
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CHECKED_IN


@pytest.mark.parametrize(
    "body, content_type, status", [("garbage", "application/json", 400), ("garbage", "text/plain", 415)]
)
def test_a_cancellation_with_a_body_that_is_not_json_leaves_the_booking_booked(
    api_client, clinic, body, content_type, status
):
    appointment = book(clinic, at(time(13)))

    response = api_client.generic(
        "POST", reverse("patients:api-cancel", args=[appointment.public_id]), body, content_type=content_type
    )

    assert response.status_code == status and "detail" in response.json()
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED


def test_a_cancellation_without_a_body_or_with_an_empty_object_cancels(api_client, clinic):
    without_body, with_empty_object = book(clinic, at(time(13))), book(clinic, at(time(13, 30)))

    api_client.post(reverse("patients:api-cancel", args=[without_body.public_id]))
    api_client.post(reverse("patients:api-cancel", args=[with_empty_object.public_id]), {}, format="json")

    assert set(Appointment.objects.values_list("status", flat=True)) == {Appointment.Status.CANCELLED}


def test_a_cancellation_that_sends_a_field_is_refused_naming_it_and_leaves_the_booking_booked(api_client, clinic):
    # {"confirm": false} cancelled the booking all the same, where a token's "leave the line" refuses it.
    appointment = book(clinic, at(time(13)))

    cancel = reverse("patients:api-cancel", args=[appointment.public_id])
    refused = api_client.post(cancel, {"confirm": False}, format="json")

    assert refused.status_code == 400 and list(refused.json()) == ["confirm"]
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED


def test_a_known_phone_booking_itself_is_sent_the_booking_instead_of_shown_it(api_client, client, clinic, make_patient):
    make_patient(name="On File", phone="+14155550177")
    response = api_client.post(reverse("patients:api-book"), booking_body(clinic, at(time(13))), format="json")
    assert response.status_code == 202 and response.json()["phone"].endswith("0177")
    appointment = Appointment.objects.get()
    assert appointment.patient.name == "On File"  # the stored details are not changed by whoever typed the number

    tomorrow = timezone.localdate() + timedelta(days=1)
    page = client.post(
        f"{reverse('patients:book')}?department={clinic.pk}&day={tomorrow.isoformat()}",
        {**booking_body(clinic, at(time(13), day=tomorrow)), "age": "40", "notes": ""},
        follow=True,
    )
    assert "sent your appointment and a link to manage it" in page.content.decode()
    assert "0177" in page.content.decode() and Appointment.objects.count() == 2


def test_a_stranger_learns_nothing_from_booking_a_phone_that_already_has_a_booking_that_day(
    api_client, clinic, django_capture_on_commit_callbacks, tasks_run_inline
):
    held = book(clinic, at(time(13)), phone="+14155550123", notes="")

    with django_capture_on_commit_callbacks(execute=True):
        again = api_client.post(
            reverse("patients:api-book"),
            {**booking_body(clinic, at(time(13, 30)), phone="+14155550123"), "notes": "stranger's words"},
            format="json",
        )

    # The answer of any booking by a known phone: the booking is sent to the phone, not shown, and unchanged.
    assert again.status_code == 202 and again.json()["phone"].endswith("0123")
    assert list(Appointment.objects.values_list("pk", "slot_start", "notes")) == [(held.pk, at(time(13)), "")]
    resent = Notification.objects.filter(appointment=held, idempotency_key__contains="booking_repeated")
    assert resent.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(
            reverse("patients:api-book"), booking_body(clinic, at(time(14)), phone="+14155550123"), format="json"
        )
    assert resent.count() == 1  # once per window, however often the number is typed


def test_a_phone_booking_itself_holds_only_so_many_bookings_to_come(api_client, clinic, settings):
    settings.BOOKING_MAX_OPEN_PER_PHONE = 2
    for days_ahead in range(2):
        day = timezone.localdate() + timedelta(days=days_ahead)
        assert api_client.post(
            reverse("patients:api-book"), booking_body(clinic, at(time(13), day), phone="+14155550124"), format="json"
        ).status_code in (201, 202)

    third = api_client.post(
        reverse("patients:api-book"),
        booking_body(clinic, at(time(13), timezone.localdate() + timedelta(days=2)), phone="+14155550124"),
        format="json",
    )

    assert third.status_code == 400 and list(third.json()) == ["phone"]
    assert Appointment.objects.count() == 2
    # Reception staff booking for the patient are not limited.
    assert book(clinic, at(time(13), timezone.localdate() + timedelta(days=2)), phone="+14155550124").pk


def test_the_notes_of_whoever_books_a_known_phone_do_not_reach_its_doctor(api_client, clinic, make_patient):
    make_patient(name="On File", phone="+14155550125")

    api_client.post(
        reverse("patients:api-book"),
        {**booking_body(clinic, at(time(13)), phone="+14155550125"), "notes": "Patient is violent"},
        format="json",
    )

    assert Appointment.objects.get().notes == ""


def test_a_phone_at_its_limit_gets_one_answer_whether_or_not_it_has_a_booking_that_day(api_client, clinic, settings):
    settings.BOOKING_MAX_OPEN_PER_PHONE = 1
    book(clinic, at(time(13)), phone="+14155550126")
    tomorrow = timezone.localdate() + timedelta(days=1)

    that_day = api_client.post(
        reverse("patients:api-book"), booking_body(clinic, at(time(13, 30)), phone="+14155550126"), format="json"
    )
    another_day = api_client.post(
        reverse("patients:api-book"), booking_body(clinic, at(time(13), tomorrow), phone="+14155550126"), format="json"
    )

    assert (that_day.status_code, that_day.json()) == (another_day.status_code, another_day.json())


def test_a_full_slot_gets_one_answer_whatever_the_phone_holds(api_client, clinic, make_patient):
    book(clinic, at(time(13, 30)), phone="+14155550127")  # the phone has a booking that day
    book(clinic, at(time(13)))  # and the 13:00 slot is full
    make_patient(phone="+14155550128")

    answers = [
        api_client.post(reverse("patients:api-book"), booking_body(clinic, at(time(13)), phone=phone), format="json")
        for phone in ("+14155550127", "+14155550128", "+14155550129")
    ]

    assert {(answer.status_code, str(answer.json())) for answer in answers} == {(409, str(answers[0].json()))}


def test_checking_in_oneself_on_a_token_already_held_sends_it_to_the_phone_instead_of_showing_it(
    api_client, clinic, clock
):
    appointment = book(clinic, at(time(13)), phone="+14155550130")
    services.register_visit(
        department=clinic, name="Booked Patient", phone="+14155550130", age=50, gender="female", self_service=True
    )
    clock.move_to(at(time(12, 55)))

    answer = api_client.post(reverse("patients:api-check-in"), {"code": appointment.booking_code}, format="json")

    assert answer.status_code == 202 and answer.json()["phone"].endswith("0130")
    assert "token" not in answer.json() and "status_url" not in answer.json()
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CHECKED_IN


@pytest.mark.parametrize(
    "typed",
    [
        lambda appointment: f"{appointment.booking_code[:4]} {appointment.booking_code[4:]}",
        lambda appointment: f" {appointment.booking_code[:4]}-{appointment.booking_code[4:]}".lower(),
        lambda appointment: f"HTTPS://SMARTQUEUE.EXAMPLE{appointment.get_absolute_url()}".upper(),
    ],
    ids=["code in two groups", "code with a dash", "link scanned in capitals"],
)
def test_a_code_typed_in_groups_or_a_link_scanned_in_capitals_checks_in(api_client, clinic, clock, typed):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 55)))

    answer = api_client.post(reverse("patients:api-check-in"), {"code": typed(appointment)}, format="json")

    assert answer.status_code == 201
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CHECKED_IN


@pytest.mark.parametrize(
    "code",
    [
        "appointments/------------------------------------",
        "APPOINTMENTS/12345678-1234-1234-1234-1234567890AB-FF",
        "https://x/patients/appointments/0000000000000000000000000000000000-0/",
        "appointments/12345678-1234-1234-1234-1234567890ab-ff",
    ],
)
def test_a_link_shaped_code_that_names_no_booking_is_a_400_naming_the_code(api_client, clinic, code):
    response = api_client.post(reverse("patients:api-check-in"), {"code": code}, format="json")

    assert response.status_code == 400 and list(response.json()) == ["code"]


def test_a_booking_checked_in_on_a_token_its_patient_already_held_does_not_lead_to_that_token(
    api_client, client, clinic, clock
):
    """Whoever booked with a phone is not shown the token its owner registered (sent only to the phone)."""
    appointment = book(clinic, at(time(13)), phone="+14155550178")
    services.register_visit(department=clinic, name="Vera Owner", phone="+14155550178", age=40, gender="female")
    clock.move_to(at(time(12, 55)))

    checked_in = api_client.post(reverse("patients:api-check-in"), {"code": appointment.booking_code}, format="json")

    assert checked_in.status_code == 202
    shown = api_client.get(reverse("patients:api-appointment", args=[appointment.public_id])).json()
    assert shown["status"] == "checked_in" and shown["status_path"] is None
    page = client.get(appointment.get_absolute_url()).content.decode()
    assert "Follow token" not in page and "on the token you already held" in page
    assert Appointment.objects.get(pk=appointment.pk).queue_entry is not None


def test_a_refused_check_in_says_what_to_do_next(api_client, clinic):
    tomorrow = timezone.localdate() + timedelta(days=1)
    appointment = book(clinic, at(time(13), tomorrow))

    refused = api_client.post(reverse("patients:api-check-in"), {"code": appointment.booking_code}, format="json")

    assert refused.status_code == 400
    [problem] = refused.json()["code"]
    assert problem.startswith("This appointment is on ") and "come back that day, or ask at the desk" in problem


def test_yesterdays_missed_booking_is_refused_as_past_rather_than_sending_the_patient_back_to_its_day(
    api_client, clinic, clock
):
    # Missed yesterday, the patient scanned its code this morning and was told "please come back that day".
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(13, 30)))
    appointments.mark_no_shows()
    clock.move_to(at(time(9), timezone.localdate() + timedelta(days=1)))

    refused = api_client.post(reverse("patients:api-check-in"), {"code": appointment.booking_code}, format="json")

    assert refused.status_code == 400
    [problem] = refused.json()["code"]
    assert problem.startswith("This appointment was on ") and "which has passed. Please book another time" in problem
    assert "come back" not in problem


def test_a_booking_missed_before_its_day_was_closed_is_not_checked_in_there_by_the_patient(
    api_client, clinic, clock, make_user
):
    # Missed at 13:00, the booking was not cancelled by the closing at 13:15 (only bookings still booked are): the
    # kiosk then checked it in, as a walk-in, to a line that refuses every walk-in registering themselves today.
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(13, 15)))
    appointments.mark_no_shows()
    appointments.close_day(day=timezone.localdate(), department=clinic, reason="Flood", agreed_cancellations=0)
    check_in = reverse("patients:api-check-in")

    refused = api_client.post(check_in, {"code": appointment.booking_code}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {"code": ["Clinic is closed today (Flood). Please ask at the reception desk."]}
    assert not Queue.objects.filter(department=clinic).exists()
    api_client.force_authenticate(make_user(is_superuser=True))
    assert api_client.post(check_in, {"code": appointment.booking_code}, format="json").status_code == 201


def test_a_booking_moves_by_its_manage_link_only_so_many_times_and_the_desk_is_not_limited(
    api_client, client, clinic, settings, make_doctor
):
    """Eighth attack run: whoever booked with a stranger's new number held its manage link and moved the booking
    through every slot of the day, each move a text to that phone."""
    settings.BOOKING_MAX_MOVES = 2
    appointment = book(clinic, at(time(13)))
    link = reverse("patients:api-reschedule", args=[appointment.public_id])
    for slot in (time(13, 30), time(14)):
        assert api_client.post(link, {"slot": at(slot).isoformat()}, format="json").status_code == 200
    texts = Notification.objects.count()

    refused = api_client.post(link, {"slot": at(time(13)).isoformat()}, format="json")
    page = client.post(appointment.get_absolute_url(), {"action": "reschedule", "slot": at(time(13)).isoformat()})

    assert refused.status_code == 400 and "ask at the reception desk" in refused.json()["slot"][0]
    assert page.status_code == 400 and "ask at the reception desk" in page.content.decode()
    # The page no longer offers the move, and says why.
    shown = client.get(appointment.get_absolute_url()).content.decode()
    assert 'value="reschedule"' not in shown and "ask at the reception desk" in shown
    assert Appointment.objects.get(pk=appointment.pk).slot_start == at(time(14))
    assert Notification.objects.count() == texts
    api_client.force_login(make_doctor().user)  # reception staff
    assert api_client.post(link, {"slot": at(time(13)).isoformat()}, format="json").status_code == 200


def registration_body(department, phone):
    """A registration of the booking's patient (booking_body without the slot)."""
    booking = booking_body(department, at(time(13)), phone=phone)
    return {field: value for field, value in booking.items() if field != "slot"}


def test_the_desk_registering_a_booked_patient_late_through_the_api_checks_them_in_as_a_walk_in(
    api_client, clinic, clock
):
    appointment = book(clinic, at(time(13)), phone="+14155550178")
    clock.move_to(at(time(13, 20)))  # after the 10 minutes' grace
    api_client.force_authenticate(clinic.doctor.user)

    response = api_client.post(
        reverse("patients:api-register"),
        registration_body(clinic, phone="+14155550178"),
        format="json",
    )

    checked_in = Appointment.objects.get(pk=appointment.pk)
    assert response.status_code == 201
    assert (checked_in.status, checked_in.arrival) == (Appointment.Status.CHECKED_IN, Appointment.Arrival.LATE)
    assert checked_in.queue_entry.token == response.json()["token"] and checked_in.queue_entry.due_at is None
    assert response.json()["appointment"]["booking_code"] == appointment.booking_code
    assert response.json()["detail"].startswith("Checked in for the 1 p.m. booking, after its grace period")


def test_the_desk_registering_a_booked_patient_on_time_through_the_api_gives_the_token_the_slot_s_place(
    api_client, clinic, clock, make_token
):
    appointment = book(clinic, at(time(13)), phone="+14155550179")
    clock.move_to(at(time(13, 1)))
    walk_in_after_the_slot = make_token(clinic)
    clock.move_to(at(time(13, 5)))
    api_client.force_authenticate(clinic.doctor.user)

    response = api_client.post(
        reverse("patients:api-register"),
        registration_body(clinic, phone="+14155550179"),
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["position"], response.json()["appointment"]["arrival"]) == (1, "on_time")
    assert Appointment.objects.get(pk=appointment.pk).queue_entry.due_at == appointment.slot_start
    assert Queue.objects.get(pk=walk_in_after_the_slot.pk).status == Queue.Status.WAITING


@pytest.mark.parametrize("missed", [False, True], ids=["kept", "missed"])
def test_a_booked_number_registered_through_the_api_gets_a_known_phone_s_answer_and_nothing_is_put_in_line(
    api_client, clinic, clock, make_patient, django_capture_on_commit_callbacks, tasks_run_inline, missed
):
    appointment = book(clinic, at(time(13)), phone="+14155550180")
    make_patient(phone="+14155560180")  # the same last four digits: the same masked number in the answer
    clock.move_to(at(time(13, 20)) if missed else at(time(12, 40)))
    appointments.mark_no_shows()
    register = reverse("patients:api-register")

    with django_capture_on_commit_callbacks(execute=True):
        booked = api_client.post(register, registration_body(clinic, phone="+14155550180"), format="json")
    known = api_client.post(register, registration_body(clinic, phone="+14155560180"), format="json")

    assert (booked.status_code, booked.json()) == (known.status_code, known.json())
    assert booked.status_code == 202
    appointment.refresh_from_db()
    assert appointment.status == (Appointment.Status.NO_SHOW if missed else Appointment.Status.BOOKED)
    assert not Queue.objects.filter(patient=appointment.patient).exists()
    # The booking and its code again, as to a known phone booking that day; a missed booking's message ("your
    # appointment is on", move or cancel it) no longer fits, and its no-show message said what to do.
    resent = Notification.objects.filter(appointment=appointment, idempotency_key__contains="booking_repeated")
    assert resent.count() == (0 if missed else 1)


def test_a_booked_number_registered_before_its_check_in_opens_gets_a_known_phone_s_answer_and_nothing_is_put_in_line(
    api_client, clinic, clock, make_patient, django_capture_on_commit_callbacks, tasks_run_inline
):
    """Before its check-in opened (12:30 for 13:00), whoever typed a booked number was given a walk-in token for it,
    texted to the patient: the patient was put in line, to be called and marked a no-show before arriving, and the
    booking later checked in on that token (nineteenth attack run)."""
    appointment = book(clinic, at(time(13)), phone="+14155550183")
    make_patient(phone="+14155560183")
    clock.move_to(at(time(11)))
    register = reverse("patients:api-register")

    with django_capture_on_commit_callbacks(execute=True):
        booked = api_client.post(register, registration_body(clinic, phone="+14155550183"), format="json")
    known = api_client.post(register, registration_body(clinic, phone="+14155560183"), format="json")

    assert booked.status_code == 202
    assert (booked.status_code, booked.json()) == (known.status_code, known.json())
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED
    assert not Queue.objects.filter(patient=appointment.patient).exists()
    resent = Notification.objects.filter(appointment=appointment, idempotency_key__contains="booking_repeated")
    assert resent.count() == 1


def test_the_desk_still_registers_a_booked_patient_who_came_before_the_check_in_opened_as_a_walk_in(
    api_client, clinic, clock
):
    appointment = book(clinic, at(time(13)), phone="+14155550184")
    clock.move_to(at(time(11)))
    api_client.force_authenticate(clinic.doctor.user)

    response = api_client.post(
        reverse("patients:api-register"), registration_body(clinic, phone="+14155550184"), format="json"
    )

    assert response.status_code == 201
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED
    assert Queue.objects.get(patient=appointment.patient).token == response.json()["token"]


def test_the_desk_registering_a_missed_booking_s_patient_through_the_api_still_checks_them_in(
    api_client, clinic, clock
):
    appointment = book(clinic, at(time(13)), phone="+14155550181")
    clock.move_to(at(time(13, 20)))
    appointments.mark_no_shows()
    api_client.force_authenticate(clinic.doctor.user)

    response = api_client.post(
        reverse("patients:api-register"), registration_body(clinic, phone="+14155550181"), format="json"
    )

    checked_in = Appointment.objects.get(pk=appointment.pk)
    assert response.status_code == 201
    assert (checked_in.status, checked_in.arrival) == (Appointment.Status.CHECKED_IN, Appointment.Arrival.LATE)
    assert checked_in.queue_entry.token == response.json()["token"]


def test_slots_refuse_a_parameter_given_twice_naming_it(api_client, clinic):
    day = timezone.localdate().isoformat()

    response = api_client.get(reverse("patients:api-slots"), {"department": [clinic.pk, clinic.pk + 1], "day": day})

    assert response.status_code == 400
    assert response.json() == {"department": ['"department" is given more than once.']}


@pytest.mark.parametrize(("given", "kept"), [({}, "es"), ({"language": "hi"}, "hi")])
def test_the_desk_booking_through_the_api_sets_a_known_patients_language_only_when_it_gives_one(
    api_client, clinic, make_patient, given, kept
):
    make_patient(phone="+14155550179", language="es")
    api_client.force_authenticate(clinic.doctor.user)

    response = api_client.post(
        reverse("patients:api-book"),
        {**booking_body(clinic, at(time(13)), phone="+14155550179"), **given},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 201
    assert Patient.objects.get(phone="+14155550179").language == kept
