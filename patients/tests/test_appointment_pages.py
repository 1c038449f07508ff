"""Booking on a phone, the manage link (QR, .ics, move, cancel, check in) and the lobby kiosk with its ticket."""

import html
import ipaddress
import re
from datetime import time, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import pgettext
from icalendar import Calendar

from adminpanel.models import SystemConfiguration
from doctors.models import Doctor, DoctorSchedule
from doctors.services import set_availability
from notifications.models import Notification
from patients import appointments, kiosk_urls, services
from patients import urls as patient_urls
from patients.models import Appointment, ClosedDay, Department, Patient, Queue
from patients.tests.appointment_helpers import at, book, clinic  # noqa: F401 - clinic is a fixture
from patients.tests.page_forms import PageForms

pytestmark = pytest.mark.django_db


def configure(**fields):
    configuration = SystemConfiguration.load()
    for name, value in fields.items():
        setattr(configuration, name, value)
    configuration.save()


def details(**fields):
    return {"name": "Mei Lin", "phone": "+14155550190", "age": "33", "gender": "female", "notes": "", **fields}


def test_booking_page_offers_free_times_and_books_one(client, clinic):
    day = timezone.localdate().isoformat()
    page = client.get(reverse("patients:book"), {"department": clinic.pk, "day": day})
    assert page.status_code == 200
    assert "13:00" in page.content.decode() and "14:30" not in page.content.decode()

    response = client.post(
        f"{reverse('patients:book')}?department={clinic.pk}&day={day}",
        details(department=clinic.pk, slot=at(time(13, 30)).isoformat()),
    )
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response.url == appointment.get_absolute_url()
    assert appointment.slot_start == at(time(13, 30)) and appointment.patient.name == "Mei Lin"


def test_a_link_naming_only_the_department_shows_its_first_day(client, clinic):
    page = client.get(reverse("patients:book"), {"department": clinic.pk})
    assert page.status_code == 200 and "13:00" in page.content.decode()


def test_a_department_in_the_address_not_open_to_booking_is_a_400_naming_it(client, clinic):
    page = client.get(reverse("patients:book"), {"department": "x"})
    assert page.status_code == 400
    assert "department" in page.context["department_day"].errors


@pytest.mark.parametrize(
    "day, note",
    [
        ("yesterday", "has passed: the times shown are today's."),
        ("2026-02-30", "The day in the link is not open to booking: the times shown are today's."),
        ("9999-12-31", "The day in the link is not open to booking: the times shown are today's."),
    ],
)
def test_a_link_naming_a_day_that_cannot_be_booked_shows_todays_times_and_says_so(client, clinic, day, note):
    # A "book again" text names the cancelled booking's day; read the day after, that day has passed.
    if day == "yesterday":
        day = (timezone.localdate() - timedelta(days=1)).isoformat()

    page = client.get(reverse("patients:book"), {"department": clinic.pk, "day": day})

    assert page.status_code == 200
    assert page.context["department_day"].cleaned_data["day"] == timezone.localdate()
    assert note in html.unescape(page.content.decode())
    assert re.findall(r'for="id_slot_\d">([^<]*)</label>', page.content.decode())


def test_a_link_naming_a_day_open_to_booking_shows_that_days_times(client, clinic):
    tomorrow = timezone.localdate() + timedelta(days=1)

    page = client.get(reverse("patients:book"), {"department": clinic.pk, "day": tomorrow.isoformat()})

    assert page.status_code == 200 and page.context["department_day"].cleaned_data["day"] == tomorrow
    assert "The day in the link" not in page.content.decode()


def test_a_department_not_chosen_is_summed_up_and_focused_as_every_refused_form_is(client, clinic):
    page = client.get(reverse("patients:book"), {"department": ""}).content.decode()

    summary = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", page, re.S)
    assert summary and "autofocus" in summary.group(0)
    assert re.findall(r'<a class="alert-link" href="#(id_\w+)">', summary.group(1)) == ["id_department"]


def test_a_refused_check_in_says_so_in_the_title_and_takes_the_focus(client, clinic):
    tomorrow = at(time(13, 0)) + timedelta(days=1)
    booking = book(clinic, tomorrow)

    page = client.post(booking.get_absolute_url(), {"action": "check_in"}).content.decode()

    assert re.search(r"<title>Could not be done · Your appointment · SmartQueue</title>", page)
    assert re.search(r'<div class="alert alert-danger" role="alert" tabindex="-1" autofocus>', page)


def test_a_cancelled_bookings_link_says_so_in_its_title_and_heading(client, clinic):
    booking = book(clinic, at(time(13, 0)))
    appointments.cancel_appointment(appointment=booking, actor=None, ip_address=None)

    page = client.get(booking.get_absolute_url()).content.decode()

    assert "<title>Appointment cancelled · SmartQueue</title>" in page
    assert '<h1 class="h3 mb-3">Appointment cancelled</h1>' in page


def test_booking_a_slot_taken_meanwhile_says_so_beside_the_time(client, clinic, monkeypatch):
    day = timezone.localdate().isoformat()
    page_url = f"{reverse('patients:book')}?department={clinic.pk}&day={day}"
    response = client.post(page_url, details(department=clinic.pk, slot=at(time(13, 15)).isoformat()))
    assert response.status_code == 400
    assert "Choose one of the times offered" in response.content.decode()

    # Shown free, and full by the time the page's answer comes back: said as taken, not as "not offered".
    full = book(clinic, at(time(13, 30)))
    response = client.post(page_url, details(department=clinic.pk, slot=full.slot_start.isoformat()))
    assert response.status_code == 409
    assert "This time has just been taken" in response.content.decode()

    # Shown free, booked by someone else before this patient pressed the button.
    shown = appointments.available_slots(department=clinic, day=timezone.localdate())
    book(clinic, at(time(13)))
    monkeypatch.setattr(appointments, "available_slots", lambda **query: shown)
    response = client.post(page_url, details(department=clinic.pk, slot=at(time(13)).isoformat()))
    assert response.status_code == 409
    assert "just been booked by someone else" in response.content.decode()


