import secrets
import string
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from patients.models import (
    DIRECTION_CONTROLS,
    check_no_control_characters_but_lines,
    check_single_line,
    refuse_direction_controls,
)
from patients.phone import clean_phone_fields
from smartqueue.log_masking import mask_phone_numbers

from .addresses import ADDRESS_PROBLEMS, validate_webhook_url

TEMPLATE_PLACEHOLDERS = frozenset(
    {
        "name",
        "token",
        "department",
        "position",
        "patients_ahead",
        "wait",
        "expected_wait",
        "doctor",
        "time",
        "link",
        "message",
        "code",
    }
)


def validate_template_placeholders(text):
    """Reject any {placeholder} a message could not fill, malformed braces, and format codes ({name:d},
    {name!r}): render_message fills placeholders with plain text, and a code Python would apply to it could
    fail every message of the template, or build one of any size ({name:>999999999})."""
    try:
        parsed = [(field, spec, conversion) for _, field, spec, conversion in string.Formatter().parse(text)]
    except ValueError as error:
        raise ValidationError(_("Malformed template: %(error)s.") % {"error": error}) from error
    fields = {field for field, _, _ in parsed if field is not None}
    coded = sorted({field for field, spec, conversion in parsed if field is not None and (spec or conversion)})
    if coded:
        raise ValidationError(
            _("Placeholders take no format code: write %(plain)s.")
            % {"plain": ", ".join("{" + name + "}" for name in coded)}
        )
    unknown = sorted(field for field in fields if field not in TEMPLATE_PLACEHOLDERS)
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in sorted(TEMPLATE_PLACEHOLDERS))
        raise ValidationError(
            _("Unknown placeholder %(unknown)s; allowed: %(allowed)s.")
            % {"unknown": ", ".join("{" + name + "}" for name in unknown), "allowed": allowed}
        )


DIRECTION_ISOLATES_OPENED = frozenset("\u2066\u2067\u2068")
DIRECTION_ISOLATE_CLOSED = "\u2069"


def check_message_text(text):
    """A message's words go to every patient of its event. A right-to-left text sets a token, a number or a link
    apart in a direction isolate (⁦{token}⁩, as the site's own Arabic does), which only gives the direction of what
    it encloses; an embedding or an override, or an isolate left open, turns the rest of the message around, its
    status link too."""
    check_no_control_characters_but_lines(text)
    open_isolates = 0
    for character in text:
        if character in DIRECTION_ISOLATES_OPENED:
            open_isolates += 1
        elif character == DIRECTION_ISOLATE_CLOSED:
            if not open_isolates:
                refuse_direction_controls()
            open_isolates -= 1
        elif character in DIRECTION_CONTROLS:
            refuse_direction_controls()
    if open_isolates:
        refuse_direction_controls()


