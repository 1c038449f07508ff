"""Patient messages (SMS/WhatsApp) for queue events; sending happens in Celery tasks after commit.

A message is one Notification row, created once per queue entry and event (its idempotency key):
a retried or duplicated task finds the row and, unless it can claim it (from 'queued', or a dead
worker's expired claim, checked with Twilio first), sends nothing.
"""

import logging
import re
import string
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext

from patients import appointments, hooks
from patients.models import Appointment, ClosedDay, Queue, WaitAlert
from patients.selectors import (
    NO_DOCTORS,
    closed_on,
    department_line,
    doctors_in,
    doctors_of,
    latest_queue_snapshot,
    no_doctor_left_today,
    open_visits_of,
    visit_status,
)
from patients.templatetags.waits import doctors_expected_later, expected_wait_words
from smartqueue.days import day_starts_at
from smartqueue.i18n import clock_time

from . import outbox
from .defaults import default_text
from .models import (
    BOOKING_CHANGED_REASON,
    NO_MESSAGES_REASON,
    OPTED_OUT_REASON,
    PHONE_CORRECTED_REASON,
    REPORTED_FAILURE_REASONS,
    TEMPLATE_PLACEHOLDERS,
    TOO_LONG_FOR_WHATSAPP_TEMPLATE,
    TOO_LONG_FOR_WHATSAPP_TEMPLATE_REASON,
    Channel,
    InboundMessage,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    NumberOptOut,
)
from .senders import OUTCOME_UNKNOWN_CODES, SendError, WhatsAppTemplate, get_sender

logger = logging.getLogger(__name__)

TemplateType = NotificationTemplate.TemplateType
Status = Notification.Status
QueueStatus = Queue.Status

QUEUE_EVENT_MESSAGES = {
    "registered": TemplateType.REGISTRATION,
    "called": TemplateType.YOUR_TURN,
    "skipped": TemplateType.SKIPPED,
    "completed": TemplateType.FEEDBACK_REQUEST,
    # Ended by an admin for a doctor who left: the patient was seen, so thanked as after any consultation.
    "consultation_ended": TemplateType.FEEDBACK_REQUEST,
    # Their doctor was called away before the consultation started: they keep their place.
    "returned_to_line": TemplateType.RETURNED_TO_LINE,
    # A known phone registered again (by its owner or by someone who knows the number): the token
    # and status link go again to the phone on file, never to whoever registered.
    "registration_repeated": TemplateType.REGISTRATION,
    # A booked patient checked in: their token and status link, as a registration's.
    "checked_in": TemplateType.REGISTRATION,
    # Sent to another department: the new token and its link (the old token's own message no longer fits it).
    "transferred": TemplateType.REGISTRATION,
    # Sent on by their doctor: the new token and its link (the completed token's, not waiting, gets none).
    "referred": TemplateType.REGISTRATION,
    # The desk corrected a mistyped phone: the token's new link, to the right number.
    "phone_corrected": TemplateType.PHONE_CORRECTED,
    # The desk undid a cancellation made by mistake: the patient, maybe told it was cancelled, is back at their place.
    "reinstated": TemplateType.REINSTATED,
}
# Events whose message may be sent more than once per token: at most once per window, so registering
# someone's number over and over cannot flood their phone.
REPEATABLE_EVENTS = frozenset({"registration_repeated", "booking_repeated"})
REPEAT_WINDOW_SECONDS = 10 * 60
# Events that can happen to one token more than once a day, each time its own message (called again and the doctor
# called away again, cancelled again after the desk restored it): keyed by when it happened.
EACH_TIME_EVENTS = frozenset({"returned_to_line", "phone_corrected", "cancelled", "reinstated"})
# Events after which someone may now be within their N patients of the front: the line moved up, or a patient
# chose their N on the status page. A registration, check-in or recall moves no one up: the only token it can
# bring within its N is its own, told its place by its own message and told "N ahead" at the line's next change.
PATIENTS_AHEAD_EVENTS = frozenset(
    {"called", "skipped", "cancelled", "transferred", "priority_changed", "postponed", "notice_chosen"}
)

@dataclass(frozen=True)
class StillTrue:
    """When a token's text, written but not yet sent, still says what is so: the token's statuses it holds in, the
    token's changes after which it no longer holds even back in one of them (a "2 ahead" written before a call and
    the patient put back in line after it), and what the token's department must still be (department(entry)).
    A text not in ONLY_WHILE is true whatever happens to its token (a thank-you, the keyword list)."""

    statuses: frozenset
    untrue_after: frozenset = frozenset()
    department: Callable | None = None


# The token's changes that move it on (its status changes): a text about where it stood before no longer holds.
TOKEN_MOVED_ON = frozenset(
    {
        "called",
        "started",
        "completed",
        "skipped",
        "recalled",
        "returned_to_line",
        "consultation_ended",
        "consultation_left_open",
        "call_left_open",
        "cancelled",
        "reinstated",
        "transferred",
        "referred",
    }
)
# A text that counts the patients ahead, or asks to confirm a move back, no longer holds once the token's place moved.
PLACE_MOVED = TOKEN_MOVED_ON | {"postponed", "priority_changed"}
WAITING, CALLED, SKIPPED = QueueStatus.WAITING, QueueStatus.CALLED, QueueStatus.SKIPPED
OPEN_STATUSES = frozenset({WAITING, CALLED, SKIPPED, QueueStatus.IN_CONSULTATION})


def _no_doctor_left_still(entry):
    queue = latest_queue_snapshot(department_id=entry.department_id, department=entry.department)
    return queue is not None and doctors_in(queue)["no_doctor_left_today"]


def _a_doctor_back_still(entry):
    queue = latest_queue_snapshot(department_id=entry.department_id, department=entry.department)
    return queue is not None and not doctors_in(queue)["no_doctor_left_today"]


def _closed(entry):
    return ClosedDay.closing(department=entry.department_id, day=entry.token_date) is not None


def _open(entry):
    return not _closed(entry)


def _line_moving_today(entry):
    # "Please stay nearby" read after "closed today" or "no doctor is expected back today" told the patient to stay
    # for a call that will not come today.
    return _open(entry) and not _no_doctor_left_still(entry)


# When each token's text holds: asked when it is written, when it is sent (a text waiting in the outbox for a retry
# after a rate limit or an outage, or for a dead worker's lease), and at each change of its token, which withdraws
# the token's unsent texts it makes untrue (status 'outdated'). Until 2026-12-06 only the writing asked: a "your turn"
# retried after a 429 went out after the patient was skipped, a "2 ahead" after "your turn", "closed today" after the
# reopening.
ONLY_WHILE = {
    TemplateType.REGISTRATION: StillTrue(frozenset({WAITING}), TOKEN_MOVED_ON),
    TemplateType.PATIENTS_AHEAD: StillTrue(frozenset({WAITING}), PLACE_MOVED, _line_moving_today),
    # A token called again after a recall is a new "your turn": the earlier call's no longer holds.
    TemplateType.YOUR_TURN: StillTrue(frozenset({CALLED}), TOKEN_MOVED_ON),
    TemplateType.SKIPPED: StillTrue(frozenset({SKIPPED}), TOKEN_MOVED_ON),
    TemplateType.FEEDBACK_REQUEST: StillTrue(frozenset({QueueStatus.COMPLETED})),
    TemplateType.RETURNED_TO_LINE: StillTrue(frozenset({WAITING}), TOKEN_MOVED_ON),
    # A doctor back between the announcement and this text: sent now, it would be the patient's last word, after the
    # "doctor back" text that went to those already told.
    TemplateType.NO_DOCTOR_LEFT_TODAY: StillTrue(frozenset({WAITING}), TOKEN_MOVED_ON, _no_doctor_left_still),
    TemplateType.DOCTOR_BACK_TODAY: StillTrue(frozenset({WAITING}), TOKEN_MOVED_ON, _a_doctor_back_still),
    TemplateType.CANCELLED_BY_STAFF: StillTrue(frozenset({QueueStatus.CANCELLED}), TOKEN_MOVED_ON),
    TemplateType.REINSTATED: StillTrue(frozenset({WAITING}), TOKEN_MOVED_ON),
    TemplateType.PHONE_CORRECTED: StillTrue(frozenset({WAITING, CALLED, SKIPPED})),
    TemplateType.BROADCAST: StillTrue(frozenset({WAITING})),
    TemplateType.LINE_CLOSED: StillTrue(frozenset({WAITING})),
    # Reopened, or closed again, before it went: the text the patient is due is the other one, or none.
    TemplateType.CLOSED_TODAY: StillTrue(frozenset({WAITING, SKIPPED}), frozenset(), _closed),
    TemplateType.OPEN_AGAIN_TODAY: StillTrue(frozenset({WAITING, SKIPPED}), frozenset(), _open),
    # Answers to the patient's texts that describe the token as it was when they were written. Not a STATUS's: the
    # patient asked, so its answer is worded when it is sent from their tokens as they are then (words_now).
    TemplateType.REPLY_LATE_ASK: StillTrue(frozenset({WAITING}), PLACE_MOVED),
    TemplateType.REPLY_CANCEL_ASK: StillTrue(OPEN_STATUSES, TOKEN_MOVED_ON),
    TemplateType.REPLY_LATE: StillTrue(frozenset({WAITING}), TOKEN_MOVED_ON),
    TemplateType.REPLY_CANCELLED: StillTrue(frozenset({QueueStatus.CANCELLED}), TOKEN_MOVED_ON),
}
UNSENT = (Status.QUEUED, Status.SENDING)
OUTDATED_QUEUE_TEXT_REASON = (
    "The token, or its department's day, changed after this message was written and before it was sent: it no "
    "longer holds."
)