def test_manage_page_shows_the_code_and_a_qr_code_and_moves_and_cancels(client, clinic):
    appointment = book(clinic, at(time(13)))
    page = client.get(appointment.get_absolute_url()).content.decode()
    assert appointment.booking_code in page and "<svg" in page

    client.post(appointment.get_absolute_url(), {"action": "reschedule", "slot": at(time(14)).isoformat()})
    appointment.refresh_from_db()
    assert appointment.slot_start == at(time(14))
    client.post(appointment.get_absolute_url(), {"action": "cancel", "confirm": "yes"})
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def focused_status(page):
    """The text of the role=status message that takes the focus when the page opens, or None."""
    found = re.search(r'<div class="alert alert-success" role="status" tabindex="-1" autofocus>([^<]*)</div>', page)
    return found and found.group(1)


def test_cancelling_asks_first_and_keeping_it_keeps_it(client, clinic):
    appointment = book(clinic, at(time(13)))

    question = client.post(appointment.get_absolute_url(), {"action": "cancel"})

    page = question.content.decode()
    appointment.refresh_from_db()
    assert question.status_code == 200 and appointment.status == Appointment.Status.BOOKED
    time_shown = timezone.localtime(at(time(13))).strftime("%H:%M")
    assert re.search(rf'<h2 [^>]*autofocus>Cancel your appointment on [^<]*{time_shown}\?</h2>', page)
    assert re.search(r'<input type="hidden" name="confirm" value="yes">\s*<button[^>]*>Yes, cancel</button>', page)
    assert f'<a class="btn btn-outline-secondary" href="{appointment.get_absolute_url()}">Keep it</a>' in page
    # The same include as the status page's "Leave the line" (test_line_actions).
    assert "_confirm_step.html" in [template.name for template in question.templates]


def test_asking_to_cancel_a_booking_cancelled_meanwhile_says_so_at_once_rather_than_asking(client, clinic):
    appointment = book(clinic, at(time(13)))
    appointments.cancel_appointment(appointment=appointment)

    question = client.post(appointment.get_absolute_url(), {"action": "cancel"})

    page = question.content.decode()
    assert question.status_code == 400 and "Yes, cancel" not in page
    assert "This appointment is cancelled and can no longer change." in page


def test_the_manage_page_offers_to_move_and_cancel_as_the_services_checks_allow(client, clinic, monkeypatch):
    appointment = book(clinic, at(time(13)))

    def refuse(*args, **kwargs):
        raise appointments.BookingError("Refused by the service.")

    monkeypatch.setattr(appointments, "check_cancellable", refuse)
    monkeypatch.setattr(appointments, "check_movable", refuse)
    page = client.get(appointment.get_absolute_url()).content.decode()

    assert "Cancel the appointment" not in page and "Move to this time" not in page
    assert "<p>Refused by the service.</p>" in page


def test_a_cancel_or_a_move_is_said_on_the_page_it_returns_to(client, clinic):
    appointment = book(clinic, at(time(13)))

    moved = client.post(
        appointment.get_absolute_url(), {"action": "reschedule", "slot": at(time(14)).isoformat()}, follow=True
    )
    assert re.fullmatch(r"Your appointment is moved to .*14:00\.", focused_status(moved.content.decode()) or "")

    cancelled = client.post(appointment.get_absolute_url(), {"action": "cancel", "confirm": "yes"}, follow=True)
    assert focused_status(cancelled.content.decode()) == "Your appointment is cancelled."
    # Said once: reloading the page does not say it again.
    assert focused_status(client.get(appointment.get_absolute_url()).content.decode()) is None
    # A visitor's message waits in a cookie: saying it made no session on the server.
    assert not Session.objects.exists()


def test_calendar_file_holds_the_slot(client, clinic):
    appointment = book(clinic, at(time(13)))
    response = client.get(reverse("patients:appointment-calendar", args=[appointment.public_id]))
    assert response["Content-Type"].startswith("text/calendar")
    event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
    assert event.decoded("dtstart") == at(time(13))
    assert event.decoded("dtend") == at(time(13, 30))
    assert appointment.booking_code in str(event.get("description"))


def test_calendar_file_of_a_moved_or_cancelled_booking_is_a_later_revision_of_the_same_event(client, clinic):
    appointment = book(clinic, at(time(13)))

    def calendar_event():
        response = client.get(reverse("patients:appointment-calendar", args=[appointment.public_id]))
        event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
        return str(event["uid"]), event.decoded("sequence")

    booked = calendar_event()
    appointments.reschedule_appointment(appointment=appointment, slot_start=at(time(13, 30)))
    moved = calendar_event()
    appointments.reschedule_appointment(appointment=appointment, slot_start=at(time(13)))
    moved_back = calendar_event()
    appointments.cancel_appointment(appointment=appointment)
    cancelled = calendar_event()

    assert len({uid for uid, _sequence in (booked, moved, moved_back, cancelled)}) == 1
    assert [sequence for _uid, sequence in (booked, moved, moved_back, cancelled)] == [0, 1, 2, 3]


def test_the_patients_own_link_checks_in_within_the_window(client, clinic, clock):
    appointment = book(clinic, at(time(13)))
    assert "check me in" not in client.get(appointment.get_absolute_url()).content.decode()
    clock.move_to(at(time(12, 40)))
    assert "check me in" in client.get(appointment.get_absolute_url()).content.decode()
    response = client.post(appointment.get_absolute_url(), {"action": "check_in"})
    entry = Queue.objects.get()
    assert response.status_code == 302 and response.url == entry.get_absolute_url()


def scanned_qr_payload(appointment, client):
    """What a scanner reading the manage page's QR code types: the manage link (the page encodes exactly that)."""
    return "http://testserver" + appointment.get_absolute_url()