# Choices live at module level so that Meta.constraints can use their values; each model keeps its name for
# them (NotificationTemplate.TemplateType, NotificationPreference.PreferredChannel, Notification.Status).
class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class TemplateType(models.TextChoices):
    REGISTRATION = "registration", _("Registration confirmation")
    PATIENTS_AHEAD = "patients_ahead", _("N patients ahead of you")
    YOUR_TURN = "your_turn", _("Your turn")
    SKIPPED = "skipped", _("Skipped / no-show")
    BROADCAST = "broadcast", _("Broadcast from the admin panel")
    FEEDBACK_REQUEST = "feedback_request", _("Feedback request")
    RETURNED_TO_LINE = "returned_to_line", _("Back in line: the doctor was called away")
    NO_DOCTOR_LEFT_TODAY = "no_doctor_left_today", _("No doctor expected back today")
    DOCTOR_BACK_TODAY = "doctor_back_today", _("A doctor is back today")
    CANCELLED_BY_STAFF = "cancelled_by_staff", _("Token cancelled by staff")
    REINSTATED = "reinstated", _("Cancelled token restored")
    PHONE_CORRECTED = "phone_corrected", _("Phone number corrected")
    LINE_CLOSED = "line_closed", _("Not called before the line closed")
    CLOSED_TODAY = "closed_today", _("Department closed today")
    OPEN_AGAIN_TODAY = "open_again_today", _("Department open again today")
    BOOKING_CONFIRMED = "booking_confirmed", _("Appointment booked or moved")
    BOOKING_REMINDER = "booking_reminder", _("Appointment reminder")
    BOOKING_CANCELLED = "booking_cancelled", _("Appointment cancelled")
    BOOKING_NO_SHOW = "booking_no_show", _("Appointment missed")
    CUSTOM = "custom", _("Custom")
    # Answers to a patient's text (see inbound): one per keyword outcome.
    REPLY_STATUS = "reply_status", _("Reply: place and wait")
    REPLY_LATE_ASK = "reply_late_ask", _("Reply: confirm moving back")
    REPLY_LATE = "reply_late", _("Reply: moved back")
    REPLY_CANCEL_ASK = "reply_cancel_ask", _("Reply: confirm cancelling")
    REPLY_CANCELLED = "reply_cancelled", _("Reply: cancelled")
    REPLY_REFUSED = "reply_refused", _("Reply: not possible")
    REPLY_HELP = "reply_help", _("Reply: keywords")
    REPLY_OPTED_OUT = "reply_opted_out", _("Reply: messages stopped")
    REPLY_OPTED_IN = "reply_opted_in", _("Reply: messages resumed")
    REPLY_NO_TOKEN = "reply_no_token", _("Reply: no token in line")
    # The answer to a HELP from a number no patient has (carriers require one); its STOP and START are confirmed with
    # REPLY_OPTED_OUT and REPLY_OPTED_IN, as a patient's.
    REPLY_ABOUT_NUMBER = "reply_about_number", _("Reply to an unknown number's HELP: what this number is")


class MessageTexts(models.Model):
    """A patient message's SMS text and optional WhatsApp text, whose placeholders are checked on every save."""

    sms_template = models.TextField(
        _("SMS text"), validators=[validate_template_placeholders, check_message_text], max_length=1600
    )
    whatsapp_template = models.TextField(
        _("WhatsApp text"),
        blank=True,
        validators=[validate_template_placeholders, check_message_text],
        max_length=1600,
        help_text=_("Leave blank to send the SMS text on WhatsApp too."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Validators also run here so a text saved from code or a shell cannot carry a bad placeholder.
        validate_template_placeholders(self.sms_template)
        validate_template_placeholders(self.whatsapp_template)
        super().save(*args, **kwargs)

    def text_for(self, channel):
        if channel == Channel.WHATSAPP and self.whatsapp_template:
            return self.whatsapp_template
        return self.sms_template


class NotificationTemplate(MessageTexts):
    """A patient message for one event; its own texts are the English ones."""

    TemplateType = TemplateType

    name = models.CharField(_("name"), max_length=100, validators=[check_single_line])
    template_type = models.CharField(_("event"), max_length=20, choices=TemplateType.choices)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["template_type", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["template_type"], condition=~Q(template_type=TemplateType.CUSTOM), name="one_template_per_event"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_template_type_display()})"

    @property
    def label(self):
        """What the panel calls it: its event, in the reader's language; a custom template's own name."""
        return self.name if self.template_type == TemplateType.CUSTOM else self.get_template_type_display()


class NotificationTemplateTranslation(MessageTexts):
    """A template's texts in one language other than English; a language without one gets the English."""

    template = models.ForeignKey(
        NotificationTemplate, on_delete=models.CASCADE, related_name="translations", verbose_name=_("template")
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=[(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message template translation")
        verbose_name_plural = _("message template translations")
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="one_translation_per_template_language"),
        ]

    def __str__(self):
        return f"{self.template.name} ({self.get_language_display()})"


class PreferredChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    NONE = "none", _("No messages")


class NotificationPreference(models.Model):
    PreferredChannel = PreferredChannel

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="notification_preference", verbose_name=_("patient")
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=PreferredChannel.choices, default=PreferredChannel.SMS
    )
    opted_out = models.BooleanField(
        _("opted out"), default=False, help_text=_("Patient asked for no messages at all (e.g. STOP).")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("message preference")
        verbose_name_plural = _("message preferences")
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=PreferredChannel.values), name="preference_channel_valid"),
        ]

    def __str__(self):
        words = {"patient": self.patient_id, "channel": self.get_channel_display()}
        if self.opted_out:
            return gettext("%(patient)s: %(channel)s (opted out)") % words
        return gettext("%(patient)s: %(channel)s") % words


