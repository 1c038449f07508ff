import functools
import uuid
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from smartqueue.form_input import refuse_repeated_fields
from smartqueue.phone_masks import mask_phone
from smartqueue.requests import client_ip
from smartqueue.throttles import BOOK_SCOPE, seconds_to_wait, throttle_posts, throttled_page

from . import appointments, hooks, published, services
from .calendar import calendar_file
from .forms import (
    BookingForm,
    FeedbackForm,
    KioskCheckInForm,
    KioskWalkInForm,
    PatientsAheadNoticeForm,
    RegistrationForm,
    RescheduleForm,
    SlotDayForm,
    day_in_link_or_today,
)
from .models import ClosedDay, Department, Queue
from .selectors import (
    appointment_by_link,
    current_visit_status,
    department_overview,
    departments_turning_walk_ins_away,
    open_visits_of,
    transferred_from,
    visit_by_link,
    visit_for_link,
)
from .serializers import DepartmentOverviewSerializer

# The masked number a matched registration's token was sent to travels, signed, in the redirect's query
# rather than the session: writing the session would add a cookie that a new phone's answer lacks.
SENT_TO_PHONE_SALT = "patients.registration-sent"
SENT_TO_PHONE_MAX_AGE_SECONDS = 15 * 60
# The status page has several forms; the posted "form" field says which (the feedback form has none).
NOTICE_FORM = "patients-ahead-notice"
RUNNING_LATE_FORM = "running-late"
# "Leave the line" first asks; only its "Yes, leave the line" (confirm=yes) cancels the token (WCAG 3.3.4).
LEAVE_FORM = "leave-line"
SENT_TO_PHONE_MESSAGE = _(
    "This phone number is already registered with us. "
    "We have sent your token and a link to follow your place to that phone."
)
# A patient registering themselves with the number of a booking whose check-in is open is sent that booking, not a
# token; the answer must not tell whoever typed the number which of the two the phone holds, so it names both.
REGISTRATION_SENT_TO_PHONE_MESSAGE = _(
    "This phone number is already registered with us. We have sent a message to that phone: your token and a link "
    "to follow your place, or your appointment today and how to check in for it."
)
BOOKING_SENT_TO_PHONE_MESSAGE = _(
    "This phone number is already registered with us. "
    "We have sent your appointment and a link to manage it to that phone."
)
# What a sent page says, by what was sent (its query's "what"); a token by default (a check-in's).
SENT_TO_PHONE_MESSAGES = {"registration": REGISTRATION_SENT_TO_PHONE_MESSAGE, "booking": BOOKING_SENT_TO_PHONE_MESSAGE}
# What a patient gives for a walk-in token or a booking (staff may also set a walk-in's priority).
SELF_SERVICE_FIELDS = ("department", "name", "phone", "age", "gender", "notes")
# The kiosk of the whole site (every department), rather than one department's: /kiosk/site/.
KIOSK_SITE = "site"
# The tickets a kiosk's patients were done with (their "Done", or the kiosk starting over by itself), the latest
# first: shown no more on that kiosk. The page's script starts over in place of the ticket in the history, but a tap
# on "Done" before the script has run follows the plain link, and Back then fetched the ticket again. All of a
# morning's, not the last alone: Back past the last patient's reached the one before (its QR code, the status link,
# takes that patient out of line). A ticket id and its separator are 37 characters: 80 keep the cookie under 3 KB.
KIOSK_DONE_TICKET_COOKIE = "kiosk_done_tickets"
KIOSK_DONE_TICKET_PARAMETER = "done"
KIOSK_DONE_TICKETS_KEPT = 80


def landing(request):
    departments = DepartmentOverviewSerializer(department_overview(), many=True).data
    return render(request, "patients/landing.html", {"departments": departments})