def test_kiosk_checks_in_a_scanned_qr_code_and_prints_a_ticket(client, clinic, clock):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 55)))
    kiosk = reverse("kiosk:start", args=["site"])
    assert client.get(kiosk).status_code == 200

    response = client.post(kiosk, {"action": "check_in", "code": scanned_qr_payload(appointment, client)})
    entry = Queue.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("kiosk:ticket", args=["site", entry.public_id])
    assert entry.due_at == appointment.slot_start

    ticket = client.get(response.url).content.decode()
    assert entry.token in ticket and clinic.name in ticket and "<svg" in ticket
    # Said on arrival: what happened, what to do now, and what the time on the ticket is.
    assert 'role="status" tabindex="-1" autofocus' in ticket
    assert "You are checked in for your appointment." in ticket and "Please take a seat." in ticket
    assert "Arrived " in ticket
    # A kiosk that does not exist has no tickets either, nor one department's kiosk another department's.
    assert client.get(reverse("kiosk:ticket", args=["nope", entry.public_id])).status_code == 404
    Department.objects.create(name="Dermatology", code="DERM")
    assert client.get(reverse("kiosk:ticket", args=["derm", entry.public_id])).status_code == 404
    assert client.get(reverse("kiosk:ticket", args=[clinic.code.lower(), entry.public_id])).status_code == 200


def test_a_booked_patient_checking_in_late_at_the_kiosk_is_told_their_place_counts_from_their_arrival(
    client, clinic, clock
):
    on_time, late = book(clinic, at(time(13))), book(clinic, at(time(13, 30)))
    kiosk = reverse("kiosk:start", args=["site"])
    said = "You came after your appointment's time, so your place in line counts from your arrival."

    clock.move_to(at(time(13, 5)))
    on_time_ticket = client.get(client.post(kiosk, {"action": "check_in", "code": on_time.booking_code}).url)
    clock.move_to(at(time(13, 45)))
    late_ticket = client.get(client.post(kiosk, {"action": "check_in", "code": late.booking_code}).url)

    assert said not in on_time_ticket.content.decode()
    assert said in late_ticket.content.decode()
    assert "You are checked in for your appointment." in late_ticket.content.decode()


def test_a_ticket_its_patient_is_done_with_is_not_shown_again_on_that_kiosk(client, clinic, clock):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 55)))
    kiosk = reverse("kiosk:start", args=["site"])
    ticket_url = client.post(kiosk, {"action": "check_in", "code": scanned_qr_payload(appointment, client)}).url
    ticket = client.get(ticket_url).content.decode()
    done = re.search(r'href="([^"]+)" data-kiosk-start-over', ticket)[1]
    assert done == re.search(r'data-kiosk-start="([^"]+)"', ticket)[1]

    started_over = client.get(done)
    # Back to the ticket, where a tap on "Done" before the page's script ran leaves it in the history.
    back = client.get(ticket_url)

    assert (started_over.status_code, started_over.url) == (302, kiosk)
    assert (back.status_code, back.url) == (302, kiosk)
    # A start-over naming no ticket, or something that is none, still starts over.
    assert client.get(reverse("kiosk:start-over", args=["site"]), {"done": "x" * 500}).status_code == 302


def test_every_ticket_a_kiosks_patients_were_done_with_stays_hidden_not_only_the_last(client, clinic, clock):
    """Eighteenth attack run: the kiosk forgot a ticket as soon as the next patient was done, and Back past the next
    patient's ticket showed the one before, its QR code the status link that takes its patient out of line."""
    slots = [at(time(hour, minute)) for hour, minute in ((13, 0), (13, 30), (14, 0))]
    bookings = [book(clinic, slot, phone=f"+1415555018{number}") for number, slot in enumerate(slots)]
    kiosk = reverse("kiosk:start", args=["site"])
    tickets = []
    for booking in bookings:
        clock.move_to(booking.slot_start - timedelta(minutes=5))
        ticket_url = client.post(kiosk, {"action": "check_in", "code": booking.booking_code}).url
        done = re.search(r'href="([^"]+)" data-kiosk-start-over', client.get(ticket_url).content.decode())[1]
        client.get(html.unescape(done))
        tickets.append(ticket_url)

    for ticket_url in tickets:
        back = client.get(ticket_url)
        assert (back.status_code, back.get("Location")) == (302, kiosk)


def typed_fields(page):
    fields = re.findall(r"<(?:input|textarea)\b[^>]*>", page)
    return {re.search(r'name="(\w+)"', field)[1]: field for field in fields if 'type="hidden"' not in field}


@pytest.mark.parametrize("site", ["site", "card"])
def test_the_kiosk_asks_its_browser_to_keep_nothing_a_patient_types_for_the_next(client, clinic, site):
    """Eighteenth attack run: the walk-in form asked the lobby's one browser to remember names and numbers
    (autocomplete="name", "tel"), which it then offered to the next patient tapping the field."""
    clinic.code = "CARD"
    clinic.save()
    typed = typed_fields(client.get(reverse("kiosk:start", args=[site])).content.decode())

    assert set(typed) >= {"code", "name", "phone", "age", "notes"}
    for field in typed.values():
        assert 'autocomplete="off"' in field, field


def test_the_desk_asks_its_browser_to_keep_nothing_typed_and_a_patients_phone_fills_in_its_owner(
    client, clinic, clock
):
    own_phone = typed_fields(client.get(reverse("patients:register")).content.decode())
    client.force_login(clinic.doctor.user)
    desk = [
        typed_fields(client.get(page).content.decode())
        for page in (reverse("patients:register"), reverse("patients:book") + f"?department={clinic.pk}")
    ]

    assert 'autocomplete="tel"' in own_phone["phone"] and 'autocomplete="name"' in own_phone["name"]
    for page in desk:
        assert set(page) >= {"name", "phone", "age"}
        for field in page.values():
            assert 'autocomplete="off"' in field, field


def test_the_qr_code_on_the_manage_page_encodes_the_link_the_kiosk_reads(client, clinic, monkeypatch):
    import segno

    encoded = []
    real_make = segno.make
    monkeypatch.setattr(segno, "make", lambda content, **options: encoded.append(content) or real_make(content, **options))
    appointment = book(clinic, at(time(13)))
    client.get(appointment.get_absolute_url())
    assert encoded == [scanned_qr_payload(appointment, client)]
    assert appointments.find_booking(encoded[0]) == appointment


def test_a_department_kiosk_refuses_another_departments_code_saying_whose_it_is(
    client, clinic, make_department, clock
):
    # Told "No appointment here has this code. Please check it", the patient typed the right code again and again.
    other = make_department(name="Eyes", code="EYE")
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 55)))
    response = client.post(reverse("kiosk:start", args=[other.code]), {"action": "check_in", "code": appointment.booking_code})
    assert response.status_code == 400
    assert f"This booking is for {clinic.name}: please check in at its kiosk" in response.content.decode()
    assert not Queue.objects.exists()