class NumberOptOut(models.Model):
    """A STOP from a number no patient had yet: the patient who comes with that number is opted out from their
    first message on, until they text START (services.is_opted_out)."""

    phone = models.CharField(_("phone"), max_length=20, unique=True, help_text=_("E.164, e.g. +14155550123."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("opted-out number")
        verbose_name_plural = _("opted-out numbers")

    def __str__(self):
        return gettext("%(phone)s (opted out)") % {"phone": self.phone}

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude)
        clean_phone_fields(self, exclude, "phone")


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Claimed by one task and handed to the sender: a duplicated task seeing this does not send again.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED_BY_PREFERENCE = "skipped", _("Skipped by preference")
    # Written before the desk corrected the phone and not yet sent: its link stopped working, and its number may be
    # a stranger's (services._withdraw_unsent_messages_of_the_visit).
    WITHDRAWN = "withdrawn", _("Withdrawn: phone number corrected")
    # Written about a booking or a token as it was, and not sent before it changed (a booking moved, cancelled,
    # checked in or missed; a token called, skipped, cancelled, moved; its department closed or reopened): a reminder
    # retried after a rate limit texted "your appointment is at 10:30" to a patient who had cancelled it, a "2 ahead"
    # went out after "your turn". Its error text says which.
    OUTDATED = "outdated", _("Withdrawn: no longer true")


# Meta's limit on a WhatsApp template's body: its own words and the variable's text together (Twilio's 63021 beyond it).
WHATSAPP_TEMPLATE_BODY_LIMIT = 1024
# The code a message too long for the WhatsApp template is kept with (services.WHATSAPP_UNREACHABLE_CODES).
TOO_LONG_FOR_WHATSAPP_TEMPLATE = "template-length"
# Why the server itself did not send a message, or not as written: kept in Notification.error_message as these
# English sentences (msgids), not in the language of whichever request or task decided it, and worded when read in
# the reader's language (Notification.reason_in_words). A sending service's own words (Twilio's) are kept as they came.
OPTED_OUT_REASON = gettext_noop("Patient opted out of messages.")
NO_MESSAGES_REASON = gettext_noop("Patient chose to receive no messages.")
PHONE_CORRECTED_REASON = gettext_noop(
    "The desk corrected the phone number after this message was written: its link no longer works, and its number "
    "may be a stranger's. The right number was texted the new link."
)
BOOKING_CHANGED_REASON = gettext_noop(
    "The booking changed after this message was written and before it was sent: it no longer holds."
)
TOO_LONG_FOR_WHATSAPP_TEMPLATE_REASON = gettext_noop(
    "Too long for the approved WhatsApp template (WhatsApp takes %(limit)s characters with the template's own words): "
    "not sent on WhatsApp, sent by SMS instead."
)
# Twilio's report of a failure that came without its words, by the status it reported.
REPORTED_FAILURE_REASONS = {
    "undelivered": gettext_noop("Twilio reported the message undelivered."),
    "failed": gettext_noop("Twilio reported the message failed."),
    "canceled": gettext_noop("Twilio reported the message canceled."),
}
SERVERS_OWN_REASONS = frozenset(
    {
        OPTED_OUT_REASON,
        NO_MESSAGES_REASON,
        PHONE_CORRECTED_REASON,
        BOOKING_CHANGED_REASON,
        TOO_LONG_FOR_WHATSAPP_TEMPLATE_REASON,
        *REPORTED_FAILURE_REASONS.values(),
    }
)


class Notification(models.Model):
    Status = NotificationStatus

    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("patient"),
        help_text=_("Empty for an answer to a number no patient has (its HELP, STOP or START), sent to that number."),
    )
    to_phone = models.CharField(
        _("to phone"),
        max_length=20,
        blank=True,
        help_text=_("The number of a message to no patient; a patient's message goes to the patient's phone."),
    )
    queue_entry = models.ForeignKey(
        "patients.Queue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("queue entry"),
    )
    appointment = models.ForeignKey(
        "patients.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("appointment"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    event = models.CharField(_("event"), max_length=20, choices=NotificationTemplate.TemplateType.choices)
    segments = models.PositiveSmallIntegerField(
        _("segments"),
        null=True,
        blank=True,
        help_text=_("The SMS parts Twilio counted for the message, and bills: empty until it accepts it."),
    )
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=120,
        unique=True,
        help_text=_("Queue entry or appointment + event: a retried or duplicated task never sends twice."),
    )
    body = models.TextField(_("text"), blank=True)
    message = models.TextField(
        _("message"),
        blank=True,
        help_text=_(
            "What the text says besides its token's figures (its {message}): a broadcast in the patient's language, "
            "why a reply refused. Kept to word the text again if it goes later than it was written."
        ),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    backend = models.CharField(_("sending service"), max_length=10, blank=True, help_text=_("twilio or console."))
    twilio_sid = models.CharField(_("Twilio id"), max_length=64, blank=True, db_index=True)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notification_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(patient__isnull=False, to_phone="") | Q(patient__isnull=True) & ~Q(to_phone=""),
                name="notification_to_a_patient_or_a_number",
            ),
        ]

    @property
    def reason_in_words(self):
        """Why it was not sent, or not as written, in the reader's language where the server gave the reason; a sending
        service's words as they came (in English: reason_is_the_senders), with the number they quote ("The 'To' number
        +14155550178 is not a valid phone number.") cut to its last four digits, as the logs keep it: the desk's visit
        page shows it to every panel administrator, where no page shows a patient's whole number."""
        if not self.reason_is_the_senders and self.error_message:
            return gettext(self.error_message) % {"limit": WHATSAPP_TEMPLATE_BODY_LIMIT}
        return mask_phone_numbers(self.error_message)

    @property
    def reason_is_the_senders(self):
        return bool(self.error_message) and self.error_message not in SERVERS_OWN_REASONS

    @property
    def senders_code(self):
        """The sending service's error code (Twilio's 30003), "" for the server's own."""
        return "" if self.error_code == TOO_LONG_FOR_WHATSAPP_TEMPLATE else self.error_code

    def __str__(self):
        return gettext("%(event)s by %(channel)s: %(status)s") % {
            "event": self.get_event_display(),
            "channel": self.get_channel_display(),
            "status": self.get_status_display(),
        }