@require_http_methods(["GET", "POST"])
@throttle_posts("register")
def register(request):
    reception_staff = hooks.is_reception_staff(request.user)
    form = RegistrationForm(request.POST or None, reception_staff=reception_staff)
    if request.method == "POST" and form.is_valid():
        details = form.cleaned_data
        try:
            registration = appointments.register_or_check_in(
                department=details["department"],
                name=details["name"],
                phone=details["phone"],
                age=details["age"],
                gender=details["gender"],
                # Chosen by the desk, it replaces a known patient's; else a known patient keeps theirs.
                language=details.get("language") or None,
                new_patient_language=request.LANGUAGE_CODE,
                priority=details.get("priority", Queue.Priority.NORMAL),
                notes=details["notes"],
                actor=request.user,
                ip_address=client_ip(request),
                self_service=not reception_staff,
            )
        except services.RegistrationClosed as refusal:
            form.add_error(None, str(refusal))
        except services.QueueError as refusal:
            form.add_error("department", str(refusal))
        else:
            if registration.sent_to_phone:
                return _redirect_to_sent_page(
                    reverse("patients:registration-sent"), details["phone"], what="registration"
                )
            said = appointments.registration_in_words(registration)
            if said is not None:
                messages.info(request, said)
            return redirect("patients:registered", public_id=registration.entry.public_id)
    full_today, no_doctor_today, closed_today = departments_turning_walk_ins_away()
    form.say_full_today(full_today)
    return render(
        request,
        "patients/register.html",
        {
            "form": form,
            "reception_staff": reception_staff,
            "full_today": full_today,
            "no_doctor_today": no_doctor_today,
            "closed_today": closed_today,
        },
        status=400 if form.errors else 200,
    )


def _redirect_to_sent_page(url, phone, **query):
    """To the page saying what was sent to a known phone, carrying its masked number signed in the query."""
    sent_to = signing.dumps(mask_phone(phone), salt=SENT_TO_PHONE_SALT)
    return redirect(f"{url}?{urlencode({'to': sent_to, **query})}")