def test_kiosk_gives_a_walk_in_a_token(client, clinic):
    response = client.post(
        reverse("kiosk:start", args=[clinic.code]), {"action": "walk_in", **details(department=clinic.pk)}
    )
    entry = Queue.objects.get()
    assert response.url == reverse("kiosk:ticket", args=[clinic.code, entry.public_id])


@pytest.mark.parametrize("posted", [{"action": "bogus"}, {}], ids=["unknown-action", "no-action"])
def test_a_kiosk_post_of_no_known_action_says_what_to_do(client, clinic, posted):
    response = client.post(reverse("kiosk:start", args=[clinic.code]), posted)

    assert response.status_code == 400
    page = response.content.decode()
    assert "We could not tell what you asked for." in page and 'role="alert"' in page
    assert "<title>Could not be done · Check in · SmartQueue</title>" in page
    assert Queue.objects.count() == 0


def test_a_walk_in_with_a_phone_on_file_is_told_at_the_kiosk_where_the_token_went(client, clinic, register):
    register(into=clinic, phone="+14155550190")
    kiosk = reverse("kiosk:start", args=[clinic.code])

    response = client.post(kiosk, {"action": "walk_in", **details(department=clinic.pk)})

    assert response.status_code == 302 and response.url.startswith(reverse("kiosk:sent", args=[clinic.code]))
    page = client.get(response.url).content.decode()
    assert "your token and a link to follow your place" in page and "0190" in page and "5550190" not in page
    # The kiosk's own page: back to its start by itself and by a button, no way to the staff sign-in.
    start_over = reverse("kiosk:start-over", args=[clinic.code])
    assert f'data-kiosk-start="{start_over}"' in page and "js/kiosk.js" in page and f'href="{start_over}"' in page
    assert "/doctors/login/" not in page and "/adminpanel/login/" not in page


def kiosk_pages(client, clinic, register):
    """The kiosk's start page, a walk-in's ticket and a walk-in's sent-to-phone page, as HTML."""
    kiosk = reverse("kiosk:start", args=[clinic.code])
    ticket = client.post(kiosk, {"action": "walk_in", **details(department=clinic.pk)}).url
    register(into=clinic, phone="+14155550191")
    sent = client.post(kiosk, {"action": "walk_in", **details(department=clinic.pk, phone="+14155550191")}).url
    assert "/ticket/" in ticket and "/sent/" in sent
    return {url: client.get(url).content.decode() for url in [kiosk, ticket, sent]}


def test_every_kiosk_page_lets_a_patient_change_the_language(client, clinic, register):
    for url, page in kiosk_pages(client, clinic, register).items():
        assert f'action="{reverse("set_language")}"' in page, url
        assert 'id="language-select-kiosk"' in page and '<option value="ar" lang="ar"' in page, url
        assert f'name="next" value="{html.escape(url)}' in page, url


def test_every_kiosk_page_warns_before_it_starts_over_and_offers_more_time(client, clinic, register):
    for url, page in kiosk_pages(client, clinic, register).items():
        assert 'role="alertdialog"' in page and "Are you still there?" in page, url
        assert "I need more time" in page and "js/kiosk.js" in page, url


def test_the_kiosk_starts_over_in_the_sites_language_whatever_the_last_patient_chose(client, clinic, register, settings):
    pages = kiosk_pages(client, clinic, register)
    for page in pages.values():
        # The ticket's own naming it (test_a_ticket_its_patient_is_done_with_is_not_shown_again_on_that_kiosk).
        assert f'data-kiosk-start="{reverse("kiosk:start-over", args=[clinic.code])}' in page
    kiosk = reverse("kiosk:start", args=[clinic.code])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    assert 'lang="ar"' in client.get(kiosk).content.decode()

    # The idle reset or "Done": back to the start, the last patient's language forgotten.
    response = client.get(reverse("kiosk:start-over", args=[clinic.code]), HTTP_ACCEPT_LANGUAGE="hi")
    assert response.status_code == 302 and response.url == kiosk
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == 0
    page = client.get(kiosk, HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert f'lang="{settings.LANGUAGE_CODE}"' in page and "I have no appointment" in page

    # The next walk-in is registered, and texted, in the site's language.
    client.post(kiosk, {"action": "walk_in", **details(department=clinic.pk, phone="+14155550192")})
    assert Queue.objects.get(patient__phone="+14155550192").patient.language == settings.LANGUAGE_CODE


def test_the_kiosk_sent_page_shows_only_a_number_it_signed(client, clinic):
    response = client.get(reverse("kiosk:sent", args=[clinic.code]), {"to": "+1 ••• ••• •999"})
    assert response.status_code == 302 and response.url == reverse("kiosk:start", args=[clinic.code])


def test_an_unknown_kiosk_is_a_404(client, db):
    assert client.get(reverse("kiosk:start", args=["nowhere"])).status_code == 404


def test_a_kiosk_device_has_the_kiosk_rate_limit(client, clinic, monkeypatch, clock, settings):
    # The clock stopped: a limit's window (a minute here) cannot end between the requests.
    from rest_framework.throttling import SimpleRateThrottle

    settings.KIOSK_NETWORKS = [ipaddress.ip_network("127.0.0.1")]
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "kiosk", "2/min")
    kiosk = reverse("kiosk:start", args=["site"])
    answers = [client.post(kiosk, {"action": "check_in", "code": "NOSUCHCODE"}).status_code for _ in range(3)]
    assert answers == [400, 400, 429]