class OutboxMessage(models.Model):
    """A Celery task decided inside a database transaction, stored by that same transaction.

    It is handed to the broker after commit; a row left undispatched (broker down, process killed
    between commit and dispatch) is dispatched again later, so no decided message is lost.
    """

    task_name = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=0, help_text=_("Times it was handed to the broker.")
    )
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(dispatched_at__isnull=True), name="outbox_undispatched"),
        ]

    def __str__(self):
        if self.dispatched_at:
            return gettext("%(task)s (dispatched %(time)s)") % {
                "task": self.task_name,
                "time": f"{self.dispatched_at:%Y-%m-%d %H:%M:%S}",
            }
        return gettext("%(task)s (waiting)") % {"task": self.task_name}


# The length of the one-time code the YES confirming a texted LATE or CANCEL must repeat (notifications.inbound).
CONFIRMATION_CODE_DIGITS = 4


class InboundEffect(models.TextChoices):
    STATUS_SENT = "status_sent", _("Place and wait sent")
    LATE_ASKED = "late_asked", _("Asked to confirm moving back")
    LATE_CODE_WRONG = "late_code_wrong", _("Not moved back: wrong or missing code")
    POSTPONED = "postponed", _("Moved back")
    CANCEL_ASKED = "cancel_asked", _("Asked to confirm cancelling")
    CANCEL_CODE_WRONG = "cancel_code_wrong", _("Not cancelled: wrong or missing code")
    CANCELLED = "cancelled", _("Token cancelled")
    REFUSED = "refused", _("Not possible")
    WHICH_TOKEN = "which_token", _("Asked which token")
    HELP_SENT = "help_sent", _("Keyword list sent")
    OPTED_OUT = "opted_out", _("Opted out of all messages")
    OPTED_IN = "opted_in", _("Opted back in to messages")
    NO_OPEN_VISIT = "no_open_visit", _("No open token today")
    NOT_ANSWERED = "not_answered", _("Not answered")
    NO_REPLY_NEEDED = "no_reply_needed", _("Acknowledgement: no reply needed")
    NUMBER_EXPLAINED = "number_explained", _("Unknown number told what this number is")