def still_true(template_type, entry, *, days_asked=None):
    """Whether the token's text of that type holds for the token as it is now (ONLY_WHILE); a text ONLY_WHILE does
    not name always does. days_asked, when given, keeps each department day's answer for the next text asked of it:
    the texts of one line share their department and day."""
    rule = ONLY_WHILE.get(template_type)
    if rule is None:
        return True
    if entry.status not in rule.statuses:
        return False
    if rule.department is None:
        return True
    if days_asked is None:
        return rule.department(entry)
    day = (rule.department, entry.department_id, entry.token_date)
    if day not in days_asked:
        days_asked[day] = rule.department(entry)
    return days_asked[day]


def _untrue_after(event, status):
    """The token's texts that a change (event) leaving it in status makes untrue, whatever its department's day."""
    return [
        template_type
        for template_type, rule in ONLY_WHILE.items()
        if status not in rule.statuses or event in rule.untrue_after
    ]


def _withdraw_outdated(texts):
    """Withdraw the texts among texts, not yet handed to Twilio, that no longer hold (still_true): a department's
    texts once its day changed (closed, reopened, a doctor back or gone)."""
    unsent = texts.filter(status__in=UNSENT, queue_entry__isnull=False).select_related("queue_entry__department")
    days_asked = {}
    outdated = [text.pk for text in unsent if not still_true(text.event, text.queue_entry, days_asked=days_asked)]
    if outdated:
        _mark_outdated(Notification.objects.filter(pk__in=outdated))


def _mark_outdated(texts, *, unsent=UNSENT, attempts=F("attempts")):
    """Mark those of the texts still unsent outdated, in one statement when none is; an answer to a patient's text so
    marked leaves that text recorded as not answered, with why."""
    if not texts.filter(status__in=unsent).update(
        status=Status.OUTDATED,
        attempts=attempts,
        error_code="",
        error_message=OUTDATED_QUEUE_TEXT_REASON,
        updated_at=timezone.now(),
    ):
        return
    InboundMessage.objects.filter(
        reply__in=texts.filter(status=Status.OUTDATED), effect__in=EFFECTS_THAT_ARE_THE_REPLY
    ).update(effect=InboundMessage.Effect.NOT_ANSWERED, detail=for_staff(NOT_ANSWERED_OUTDATED))


# Answers to the patient's own texts (see inbound): they asked, so choosing no messages does not silence them.
REPLIES = frozenset(
    {
        TemplateType.REPLY_STATUS,
        TemplateType.REPLY_LATE_ASK,
        TemplateType.REPLY_LATE,
        TemplateType.REPLY_CANCEL_ASK,
        TemplateType.REPLY_CANCELLED,
        TemplateType.REPLY_REFUSED,
        TemplateType.REPLY_HELP,
        TemplateType.REPLY_OPTED_OUT,
        TemplateType.REPLY_OPTED_IN,
        TemplateType.REPLY_NO_TOKEN,
        TemplateType.REPLY_ABOUT_NUMBER,
    }
)
# The keyword a patient's text asks for the keyword list with (see inbound): after a STOP, the one text still answered
# besides START, as carriers require.
HELP_KEYWORD = "HELP"
# Inbound effects that are the reply itself (the place and wait, the keyword list, a question): a text whose reply
# did not go is recorded as not answered, with why, rather than as answered (see inbound).
EFFECTS_THAT_ARE_THE_REPLY = frozenset(
    {
        InboundMessage.Effect.STATUS_SENT,
        InboundMessage.Effect.HELP_SENT,
        InboundMessage.Effect.LATE_ASKED,
        InboundMessage.Effect.CANCEL_ASKED,
        InboundMessage.Effect.WHICH_TOKEN,
        InboundMessage.Effect.NUMBER_EXPLAINED,
    }
)
NOT_ANSWERED_OPTED_OUT = gettext_noop(
    "Not answered: the patient opted out of messages (STOP); only HELP and START are answered."
)
NOT_ANSWERED_SWITCHED_OFF = gettext_noop("Not answered: this reply is switched off on the Messages page.")
NOT_ANSWERED_OUTDATED = gettext_noop(
    "Not answered: the token changed before the answer could be sent, and the answer no longer held."
)
# A token can be called or skipped again after a recall; each time is a new message.
OCCURRENCE_FIELD = {TemplateType.YOUR_TURN: "called_at", TemplateType.SKIPPED: "skipped_at"}

TWILIO_STATUSES = {
    "accepted": Status.SENT,
    "scheduled": Status.SENT,
    "queued": Status.SENT,
    "sending": Status.SENT,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    # Twilio's other outbound statuses, each answered 400 until 2026-12-05 (a webhook error in Twilio's console): a
    # message only partly delivered went out, whether whole is unknown; a canceled one never will.
    "partially_delivered": Status.SENT,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
    "canceled": Status.FAILED,
}

# WhatsApp takes free-form text only within this time after the person's last WhatsApp text; outside it, only a
# template Meta approved (settings.TWILIO_WHATSAPP_CONTENT_SIDS).
WHATSAPP_SESSION = timedelta(hours=24)
# WhatsApp failures that say the patient cannot get the message as it went: 63016, free-form text outside that window,
# sent again as the template when one is configured, else by SMS; by SMS: 63003, the number is not on WhatsApp, and a
# text too long for the template (63021 from WhatsApp, 21658 from Twilio, or TOO_LONG_FOR_WHATSAPP_TEMPLATE: found so
# here and not tried). An SMS carries it whole where a cut text could lose what the patient must do, or the link.
OUTSIDE_WHATSAPP_SESSION = "63016"
WHATSAPP_UNREACHABLE_CODES = frozenset(
    {OUTSIDE_WHATSAPP_SESSION, "63003", "63021", "21658", TOO_LONG_FOR_WHATSAPP_TEMPLATE}
)
AS_TEMPLATE_AGAIN = ":whatsapp-template"
RESEND_RECORDED_MESSAGE = "notifications.tasks.resume_notification"

STUCK_BATCH_SIZE = 500


class UnknownDeliveryStatus(ValueError):
    pass


class NotTheReportedMessage(ValueError):
    """A status callback naming a message (its URL's `notification`) that Twilio knows by another MessageSid."""


# Twilio's callbacks arrive out of order, and its first can come before the sending worker has recorded the message
# sent: a status never moves back. A late 'sent' never hides a delivery or a failure; nor does a failure follow a
# delivery (the handset has the message): one that does is a replay of a captured report, as Twilio's signature
# carries no time.
STATUSES_A_REPORT_LEAVES = {
    Status.SENT: frozenset({Status.DELIVERED, Status.FAILED}),
    Status.FAILED: frozenset({Status.DELIVERED}),
    Status.DELIVERED: frozenset(),
}


# Tasks are named, not imported: the tasks module builds on this one.
SEND_QUEUE_MESSAGE = "notifications.tasks.send_queue_message"
ANNOUNCE_PATIENTS_AHEAD = "notifications.tasks.announce_patients_ahead"
SEND_BROADCAST = "notifications.tasks.send_broadcast"
SEND_REPLY = "notifications.tasks.send_reply"
TEXT_ON_CALL = "notifications.tasks.text_on_call"
SEND_APPOINTMENT_MESSAGE = "notifications.tasks.send_appointment_message"
TELL_NO_DOCTOR_LEFT_TODAY = "notifications.tasks.tell_no_doctor_left_today"
TELL_DOCTOR_BACK_TODAY = "notifications.tasks.tell_doctor_back_today"
TELL_CLOSING_OF_TODAY = "notifications.tasks.tell_closing_of_today"
# A text in these states reached, or is on its way to, the patient ("no doctor expected back today": they are told when
# a doctor is back; "closed today": when it opens again). One skipped (STOP), failed or withdrawn told them nothing.
TOLD = (Status.QUEUED, Status.SENDING, Status.SENT, Status.DELIVERED)


def notify_queue_change(sender, *, change, **kwargs):
    """hooks.queue_changed receiver: record the messages the change warrants in its transaction; sent after commit.

    The change and its messages commit together (one INSERT), and a broker outage after commit delays
    them instead of losing them (see outbox).
    """
    event, entry_id = change.event, change.entry.pk
    if event == "phone_corrected":
        _leave_opt_out_with_the_wrong_number(change)
        _withdraw_unsent_messages_of_the_visit(change.entry)
    # The token's texts still waiting to go that this change makes untrue (ONLY_WHILE): a "2 ahead" waiting for a
    # retry after Twilio's rate limit went out after "your turn". A token just issued has none: its registration
    # (or check-in, transfer) costs no statement more.
    untrue = _untrue_after(event, change.entry.status)
    if untrue and not change.issued_token:
        _mark_outdated(Notification.objects.filter(queue_entry_id=entry_id, event__in=untrue))
    calls = []
    template_type = _message_of(change)
    if template_type:
        message = {"entry_id": entry_id, "template_type": template_type}
        if event in REPEATABLE_EVENTS:
            message["repeat_id"] = f"{event}-{int(timezone.now().timestamp()) // REPEAT_WINDOW_SECONDS}"
        elif event in EACH_TIME_EVENTS:
            message["repeat_id"] = f"{event}-{timezone.now():%Y%m%d%H%M%S%f}"
        calls.append((SEND_QUEUE_MESSAGE, message))
    # A token the change issued (a transfer's new one) moves no one up: its own message tells it its place.
    if event in PATIENTS_AHEAD_EVENTS and not change.issued_token:
        calls.append((ANNOUNCE_PATIENTS_AHEAD, {"entry_id": entry_id}))
    outbox.enqueue_after_commit(calls)