def test_pages_and_answers_reached_by_a_private_link_are_never_stored(client, clinic, clock):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 55)))
    entry = appointments.check_in(appointment=appointment)
    # As if the patient's id had been handed out with this visit (a booking's answer does not carry it).
    Queue.objects.filter(pk=entry.pk).update(listed_under_patient=True)
    private = [
        reverse("patients:registered", args=[entry.public_id]),
        entry.get_absolute_url(),
        reverse("patients:api-visit-status", args=[entry.public_id]),
        reverse("patients:api-patient-status", args=[entry.patient.public_id]),
        appointment.get_absolute_url(),
        reverse("patients:appointment-calendar", args=[appointment.public_id]),
        reverse("patients:api-appointment", args=[appointment.public_id]),
        reverse("kiosk:ticket", args=["site", entry.public_id]),
        # The kiosk's start page: Back on a shared screen must not show what the last patient typed.
        reverse("kiosk:start", args=["site"]),
    ]

    for url in private:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert "no-store" in answer["Cache-Control"] and "private" in answer["Cache-Control"], url
    refused = client.post(reverse("kiosk:start", args=["site"]), {"action": "walk_in", "name": "Mei Lin"})
    assert refused.status_code == 400 and "no-store" in refused["Cache-Control"]


def test_every_answer_at_a_private_link_and_every_patient_submission_is_never_stored(client, clinic, clock):
    """Every route whose address holds a private link (a token's, a patient's or a booking's id), for each method
    it takes, and the patients' posts whose answers carry one (a registration's status link): the status page's
    running late and leaving the line (POST .../late/, .../cancel/) and a booking's move and cancel by its manage
    link answered without Cache-Control, unlike the pages and answers listed above (seventeenth attack run)."""
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 55)))
    entry = appointments.check_in(appointment=appointment)
    ids = {"public_id": entry.public_id, "patient_id": entry.patient.public_id, "site": "site"}
    routes = [
        (f"{module.app_name}:{route.name}", str(route.pattern))
        for module in (patient_urls, kiosk_urls)
        for route in module.urlpatterns
        if "<uuid:" in str(route.pattern)
    ]
    assert len(routes) >= 11
    answers = []
    for name, pattern in routes:
        kwargs = {key: value for key, value in ids.items() if f":{key}>" in pattern}
        if "appointments" in pattern:
            kwargs["public_id"] = appointment.public_id
        url = reverse(name, kwargs=kwargs)
        answers += [(url, client.get(url)), (url, client.post(url, {}, content_type="application/json"))]
    registration = {"department": clinic.pk, "name": "Mei Lin", "phone": "+14155550177", "age": 30, "gender": "female"}
    answers.append(("register", client.post(reverse("patients:api-register"), registration, "application/json")))

    for url, answer in answers:
        if answer.status_code == 405:
            continue
        assert "no-store" in answer.get("Cache-Control", ""), (url, answer.status_code)
    assert answers[-1][1].status_code == 201


def error_summary(response):
    """The error summary's items as (link target or None, words), in the order the page lists them."""
    summary = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", response.content.decode(), re.S)
    assert summary, "no error summary"
    items = re.findall(r'<li>(?:<a class="alert-link" href="#(\w+)">)?([^<]*)', summary.group(1))
    return [(target or None, words) for target, words in items]


def test_a_refusal_of_the_whole_booking_is_listed_in_the_error_summary(client, clinic, monkeypatch):
    def refuse(**booking):
        raise appointments.AlreadyBooked("This phone number already has an appointment in Clinic that day.")

    monkeypatch.setattr(appointments, "book_appointment", refuse)
    day = timezone.localdate().isoformat()
    response = client.post(
        f"{reverse('patients:book')}?department={clinic.pk}&day={day}",
        details(department=clinic.pk, slot=at(time(13, 30)).isoformat()),
    )

    # Put on the hidden department field, which has nothing to move to: listed, not linked.
    assert error_summary(response) == [
        (None, "Department: This phone number already has an appointment in Clinic that day.")
    ]


def test_the_booking_error_summary_lists_the_time_first_as_the_page_does(client, clinic):
    day = timezone.localdate().isoformat()
    response = client.post(
        f"{reverse('patients:book')}?department={clinic.pk}&day={day}", details(department=clinic.pk, name="")
    )

    # The time is a radio group: the summary leads to its first choice.
    assert [(target, words.split(":")[0]) for target, words in error_summary(response)] == [
        ("id_slot_0", "Time"),
        ("id_name", "Name"),
    ]


def test_the_kiosk_walk_in_error_summary_lists_the_department_first_as_the_page_does(client, clinic):
    response = client.post(reverse("kiosk:start", args=["site"]), {"action": "walk_in", **details(name="")})

    assert [(target, words.split(":")[0]) for target, words in error_summary(response)] == [
        ("id_department", "Department"),
        ("id_name", "Name"),
    ]


def test_a_refused_kiosk_walk_in_focuses_its_error_summary_not_the_booking_code(client, clinic):
    page = client.post(reverse("kiosk:start", args=["site"]), {"action": "walk_in", **details(name="")})

    focused = re.findall(r'<[^>]*\bautofocus\b[^>]*>', page.content.decode())
    assert len(focused) == 1 and "id_code" not in focused[0]


def test_the_move_offers_the_other_times_of_the_day_as_one_group_naming_the_day(client, clinic):
    appointment = book(clinic, at(time(13)))

    page = client.get(appointment.get_absolute_url()).content.decode()

    [move] = [form for form in PageForms(page).forms if form.legends]
    assert move.legends == [f"Change the time ({date_format(timezone.localdate(), 'D j M')})"]
    assert move.label_targets == ["id_slot_0", "id_slot_1"]
    assert PageForms(page).labels_pointing_elsewhere() == {}
    # 13:00 is the booking's own time: moving there would change nothing.
    assert re.findall(r'for="id_slot_\d">([^<]*)</label>', page) == ["1:30 p.m.", "2 p.m."]


def test_the_moves_legend_names_the_day_in_the_pages_language(client, clinic):
    appointment = book(clinic, at(time(13)))
    client.cookies["django_language"] = "es"

    page = client.get(appointment.get_absolute_url()).content.decode()

    with translation.override("es"):
        day = date_format(timezone.localdate(), pgettext("date format", "D j M"))
    [legend] = [legend for form in PageForms(page).forms for legend in form.legends]
    assert f"({day})" in legend


def test_a_bookings_check_in_window_addresses_the_patient_in_arabic_as_every_other_patient_text(client, clinic):
    """Arabic patient pages address the reader in the plural of politeness ("موعدكم", "امسحوا"); the line under the
    booking's QR code switched to the familiar singular in the middle of the page ("سجّل وصولك … موعدك")."""
    appointment = book(clinic, at(time(13)))
    client.cookies["django_language"] = "ar"

    page = client.get(appointment.get_absolute_url()).content.decode()

    assert "سجّلوا وصولكم ابتداءً من" in page and "لا يُحفظ موعدكم" in page
    assert "وصولك " not in page and "موعدك:" not in page


