import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TEMPLATE_PLACEHOLDERS = frozenset(
    {"name", "token", "department", "position", "wait", "doctor", "time", "link", "message"}
)


def validate_template_placeholders(text):
    """Reject any {placeholder} a message could not fill, and malformed braces."""
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as error:
        raise ValidationError(_("Malformed template: %(error)s.") % {"error": error}) from error
    unknown = sorted(field for field in fields if field not in TEMPLATE_PLACEHOLDERS)
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in sorted(TEMPLATE_PLACEHOLDERS))
        raise ValidationError(
            _("Unknown placeholder %(unknown)s; allowed: %(allowed)s.")
            % {"unknown": ", ".join("{" + name + "}" for name in unknown), "allowed": allowed}
        )


# Choices live at module level so that Meta.constraints can use their values; each model keeps its name for
# them (NotificationTemplate.TemplateType, NotificationPreference.PreferredChannel, Notification.Status).
class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"


class TemplateType(models.TextChoices):
    REGISTRATION = "registration", _("Registration confirmation")
    PATIENTS_AHEAD = "patients_ahead", _("N patients ahead of you")
    YOUR_TURN = "your_turn", _("Your turn")
    SKIPPED = "skipped", _("Skipped / no-show")
    BROADCAST = "broadcast", _("Broadcast from the admin panel")
    FEEDBACK_REQUEST = "feedback_request", _("Feedback request")
    CUSTOM = "custom", _("Custom")


class MessageTexts(models.Model):
    """A patient message's SMS text and optional WhatsApp text, whose placeholders are checked on every save."""

    sms_template = models.TextField(validators=[validate_template_placeholders], max_length=1600)
    whatsapp_template = models.TextField(
        blank=True,
        validators=[validate_template_placeholders],
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

    name = models.CharField(max_length=100)
    template_type = models.CharField(max_length=20, choices=TemplateType.choices)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["template_type", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["template_type"], condition=~Q(template_type=TemplateType.CUSTOM), name="one_template_per_event"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_template_type_display()})"


class NotificationTemplateTranslation(MessageTexts):
    """A template's texts in one language other than English; a language without one gets the English."""

    template = models.ForeignKey(NotificationTemplate, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(
        max_length=8, choices=[(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="one_translation_per_template_language"),
        ]

    def __str__(self):
        return f"{self.template.name} ({self.get_language_display()})"


class PreferredChannel(models.TextChoices):
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    NONE = "none", _("No messages")


class NotificationPreference(models.Model):
    PreferredChannel = PreferredChannel

    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE, related_name="notification_preference")
    channel = models.CharField(max_length=10, choices=PreferredChannel.choices, default=PreferredChannel.SMS)
    opted_out = models.BooleanField(default=False, help_text=_("Patient asked for no messages at all (e.g. STOP)."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=PreferredChannel.values), name="preference_channel_valid"),
        ]

    def __str__(self):
        return f"{self.patient_id}: {self.channel}{' (opted out)' if self.opted_out else ''}"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Claimed by one task and handed to the sender: a duplicated task seeing this does not send again.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SKIPPED_BY_PREFERENCE = "skipped", _("Skipped by preference")


class Notification(models.Model):
    Status = NotificationStatus

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="notifications")
    queue_entry = models.ForeignKey(
        "patients.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    event = models.CharField(max_length=20, choices=NotificationTemplate.TemplateType.choices)
    idempotency_key = models.CharField(
        max_length=120, unique=True, help_text="Queue entry + event: a retried or duplicated task never sends twice."
    )
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    backend = models.CharField(max_length=10, blank=True, help_text="twilio or console.")
    twilio_sid = models.CharField(max_length=64, blank=True, db_index=True)
    error_code = models.CharField(max_length=20, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notification_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_event_display()} by {self.get_channel_display()}: {self.get_status_display()}"


class OutboxMessage(models.Model):
    """A Celery task decided inside a database transaction, stored by that same transaction.

    It is handed to the broker after commit; a row left undispatched (broker down, process killed
    between commit and dispatch) is dispatched again later, so no decided message is lost.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times it was handed to the broker.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(dispatched_at__isnull=True), name="outbox_undispatched"),
        ]

    def __str__(self):
        state = f"dispatched {self.dispatched_at:%Y-%m-%d %H:%M:%S}" if self.dispatched_at else "waiting"
        return f"{self.task_name} ({state})"
