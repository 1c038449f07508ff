from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from patients.models import Department, Place, check_single_line, check_translations
from smartqueue.days import split_at_midnight

# What a doctor may give in the site's other languages, each as long as the field itself may be.
DOCTOR_TRANSLATED_FIELDS = ("room",)


def check_doctor_translations(value):
    """A doctor's room in the site's other languages (DOCTOR_TRANSLATED_FIELDS)."""
    check_translations(
        value,
        model=Doctor,
        translated_fields=DOCTOR_TRANSLATED_FIELDS,
        example='{"es": {"room": "Consultorio 4"}}',
        other_field_refusal=_("Only a doctor's room is translated, not %(field)s."),
    )


def departments_a_doctor_can_join(doctor=None):
    """The departments a doctor may be put in: the active ones, and the one the doctor is in as stored (so that a
    doctor of a department closed since can still be edited, but no doctor is moved or added to a closed one)."""
    if doctor is None or doctor.pk is None:
        return Department.objects.active()
    return Department.objects.active() | Department.objects.filter(
        pk__in=Doctor.objects.filter(pk=doctor.pk).values("department_id")
    )


# Module-level so that Meta.constraints can use its values; reached as Doctor.Availability.
class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy")
    ON_BREAK = "on_break", _("On break")
    OFFLINE = "offline", _("Offline")


class Doctor(models.Model):
    Availability = Availability

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="doctor", verbose_name=_("user")
    )
    department = models.ForeignKey(
        "patients.Department", on_delete=models.PROTECT, related_name="doctors", verbose_name=_("department")
    )
    specialization = models.CharField(_("specialization"), max_length=100, blank=True, validators=[check_single_line])
    room = models.CharField(
        _("room"),
        max_length=50,
        blank=True,
        validators=[check_single_line],
        help_text=_("Where patients go when called, e.g. Room 4."),
    )
    availability = models.CharField(
        _("availability"), max_length=10, choices=Availability.choices, default=Availability.OFFLINE
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Pages in this language; blank: the browser's."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_(
            "Set while the account's password is one an administrator chose: the doctor's pages lead to their Change "
            "password page until they choose their own."
        ),
    )
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        validators=[check_doctor_translations],
        help_text=_(
            "The room in the site's other languages, e.g. {\"es\": {\"room\": \"Consultorio 4\"}}; where one is "
            "missing, pages in that language show it as written above."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("doctor")
        verbose_name_plural = _("doctors")
        constraints = [
            models.CheckConstraint(
                condition=Q(availability__in=Availability.values),
                name="doctor_availability_valid",
            ),
        ]

    def __str__(self):
        return gettext("Dr. %(name)s") % {"name": self.display_name}

    def clean(self):
        super().clean()
        if self.department_id is not None and not departments_a_doctor_can_join(self).filter(
            pk=self.department_id
        ).exists():
            raise ValidationError(
                {
                    "department": gettext(
                        "%(department)s is inactive: choose an active department, or make it active first."
                    )
                    % {"department": self.department.translated("name")}
                }
            )

    @property
    def display_name(self):
        return self.user.get_full_name() or self.user.username

    @property
    def place(self):
        """Where the doctor's patients go when called: the doctor's room, else the department's place."""
        if self.room:
            return Place.of(self, "room")
        return self.department.place

    @property
    def location(self):
        """That place in the reader's language."""
        return self.place.translated


def parts_on_weekday(intervals, weekday):
    """The (starts_at, ends_at) parts on the weekday of weekly intervals (weekday, starts_at, ends_at), in order. An
    interval that ends before its start runs past midnight (a night shift, Monday 20:00-02:00): its part on its
    own day ends at END_OF_DAY, and its part after midnight is the next weekday's, from 00:00 (split_at_midnight)."""
    parts = []
    for day, starts_at, ends_at in intervals:
        own_day, next_day = split_at_midnight(starts_at, ends_at)
        if day == weekday:
            parts.append(own_day)
        elif next_day is not None and (day + 1) % 7 == weekday:
            parts.append(next_day)
    return sorted(parts)


def hours_in_words(starts, ends):
    """Working hours as they are said, "09:00 to 13:00": a dash between two times ("09:00-13:00") is left out by screen
    readers, which read the two times as one list."""
    return gettext("%(starts)s to %(ends)s") % {"starts": starts, "ends": ends}


class DoctorSchedule(models.Model):
    """One working interval of a doctor's week, e.g. Monday 09:00-13:00; a day may have several. One that ends
    before its start runs past midnight into the next day (Monday 20:00-02:00: a night shift)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="schedule", verbose_name=_("doctor"))
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("to"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(ends_at=models.F("starts_at")), name="schedule_ends_other_than_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="schedule_weekday_valid"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} " + hours_in_words(f"{self.starts_at:%H:%M}", f"{self.ends_at:%H:%M}")


class DoctorAbsence(models.Model):
    """A day a doctor does not work (leave, training): their weekly hours give no bookable slots that day."""

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="absences", verbose_name=_("doctor"))
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True, validators=[check_single_line])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["doctor", "day"], name="doctor_absence_once_per_day")]

    def __str__(self):
        return gettext("%(doctor)s absent on %(day)s") % {
            "doctor": self.doctor,
            "day": date_format(self.day, pgettext("date format", "D j M Y")),
        }