def test_a_move_with_no_time_chosen_leads_with_an_error_summary_asking_for_a_new_time(client, clinic):
    appointment = book(clinic, at(time(13)))

    response = client.post(appointment.get_absolute_url(), {"action": "reschedule"})

    assert response.status_code == 400
    assert error_summary(response) == [("id_slot_0", "Time: Choose a new time.")]
    assert "This field is required." not in response.content.decode()


def test_the_manage_page_names_the_status_and_the_calendar_link_in_plain_words(client, clinic):
    page = client.get(book(clinic, at(time(13))).get_absolute_url()).content.decode()

    assert "<dt>Status</dt>" in page and "<dt>State</dt>" not in page
    assert ">Add to my calendar</a>" in page and "(.ics)" not in page


def test_an_empty_booking_or_kiosk_check_in_says_what_each_field_needs_in_words(client, clinic):
    day = timezone.localdate().isoformat()
    nothing_typed = {"name": "", "phone": "", "age": "", "gender": "female", "notes": ""}

    booking = client.post(f"{reverse('patients:book')}?department={clinic.pk}&day={day}", nothing_typed)
    check_in = client.post(reverse("kiosk:start", args=["site"]), {"action": "check_in", "code": ""})

    assert [words for _target, words in error_summary(booking)] == [
        "Time: Choose a time.",
        "Name: Enter your name.",
        "Phone: Enter your phone number.",
        "Age: Enter your age.",
        "Department: Choose a department.",
    ]
    # The check-in's one field keeps the focus, its error read with it.
    assert 'id="id_code_error">Scan your booking&#x27;s QR code, or type its code.<' in check_in.content.decode()


@pytest.mark.parametrize(
    "reason, said",
    [
        ("", "Clinic is closed on {day}. Please choose another day."),
        ("Holiday", "Clinic is closed on {day} (Holiday). Please choose another day."),
    ],
)
def test_a_closed_day_is_said_to_be_closed_not_to_have_no_free_times(client, clinic, reason, said):
    ClosedDay.objects.create(day=timezone.localdate(), department=clinic, reason=reason)

    page = client.get(reverse("patients:book"), {"department": clinic.pk, "day": timezone.localdate().isoformat()})

    status = re.search(r'<p class="alert alert-info" role="status">\s*([^<]*?)\s*</p>', page.content.decode())
    assert status and status.group(1) == said.format(day=date_format(timezone.localdate(), "D j M"))


def test_a_closed_days_reason_as_written_is_marked_in_the_sites_language_on_a_page_in_another(client, clinic):
    """The reason an admin gave for a closed day ("Staff training") is written in the site's language: on a booking
    page in Arabic it was read in the Arabic voice, inside the sentence, as the department's name beside it is not."""
    ClosedDay.objects.create(day=timezone.localdate(), department=clinic, reason="Staff training")

    page = client.get(reverse("patients:book"), {"department": clinic.pk, "day": timezone.localdate().isoformat()},
                      HTTP_ACCEPT_LANGUAGE="ar")

    assert '(<span lang="en" dir="ltr">Staff training</span>)' in page.content.decode()


def test_a_whole_hospital_closure_closes_the_department_too(client, clinic):
    ClosedDay.objects.create(day=timezone.localdate(), department=None)

    page = client.get(reverse("patients:book"), {"department": clinic.pk, "day": timezone.localdate().isoformat()})

    assert "Clinic is closed on" in page.content.decode()


# The desk's registration of a booked patient is their check-in (appointments.register_or_check_in).


def test_the_desk_registering_a_booked_patient_checks_them_in_at_the_booking_s_place_and_says_so(
    client, clinic, clock, make_token
):
    appointment = book(clinic, at(time(13)), phone="+14155550191")
    clock.move_to(at(time(13, 1)))
    walk_in_after_the_slot = make_token(clinic)
    clock.move_to(at(time(13, 3)))
    client.force_login(clinic.doctor.user)

    response = client.post(
        reverse("patients:register"),
        details(department=clinic.pk, phone="+14155550191", priority="normal"),
        follow=True,
    )

    checked_in = Appointment.objects.get(pk=appointment.pk)
    booked = checked_in.queue_entry
    assert (checked_in.status, checked_in.arrival) == (Appointment.Status.CHECKED_IN, Appointment.Arrival.ON_TIME)
    assert booked.due_at == appointment.slot_start
    in_line = Queue.objects.waiting().filter(department=clinic).in_service_order()
    assert [entry.pk for entry in in_line] == [booked.pk, walk_in_after_the_slot.pk]
    assert "Checked in for the 1 p.m. booking: the token takes the booking&#x27;s place in line." in (
        response.content.decode()
    )


# A stranger can type a booked patient's number: only whoever holds the booking (its code or link) checks it in, and
# the answer is any known phone's, so it does not tell that the number has a booking.


def _without_csrf(page):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.content.decode())


def _repeated_booking_messages(appointment):
    return Notification.objects.filter(appointment=appointment, idempotency_key__contains="booking_repeated")


def test_a_booked_number_registered_on_the_public_page_gets_a_known_phone_s_answer_and_the_booking_is_sent_again(
    client, clinic, clock, make_patient, django_capture_on_commit_callbacks, tasks_run_inline
):
    appointment = book(clinic, at(time(13)), phone="+14155550192")
    make_patient(phone="+14155560192")  # the same last four digits: the same masked number on the page
    clock.move_to(at(time(12, 40)))  # check-in opened at 12:30

    with django_capture_on_commit_callbacks(execute=True):
        booked = client.post(reverse("patients:register"), details(department=clinic.pk, phone="+14155550192"))
    known = client.post(reverse("patients:register"), details(department=clinic.pk, phone="+14155560192"))

    for answer in (booked, known):
        assert answer.status_code == 302 and answer.url.startswith(reverse("patients:registration-sent"))
    assert _without_csrf(client.get(booked.url)) == _without_csrf(client.get(known.url))
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED
    assert not Queue.objects.filter(patient=appointment.patient).exists()
    (message,) = _repeated_booking_messages(appointment)
    assert message.patient.phone == "+14155550192" and appointment.booking_code in message.body


