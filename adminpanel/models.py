import hashlib
from datetime import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from patients.models import WAIT_ALERT_MINUTES_MAX, WAIT_ALERT_MINUTES_MIN, check_single_line

from .audit_actions import audit_action_label


class AdminUser(models.Model):
    """Profile that gives a staff account access to the custom admin panel."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_profile", verbose_name=_("user")
    )
    designation = models.CharField(_("designation"), max_length=100, blank=True, validators=[check_single_line])
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Pages in this language; blank: the browser's."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("admin user")
        verbose_name_plural = _("admin users")

    def __str__(self):
        return self.user.get_full_name() or self.user.username


class DepartmentAnalytics(models.Model):
    """One department's figures for one hospital-local day, rolled up from its queue entries."""

    department = models.ForeignKey(
        "patients.Department", on_delete=models.CASCADE, related_name="analytics", verbose_name=_("department")
    )
    date = models.DateField(_("date"))
    registrations = models.PositiveIntegerField(_("registrations"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    no_shows = models.PositiveIntegerField(_("no-shows"), default=0)
    cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    not_seen = models.PositiveIntegerField(
        _("not seen"), default=0, help_text=_("Tokens still waiting or called, never seen, when the day ended.")
    )
    consultations_left_open = models.PositiveIntegerField(
        _("consultations left open"),
        default=0,
        help_text=_("Consultations their doctor never finished, closed when the day ended (counted as completed too)."),
    )
    average_wait_minutes = models.FloatField(_("average wait (minutes)"), null=True, blank=True)
    p90_wait_minutes = models.FloatField(_("90th percentile wait (minutes)"), null=True, blank=True)
    average_consultation_minutes = models.FloatField(_("average consultation (minutes)"), null=True, blank=True)
    peak_hour = models.PositiveSmallIntegerField(
        _("peak hour"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(23)],
        help_text=_("Local hour with most registrations."),
    )
    average_rating = models.FloatField(_("average rating"), null=True, blank=True)
    rating_count = models.PositiveIntegerField(_("ratings"), default=0)
    estimate_count = models.PositiveIntegerField(
        _("estimates"), default=0, help_text=_("Tokens called that were shown a wait estimate on registering.")
    )
    estimate_mean_absolute_error = models.FloatField(
        _("mean estimate error (minutes)"),
        null=True,
        blank=True,
        help_text=_("Mean minutes between the estimate shown on registering and the wait."),
    )
    estimate_bias = models.FloatField(
        _("estimate bias (minutes)"),
        null=True,
        blank=True,
        help_text=_("Mean of estimate minus wait: above zero, waits were shorter than shown."),
    )
    reinstated = models.PositiveIntegerField(
        _("restored after cancelling"),
        default=0,
        help_text=_("Cancelled tokens the desk put back in line after a cancellation made by mistake."),
    )
    # Per priority (patients.models.Priority): registrations and the waits of the patients called.
    emergency_registrations = models.PositiveIntegerField(_("emergency registrations"), default=0)
    emergency_average_wait_minutes = models.FloatField(
        _("emergency average wait (minutes)"), null=True, blank=True
    )
    emergency_p90_wait_minutes = models.FloatField(
        _("emergency 90th percentile wait (minutes)"), null=True, blank=True
    )
    high_registrations = models.PositiveIntegerField(_("high priority registrations"), default=0)
    high_average_wait_minutes = models.FloatField(_("high priority average wait (minutes)"), null=True, blank=True)
    high_p90_wait_minutes = models.FloatField(
        _("high priority 90th percentile wait (minutes)"), null=True, blank=True
    )
    normal_registrations = models.PositiveIntegerField(_("normal priority registrations"), default=0)
    normal_average_wait_minutes = models.FloatField(
        _("normal priority average wait (minutes)"), null=True, blank=True
    )
    normal_p90_wait_minutes = models.FloatField(
        _("normal priority 90th percentile wait (minutes)"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("department analytics")
        verbose_name_plural = _("department analytics")
        ordering = ["-date", "department__name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "date"], name="analytics_one_row_per_department_day"),
            models.CheckConstraint(
                condition=Q(peak_hour__isnull=True) | Q(peak_hour__lte=23), name="analytics_peak_hour_valid"
            ),
        ]

    def __str__(self):
        return gettext("%(department)s on %(day)s") % {
            "department": self.department,
            "day": date_format(self.date, pgettext("date format", "D j M Y")),
        }


def default_board_languages():
    return [settings.LANGUAGE_CODE]


def validate_board_languages(codes):
    known = [code for code, _ in settings.LANGUAGES]
    if not isinstance(codes, list) or not codes:
        raise ValidationError(_("Choose at least one language for the boards."))
    unknown = [str(code) for code in codes if code not in known]
    if unknown:
        raise ValidationError(
            _("Unknown language %(codes)s; choose from %(known)s.")
            % {"codes": ", ".join(unknown), "known": ", ".join(known)}
        )


class SystemConfiguration(models.Model):
    """Hospital-wide settings editable from the admin panel; a single row, read with load()."""

    hospital_name = models.CharField(
        _("hospital name"), max_length=120, default="SmartQueue Hospital", validators=[check_single_line]
    )
    notify_when_patients_ahead = models.PositiveSmallIntegerField(
        _("notify when this many patients are ahead"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Send the 'N patients ahead of you' message when this many are left ahead."),
    )
    late_moves_back_places = models.PositiveSmallIntegerField(
        _("places a LATE reply moves back"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("How many places a patient who replies LATE moves back (once per visit)."),
    )
    wait_alert_minutes = models.PositiveSmallIntegerField(
        _("long-wait alert after (minutes)"),
        default=45,
        validators=[MinValueValidator(WAIT_ALERT_MINUTES_MIN), MaxValueValidator(WAIT_ALERT_MINUTES_MAX)],
        help_text=_("Alert staff when someone in a department has waited longer than this (departments may override)."),
    )
    clinic_opens_at = models.TimeField(_("clinic opens at"), default=time(8, 0))
    clinic_closes_at = models.TimeField(_("clinic closes at"), default=time(17, 0))
    registration_open = models.BooleanField(
        _("online registration open"), default=True, help_text=_("Turn off to stop new online registrations.")
    )
    appointment_early_check_in_minutes = models.PositiveSmallIntegerField(
        _("appointment check-in opens (minutes before the slot)"),
        default=30,
        validators=[MaxValueValidator(240)],
        help_text=_("How long before their slot a booked patient may check in (they then wait for their slot)."),
    )
    appointment_grace_minutes = models.PositiveSmallIntegerField(
        _("appointment grace period (minutes after the slot)"),
        default=10,
        validators=[MaxValueValidator(120)],
        help_text=_("How late after their slot a booked patient still keeps it; later they join as a walk-in."),
    )
    appointment_walk_in_share_percent = models.PositiveSmallIntegerField(
        _("places kept for walk-ins (%)"),
        default=30,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of the doctors' consultation places kept free of bookings for walk-ins."),
    )
    appointment_booking_days_ahead = models.PositiveSmallIntegerField(
        _("booking open (days ahead)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("How far ahead patients may book."),
    )
    board_languages = models.JSONField(
        _("languages shown on boards"),
        default=default_board_languages,
        validators=[validate_board_languages],
        help_text=_("The display boards cycle their words through these and speak each call in every one."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("system configuration")
        verbose_name_plural = _("system configuration")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="system_configuration_single_row"),
            models.CheckConstraint(
                condition=~Q(clinic_closes_at=models.F("clinic_opens_at")),
                name="system_configuration_closes_other_than_opening",
            ),
        ]

    def __str__(self):
        return gettext("System configuration")

    def clean(self):
        # A closing before the opening is the next morning's: an evening and night clinic, 18:00-02:00.
        if self.clinic_opens_at and self.clinic_closes_at and self.clinic_closes_at == self.clinic_opens_at:
            raise ValidationError(
                {
                    "clinic_closes_at": _(
                        "Closing time must differ from opening time (one before it is the next morning's)."
                    )
                }
            )

    @classmethod
    def cache_key(cls):
        # Named after the fields too: a copy pickled by code with other fields (a deploy in progress, another
        # checkout on the same Redis) is never read back with columns it lacks.
        # Hashed so the key stays short whatever the number of fields (memcached refuses keys over 250 characters).
        fields = ",".join(field.attname for field in cls._meta.concrete_fields)
        return "system-configuration:" + hashlib.sha256(fields.encode()).hexdigest()[:16]

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        # Every save goes through here (panel, Django admin, shell), so the cached copy never outlives a change.
        cache.delete(self.cache_key())

    @classmethod
    def load(cls):
        configuration, _ = cls.objects.get_or_create(pk=1)
        return configuration

    @classmethod
    def cached(cls):
        """load(), from the cache between saves: every registration and queue message reads it."""
        configuration = cache.get(cls.cache_key())
        if configuration is None:
            configuration = cls.load()
            cache.set(cls.cache_key(), configuration, timeout=None)
        return configuration


class AuditLog(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("about"), max_length=200, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        who = self.actor.username if self.actor else gettext("system")
        return f"{who}: {audit_action_label(self.action)} · {self.object_repr or self.object_id}"