class InboundMessage(models.Model):
    """A text a patient sent us through Twilio, and what it did; one row per Twilio MessageSid."""

    Effect = InboundEffect

    message_sid = models.CharField(
        _("Twilio id"), max_length=64, unique=True, help_text=_("Twilio's id: a redelivery acts once.")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    from_phone = models.CharField(_("from phone"), max_length=20)
    # WhatsApp's longest text (an SMS is at most 1,600): a longer one is stored cut to this.
    body = models.TextField(_("text"), blank=True, max_length=4096)
    segments = models.PositiveSmallIntegerField(
        _("segments"),
        null=True,
        blank=True,
        help_text=_("The SMS parts the text came in, as Twilio counted them (NumSegments): empty when it did not say."),
    )
    keyword = models.CharField(
        _("keyword"), max_length=20, blank=True, help_text=_("The command read from the text, if any.")
    )
    effect = models.CharField(_("effect"), max_length=20, choices=InboundEffect.choices)
    detail = models.CharField(
        _("detail"),
        max_length=300,
        blank=True,
        help_text=_("Why it was not possible, when refused; why no reply went, when not answered."),
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("patient"),
    )
    queue_entry = models.ForeignKey(
        "patients.Queue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("queue entry"),
    )
    reply = models.OneToOneField(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="answers", verbose_name=_("reply")
    )
    # Sent only to the patient's number in the question confirming a LATE or CANCEL: a spoofed sender never sees it.
    confirmation_code = models.CharField(
        _("confirmation code"),
        max_length=CONFIRMATION_CODE_DIGITS,
        blank=True,
        help_text=_("The code a YES must repeat to move the token back or cancel it."),
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(effect__in=InboundEffect.values), name="inbound_effect_valid"),
        ]

    def __str__(self):
        return gettext("%(keyword)s from %(channel)s: %(effect)s") % {
            "keyword": self.keyword or gettext("text"),
            "channel": self.get_channel_display(),
            "effect": self.get_effect_display(),
        }


class WebhookEventType(models.TextChoices):
    """What a hospital system may subscribe to; the core's events each one stands for are in
    webhooks.QUEUE_EVENT_TYPES and APPOINTMENT_EVENT_TYPES, a department's in webhooks.WAIT_ALERT_EVENT_TYPES and
    the no-doctor-left receiver."""

    TOKEN_CREATED = "token.created", _("Token created")
    TOKEN_CALLED = "token.called", _("Token called")
    TOKEN_STARTED = "token.started", _("Consultation started")
    TOKEN_COMPLETED = "token.completed", _("Consultation completed")
    TOKEN_SKIPPED = "token.skipped", _("Token skipped (no-show)")
    TOKEN_RECALLED = "token.recalled", _("Skipped token recalled to the line")
    TOKEN_RETURNED_TO_LINE = "token.returned_to_line", _("Called token returned to the line (doctor called away)")
    TOKEN_CANCELLED = "token.cancelled", _("Token cancelled")
    TOKEN_REINSTATED = "token.reinstated", _("Cancelled token restored to its place in line")
    TOKEN_POSTPONED = "token.postponed", _("Token moved back (patient running late)")
    TOKEN_PRIORITY_CHANGED = "token.priority_changed", _("Token priority changed")
    TOKEN_PHONE_CORRECTED = "token.phone_corrected", _("Token's phone number corrected (new status link)")
    TOKEN_TRANSFERRED = "token.transferred", _("Token transferred")
    TOKEN_REFERRED = "token.referred", _("Patient referred to another department after a consultation")
    APPOINTMENT_BOOKED = "appointment.booked", _("Appointment booked")
    APPOINTMENT_RESCHEDULED = "appointment.rescheduled", _("Appointment moved")
    APPOINTMENT_CANCELLED = "appointment.cancelled", _("Appointment cancelled")
    APPOINTMENT_CHECKED_IN = "appointment.checked_in", _("Appointment checked in")
    APPOINTMENT_NO_SHOW = "appointment.no_show", _("Appointment missed (no-show)")
    DEPARTMENT_WAIT_ALERT_RAISED = "department.wait_alert_raised", _("Long-wait alert raised")
    DEPARTMENT_WAIT_ALERT_CLEARED = "department.wait_alert_cleared", _("Long-wait alert cleared")
    DEPARTMENT_NO_DOCTOR_LEFT_TODAY = "department.no_doctor_left_today", _("No doctor expected back today")
    DEPARTMENT_DOCTOR_BACK_TODAY = "department.doctor_back_today", _("A doctor back after all today")