@pytest.mark.parametrize("page", ["register", "kiosk"])
def test_a_booked_number_registered_before_its_check_in_opens_gets_a_known_phone_s_answer_and_no_walk_in_token(
    client, clinic, clock, make_patient, django_capture_on_commit_callbacks, tasks_run_inline, page
):
    appointment = book(clinic, at(time(13)), phone="+14155550185")
    make_patient(phone="+14155560185")
    clock.move_to(at(time(11)))  # check-in opens at 12:30
    if page == "register":
        address, sent, action = reverse("patients:register"), reverse("patients:registration-sent"), {}
    else:
        address, sent = reverse("kiosk:start", args=[clinic.code]), reverse("kiosk:sent", args=[clinic.code])
        action = {"action": "walk_in"}

    with django_capture_on_commit_callbacks(execute=True):
        booked = client.post(address, {**action, **details(department=clinic.pk, phone="+14155550185")})
    known = client.post(address, {**action, **details(department=clinic.pk, phone="+14155560185")})

    for answer in (booked, known):
        assert answer.status_code == 302 and answer.url.startswith(sent)
    assert _without_csrf(client.get(booked.url)) == _without_csrf(client.get(known.url))
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED
    assert not Queue.objects.filter(patient=appointment.patient).exists()
    assert _repeated_booking_messages(appointment).count() == 1


def test_a_booked_number_taking_a_walk_in_token_at_the_kiosk_gets_a_known_phone_s_answer_and_checks_nothing_in(
    client, clinic, clock, make_patient, django_capture_on_commit_callbacks, tasks_run_inline
):
    appointment = book(clinic, at(time(13)), phone="+14155550194")
    make_patient(phone="+14155560194")
    clock.move_to(at(time(13, 5)))
    client.cookies["django_language"] = "ar"  # picked on the kiosk
    kiosk = reverse("kiosk:start", args=[clinic.code])

    with django_capture_on_commit_callbacks(execute=True):
        booked = client.post(kiosk, {"action": "walk_in", **details(department=clinic.pk, phone="+14155550194")})
    known = client.post(kiosk, {"action": "walk_in", **details(department=clinic.pk, phone="+14155560194")})

    for answer in (booked, known):
        assert answer.status_code == 302 and answer.url.startswith(reverse("kiosk:sent", args=[clinic.code]))
    assert _without_csrf(client.get(booked.url)) == _without_csrf(client.get(known.url))
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED
    assert not Queue.objects.filter(patient=appointment.patient).exists()
    assert _repeated_booking_messages(appointment).count() == 1
    # Whoever holds the booking's code checks it in at the same kiosk.
    checked_in = client.post(kiosk, {"action": "check_in", "code": appointment.booking_code})
    assert checked_in.status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.CHECKED_IN


def _sent_page_words(page):
    return " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())


@pytest.mark.parametrize("where", ["register", "kiosk"])
def test_a_known_phones_answer_to_a_registration_is_true_of_a_booking_sent_as_of_a_token(
    client, clinic, clock, make_patient, where
):
    appointment = book(clinic, at(time(13)), phone="+14155550196")
    clock.move_to(at(time(12, 40)))
    form = details(department=clinic.pk, phone="+14155550196")
    if where == "kiosk":
        answer = client.post(reverse("kiosk:start", args=[clinic.code]), {"action": "walk_in", **form})
    else:
        answer = client.post(reverse("patients:register"), form)

    words = _sent_page_words(client.get(answer.url))

    assert not Queue.objects.filter(patient=appointment.patient).exists()  # a booking went to the phone, no token
    assert "your token and a link to follow your place, or your appointment today and how to check in" in words
    assert "We have sent your token" not in words


def test_the_answer_to_a_booking_sent_to_a_known_phone_speaks_of_the_appointment_not_a_token(
    client, clinic, make_patient
):
    make_patient(phone="+14155550197")
    day = timezone.localdate().isoformat()
    answer = client.post(
        f"{reverse('patients:book')}?department={clinic.pk}&day={day}",
        details(department=clinic.pk, phone="+14155550197", slot=at(time(13, 30)).isoformat()),
    )

    words = _sent_page_words(client.get(answer.url))

    assert "We have sent your appointment and a link to manage it to that phone." in words
    assert "they can find your appointment" in words and "give you your token" not in words


def test_a_department_given_twice_in_the_address_is_a_400_naming_it(client, clinic, make_department):
    other = make_department(name="Dermatology", code="DERM")

    page = client.get(reverse("patients:book"), {"department": [clinic.pk, other.pk]})

    assert page.status_code == 400
    assert page.context["department_day"].errors["department"] == ['"Department" is given more than once.']


def test_a_button_value_given_twice_is_refused_naming_it_and_the_booking_is_left_as_it_was(client, clinic, clock):
    appointment = book(clinic, at(time(13)))
    clock.move_to(at(time(12, 55)))
    kiosk = reverse("kiosk:start", args=["site"])

    manage = client.post(
        appointment.get_absolute_url(),
        "action=cancel&confirm=yes&action=check_in",
        content_type="application/x-www-form-urlencoded",
    )
    at_the_kiosk = client.post(
        kiosk,
        f"action=walk_in&action=check_in&code={appointment.booking_code}",
        content_type="application/x-www-form-urlencoded",
    )

    for answer in (manage, at_the_kiosk):
        assert answer.status_code == 400
        assert '"action" is given more than once.' in html.unescape(answer.content.decode())
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED and not Queue.objects.exists()


def free_times_status(client, department, day):
    page = client.get(reverse("patients:book"), {"department": department.pk, "day": day.isoformat()})
    return re.search(r'<p class="alert alert-info" role="status">\s*([^<]*?)\s*</p>', page.content.decode()).group(1)