def _leave_opt_out_with_the_wrong_number(change):
    """A patient whose own number the desk corrected was matched by the wrong one until then: a STOP on their record
    came from that number, so it is kept for the number (as a STOP from a number no patient has is), and the patient
    is texted their new link. A visit moved to another patient leaves the record, and its STOP, as they were."""
    if change.before["patient_id"] != change.after["patient_id"]:
        return
    patient = change.entry.patient
    if not NotificationPreference.objects.filter(patient=patient, opted_out=True).update(opted_out=False):
        return
    stopped_from = InboundMessage.objects.filter(patient=patient, effect=InboundMessage.Effect.OPTED_OUT)
    for phone in set(stopped_from.exclude(from_phone=patient.phone).values_list("from_phone", flat=True)):
        set_number_opt_out(phone=phone, opted_out=True)


def _withdraw_unsent_messages_of_the_visit(entry):
    """The visit's messages written before the desk corrected its phone and not handed to Twilio yet carry links that
    stopped working, and go to the number of the record they were written for: a stranger's where the visit moved to
    another patient. They are withdrawn in the correction's transaction, never sent (a retry or a late task finds
    them withdrawn); the right number is texted the new link by the correction's own message."""
    visit_ids = [entry.pk, *(visit.pk for visit in entry.predecessors())]
    Notification.objects.filter(
        Q(queue_entry_id__in=visit_ids) | Q(appointment__queue_entry_id__in=visit_ids),
        status__in=[Status.QUEUED, Status.SENDING],
    ).update(status=Status.WITHDRAWN, error_code="", error_message=PHONE_CORRECTED_REASON, updated_at=timezone.now())


def _message_of(change):
    """The template of the message a queue change sends its patient, if any.

    A token cancelled by staff (the change has an actor) tells its patient, who may still be waiting in the lobby
    for a call that will not come; a patient who cancelled by text (no actor) has the reply to it.
    """
    if change.event == "cancelled":
        return TemplateType.CANCELLED_BY_STAFF if change.actor is not None else None
    return QUEUE_EVENT_MESSAGES.get(change.event)


def notify_broadcast(*, message, translations=None, department_id=None, broadcast_id=None):
    """Record an admin broadcast to every waiting patient of one department, or of all when None; a patient whose
    language is among translations ({"es": "..."}) gets that text instead of the message. Recorded again with the
    same broadcast_id (its confirmation sent twice), it texts no patient a second time: the id is in each message's
    idempotency key. Without one, the broadcast is a new one."""
    outbox.enqueue_after_commit(
        [
            (
                SEND_BROADCAST,
                {
                    "message": message,
                    "translations": translations or {},
                    "department_id": department_id,
                    "broadcast_id": broadcast_id or uuid.uuid4().hex,
                },
            )
        ]
    )


def visit_status_link(entry):
    """Absolute link to the token's own live status page."""
    return settings.SITE_URL + entry.get_absolute_url()


def status_callback_url(notification):
    """Where Twilio reports the message's delivery: the URL names its row, so a report that comes before the worker
    has stored the message's SID still finds it (Twilio's signature covers the query, so it cannot be changed)."""
    query = urlencode({"notification": notification.pk})
    return f"{settings.SITE_URL}{reverse('notifications:twilio-status')}?{query}"


def render_message(text, **values):
    """Fill a template's placeholders with their values as text; any placeholder without a value renders empty.

    Format codes are not applied ({name:d} is filled as {name}): templates saved before they were refused
    (validate_template_placeholders) still send. A right-to-left text keeps its values' directions (see
    right_to_left_words)."""
    filled = {name: "" for name in TEMPLATE_PLACEHOLDERS} | values
    parts = list(string.Formatter().parse(text))
    right_to_left = right_to_left_words("".join(literal for literal, _field, _spec, _conversion in parts))
    rendered, after_an_empty_value = "", False
    for literal, field, _spec, _conversion in parts:
        if after_an_empty_value and rendered.endswith(" ") and literal.startswith(" "):
            # An empty placeholder between two spaces ("is cancelled. {message} Book again") leaves one space.
            literal = literal[1:]
        value = "" if field is None else str(filled.get(field, ""))
        rendered += literal + (left_to_right_end_kept(value) if right_to_left and field != "link" else value)
        after_an_empty_value = field is not None and not value
    if right_to_left and _first_strong_direction(rendered) == "L":
        # Phones lay a text out in the direction of its first letter: an Arabic text opening with a name in Latin
        # letters ("Ethan Hughes، حان دوركم...") was read left to right, its clauses in the wrong order.
        return RIGHT_TO_LEFT_MARK + rendered
    return rendered


RIGHT_TO_LEFT_MARK, LEFT_TO_RIGHT_MARK = "\u200f", "\u200e"
STRONG_DIRECTIONS = ("L", "R", "AL")
LOOKS_LIKE_AN_ADDRESS = re.compile(r"://|^www\.|@", re.IGNORECASE)


def right_to_left_words(words):
    """Whether a template's own words (the text around its placeholders) are right to left: an English text sent to
    an Arabic reader for want of a translation keeps its direction, whatever its values."""
    return any(unicodedata.bidirectional(character) in ("R", "AL") for character in words)


def _first_strong_direction(text):
    return next((kind for kind in map(unicodedata.bidirectional, text) if kind in STRONG_DIRECTIONS), None)


def left_to_right_end_kept(value):
    """A left-to-right value inside right-to-left words, followed by a left-to-right mark when it ends in a sign
    that has no direction of its own: an untranslated broadcast's full stop was drawn at the wrong end (".The clinic
    closes at noon"). Not after an address: phones would take the mark into the link they make of it (the status
    link's closing "/" stays where the phone draws it)."""
    if not value or _first_strong_direction(value) != "L" or LOOKS_LIKE_AN_ADDRESS.search(value.split()[-1]):
        return value
    if unicodedata.bidirectional(value[-1]) in (*STRONG_DIRECTIONS, "EN", "AN"):
        return value
    return value + LEFT_TO_RIGHT_MARK