def _sent_to_masked_phone(request):
    """The masked number a sent page was given, or None if its signature is wrong or too old."""
    try:
        return signing.loads(request.GET.get("to", ""), salt=SENT_TO_PHONE_SALT, max_age=SENT_TO_PHONE_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None


@require_http_methods(["GET"])
def registration_sent(request):
    """Where a self-service registration that matched a known phone ends: the token went to that phone."""
    masked_phone = _sent_to_masked_phone(request)
    if masked_phone is None:
        return redirect("patients:register")
    what = request.GET.get("what")
    message = SENT_TO_PHONE_MESSAGES.get(what, SENT_TO_PHONE_MESSAGE)
    return render(
        request,
        "patients/registration_sent.html",
        {"message": message, "masked_phone": masked_phone, "booking": what == "booking"},
    )


def _visit_or_404(public_id):
    entry = visit_for_link(public_id)
    if entry is None:
        raise Http404(_("No visit has this link."))
    return entry


def in_patients_language(patient_of):
    """A patient's own page, which their texts link to (a token's, a booking's: patient_of finds its patient by the
    link's id), speaks their language, unless this browser picked one with the switcher (someone helping the patient
    may read another)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, public_id):
            if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
                return view(request, public_id)
            patient = patient_of(public_id)
            language = patient.language if patient is not None else translation.get_language()
            with translation.override(language):
                request.LANGUAGE_CODE = language
                response = view(request, public_id)
            response.headers["Content-Language"] = language
            return response

        return wrapper

    return decorator


def _visits_patient(public_id):
    entry = visit_for_link(public_id)
    return entry.patient if entry is not None else None


def _bookings_patient(public_id):
    # A booking's manage page and calendar file were in the browser's language beneath a text in the patient's.
    booking = appointment_by_link(public_id)
    return booking.patient if booking is not None else None


# Pages reached by a private link (token, booking, kiosk ticket) are never stored: on a shared kiosk or a family's
# phone, Back must not bring up the previous patient's page.
@never_cache
@in_patients_language(_visits_patient)
def registered(request, public_id):
    entry = _visit_or_404(public_id)
    if entry.public_id != public_id:
        return redirect("patients:registered", public_id=entry.public_id)
    status_url = request.build_absolute_uri(entry.get_absolute_url())
    for_the_desk = hooks.is_reception_staff(request.user)
    return render(
        request,
        "patients/registered.html",
        {
            "visit": current_visit_status(entry=entry),
            "token_date": entry.token_date,
            "status_url": status_url,
            "status_qr_svg": segno.make(status_url, error="m").svg_inline(scale=5, title=_("Your status page")),
            # The desk registered the patient: the page is turned to them, then back to the next one in front.
            "for_the_desk": for_the_desk,
            # A desk registering the patient again, to put a wrong department right, is told of the token left behind.
            "other_open_tokens": [visit for visit in open_visits_of(entry.patient) if visit.pk != entry.pk]
            if for_the_desk
            else [],
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@throttle_posts("feedback")
@in_patients_language(_visits_patient)
def status(request, public_id):
    """One token's live status page; a link that follows another token (selectors.visit_for_link) leads there."""
    entry = _visit_or_404(public_id)
    if entry.public_id != public_id:
        return redirect(entry.get_absolute_url())
    posted_form = request.POST.get("form") if request.method == "POST" else None
    if posted_form in (RUNNING_LATE_FORM, LEAVE_FORM):
        return _line_action(request, entry, posted_form)
    posted_notice = posted_form == NOTICE_FORM
    notice_form = _notice_form(entry, request.POST if posted_notice else None)
    feedback_form = FeedbackForm(request.POST if request.method == "POST" and not posted_notice else None)
    if posted_notice and notice_form.is_valid():
        try:
            services.choose_patients_ahead_notice(
                entry=entry, patients_ahead=notice_form.cleaned_data["patients_ahead"], ip_address=client_ip(request)
            )
        except services.QueueError as refusal:
            notice_form.add_error(None, str(refusal))
        else:
            return redirect(entry.get_absolute_url())
    if feedback_form.is_bound and feedback_form.is_valid():
        try:
            services.submit_feedback(
                entry=entry,
                rating=feedback_form.cleaned_data["rating"],
                comment=feedback_form.cleaned_data["comment"],
                ip_address=client_ip(request),
            )
        except services.QueueError as refusal:
            feedback_form.add_error(None, str(refusal))
        else:
            # The page itself thanks the patient once the visit shows feedback given.
            return redirect(entry.get_absolute_url())
    return _status_page(
        request,
        entry,
        notice_form=notice_form,
        feedback_form=feedback_form,
        status=400 if notice_form.errors or feedback_form.errors else 200,
    )


def _status_page(request, entry, *, notice_form=None, feedback_form=None, refusal=None, confirming_leave=False,
                 status=200):
    return render(
        request,
        "patients/status.html",
        {
            "visit": current_visit_status(entry=entry),
            "moved_from": transferred_from(entry),
            "feedback_form": feedback_form or FeedbackForm(),
            "notice_form": notice_form or _notice_form(entry),
            "notice_form_name": NOTICE_FORM,
            "running_late_form_name": RUNNING_LATE_FORM,
            "leave_form_name": LEAVE_FORM,
            "late_moves_back_places": hooks.hospital_settings().late_moves_back_places,
            "refusal": refusal,
            "confirming_leave": confirming_leave,
            "status_api_url": reverse("patients:api-visit-status", kwargs={"public_id": entry.public_id}),
            "socket_path": f"/ws/patient/{entry.public_id}/",
        },
        status=status,
    )


def _asks_to_confirm(request, field, value):
    """Whether this post is the first press of a step asked twice (templates/_confirm_step.html): its "Yes" posts the
    same field with confirm=yes."""
    return request.POST.get(field) == value and request.POST.get("confirm") != "yes"


def _notice_form(entry, data=None):
    chosen = entry.notify_when_patients_ahead or hooks.hospital_settings().notify_when_patients_ahead
    return PatientsAheadNoticeForm(data, initial={"patients_ahead": chosen})


def _line_action(request, entry, action):
    """The status page's "I'm running late" and "Leave the line" (its confirmation first): done, back to the page
    saying so; refused, the page again with the refusal in words (400)."""
    confirming_leave = _asks_to_confirm(request, "form", LEAVE_FORM)
    try:
        if action == RUNNING_LATE_FORM:
            with published.statuses_published() as statuses:
                services.postpone_running_late(entry=entry, ip_address=client_ip(request))
        elif confirming_leave:
            # Asked only while leaving is still possible: a refusal now says so, not after the patient confirms.
            services.check_leavable(entry)
        else:
            services.leave_line(entry=entry, ip_address=client_ip(request))
    except services.QueueError as refusal:
        entry.refresh_from_db()
        return _status_page(request, entry, refusal=str(refusal), status=400)
    if confirming_leave:
        return _status_page(request, entry, confirming_leave=True)
    if action == RUNNING_LATE_FORM:
        position = (statuses.get(entry.pk) or current_visit_status(entry=entry))["position"]
        news = gettext("You have been moved back.")
        if position:
            news += " " + gettext("You are now number %(position)s in line.") % {"position": position}
    else:
        news = gettext(
            "You have left the line: token %(token)s is cancelled. If you still need to be seen, please register "
            "again or ask at the reception desk."
        ) % {"token": entry.token}
    # The page reloads and a screen reader would start from the top: the message takes the focus (base.html).
    messages.success(request, news)
    return redirect(entry.get_absolute_url())


# Appointments: booking on a phone, the manage link, its calendar file, and the lobby kiosk.


def _booking_slots(department_day):
    if not department_day.is_valid():
        return []
    return appointments.available_slots(
        department=department_day.cleaned_data["department"], day=department_day.cleaned_data["day"]
    )


@require_http_methods(["GET", "POST"])
@throttle_posts("register")
def book(request):
    """/patients/appointments/: choose a department and day, then a time, and book it."""
    reception_staff = hooks.is_reception_staff(request.user)
    days = appointments.booking_days()
    # A "book again" text names the cancelled booking's day, which may have passed by the time it is read.
    query, day_note = day_in_link_or_today(request.GET, days)
    department_day = SlotDayForm(query if request.GET else None, days=days)
    slots = _booking_slots(department_day)
    initial = {"department": department_day.cleaned_data["department"]} if slots else None
    form = BookingForm(request.POST or None, slots=slots, initial=initial, reception_staff=reception_staff)
    # A closed day has no times at all: the page says why, rather than that they are all taken.
    closure = ClosedDay.closing(**department_day.cleaned_data) if department_day.is_valid() and not slots else None
    any_free = any(slot.free for slot in slots)
    no_free_times = (
        appointments.no_free_times_in_words(**department_day.cleaned_data)
        if department_day.is_valid() and not any_free and closure is None
        else ""
    )
    if request.method == "POST" and form.is_valid():
        if (wait := seconds_to_wait(request, BOOK_SCOPE)) is not None:
            return throttled_page(request, wait)
        details = form.cleaned_data
        try:
            booking = appointments.book_appointment(
                slot_start=details["slot"],
                **{field: details[field] for field in SELF_SERVICE_FIELDS},
                # As the desk's registration: chosen, it replaces a known patient's; else a known patient keeps theirs.
                language=details.get("language") or None,
                new_patient_language=request.LANGUAGE_CODE,
                actor=request.user,
                ip_address=client_ip(request),
                self_service=not reception_staff,
            )
        except services.QueueError as refusal:
            form.add_error(
                getattr(refusal, "field", None), ValidationError(str(refusal), code=getattr(refusal, "code", None))
            )
        else:
            if booking.sent_to_phone:
                return _redirect_to_sent_page(reverse("patients:registration-sent"), details["phone"], what="booking")
            return redirect(booking.appointment.get_absolute_url())
    return render(
        request,
        "patients/book.html",
        {
            "department_day": department_day,
            "form": form,
            "any_free": any_free,
            "closure": closure,
            "no_free_times": no_free_times,
            "day_note": day_note,
        },
        # A slot booked by someone else between showing and booking is the one conflict; other refusals (a
        # department in the address that is not one to book, a day given twice) are bad input.
        status=(
            409
            if form.has_error("slot", "taken")
            else 400 if request.method == "POST" or department_day.errors else 200
        ),
    )


def _appointment_or_404(public_id):
    booking = appointment_by_link(public_id)
    if booking is None:
        raise Http404(_("No appointment has this link."))
    return booking


def booking_qr_svg(appointment, request, title):
    """The booking's QR code: its manage link, which a phone opens and a kiosk's scanner types in to check in."""
    link = request.build_absolute_uri(appointment.get_absolute_url())
    return segno.make(link, error="m").svg_inline(scale=5, title=title)


@never_cache
@require_http_methods(["GET", "POST"])
@throttle_posts("register")
@refuse_repeated_fields
@in_patients_language(_bookings_patient)
def appointment(request, public_id):
    """The manage link: see the booking, its QR code and calendar file; move it, cancel it, or check in."""
    booking = _appointment_or_404(public_id)
    slots = appointments.available_slots(
        department=booking.department, day=timezone.localdate(booking.slot_start), moving=booking
    )
    reschedule = RescheduleForm(
        request.POST if request.POST.get("action") == "reschedule" else None, slots=slots, booked_at=booking.slot_start
    )
    # "Cancel the appointment" first asks; only its "Yes, cancel" (confirm=yes) cancels (WCAG 3.3.4). A booking that
    # can no longer be cancelled is said so at once, rather than asked about.
    confirming_cancel = _asks_to_confirm(request, "action", "cancel")
    error = _refusal(appointments.check_cancellable, booking) if confirming_cancel else None
    confirming_cancel = confirming_cancel and error is None
    if request.method == "POST" and not confirming_cancel and error is None:
        action, context = request.POST.get("action"), {"actor": request.user, "ip_address": client_ip(request)}
        try:
            if action == "check_in":
                checked_in = appointments.record_check_in(
                    appointment=booking, self_service=not hooks.is_reception_staff(request.user), **context
                )
                if checked_in.sent_to_phone:
                    return _redirect_to_sent_page(reverse("patients:registration-sent"), booking.patient.phone)
                return redirect(checked_in.entry.get_absolute_url())
            if action == "cancel":
                appointments.cancel_appointment(appointment=booking, **context)
                return _redirect_with_news(request, booking, gettext("Your appointment is cancelled."))
            if action == "reschedule" and reschedule.is_valid():
                slot_start = reschedule.cleaned_data["slot"]
                appointments.reschedule_appointment(
                    appointment=booking,
                    slot_start=slot_start,
                    self_service=not hooks.is_reception_staff(request.user),
                    **context,
                )
                moved_to = date_format(timezone.localtime(slot_start), pgettext("date format", "D j M, H:i"))
                news = gettext("Your appointment is moved to %(time)s.") % {"time": moved_to}
                return _redirect_with_news(request, booking, news)
            if action != "reschedule":
                error = gettext("Choose what to do with the appointment.")
        except services.QueueError as refusal:
            error = str(refusal)
        booking.refresh_from_db()
    return render(
        request,
        "patients/appointment.html",
        {
            "appointment": booking,
            "qr_svg": booking_qr_svg(booking, request, gettext("Your booking's QR code")),
            "reschedule": reschedule,
            "can_check_in": appointments.can_check_in(booking),
            "when_to_come": appointments.check_in_window_in_words(booking),
            "move_refused": _refusal(
                appointments.check_movable, booking, self_service=not hooks.is_reception_staff(request.user)
            ),
            "can_cancel": _refusal(appointments.check_cancellable, booking) is None,
            "error": error,
            "confirming_cancel": confirming_cancel,
        },
        status=400 if request.method == "POST" and not confirming_cancel else 200,
    )


def _refusal(check, *args, **kwargs):
    """The service's check's refusal of an action as things are now, in its words; None when it allows it: the page
    offers what the service would do, and says why not in the service's own words."""
    try:
        check(*args, **kwargs)
    except services.QueueError as refusal:
        return str(refusal)
    return None


def _redirect_with_news(request, booking, news):
    """Back to the manage page, saying what changed there; the message takes the focus, so it is read out first
    (the page reloads, and a screen reader would otherwise start from the top with nothing said)."""
    messages.success(request, news)
    return redirect(booking.get_absolute_url())


@never_cache
@in_patients_language(_bookings_patient)
def appointment_calendar(request, public_id):
    """The booking as a calendar file (.ics) for the patient's phone calendar."""
    booking = _appointment_or_404(public_id)
    response = HttpResponse(
        calendar_file(booking, manage_url=request.build_absolute_uri(booking.get_absolute_url())),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="appointment-{booking.booking_code}.ics"'
    return response


def _kiosk_department(site):
    """None for a kiosk serving the whole site, else its department (by code); 404 for neither."""
    if site == KIOSK_SITE:
        return None
    department = Department.objects.active().filter(code=site.upper()).first()
    if department is None:
        raise Http404("No kiosk here.")
    return department


def in_kiosk_language(view):
    """A kiosk page speaks the language a patient picked on it (the switcher's cookie), else the site's own
    (LANGUAGE_CODE): never the kiosk browser's Accept-Language, so each patient starts from the same language."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return view(request, *args, **kwargs)

    return wrapper


def _uuid_or_none(text):
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def kiosk_start_over_url(site, *, done_ticket=None):
    """Where the kiosk's pages go back to, by themselves (kiosk.js) or by "Done": the start, for a new patient;
    from a ticket, naming it, so that the kiosk shows it no more."""
    url = reverse("kiosk:start-over", args=[site])
    return f"{url}?{urlencode({KIOSK_DONE_TICKET_PARAMETER: done_ticket})}" if done_ticket else url


def _done_tickets(request):
    return [ticket for ticket in request.COOKIES.get(KIOSK_DONE_TICKET_COOKIE, "").split(".") if ticket]


@never_cache
@require_http_methods(["GET"])
def kiosk_start_over(request, site):
    """The idle reset and "Done": the next patient starts in the site's language, not the last one's. A redirect,
    so that the switcher's "next" (the start page's URL) cannot undo a choice the new patient makes."""
    _kiosk_department(site)
    response = redirect("kiosk:start", site=site)
    done_ticket = _uuid_or_none(request.GET.get(KIOSK_DONE_TICKET_PARAMETER, ""))
    if done_ticket is not None:
        done_before = [ticket for ticket in _done_tickets(request) if ticket != str(done_ticket)]
        response.set_cookie(
            KIOSK_DONE_TICKET_COOKIE,
            ".".join([str(done_ticket), *done_before][:KIOSK_DONE_TICKETS_KEPT]),
            path=reverse("kiosk:start", args=[site]),
            secure=request.is_secure(),
            httponly=True,
            samesite="Strict",
        )
    response.delete_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@never_cache
@in_kiosk_language
@require_http_methods(["GET", "POST"])
@throttle_posts("kiosk")
@refuse_repeated_fields
def kiosk(request, site):
    """/kiosk/<department code or site>/: check in a booking by its QR or code, or take a walk-in token."""
    department = _kiosk_department(site)
    action = request.POST.get("action")
    check_in_form = KioskCheckInForm(request.POST if action == "check_in" else None)
    walk_in = KioskWalkInForm(request.POST if action == "walk_in" else None, initial={"department": department})
    if department is not None:
        walk_in.fields["department"].queryset = Department.objects.filter(pk=department.pk)
    if action == "check_in" and check_in_form.is_valid():
        try:
            checked_in = appointments.check_in_by_code(
                code_or_link=check_in_form.cleaned_data["code"],
                department=department,
                ip_address=client_ip(request),
            )
        except services.QueueError as refusal:
            check_in_form.add_error("code", str(refusal))
        else:
            if checked_in.sent_to_phone:
                return _redirect_to_sent_page(reverse("kiosk:sent", args=[site]), checked_in.entry.patient.phone)
            return redirect("kiosk:ticket", site=site, public_id=checked_in.entry.public_id)
    if action == "walk_in" and walk_in.is_valid():
        details = walk_in.cleaned_data
        try:
            registration = appointments.register_or_check_in(
                **{field: details[field] for field in SELF_SERVICE_FIELDS},
                language=request.LANGUAGE_CODE,
                ip_address=client_ip(request),
                self_service=True,
            )
        except services.QueueError as refusal:
            walk_in.add_error("department", str(refusal))
        else:
            if registration.sent_to_phone:
                return _redirect_to_sent_page(
                    reverse("kiosk:sent", args=[site]), details["phone"], what="registration"
                )
            return redirect("kiosk:ticket", site=site, public_id=registration.entry.public_id)
    # Only a page that is not the kiosk's own (or was altered) posts another action: the patient is told what to do.
    action_unknown = request.method == "POST" and action not in ("check_in", "walk_in")
    if walk_in.errors or action_unknown:
        # The error takes the focus, not the code field that comes first on the page.
        check_in_form.fields["code"].widget.attrs.pop("autofocus", None)
    full_today, no_doctor_today, closed_today = (
        [listed for listed in departments if department is None or listed.pk == department.pk]
        for departments in departments_turning_walk_ins_away()
    )
    walk_in.say_full_today(full_today)
    return render(
        request,
        "patients/kiosk.html",
        {
            "department": department,
            "site": site,
            "start_over_url": kiosk_start_over_url(site),
            "check_in_form": check_in_form,
            "walk_in": walk_in,
            "action_unknown": action_unknown,
            "full_today": full_today,
            "no_doctor_today": no_doctor_today,
            "closed_today": closed_today,
        },
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@in_kiosk_language
@require_http_methods(["GET"])
def kiosk_sent(request, site):
    """Where a walk-in at the kiosk with a phone on file ends: the token went to that phone, not onto a ticket."""
    _kiosk_department(site)
    masked_phone = _sent_to_masked_phone(request)
    if masked_phone is None:
        return redirect("kiosk:start", site=site)
    return render(
        request,
        "patients/kiosk_sent.html",
        {
            "site": site,
            "start_over_url": kiosk_start_over_url(site),
            "message": SENT_TO_PHONE_MESSAGES.get(request.GET.get("what"), SENT_TO_PHONE_MESSAGE),
            "masked_phone": masked_phone,
        },
    )


@never_cache
@in_kiosk_language
def kiosk_ticket(request, site, public_id):
    """The printable ticket: token, department, and a QR code of the token's status page."""
    department = _kiosk_department(site)
    if str(public_id) in _done_tickets(request):
        return redirect("kiosk:start", site=site)
    entry = visit_by_link(public_id)
    # A department's kiosk prints only its own department's tickets, as it takes only its own walk-ins.
    if entry is None or (department is not None and entry.department_id != department.pk):
        raise Http404("No visit has this link.")
    status_url = request.build_absolute_uri(entry.get_absolute_url())
    return render(
        request,
        "patients/kiosk_ticket.html",
        {
            "entry": entry,
            "site": site,
            "start_over_url": kiosk_start_over_url(site, done_ticket=entry.public_id),
            "status_url": status_url,
            "status_qr_svg": segno.make(status_url, error="m").svg_inline(scale=4, title=gettext("Your status page")),
        },
    )