def test_a_day_no_doctor_works_says_so_rather_than_sending_the_patient_as_a_walk_in(client, clinic, clock):
    # A Sunday, or every doctor absent: "No free times that day ... or come as a walk-in" sent them to a day nobody
    # would see them.
    tomorrow = timezone.localdate() + timedelta(days=1)
    DoctorSchedule.objects.filter(weekday=tomorrow.weekday()).delete()

    assert free_times_status(client, clinic, tomorrow) == (
        f"No doctor of Clinic works on {date_format(tomorrow, 'D j M')}. Please choose another day."
    )


def test_a_day_whose_doctors_have_finished_says_so_and_a_full_day_still_offers_a_walk_in(client, clinic, clock):
    for hour, minute in ((13, 0), (13, 30), (14, 0)):
        book(clinic, at(time(hour, minute)))
    assert free_times_status(client, clinic, timezone.localdate()) == (
        "No free times that day. Please choose another day, or come as a walk-in."
    )

    clock.move_to(at(time(15, 30)))
    assert free_times_status(client, clinic, timezone.localdate()) == (
        "The doctors of Clinic have finished for today. Please choose another day."
    )


def test_no_time_is_offered_today_once_the_departments_doctors_have_all_gone(client, clinic, clock):
    # The only doctor saw a patient and went home sick at 13:40: the departments page said "no doctor expected back
    # today" while the booking page still offered 14:00 (nobody had recorded the absence yet).
    clock.move_to(at(time(13, 20)))
    walk_in = services.register_visit(department=clinic, name="Walk In", phone="+14155550191", age=30, gender="male")
    services.call_patient(entry=walk_in.entry, doctor=clinic.doctor)
    services.start_consultation(entry=walk_in.entry)
    services.complete_consultation(entry=walk_in.entry)
    offered = appointments.available_slots(department=clinic, day=timezone.localdate())
    assert [slot.start for slot in offered] == [at(time(13, 30)), at(time(14))]
    clock.move_to(at(time(13, 40)))

    set_availability(doctor=clinic.doctor, availability=Doctor.Availability.OFFLINE, actor=clinic.doctor.user)

    assert appointments.available_slots(department=clinic, day=timezone.localdate()) == []
    assert free_times_status(client, clinic, timezone.localdate()) == (
        "The doctors of Clinic have finished for today. Please choose another day."
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert appointments.available_slots(department=clinic, day=tomorrow)


def test_the_booking_page_says_when_check_in_opens_and_when_the_slot_is_no_longer_kept(client, clinic):
    # Neither the page nor the messages named the check-in window: a patient learnt the grace period by missing it.
    appointment = book(clinic, at(time(13)))

    page = client.get(appointment.get_absolute_url()).content.decode()

    said = re.search(r'<p id="when-to-come">([^<]*)</p>', page).group(1)
    assert said == (
        "Check in from 12:30 p.m.; after 1:10 p.m. the slot is no longer kept: you join the line as a walk-in."
    )


def test_a_midnight_slots_check_in_opens_at_midnight_where_the_kiosk_takes_it(client, clock, clinic):
    # The page said "Check in from 23:30" for a 00:00 slot, and at 23:45 the kiosk sent the patient away until
    # "that day": a token joins the line of the day it is issued, which closes at midnight.
    configure(clinic_opens_at=time(0), appointment_walk_in_share_percent=0)
    tomorrow = timezone.localdate() + timedelta(days=1)
    DoctorSchedule.objects.create(
        doctor=clinic.doctor, weekday=tomorrow.weekday(), starts_at=time(0), ends_at=time(1)
    )
    appointment = book(clinic, at(time(0), tomorrow))

    page = client.get(appointment.get_absolute_url()).content.decode()

    said = re.search(r'<p id="when-to-come">([^<]*)</p>', page).group(1)
    assert said.startswith("Check in from midnight; ")
    clock.move_to(at(time(23, 45)))
    assert not appointments.can_check_in(appointment)
    clock.move_to(at(time(0), tomorrow))
    assert appointments.can_check_in(appointment)
    entry = appointments.check_in(appointment=appointment)
    assert entry.token_date == tomorrow and entry.due_at == appointment.slot_start


def test_the_desk_booking_for_a_caller_chooses_the_language_of_their_messages_as_at_registration(
    client, clinic, django_capture_on_commit_callbacks, tasks_run_inline
):
    # The desk's booking page had a language field it neither showed nor read: a Spanish-speaking caller booked by an
    # English-speaking desk got every text of the booking in English, where the desk's registration asks.
    client.force_login(clinic.doctor.user)
    page_url = f"{reverse('patients:book')}?department={clinic.pk}&day={timezone.localdate().isoformat()}"
    assert 'id="id_language"' in client.get(page_url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url, details(department=clinic.pk, slot=at(time(13)).isoformat(), language="es", phone="+14155550191")
        )

    assert response.status_code == 302
    booking = Appointment.objects.get(patient__phone="+14155550191")
    assert booking.patient.language == "es"
    [confirmation] = Notification.objects.filter(appointment=booking)
    assert "Su cita" in confirmation.body or "su cita" in confirmation.body


@pytest.mark.parametrize(("chosen", "kept"), [("", "es"), ("hi", "hi")])
def test_the_desk_booking_for_a_known_patient_keeps_their_language_unless_it_chooses_one(
    client, clinic, make_patient, chosen, kept
):
    # The select opened on "As on file" as at registration, but the booking read a choice as a new patient's only: a
    # returning patient's language could not be changed from it, though it looked as if it applied.
    make_patient(phone="+14155550192", language="es")
    client.force_login(clinic.doctor.user)
    page_url = f"{reverse('patients:book')}?department={clinic.pk}&day={timezone.localdate().isoformat()}"
    page = client.get(page_url).content.decode()
    assert '<option value="" selected>As on file (a new patient: English)</option>' in page

    response = client.post(
        page_url, details(department=clinic.pk, slot=at(time(13)).isoformat(), language=chosen, phone="+14155550192")
    )

    assert response.status_code == 302
    assert Patient.objects.get(phone="+14155550192").language == kept


def test_a_patient_booking_on_their_phone_is_not_asked_for_a_language_their_page_is_in(client, clinic):
    page_url = f"{reverse('patients:book')}?department={clinic.pk}&day={timezone.localdate().isoformat()}"
    assert 'id="id_language"' not in client.get(page_url).content.decode()