# The GSM-7 alphabet (and its extension table, two units each) an SMS is sent in when every character of it is: 160
# characters a segment, where one other character sends it all as UCS-2, 70 a segment (67 once split).
GSM_7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)
# Typography that phones, word processors and keyboards put in names and admins' texts ("D’Souza" from an iPhone, a
# broadcast pasted with “quotes”), each with the GSM-7 character that looks like it: what Twilio's Smart Encoding does,
# which a message sent from a number rather than a Messaging Service does not get.
GSM_LOOKALIKES = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′ʼ`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        "…": "...",
        # The no-break space and Unicode's other spaces (en, em, thin, narrow no-break...).
        **dict.fromkeys(["\u00a0", *map(chr, range(0x2000, 0x200B)), "\u202f", "\u205f", "\u3000"], " "),
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u200e\u200f", None),
    }
)


def sms_text(text):
    """The text as an SMS is best sent: with GSM-7 look-alikes for typography when that leaves it all GSM-7 (a
    name typed "D’Souza" sent every English text of the patient as UCS-2, twice the segments); as it is otherwise
    (Hindi, Arabic, a Spanish "í" are UCS-2 anyway, and keep their typography)."""
    plain = text.translate(GSM_LOOKALIKES)
    return plain if set(plain) <= GSM_7 else text


def message_body(text, channel):
    """What a message on the channel says: an SMS's text as sms_text sends it; WhatsApp has no segments."""
    return sms_text(text) if channel == Channel.SMS else text


def template_text(template_type, channel, language=settings.LANGUAGE_CODE):
    """The admins' text for the event, channel and language (English where that language has none), the
    default when no template exists, None when switched off."""
    template = NotificationTemplate.objects.filter(template_type=template_type).first()
    if template is None:
        return default_text(template_type, language)
    if not template.is_active:
        return None
    translation = template.translations.filter(language=language).first()
    return (translation or template).text_for(channel)


def notification_key(entry, template_type, broadcast_id="", repeat_id=""):
    key = f"queue-{entry.pk}-{template_type}"
    if broadcast_id or repeat_id:
        return f"{key}-{broadcast_id or repeat_id}"
    occurrence = getattr(entry, OCCURRENCE_FIELD.get(template_type, ""), None)
    return f"{key}-{occurrence:%Y%m%d%H%M%S%f}" if occurrence else key


def channel_and_skip_reason(patient, template_type, *, answers_help=False):
    """The channel the patient chose, and why their preference forbids this message ('' when it does not).

    A STOP forbids every message but its own confirmation and the reply to a HELP (answers_help), which carriers
    require be answered always; a choice of no messages does not silence the answers to the patient's own texts.
    Asked when a message is recorded and again when it is sent.
    """
    preference = NotificationPreference.objects.filter(patient=patient).first()
    chosen = preference.channel if preference else NotificationPreference.PreferredChannel.SMS
    channel = chosen if chosen in Channel.values else Channel.SMS
    answered_after_stop = template_type == TemplateType.REPLY_OPTED_OUT or (answers_help and template_type in REPLIES)
    if not answered_after_stop and is_opted_out(patient, preference):
        return channel, OPTED_OUT_REASON
    if chosen == NotificationPreference.PreferredChannel.NONE and template_type not in REPLIES:
        return channel, NO_MESSAGES_REASON
    return channel, ""


def is_opted_out(patient, preference):
    """Whether the patient (whose NotificationPreference is preference, None without one) asked for no messages
    at all: by their STOP, or by one their number sent before it was a patient's."""
    if preference is not None and preference.opted_out:
        return True
    return NumberOptOut.objects.filter(phone=patient.phone).exists()


def number_opted_out(phone):
    """Whether a STOP from the number holds: its own (NumberOptOut), or that of a patient whose number it is."""
    return (
        NumberOptOut.objects.filter(phone=phone).exists()
        or NotificationPreference.objects.filter(patient__phone=phone, opted_out=True).exists()
    )


def set_message_opt_out(*, patient, opted_out: bool):
    """Record that the patient wants no messages at all (STOP), or wants them again (START)."""
    NotificationPreference.objects.update_or_create(patient=patient, defaults={"opted_out": opted_out})
    # Their own word now speaks for the number.
    NumberOptOut.objects.filter(phone=patient.phone).delete()


def set_number_opt_out(*, phone, opted_out: bool):
    """Record a STOP (or START) from a number no patient has: it holds for the patient who comes with it."""
    if opted_out:
        NumberOptOut.objects.get_or_create(phone=phone)
    else:
        NumberOptOut.objects.filter(phone=phone).delete()


def patients_ahead_words(count):
    """The {patients_ahead} placeholder, in the active language: a clause of its own, so that each language
    words its count ("1 patient is ahead of you", "3 patients are ahead of you") where a bare {position} cannot."""
    return ngettext(
        "%(count)s patient is ahead of you", "%(count)s patients are ahead of you", count
    ) % {"count": count}


def message_values(entry, template_type, message):
    place, doctors = None, NO_DOCTORS
    if entry.status == QueueStatus.WAITING:
        line = department_line(department=entry.department, day=entry.token_date)
        place = line.place_of(entry.pk)
        doctors = {**doctors_of(line.pace), "closed_today": closed_on(entry.department_id, entry.token_date)}
    position, wait = (place.position, place.estimated_wait_minutes) if place else (None, None)
    if place:
        doctors["maybe_not_today"] = place.maybe_not_today
    if template_type == TemplateType.PATIENTS_AHEAD and position:
        # The "N patients ahead" text counts the people before the patient, not their place.
        position -= 1
    doctor = entry.doctor
    return {
        "name": entry.patient.name,
        "token": entry.token,
        "department": entry.department.translated("name"),
        "position": "" if position is None else position,
        "patients_ahead": patients_ahead_words(place.position - 1) if place else "",
        "wait": "" if wait is None else wait,
        "expected_wait": (
            expected_wait_words(
                wait, doctors=doctors, low=place.estimated_wait_low_minutes, high=place.estimated_wait_high_minutes
            )
            if place
            else ""
        ),
        "doctor": (
            gettext("Dr. %(doctor)s in %(place)s") % {"doctor": doctor.display_name, "place": entry.where_to_go}
            if doctor
            else entry.where_to_go
        ),
        "time": clock_time(entry.called_at or timezone.now()),
        "link": visit_status_link(entry),
        "message": message,
    }


def status_words(entry, visits):
    """The answer to a STATUS about the token (one of the patient's open visits, visits), as its status page says it:
    its place and wait, its call or its missed turn, then each of the patient's other open tokens."""
    words = _visit_status_words(entry)
    for visit in visits:
        if visit.pk != entry.pk:
            words += " " + gettext("Also token %(token)s (%(department)s): %(status)s") % {
                "token": visit.token,
                "department": visit.department.translated("name"),
                "status": _visit_status_words(visit),
            }
    return words


def _visit_status_words(entry):
    if entry.status == QueueStatus.WAITING:
        # The figures and words of the patient's status page (no wait is promised without doctors to keep it).
        visit = visit_status(entry=entry)
        no_doctor_yet = not (visit["doctors_on_duty"] or visit["no_doctor_left_today"] or doctors_expected_later(visit))
        # A department closed for today says so in place of the wait, doctors or none.
        if no_doctor_yet and not visit["closed_today"]:
            return gettext("You are number %(position)s in line. No doctor is on duty yet.") % {
                "position": visit["position"]
            }
        return gettext("You are number %(position)s in line; expected wait: %(wait)s.") % {
            "position": visit["position"],
            "wait": expected_wait_words(
                visit["estimated_wait_minutes"],
                doctors=visit,
                low=visit["estimated_wait_low_minutes"],
                high=visit["estimated_wait_high_minutes"],
            ),
        }
    if entry.status == QueueStatus.CALLED:
        return gettext("It is your turn: please go to %(where)s now.") % {"where": entry.where_to_go}
    if entry.status == QueueStatus.SKIPPED:
        # The status page's words for a missed turn.
        return gettext(
            "You were called but we did not see you. Please go to the reception desk: they can put you back in line."
        )
    return gettext("Your consultation is under way.")


def prepare_queue_notification(
    *, entry_id, template_type, message="", translations=None, broadcast_id="", repeat_id=""
):
    """The Notification for this entry and event: found if it exists, else rendered and created.

    It is created 'queued', or 'skipped' when the patient's preference says no; None when the entry
    is gone, the message is no longer relevant, or admins switched that event's template off. A broadcast's
    message is the one of the patient's language among its translations, else the message.
    """
    entry = Queue.objects.select_related("patient", "department", "doctor__user").filter(pk=entry_id).first()
    if entry is None:
        return None
    key = notification_key(entry, template_type, broadcast_id, repeat_id)
    existing = Notification.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if not still_true(template_type, entry):
        logger.info("Not sending %s for queue entry %s: it no longer holds (ONLY_WHILE)", template_type, entry.pk)
        return None
    message = (translations or {}).get(entry.patient.language) or message
    return _record_notification(
        key=key,
        patient=entry.patient,
        template_type=template_type,
        values=lambda: message_values(entry, template_type, message),
        queue_entry=entry,
        message=message,
    )


def _record_notification(*, key, patient, template_type, values, **about):
    """Create the message's row, in the patient's language: 'queued', or 'skipped' when the patient's preference
    says no; None when admins switched the event's template off. values() gives the placeholders' values, worked
    out only when needed."""
    channel, skip_reason = channel_and_skip_reason(patient, template_type)
    language = patient.language
    text = template_text(template_type, channel, language)
    if text is None:
        return None
    with translation.override(language):
        body = message_body(render_message(text, **values()), channel)
    notification, _ = Notification.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "patient": patient,
            **about,
            "channel": channel,
            "event": template_type,
            "body": body,
            "status": Status.SKIPPED_BY_PREFERENCE if skip_reason else Status.QUEUED,
            "error_message": skip_reason,
        },
    )
    return notification


def sending_lease():
    """How long a claim ('sending') protects a message; older claims belong to a worker that died mid-send."""
    return timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS)


def _claim(notification_id, now):
    """Claim the row for one sender: 'fresh' from queued, 'takeover' of a dead worker's claim, or None."""
    rows = Notification.objects.filter(pk=notification_id)
    claim = {"status": Status.SENDING, "attempts": F("attempts") + 1, "updated_at": now}
    if rows.filter(status=Status.QUEUED).update(**claim):
        return "fresh"
    if rows.filter(status=Status.SENDING, updated_at__lt=now - sending_lease()).update(**claim):
        return "takeover"
    return None


def _already_accepted(sender, notification, template):
    """The provider's receipt for this message if an earlier attempt got it accepted, else None.

    Asked when that attempt's outcome is unknown: its worker died mid-send, or the connection broke
    after the request went out. Messages whose SID another Notification holds are not this one.
    """
    candidates = sender.find_sent(
        channel=notification.channel,
        phone=recipient_phone(notification),
        body=notification.body,
        sent_after=notification.created_at,
        template=template,
    )
    claimed_sids = set(
        Notification.objects.filter(twilio_sid__in=[receipt.sid for receipt in candidates])
        .exclude(pk=notification.pk)
        .values_list("twilio_sid", flat=True)
    )
    return next((receipt for receipt in candidates if receipt.sid not in claimed_sids), None)


# Texts whose {message} is theirs alone (an admin's broadcast, a refusal's reason): written before the row kept it
# (Notification.message, 2026-12-06), such a text has it nowhere but in its words, which it then keeps.
TEXTS_WITH_THEIR_OWN_MESSAGE = frozenset({TemplateType.BROADCAST, TemplateType.REPLY_REFUSED})
CONFIRMATION_QUESTIONS = frozenset({TemplateType.REPLY_LATE_ASK, TemplateType.REPLY_CANCEL_ASK})


def reply_text(template_type, channel, language):
    """The template text of a reply to a patient's text, None when admins switched it off. A LATE or CANCEL's
    question must carry its code: one an admin worded without {code} has it added."""
    text = template_text(template_type, channel, language)
    if text is None or template_type not in CONFIRMATION_QUESTIONS:
        return text
    if "code" in {field for _literal, field, _spec, _conversion in string.Formatter().parse(text)}:
        return text
    with translation.override(language):
        if template_type == TemplateType.REPLY_LATE_ASK:
            how = gettext("To be moved back, reply YES %(code)s.")
        else:
            how = gettext("To cancel, reply YES %(code)s.")
    return text + " " + how % {"code": "{code}"}


def words_now(notification):
    """The token's text worded again from its template and the line as they are now, as it was worded when written
    (its place, the patients ahead, the wait): a text that waited for a retry after a rate limit or an outage, or for a
    dead worker's lease, said "3 patients are ahead of you" once two had been called. A STATUS's answer is worded as a
    STATUS received now would be answered: about the token asked of while it is open, else the patient's first open
    token (the row then names it). None when it no longer holds: "N patients ahead" with nobody ahead (their call is
    next), a STATUS's answer once the patient has no open token (the change's own text told them). A text not about a
    token, or whose template was switched off since, keeps its words; so does a broadcast or a refusal written before
    its message was kept. A broadcast keeps its admin's message and a refusal its reason (Notification.message), a LATE
    or CANCEL's question the code its YES must repeat (the patient's text's confirmation_code)."""
    if notification.queue_entry_id is None:
        return notification.body
    if notification.event in TEXTS_WITH_THEIR_OWN_MESSAGE and not notification.message:
        return notification.body
    entry = Queue.objects.select_related("patient", "department", "doctor__user").get(pk=notification.queue_entry_id)
    patient = notification.patient
    text = reply_text(notification.event, notification.channel, patient.language)
    if text is None:
        return notification.body
    message, code = notification.message, ""
    if notification.event in CONFIRMATION_QUESTIONS:
        code = _question_code(notification)
        if not code:
            return notification.body
    with translation.override(patient.language):
        if notification.event == TemplateType.REPLY_STATUS:
            visits = open_visits_of(patient)
            if entry.pk not in {visit.pk for visit in visits}:
                if not visits:
                    return None
                entry = notification.queue_entry = visits[0]
            message = status_words(entry, visits)
        values = message_values(entry, notification.event, message)
        if notification.event == TemplateType.PATIENTS_AHEAD and not values["position"]:
            return None
        return message_body(render_message(text, **values, code=code), notification.channel)


def _question_code(notification):
    """The code a LATE or CANCEL's question carries: that of the patient's text it answers, which its resend elsewhere
    (by SMS, or as a WhatsApp template: the question's key and a suffix) answers too; "" when none is found."""
    question_key = notification.idempotency_key.split(":")[0]
    asked = InboundMessage.objects.filter(reply__idempotency_key=question_key)
    return asked.values_list("confirmation_code", flat=True).first() or ""


def deliver_notification(*, notification_id, just_written=False):
    """Send a queued notification exactly once; returns it with its outcome.

    The row is claimed (queued -> sending) by one conditional UPDATE, so of two copies of a task only
    one reaches the sender. A claim older than the lease is taken over, and then Twilio is asked first
    whether the dead worker's message got through, so it is recorded instead of sent twice. A message the
    patient's preference now forbids is skipped, one about a token that moved on since it was written is withdrawn as
    outdated (ONLY_WHILE); one a phone correction or a change withdrew is never claimed, nor put back to
    'queued' by the attempt it interrupted. The row comes back 'queued' when a rate limit or outage left attempts to
    retry. A token's text is worded again from the line as it is now (words_now) unless just_written: this task wrote
    it a moment ago.
    """
    claim = _claim(notification_id, timezone.now())
    notification = Notification.objects.select_related("patient", "queue_entry__department").get(pk=notification_id)
    if claim is None:
        return notification
    sender = get_sender()
    template = whatsapp_template_for(notification)
    try:
        receipt = None
        if claim == "takeover" or notification.error_code in OUTCOME_UNKNOWN_CODES:
            receipt = _already_accepted(sender, notification, template)
            if receipt is not None:
                logger.info("Notification %s was already accepted as %s; not sending again", notification.pk, receipt.sid)
        if receipt is None:
            # The patient may have texted STOP (Twilio blocks SMS after it, never WhatsApp) or chosen no messages
            # since the message was recorded: while it waited in the outbox, for a retry or for a dead worker's lease.
            skip_reason = _skip_reason_at_sending(notification)
            if skip_reason:
                return _skip_by_preference(notification, skip_reason)
            # Or the token moved on, or its department's day changed, since it was written (ONLY_WHILE); else the
            # line may have moved: its words are the line's now, unless this task wrote them a moment ago.
            if notification.queue_entry_id and not still_true(notification.event, notification.queue_entry):
                return _withdraw_claimed(notification)
            body = notification.body if just_written else words_now(notification)
            if body is None:
                return _withdraw_claimed(notification)
            if body != notification.body:
                notification.body = body
                Notification.objects.filter(pk=notification.pk).update(body=body, queue_entry=notification.queue_entry)
                template = whatsapp_template_for(notification)
            if template is not None and not template.fits:
                raise SendError(
                    code=TOO_LONG_FOR_WHATSAPP_TEMPLATE,
                    message=TOO_LONG_FOR_WHATSAPP_TEMPLATE_REASON,
                    transient=False,
                )
            receipt = sender.send(
                channel=notification.channel,
                phone=recipient_phone(notification),
                body=notification.body,
                status_callback_url=status_callback_url(notification),
                template=template,
            )
    except SendError as error:
        retry = error.transient and notification.attempts < settings.NOTIFICATION_MAX_ATTEMPTS
        notification.status = Status.QUEUED if retry else Status.FAILED
        notification.backend, notification.error_code, notification.error_message = (
            sender.name,
            error.code,
            error.message,
        )
        logger.warning(
            "Notification %s attempt %s failed (%s): %s", notification.pk, notification.attempts, error.code, error.message
        )
    else:
        notification.status, notification.backend, notification.twilio_sid = Status.SENT, receipt.backend, receipt.sid
        notification.segments = receipt.segments
        notification.sent_at, notification.error_code, notification.error_message = timezone.now(), "", ""
    outcome = ["status", "backend", "twilio_sid", "segments", "sent_at", "error_code", "error_message", "updated_at"]
    if notification.status == Status.SENT:
        return _record_sent(notification, outcome)
    # Not sent: a phone correction that withdrew the message during this attempt keeps it withdrawn, or its retry
    # would send the dead link, perhaps to a stranger.
    notification.updated_at = timezone.now()
    with transaction.atomic():
        if not Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(
            **{field: getattr(notification, field) for field in outcome}
        ):
            notification.refresh_from_db()
        elif _goes_again_elsewhere(notification):
            _send_again_where_it_arrives(notification, notification.error_code)
    return notification


def _withdraw_claimed(notification):
    """Withdraw the message this attempt claimed: it no longer holds (ONLY_WHILE, words_now)."""
    # The claim counted an attempt that never reached the sender.
    claimed = Notification.objects.filter(pk=notification.pk)
    _mark_outdated(claimed, unsent=[Status.SENDING], attempts=F("attempts") - 1)
    notification.refresh_from_db()
    return notification


def whatsapp_template_for(notification):
    """The approved template a WhatsApp message must go as, its text the variable: None on SMS, within WhatsApp's
    24 hours after the recipient's last WhatsApp text, or when no template is configured (it then goes as text)."""
    if notification.channel != Channel.WHATSAPP or _whatsapp_session_open(recipient_phone(notification)):
        return None
    content_sid = _whatsapp_content_sid(notification)
    return WhatsAppTemplate(content_sid=content_sid, text=notification.body) if content_sid else None


def _whatsapp_content_sid(notification):
    """The configured template of the recipient's language, else of the site's language; "" without either."""
    templates = settings.TWILIO_WHATSAPP_CONTENT_SIDS
    language = notification.patient.language if notification.patient_id else settings.LANGUAGE_CODE
    return templates.get(language) or templates.get(settings.LANGUAGE_CODE, "")


def _whatsapp_session_open(phone):
    """Whether the number wrote to us on WhatsApp in the last 24 hours, and WhatsApp has not refused a free-form
    message to it since as outside that window (its clock, not ours, decides)."""
    last_text = InboundMessage.objects.filter(
        channel=Channel.WHATSAPP, from_phone=phone, received_at__gt=timezone.now() - WHATSAPP_SESSION
    ).aggregate(last=Max("received_at"))["last"]
    if last_text is None:
        return False
    refused_since = Notification.objects.filter(
        Q(patient__phone=phone) | Q(to_phone=phone),
        channel=Channel.WHATSAPP,
        error_code=OUTSIDE_WHATSAPP_SESSION,
        updated_at__gt=last_text,
    )
    return not refused_since.exists()


def recipient_phone(notification):
    """The number a message goes to: its patient's, or its own for an answer to a number no patient has."""
    return notification.patient.phone if notification.patient_id else notification.to_phone


def _skip_reason_at_sending(notification):
    if notification.patient_id is None:
        # An answer to a number no patient has: to its HELP, which carriers require be answered even after the number's
        # STOP, or the confirmation of its STOP or START (inbound._answer_unknown_number).
        return ""
    _channel, skip_reason = channel_and_skip_reason(
        notification.patient, notification.event, answers_help=_answers_help(notification)
    )
    return skip_reason


def _answers_help(notification):
    """Whether the message is the answer to a patient's HELP (the keyword list, or without a token the way to get one;
    not the keyword list sent for a text we did not read)."""
    return (
        notification.event in REPLIES
        and InboundMessage.objects.filter(reply=notification, keyword=HELP_KEYWORD).exists()
    )


def _record_sent(notification, outcome):
    """Store the accepted message's SID and its 'sent', unless Twilio's callback for that SID, come first (it names
    the row), already recorded a later status: then its status and error stay."""
    notification.updated_at = timezone.now()
    values = {field: getattr(notification, field) for field in outcome}
    rows = Notification.objects.filter(pk=notification.pk)
    reported_first = Q(twilio_sid=notification.twilio_sid, status__in=STATUSES_A_REPORT_LEAVES[Status.SENT])
    if not rows.exclude(reported_first).update(**values):
        rows.update(
            backend=notification.backend,
            sent_at=notification.sent_at,
            segments=notification.segments,
            updated_at=notification.updated_at,
        )
        notification.refresh_from_db()
    return notification


def _skip_by_preference(notification, reason):
    # The claim counted an attempt that never reached the sender.
    notification.status, notification.attempts = Status.SKIPPED_BY_PREFERENCE, notification.attempts - 1
    notification.error_code, notification.error_message = "", reason
    notification.save(update_fields=["status", "attempts", "error_code", "error_message", "updated_at"])
    # A reply that waited in the outbox past the patient's STOP: the text it answers was not answered after all.
    InboundMessage.objects.filter(reply=notification, effect__in=EFFECTS_THAT_ARE_THE_REPLY).update(
        effect=InboundMessage.Effect.NOT_ANSWERED, detail=for_staff(NOT_ANSWERED_OPTED_OUT)
    )
    return notification


def for_staff(words):
    """Words (marked with gettext_noop) for staff rather than the patient, kept in a row: in the site's language, where
    a reply's words (and a refusal's reason, part of the reply) are in the patient's."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(words)


def stuck_notification_ids():
    """Messages no task is looking after: claimed by a worker past the lease, or queued for a retry that never came."""
    now = timezone.now()
    longest_retry_wait = timedelta(seconds=settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS) + sending_lease()
    stuck = Notification.objects.filter(
        Q(status=Status.SENDING, updated_at__lt=now - sending_lease())
        | Q(status=Status.QUEUED, updated_at__lt=now - longest_retry_wait)
    )
    return list(stuck.order_by("updated_at").values_list("pk", flat=True)[:STUCK_BATCH_SIZE])


def announce_patients_ahead(*, entry_id):
    """Enqueue "N patients ahead" for each waiting token in the entry's department line now N or fewer places
    from the front (at least one ahead) that has not had it.

    N is the patient's own choice (from the status page), else the hospital's setting. Any number ahead up to N
    qualifies, not exactly N: the line can move several places between two checks (two doctors calling at once,
    a worker running the check late), and a patient can choose an N already reached. Each token gets the message
    at most once (again only when the one it had was withdrawn before it went); it says how many are ahead when it
    is written. Returns the ids of the tokens told. On the hospital's setting, a patient who joined
    within N is told only once the line has moved them up: their registration's message told them their place, and
    the first change after it, even one behind them, texted the same place again.
    """
    entry = Queue.objects.filter(pk=entry_id).first()
    if entry is None:
        return []
    default_ahead = hooks.hospital_settings().notify_when_patients_ahead
    due = []
    # Only the order matters here, not the waits: one statement, without the pace the line's waits need.
    line = Queue.objects.waiting().day_in_service_order(
        department_id=entry.department_id,
        day=entry.token_date,
        fields=("id", "notify_when_patients_ahead", "patients_ahead_at_registration"),
    )
    for row in line:
        chosen, ahead, told_on_registering = (
            row["notify_when_patients_ahead"], row["place"] - 1, row["patients_ahead_at_registration"]
        )
        if chosen is None and told_on_registering is not None and ahead >= told_on_registering:
            continue
        if 1 <= ahead <= (default_ahead if chosen is None else chosen):
            due.append(row["id"])
    if not due:
        return []
    # Every check finds again the tokens already told (they stay near the front until called): one look-up for all.
    texts = Notification.objects.filter(queue_entry_id__in=due, event=TemplateType.PATIENTS_AHEAD).order_by("pk")
    latest = {text.queue_entry_id: text for text in texts}
    calls = []
    for entry_id in due:
        last = latest.get(entry_id)
        if last is not None and last.status != Status.OUTDATED:
            continue
        # A text withdrawn before it went (the token called, or moved back, since) told nothing: a new one, keyed by it.
        message = {"entry_id": entry_id, "template_type": TemplateType.PATIENTS_AHEAD}
        calls.append((SEND_QUEUE_MESSAGE, message | ({"repeat_id": f"after-{last.pk}"} if last else {})))
    outbox.enqueue_after_commit(calls)
    return [message["entry_id"] for _task, message in calls]


def _text_each(entry_ids, template_type, **arguments):
    """One send_queue_message task per token, handed to Celery after commit (through the outbox)."""
    outbox.enqueue_after_commit(
        [
            (SEND_QUEUE_MESSAGE, {"entry_id": entry_id, "template_type": template_type, **arguments})
            for entry_id in entry_ids
        ]
    )


def fan_out_broadcast(*, message, department_id, broadcast_id, translations=None):
    """Enqueue the broadcast for each of today's waiting patients; returns how many.

    A patient waiting in several departments gets a broadcast to all of them once (about their first token), not
    the same text once per token; one texted BROADCAST_TEXTS_PER_PATIENT_PER_DAY broadcasts today is not texted more
    (the screens still show it)."""
    today = timezone.localdate()
    entries = Queue.objects.waiting().for_day(today)
    if department_id is not None:
        entries = entries.filter(department_id=department_id)
    first_token_of = {}
    for entry_id, patient_id in entries.order_by("pk").values_list("pk", "patient_id"):
        first_token_of.setdefault(patient_id, entry_id)
    texted_enough = _texted_their_broadcasts_today(first_token_of, broadcast_id=broadcast_id, today=today)
    entry_ids = [entry_id for patient_id, entry_id in first_token_of.items() if patient_id not in texted_enough]
    _text_each(
        entry_ids,
        TemplateType.BROADCAST,
        message=message,
        translations=translations or {},
        broadcast_id=broadcast_id,
    )
    return len(entry_ids)


def _texted_their_broadcasts_today(patient_ids, *, broadcast_id, today):
    """Of these patients, those texted as many other broadcasts today as BROADCAST_TEXTS_PER_PATIENT_PER_DAY allows:
    each is up to 500 characters (4 SMS segments, 8 in Arabic or Hindi) to every waiting patient, and nothing else
    bounded how many a panel administrator sent. This broadcast's own texts (its task run again) are not counted."""
    return set(
        Notification.objects.filter(
            patient_id__in=patient_ids, event=TemplateType.BROADCAST, created_at__gte=day_starts_at(today)
        )
        .exclude(idempotency_key__endswith=f"-{broadcast_id}")
        .values("patient_id")
        .annotate(texted=Count("pk"))
        .filter(texted__gte=settings.BROADCAST_TEXTS_PER_PATIENT_PER_DAY)
        .values_list("patient_id", flat=True)
    )


# A token's texts about its department closing today and opening again, each the answer to the one before.
CLOSING_TEXTS = (TemplateType.CLOSED_TODAY, TemplateType.OPEN_AGAIN_TODAY)
# What a token is told of its department's day as a whole; those of DAY_OVER_TEXTS say it will not be called today.
DAY_TEXTS = (*CLOSING_TEXTS, TemplateType.NO_DOCTOR_LEFT_TODAY, TemplateType.DOCTOR_BACK_TODAY)
DAY_OVER_TEXTS = (TemplateType.CLOSED_TODAY, TemplateType.NO_DOCTOR_LEFT_TODAY)


def tell_patients_left_in_line(*, day):
    """Tell each patient whose token of the day was still waiting when its line closed (at local midnight: the
    token will never be called) what to do; returns how many. Each token is told once however often it runs."""
    waiting = list(Queue.objects.waiting().for_day(day).values_list("pk", flat=True))
    # One closing text per token: one told its day was over for it ("closed today", "no doctor expected back today",
    # not answered since by "open again" or "a doctor is back") is not told again at midnight.
    last_day_text = {}
    day_texts = Notification.objects.filter(queue_entry_id__in=waiting, event__in=DAY_TEXTS, status__in=TOLD)
    for queue_entry_id, event in day_texts.order_by("pk").values_list("queue_entry_id", "event"):
        last_day_text[queue_entry_id] = event
    entry_ids = [entry_id for entry_id in waiting if last_day_text.get(entry_id) not in DAY_OVER_TEXTS]
    _text_each(entry_ids, TemplateType.LINE_CLOSED)
    return len(entry_ids)


def _texts_of_the_line(department_id, day, template_types):
    """The texts of those types about the department's tokens of the day (of every department when None)."""
    texts = Notification.objects.filter(event__in=template_types, queue_entry__token_date=day)
    return texts if department_id is None else texts.filter(queue_entry__department_id=department_id)


def notify_no_doctor_left_today(sender, *, change, **kwargs):
    """hooks.no_doctor_left_today receiver: the department's waiting patients are told by a task (one per token); a
    "doctor back" text still waiting to go no longer holds."""
    _withdraw_outdated(
        _texts_of_the_line(
            change.department_id, change.day, [TemplateType.DOCTOR_BACK_TODAY, TemplateType.PATIENTS_AHEAD]
        )
    )
    outbox.enqueue_after_commit(
        [
            (
                TELL_NO_DOCTOR_LEFT_TODAY,
                {
                    "department_id": change.department_id,
                    "day": change.day.isoformat(),
                    "joining_entry_id": change.joining_entry_id,
                },
            )
        ]
    )


def tell_no_doctor_left_today(*, department_id, day, joining_entry_id=None):
    """Tell each patient waiting in the department's line of the day that no doctor is expected back today and to
    ask at the desk, if its latest queue still says so (a doctor back before this runs tells nobody); returns how
    many. Each token is told once, whichever doctor leaves last and however often the queue is published; the token
    whose registration or check-in published the queue (joining_entry_id) not at all, as its own text says it."""
    queue = latest_queue_snapshot(department_id=department_id)
    if queue is None or queue["date"] != day.isoformat() or not doctors_in(queue)["no_doctor_left_today"]:
        return 0
    entry_ids = list(
        Queue.objects.waiting()
        .for_day(day)
        .filter(department_id=department_id)
        .exclude(pk=joining_entry_id)
        .values_list("pk", flat=True)
    )
    # Once a day per token, unless its text was withdrawn, never sent (a doctor back before it went): a new one, keyed
    # by it, tells it now.
    texts = Notification.objects.filter(queue_entry_id__in=entry_ids, event=TemplateType.NO_DOCTOR_LEFT_TODAY)
    latest = {text.queue_entry_id: text for text in texts.order_by("pk")}
    calls = []
    for entry_id in entry_ids:
        last = latest.get(entry_id)
        repeat_id = f"after-{last.pk}" if last is not None and last.status == Status.OUTDATED else ""
        message = {"entry_id": entry_id, "template_type": TemplateType.NO_DOCTOR_LEFT_TODAY, "repeat_id": repeat_id}
        calls.append((SEND_QUEUE_MESSAGE, message))
    outbox.enqueue_after_commit(calls)
    return len(entry_ids)


def notify_doctor_back_today(sender, *, change, **kwargs):
    """hooks.doctor_back_today receiver: the patients told that no doctor was expected back are told by a task; such
    a text still waiting to go is withdrawn first (it no longer holds), so its patient, never told, is not told
    either that a doctor is back."""
    _withdraw_outdated(_texts_of_the_line(change.department_id, change.day, [TemplateType.NO_DOCTOR_LEFT_TODAY]))
    outbox.enqueue_after_commit(
        [(TELL_DOCTOR_BACK_TODAY, {"department_id": change.department_id, "day": change.day.isoformat()})]
    )


def doctor_back_key_of(no_doctor_left):
    """The "doctor back" message's repeat_id for the patient's "no doctor expected back" text (no_doctor_left).

    A token's episode is the one it was told no doctor was expected back in: it starts with that text, which a token
    gets at most once a day, and ends with the first queue to have a doctor again. So the "doctor back" text is keyed
    per token and per that text: a doctor flapping between Available and Offline, two tasks of one episode's end (a
    redelivered or redispatched task) or of two ends in quick succession, tell each token once."""
    return f"after-{no_doctor_left.pk}"


def tell_doctor_back_today(*, department_id, day):
    """Tell each patient still waiting in the department's line of the day who was texted that no doctor is expected
    back today that a doctor is, with their place and wait, if its latest queue still has a doctor (one gone again
    before this runs tells nobody: they were not told of a return the board no longer shows); returns how many.
    Patients who joined since (their own text said it) or left the line are not told; nor twice."""
    queue = latest_queue_snapshot(department_id=department_id)
    if queue is None or queue["date"] != day.isoformat() or doctors_in(queue)["no_doctor_left_today"]:
        return 0
    told = Notification.objects.filter(
        queue_entry__in=Queue.objects.waiting().for_day(day).filter(department_id=department_id),
        event=TemplateType.NO_DOCTOR_LEFT_TODAY,
        status__in=TOLD,
    ).select_related("queue_entry")
    due = {}
    for no_doctor_left in told:
        repeat_id = doctor_back_key_of(no_doctor_left)
        key = notification_key(no_doctor_left.queue_entry, TemplateType.DOCTOR_BACK_TODAY, repeat_id=repeat_id)
        due[key] = (no_doctor_left.queue_entry_id, repeat_id)
    already = set(Notification.objects.filter(idempotency_key__in=due).values_list("idempotency_key", flat=True))
    calls = [
        (
            SEND_QUEUE_MESSAGE,
            {"entry_id": entry_id, "template_type": TemplateType.DOCTOR_BACK_TODAY, "repeat_id": repeat_id},
        )
        for key, (entry_id, repeat_id) in due.items()
        if key not in already
    ]
    outbox.enqueue_after_commit(calls)
    return len(calls)




def notify_closing_of_today(sender, *, change, **kwargs):
    """hooks.closing_of_today_changed receiver: the patients in that line today are told by a task, after commit; a
    closing text still waiting to go that the change makes untrue is withdrawn in its transaction ("closed today"
    after the reopening), so the task, counting it untold, tells its patient nothing more ("open again")."""
    withdrawn = [*CLOSING_TEXTS, TemplateType.PATIENTS_AHEAD]
    _withdraw_outdated(_texts_of_the_line(change.department_id, change.day, withdrawn))
    outbox.enqueue_after_commit(
        [
            (
                TELL_CLOSING_OF_TODAY,
                {"department_id": change.department_id, "day": change.day.isoformat(), "closed": change.closed},
            )
        ]
    )


def tell_closing_of_today(*, department_id, day, closed):
    """Tell each patient still in the line of the day (waiting, or skipped and recallable) of the department closed
    or reopened, or of every department (department_id None: the whole hospital), that it is closed today and to ask
    at the desk, or, reopened, that their token stands; returns how many texts are queued.

    A token's closing texts alternate: it is told "closed" unless its last such text already said so (a department
    closed after the whole hospital, or closed again before that text went), and "open again" only after a "closed"
    text, and only where nothing keeps its department shut; each keyed by the text it answers, so a repeated task
    tells no one twice, while closing again after a reopening tells them again (their last word was "open")."""
    told_to = TemplateType.CLOSED_TODAY if closed else TemplateType.OPEN_AGAIN_TODAY
    shut = set(ClosedDay.objects.filter(day=day).values_list("department_id", flat=True))
    entries = appointments.in_line_a_closing_tells(day=day, department_id=department_id)
    if None not in shut:
        entries = entries.filter(department_id__in=shut) if closed else entries.exclude(department_id__in=shut)
    elif not closed:
        return 0
    last_told, last_written = {}, {}
    for notification in Notification.objects.filter(queue_entry__in=entries, event__in=CLOSING_TEXTS).order_by("pk"):
        last_written[notification.queue_entry_id] = notification
        if notification.status in TOLD:
            last_told[notification.queue_entry_id] = notification
    calls = []
    for entry_id in entries.values_list("pk", flat=True):
        last = last_told.get(entry_id)
        if (last.event if last else TemplateType.OPEN_AGAIN_TODAY) == told_to:
            continue
        # Keyed by the last text written, told or not: a "closed" withdrawn by the reopening (or failed) took its key,
        # and the same key again, closed again, found it and told no one.
        written = last_written.get(entry_id)
        calls.append(
            (
                SEND_QUEUE_MESSAGE,
                {"entry_id": entry_id, "template_type": told_to, "repeat_id": f"after-{written.pk}" if written else ""},
            )
        )
    outbox.enqueue_after_commit(calls)
    return len(calls)


def quiet_until(now=None):
    """When a text that can wait may go: now, or REMINDERS_NOT_BEFORE_HOUR that morning (not to wake anyone)."""
    return _reminder_due_at(now or timezone.now())


@transaction.atomic
def record_delivery_status(*, message_sid, twilio_status, error_code="", error_message="", notification_id=None):
    """Apply a Twilio status callback to the Notification it is about: the one its URL names (notification_id), else
    the one with its MessageSid (messages sent before callback URLs named their row). Raises
    Notification.DoesNotExist, or NotTheReportedMessage when the named row holds another SID."""
    status = TWILIO_STATUSES.get(twilio_status)
    if status is None:
        raise UnknownDeliveryStatus(f"Unknown MessageStatus '{twilio_status}'.")
    rows = Notification.objects.select_for_update()
    if notification_id is None:
        notification = rows.get(twilio_sid=message_sid)
    else:
        notification = rows.get(pk=notification_id)
        if notification.twilio_sid not in ("", message_sid):
            raise NotTheReportedMessage(f"Message {notification_id} is not the one Twilio knows as {message_sid}.")
        # The report came before the sending worker stored the SID (Twilio calls back as soon as it accepts).
        notification.twilio_sid = message_sid
    if notification.status in STATUSES_A_REPORT_LEAVES[status]:
        return notification
    notification.status = status
    if status == Status.FAILED:
        notification.error_code = error_code
        notification.error_message = error_message or REPORTED_FAILURE_REASONS[twilio_status]
        if _goes_again_elsewhere(notification):
            _send_again_where_it_arrives(notification, error_code)
    elif status == Status.DELIVERED:
        # A failure reported before (callbacks out of order, a carrier's retry) no longer describes the message.
        notification.error_code = notification.error_message = ""
    notification.save(update_fields=["status", "twilio_sid", "error_code", "error_message", "updated_at"])
    return notification


def _goes_again_elsewhere(notification):
    """Whether the failed message is a WhatsApp one the patient gets again, as a template or by SMS."""
    return notification.channel == Channel.WHATSAPP and notification.error_code in WHATSAPP_UNREACHABLE_CODES


def _send_again_where_it_arrives(notification, error_code):
    """The same text again, once however often the failure is reported: on WhatsApp as the approved template when
    WhatsApp refused it as outside its 24 hours and a template is configured (once: a template refused in turn goes by
    SMS), otherwise by SMS. The patient's opt-out is asked when it is sent, as for every message."""
    as_template = (
        error_code == OUTSIDE_WHATSAPP_SESSION
        and _whatsapp_content_sid(notification)
        and not notification.idempotency_key.endswith(AS_TEMPLATE_AGAIN)
    )
    if as_template:
        key, channel, body = f"{notification.idempotency_key}{AS_TEMPLATE_AGAIN}", Channel.WHATSAPP, notification.body
    else:
        key, channel, body = f"{notification.idempotency_key}:sms", Channel.SMS, sms_text(notification.body)
    again, created = Notification.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "patient_id": notification.patient_id,
            "to_phone": notification.to_phone,
            "queue_entry_id": notification.queue_entry_id,
            "appointment_id": notification.appointment_id,
            "channel": channel,
            "event": notification.event,
            "body": body,
            "message": notification.message,
        },
    )
    if created:
        outbox.enqueue_after_commit([(RESEND_RECORDED_MESSAGE, {"notification_id": again.pk})])


def text_on_call_when_raised(sender, *, change, **kwargs):
    """hooks.wait_alert_changed receiver: a raised alert of a department with an on-call number is texted."""
    if change.raised and change.alert.department.on_call_phone:
        outbox.enqueue_after_commit([(TEXT_ON_CALL, {"alert_id": change.alert.pk})])


def text_on_call(*, alert_id):
    """Text the department's on-call number about its alert, at most once per episode; True when sent.

    The alert is marked before sending, so a duplicated task never texts twice; a failed send is logged,
    not retried (the alert stays on the staff screens).
    """
    if not WaitAlert.objects.filter(pk=alert_id, on_call_notified_at__isnull=True).update(
        on_call_notified_at=timezone.now()
    ):
        return False
    alert = WaitAlert.objects.select_related("department").get(pk=alert_id)
    if number_opted_out(alert.department.on_call_phone):
        # A STOP holds for every text to the number, a staff phone's too: carriers require it (Twilio refuses with
        # 21610 what its own opt-out handling blocked, and nothing blocks the others).
        logger.info("Not texting the on-call number of %s (alert %s): it opted out", alert.department, alert.pk)
        return False
    body = gettext(
        "SmartQueue: someone in %(department)s has waited %(minutes)s min, over the %(threshold)s min limit."
    ) % {"department": alert.department.name, "minutes": alert.peak_wait_minutes, "threshold": alert.threshold_minutes}
    try:
        get_sender().send(
            channel=Channel.SMS, phone=alert.department.on_call_phone, body=sms_text(body), status_callback_url=None
        )
    except SendError as error:
        logger.warning("Could not text the on-call number of %s (alert %s): %s", alert.department, alert.pk, error.message)
        return False
    return True


# Booking messages. A booking's message is keyed by the booking, the event and the slot it is about (a confirmation
# also by the booking's move), so every move is confirmed and a moved appointment gets new reminders, and each
# reminder is sent once per slot whatever runs it again.
APPOINTMENT_EVENT_MESSAGES = {
    "booked": TemplateType.BOOKING_CONFIRMED,
    "booking_repeated": TemplateType.BOOKING_CONFIRMED,
    "rescheduled": TemplateType.BOOKING_CONFIRMED,
    "cancelled": TemplateType.BOOKING_CANCELLED,
    "closed": TemplateType.BOOKING_CANCELLED,
    "no_show": TemplateType.BOOKING_NO_SHOW,
}
APPOINTMENT_STATUSES_STILL_RELEVANT = {
    TemplateType.BOOKING_CONFIRMED: {Appointment.Status.BOOKED},
    TemplateType.BOOKING_REMINDER: {Appointment.Status.BOOKED},
    TemplateType.BOOKING_CANCELLED: {Appointment.Status.CANCELLED},
    TemplateType.BOOKING_NO_SHOW: {Appointment.Status.NO_SHOW},
}
# (occurrence, how long before the slot it is due): the day before, then two hours before. A reminder is skipped
# when the booking got its time after its moment (a patient who booked an hour ago needs no "tomorrow" message,
# nor one who just moved their booking: the move's confirmation named the new time).
REMINDERS = (("day_before", timedelta(hours=24)), ("two_hours", timedelta(hours=2)))


def _time_given_at(appointment):
    # A booked booking is saved again only by a move (or an edit of its notes in Django admin): a moved one got
    # its time when it was last saved.
    return appointment.updated_at if appointment.times_moved else appointment.created_at


def _reminder_fits(appointment, occurrence):
    """Whether the booking had its time before this reminder's moment (REMINDERS): else the booking's (or its move's)
    confirmation has just named the time. Asked again when a reminder's task runs: retried after a rate limit, the
    task of a booking moved since wrote a reminder of the new time, which the move's confirmation had just named."""
    return _time_given_at(appointment) < appointment.slot_start - dict(REMINDERS)[occurrence]


def _reminder_due_at(moment):
    """The moment, or REMINDERS_NOT_BEFORE_HOUR that morning when it falls earlier: an 08:00 slot's two-hour
    reminder texted at 06:00 woke the patient. A reminder pushed past its slot is not sent (the other was)."""
    local = timezone.localtime(moment)
    if local.hour >= settings.REMINDERS_NOT_BEFORE_HOUR:
        return moment
    return local.replace(hour=settings.REMINDERS_NOT_BEFORE_HOUR, minute=0, second=0, microsecond=0)


# The changes after which what the booking's earlier messages say (its time, "move or cancel it", "still coming?")
# no longer holds.
APPOINTMENT_STATE_CHANGES = frozenset({"rescheduled", "cancelled", "closed", "checked_in", "no_show"})


def notify_appointment_change(sender, *, change, **kwargs):
    """hooks.appointment_changed receiver: record the booking's message in the change's transaction, and withdraw its
    earlier messages not sent yet when the change makes them untrue (APPOINTMENT_STATE_CHANGES). Only their
    recording checked the booking: one waiting in the outbox for a retry (a rate limit, Twilio down) or for a dead
    worker's lease was sent as it was, a reminder after the cancellation, the old time after a move."""
    if change.event in APPOINTMENT_STATE_CHANGES:
        Notification.objects.filter(
            appointment_id=change.appointment.pk, status__in=[Status.QUEUED, Status.SENDING]
        ).update(status=Status.OUTDATED, error_code="", error_message=BOOKING_CHANGED_REASON, updated_at=timezone.now())
    template_type = APPOINTMENT_EVENT_MESSAGES.get(change.event)
    if template_type is None:
        return
    message = {"appointment_id": change.appointment.pk, "template_type": template_type}
    if change.event in REPEATABLE_EVENTS:
        message["occurrence"] = f"{change.event}-{int(timezone.now().timestamp()) // REPEAT_WINDOW_SECONDS}"
    if change.reason:
        # Travels in English through the outbox; worded in the patient's language when the message is rendered.
        message["message"] = change.reason
    outbox.enqueue_after_commit([(SEND_APPOINTMENT_MESSAGE, message)])


def appointment_notification_key(appointment, template_type, occurrence=""):
    key = f"appointment-{appointment.pk}-{template_type}-{appointment.slot_start:%Y%m%d%H%M}"
    if template_type == TemplateType.BOOKING_CONFIRMED and appointment.times_moved:
        # A move back to a time the patient had before is confirmed again: their last text named the other time.
        # A booking never moved keeps the key it always had, so a confirmation already recorded is not sent twice.
        key = f"{key}-move{appointment.times_moved}"
    return f"{key}-{occurrence}" if occurrence else key


def _appointment_values(appointment, template_type, message):
    if template_type in (TemplateType.BOOKING_CONFIRMED, TemplateType.BOOKING_REMINDER):
        link = settings.SITE_URL + appointment.get_absolute_url()
    else:
        # Book again on the booking's own day, where other times may still be free; the page shows today once it
        # has passed.
        day = timezone.localdate(appointment.slot_start).isoformat()
        link = f"{settings.SITE_URL}{reverse('patients:book')}?department={appointment.department_id}&day={day}"
    return {
        "name": appointment.patient.name,
        "department": appointment.department.translated("name"),
        # Rendered inside the patient's language, so day and month names are theirs; a sentence's own format, as a
        # page's abbreviations read wrongly in one ("su cita es el mar 8 dic": "mar" is also "the sea").
        "time": date_format(
            timezone.localtime(appointment.slot_start), pgettext("date format in a text message", "D j M, H:i")
        ),
        "code": appointment.booking_code,
        "link": link,
        "message": gettext(message) if message else "",
    }


def prepare_appointment_notification(*, appointment_id, template_type, occurrence="", message=""):
    """The Notification for this booking, event and slot: found if it exists, else rendered and created.

    None when the booking is gone, its state no longer fits the message, or the template is switched off.
    """
    appointment = Appointment.objects.select_related("patient", "department").filter(pk=appointment_id).first()
    if appointment is None:
        return None
    key = appointment_notification_key(appointment, template_type, occurrence)
    existing = Notification.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if appointment.status not in APPOINTMENT_STATUSES_STILL_RELEVANT[template_type]:
        return None
    if template_type == TemplateType.BOOKING_NO_SHOW and not _still_seen_today(appointment):
        return None
    if template_type == TemplateType.BOOKING_REMINDER and not _reminder_fits(appointment, occurrence):
        return None
    return _record_notification(
        key=key,
        patient=appointment.patient,
        template_type=template_type,
        values=lambda: _appointment_values(appointment, template_type, message),
        appointment=appointment,
        message=message,
    )


def _still_seen_today(appointment):
    """Whether the missed booking's "Still coming today? Check in ... and you join the line" holds: on the booking's
    day only (a sweep run late, beat down overnight, marks yesterday's bookings missed this morning, which no kiosk
    checks in), and while a doctor of its department is still expected today. The last slot of the day is missed at
    the end of its grace window, when the doctors' shift has often ended: the patient came to a line nobody served."""
    if timezone.localdate(appointment.slot_start) != timezone.localdate():
        return False
    return not no_doctor_left_today(appointment.department)


def queue_due_reminders(now=None):
    """Enqueue every reminder now due that has no message yet (Celery beat runs it every few minutes).

    Safe to run any number of times, by any number of processes: a reminder is one Notification row, keyed.
    """
    now = now or timezone.now()
    due = {}
    # A patient the desk registered as a walk-in before check-in opened, in line or seen already, was reminded of a
    # booking they no longer had to come for (the sweep checks it in on their token).
    upcoming = Appointment.objects.filter(
        status=Appointment.Status.BOOKED, slot_start__gt=now, slot_start__lte=now + REMINDERS[0][1]
    ).exclude(appointments.booked_by_a_patient_here(timezone.localdate(now)))
    for appointment in upcoming:
        occurrences = [
            occurrence
            for occurrence, before in REMINDERS
            if _reminder_due_at(appointment.slot_start - before) <= now
            and _reminder_fits(appointment, occurrence)
        ]
        # Only the latest reminder due: a booking first seen two hours ahead skips "the day before".
        if occurrences:
            key = appointment_notification_key(appointment, TemplateType.BOOKING_REMINDER, occurrences[-1])
            due[key] = (appointment.pk, occurrences[-1])
    recorded = set(Notification.objects.filter(idempotency_key__in=due).values_list("idempotency_key", flat=True))
    calls = [
        (
            SEND_APPOINTMENT_MESSAGE,
            {
                "appointment_id": appointment_id,
                "template_type": TemplateType.BOOKING_REMINDER,
                "occurrence": occurrence,
            },
        )
        for key, (appointment_id, occurrence) in due.items()
        if key not in recorded
    ]
    with transaction.atomic():
        outbox.enqueue_after_commit(calls)
    return len(calls)