# Not an event endpoints subscribe to: staff send it from the panel to check an endpoint's address and secret.
WEBHOOK_PING = "webhook.ping"
WEBHOOK_DELIVERY_EVENTS = [*WebhookEventType.choices, (WEBHOOK_PING, _("Test event"))]

# A shorter secret lets a signature be forged by guessing it.
WEBHOOK_SECRET_MIN_LENGTH = 32


def new_webhook_secret():
    return secrets.token_hex(32)


def validate_secret_unpadded(value):
    # The receiver checks signatures with the secret as it was typed there, spaces included.
    if value != value.strip():
        raise ValidationError(_("The secret may not start or end with spaces or line breaks."))


def validate_event_types(value):
    unknown = sorted(set(value) - set(WebhookEventType.values)) if isinstance(value, list) else None
    if unknown is None or not value:
        raise ValidationError(_("Choose at least one event type."))
    if unknown:
        raise ValidationError(_("Unknown event type: %(types)s.") % {"types": ", ".join(unknown)})


class WebhookEndpoint(models.Model):
    """A hospital system that hears about tokens: each subscribed event is POSTed to it, signed with its secret."""

    EventType = WebhookEventType

    name = models.CharField(_("name"), max_length=100, validators=[check_single_line])
    url = models.URLField(_("URL"), max_length=500, validators=[validate_webhook_url])
    secret = models.CharField(
        _("secret"),
        max_length=128,
        default=new_webhook_secret,
        validators=[
            MinLengthValidator(
                WEBHOOK_SECRET_MIN_LENGTH,
                _("The secret must be at least %(limit_value)d characters long (it has %(show_value)d)."),
            ),
            validate_secret_unpadded,
        ],
        help_text=format_lazy(
            _("At least {length} characters. Shared with the receiver, which checks X-SmartQueue-Signature with it."),
            length=WEBHOOK_SECRET_MIN_LENGTH,
        ),
    )
    # The secret a new one replaced, which signs beside it until previous_secret_until: the receiver takes the new
    # secret meanwhile without refusing a delivery (webhooks.signing_secrets).
    previous_secret = models.CharField(_("previous secret"), max_length=128, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(
        _("previous secret signs until"), null=True, blank=True, editable=False
    )
    event_types = models.JSONField(_("event types"), default=list, validators=[validate_event_types])
    is_active = models.BooleanField(_("active"), default=True)
    trusted_for_pii = models.BooleanField(
        _("trusted with patient names and phones"),
        default=False,
        help_text=_("Only then do payloads carry the patient's name and phone."),
    )
    # A receiver failing every delivery for long is switched off by itself (webhooks.record_attempt_outcome), as
    # Stripe's are: its streak of failed attempts, since when, and when it was switched off for it.
    consecutive_failures = models.PositiveIntegerField(
        _("failed attempts in a row"), default=0, editable=False
    )
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True, editable=False)
    disabled_automatically_at = models.DateTimeField(
        _("switched off automatically at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Every delivery failed for too long; tick Active to switch it on again."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.is_active and self.disabled_automatically_at is not None:
            # Switched on again by an admin (the receiver fixed): a fresh start, not switched off at the next failure.
            self.disabled_automatically_at, self.failing_since, self.consecutive_failures = None, None, 0
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {
                    *kwargs["update_fields"], "disabled_automatically_at", "failing_since", "consecutive_failures"
                }
        super().save(*args, **kwargs)

    @property
    def event_type_labels(self):
        """The events subscribed to in words, as the endpoint's form and its deliveries name them."""
        return [WebhookEventType(value).label for value in self.event_types]

    @property
    def secret_last_four(self):
        """All that is shown of the secret after it was first shown (write-only, as GitHub and Stripe keep theirs):
        enough to tell which secret a receiver holds."""
        return self.secret[-4:]

    @property
    def previous_secret_last_four(self):
        return self.previous_secret[-4:]


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    # Claimed by one task and being posted: a duplicated task seeing this does not post again.
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookFailure(models.TextChoices):
    """Why a delivery's last attempt failed. A delivery keeps the kind and its details (an address, a host), not the
    sentence: the attempt runs in whichever language the change or the task ran in, and each admin reads the panel in
    their own (WebhookDelivery.last_error_in_words)."""

    INACTIVE = "inactive", _("Not sent: the endpoint is no longer active.")
    CERTIFICATE = "certificate", _("The receiver's HTTPS certificate was not accepted.")
    TIMEOUT = "timeout", _("The receiver did not answer in time.")
    UNREACHABLE = "unreachable", _("The receiver could not be reached, or the connection was broken off.")
    FAILED = "failed", _("The request to the receiver failed.")
    REDIRECTED = "redirected", _(
        "Redirected to %(location)s, which is not followed: give the endpoint the address it redirects to."
    )
    MOVED = "moved", _(
        "Moved for good to %(location)s, which is not followed, so the delivery is not tried again: give the endpoint "
        "that address, then send the event again."
    )
    GONE = "gone", _(
        "The receiver answered 410 Gone: this address takes no more events, so the delivery is not tried again. Give "
        "the endpoint its new address, or switch it off."
    )
    # The address refused (notifications.addresses), by its ValidationError's code.
    ADDRESS_CHARACTERS = "address_characters", ADDRESS_PROBLEMS["characters"]
    ADDRESS_WITHOUT_HOST = "address_without_host", ADDRESS_PROBLEMS["without_host"]
    ADDRESS_PORT = "address_port", ADDRESS_PROBLEMS["port"]
    ADDRESS_UNRESOLVED = "address_unresolved", ADDRESS_PROBLEMS["unresolved"]
    ADDRESS_NEVER_CALLED = "address_never_called", ADDRESS_PROBLEMS["never_called"]
    ADDRESS_INTERNAL = "address_internal", ADDRESS_PROBLEMS["internal"]


class WebhookDelivery(models.Model):
    """One event for one endpoint: written with the queue change that caused it, posted after commit."""

    Status = WebhookDeliveryStatus

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event_id = models.UUIDField(
        _("event id"),
        default=uuid.uuid4,
        db_index=True,
        help_text=_("Sent as X-SmartQueue-Delivery: the same for a redelivery."),
    )
    event = models.CharField(_("event"), max_length=40, choices=WEBHOOK_DELIVERY_EVENTS)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(_("last response time (ms)"), null=True, blank=True)
    last_error_kind = models.CharField(_("last error"), max_length=30, choices=WebhookFailure.choices, blank=True)
    last_error_details = models.JSONField(_("last error's details"), default=dict, blank=True)
    response_excerpt = models.CharField(_("response excerpt"), max_length=500, blank=True)
    redelivery_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="redeliveries",
        verbose_name=_("redelivery of"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=WebhookDeliveryStatus.values), name="webhook_delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(last_error_kind__in=["", *WebhookFailure.values]), name="webhook_delivery_error_kind_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=[WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.SENDING]),
                name="webhook_delivery_unfinished",
            ),
        ]

    @property
    def last_error_in_words(self):
        """The last attempt's failure in the current language, with its details ("" when none)."""
        if not self.last_error_kind:
            return ""
        return WebhookFailure(self.last_error_kind).label % self.last_error_details

    def __str__(self):
        return gettext("%(event)s to %(endpoint)s: %(status)s") % {
            "event": self.get_event_display(),
            "endpoint": self.endpoint,
            "status": self.get_status_display(),
        }
