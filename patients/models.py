import string
import unicodedata
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext, pgettext, pgettext_lazy

from smartqueue.days import day_ends_at

from .person_names import check_person_name
from .phone import clean_phone_fields
from .stacked_marks import check_marks_per_letter

# One limit each, read by the model's validators and constraints, the forms, serializers and services alike.
PATIENT_AGE_MAX = 130
FEEDBACK_RATINGS = range(1, 6)
WAIT_ALERT_MINUTES_MIN, WAIT_ALERT_MINUTES_MAX = 5, 600
# Far above any department's day, and within every database's integer column (PostgreSQL's stops at 2,147,483,647).
DAILY_CAPACITY_MAX = 100_000
# How many places ahead a patient may ask to be told they are close (the status page's choice).
NOTICE_PATIENTS_AHEAD_MIN, NOTICE_PATIENTS_AHEAD_MAX = 1, 20

# A department's code, as printed at the start of its tokens (format_token); inbound texts read tokens by it.
DEPARTMENT_CODE_PATTERN = r"[A-Z][A-Z0-9]{1,9}"
# A token as tickets print it: the department's code and the day's number (format_token). A day never numbers past
# nine digits; a longer run is no token (and more digits than int() takes).
TOKEN_PATTERN = rf"{DEPARTMENT_CODE_PATTERN}-[0-9]{{1,9}}"
department_code_validator = RegexValidator(
    rf"^{DEPARTMENT_CODE_PATTERN}$", _("Use 2 to 10 capital letters or digits, starting with a letter (e.g. CARD).")
)


# Embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI). One left open turns the rest of
# its line around, past the end of the text that carried it: a department named "ENT\u202e" showed the rest of
# each text message sent for it, its status link too, back to front. The marks (LRM, RLM, ALM) only mark a
# direction, are typed in right-to-left names, and are kept.
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What may break a text that is more than one line.
LINE_BREAKS_AND_TABS = frozenset("\t\n\r")


def refuse_direction_controls():
    raise ValidationError(
        _("Remove the invisible characters that change the direction of the text around them."),
        code="direction_control",
    )


def check_no_direction_controls(text):
    if any(character in DIRECTION_CONTROLS for character in text):
        refuse_direction_controls()


def check_single_line(text):
    """Names, rooms and reasons staff type are one line: boards, tickets, texts and the report's CSV print them in
    a line of their own, and a line break or tab in one breaks those lines."""
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in text):
        raise ValidationError(_("Write it on one line, without line breaks or tabs."), code="not_one_line")
    check_no_direction_controls(text)


def check_no_control_characters_but_lines(text):
    """Lines and tabs, but no other control character (a terminal's escape sequences, a bell)."""
    if any(unicodedata.category(character) == "Cc" and character not in LINE_BREAKS_AND_TABS for character in text):
        raise ValidationError(_("Remove the control characters from the text."), code="control_character")


def check_text_shown_to_others(text):
    """Notes and comments typed by one person (a stranger, on the registration page) and read by another (the
    doctor): lines and tabs, no other control character, no direction control, and no pile of accents on one letter
    drawn over the lines around it."""
    check_no_control_characters_but_lines(text)
    check_no_direction_controls(text)
    check_marks_per_letter(text)


# Module-level so that constraints in the models' Meta can use their values; reached as Patient.Gender,
# Queue.Priority and Queue.Status.
class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    EMERGENCY = "emergency", _("Emergency")


class Status(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    IN_CONSULTATION = "in_consultation", _("In consultation")
    COMPLETED = "completed", _("Completed")
    SKIPPED = "skipped", _("Skipped (no-show)")
    CANCELLED = "cancelled", _("Cancelled")


# What a department may give in the site's other languages, each as long as the field itself may be.
DEPARTMENT_TRANSLATED_FIELDS = ("name", "room")


def other_site_languages():
    """The codes of the languages pages are shown in besides the site's own (LANGUAGE_CODE)."""
    return [code for code, _label in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def check_translations(value, *, model, translated_fields, example, other_field_refusal):
    """{language: {field: text}}: the site's other languages, the given fields of the model, texts within those
    fields' lengths, each on one line. other_field_refusal names what may be translated (%(field)s: what
    was given instead)."""
    if not isinstance(value, dict) or not all(isinstance(fields, dict) for fields in value.values()):
        raise ValidationError(_("Give the translations by language, e.g. %(example)s.") % {"example": example})
    languages = other_site_languages()
    for language, fields in value.items():
        if language not in languages:
            raise ValidationError(
                _("%(language)s is not one of the site's other languages: %(languages)s.")
                % {"language": language, "languages": ", ".join(languages)}
            )
        for field, text in fields.items():
            if field not in translated_fields:
                raise ValidationError(other_field_refusal % {"field": field})
            limit = model._meta.get_field(field).max_length
            if not isinstance(text, str) or len(text) > limit:
                raise ValidationError(
                    _("The %(field)s in %(language)s must be text of at most %(limit)s characters.")
                    % {"field": field, "language": language, "limit": limit}
                )
            check_single_line(text)


def check_department_translations(value):
    """A department's name and room in the site's other languages (DEPARTMENT_TRANSLATED_FIELDS)."""
    check_translations(
        value,
        model=Department,
        translated_fields=DEPARTMENT_TRANSLATED_FIELDS,
        example='{"es": {"name": "Cardiología"}}',
        other_field_refusal=_("Only a department's name and room are translated, not %(field)s."),
    )


def translation_in(translations, field, language):
    """A field's text for readers of the language in its record's translations, or None where it has none."""
    return (translations or {}).get(language, {}).get(field) or None


@dataclass(frozen=True)
class Place:
    """Where a called patient goes, as written (in the site's language) and in the site's other languages where
    admins translated it: shared frames carry both, so that each reader shows it in their own language."""

    as_written: str
    translations: dict

    @classmethod
    def of(cls, record, field):
        """A department's or doctor's field (room, name) as a place."""
        translations = {
            language: words[field] for language, words in (record.translations or {}).items() if words.get(field)
        }
        return cls(as_written=getattr(record, field), translations=translations)

    @property
    def translated(self):
        """In the active language: its translation, else as written."""
        return self.translations.get(translation.get_language()) or self.as_written


@dataclass(frozen=True)
class DailyCapacity:
    """How a department's daily capacity stands: `limit` tokens a day (None or 0: no limit), `issued` so far today
    and not cancelled (Queue.objects.holding_capacity)."""

    limit: int | None
    issued: int

    @property
    def reached(self):
        """No more walk-ins today: services.issue_token refuses a routine token (not an emergency, nor a booked
        check-in)."""
        return bool(self.limit) and self.issued >= self.limit


class DepartmentQuerySet(models.QuerySet):
    def active(self):
        """The departments taking patients: the only ones a token, a booking, a transfer, a doctor, a broadcast or
        a closing may be put in (a doctor may stay in their own: doctors.models.departments_a_doctor_can_join)."""
        return self.filter(is_active=True)


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[check_single_line])
    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        blank=True,
        validators=[department_code_validator],
        help_text=_("Short code printed on tokens, e.g. CARD for CARD-007. Derived from the name when left blank."),
    )
    description = models.TextField(_("description"), blank=True, validators=[check_text_shown_to_others])
    room = models.CharField(_("room"), max_length=50, blank=True, validators=[check_single_line])
    average_consultation_minutes = models.PositiveSmallIntegerField(
        _("average consultation (minutes)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    daily_capacity = models.PositiveIntegerField(
        _("daily capacity"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(DAILY_CAPACITY_MAX)],
        help_text=_(
            "Registrations are refused once this many tokens of today are issued and not cancelled; a booked "
            "patient's check-in and an emergency never are. Blank for no limit."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    wait_alert_minutes = models.PositiveSmallIntegerField(
        _("long-wait alert after (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(WAIT_ALERT_MINUTES_MIN), MaxValueValidator(WAIT_ALERT_MINUTES_MAX)],
        help_text=_("Alert staff when someone has waited longer than this; blank for the hospital's setting."),
    )
    on_call_phone = models.CharField(
        _("on-call phone"),
        max_length=20,
        blank=True,
        help_text=_("E.164 number texted once when a long-wait alert starts; blank for no text."),
    )
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        validators=[check_department_translations],
        help_text=_(
            "Name and room in the site's other languages, e.g. {\"es\": {\"name\": \"Cardiología\"}}; "
            "where one is missing, pages in that language show it as written above."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(average_consultation_minutes__gte=1), name="department_consultation_minutes_positive"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def place(self):
        """Where the department's called patients go when their doctor has no room: its room, else its name."""
        return Place.of(self, "room" if self.room else "name")

    def translated(self, field):
        """The field as readers of the active language see it: its translation, else as written (in the site's
        language)."""
        return translation_in(self.translations, field, translation.get_language()) or getattr(self, field)

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude)
        clean_phone_fields(self, exclude, "on_call_phone", blank=True)

    def clean(self):
        super().clean()
        stored_code = Department.objects.filter(pk=self.pk).values_list("code", flat=True).first()
        # A token's number is its department's code and its count: a new code would rename the tickets and
        # texts the patients in line already hold.
        if (
            stored_code is not None
            and self.code != stored_code
            and Queue.objects.active().for_day(timezone.localdate()).filter(department_id=self.pk).exists()
        ):
            raise ValidationError(
                {
                    "code": _(
                        "Patients in line today hold tokens numbered %(code)s: change the code once today's line "
                        "is done."
                    )
                    % {"code": stored_code}
                }
            )

    def save(self, *args, **kwargs):
        if not self.code:
            self.code = self._unused_code_from_name()
        super().save(*args, **kwargs)

    def _unused_code_from_name(self):
        """A code as one would be typed (A to Z and digits): from the name's letters, accents dropped ("Ü" is U)."""
        unaccented = unicodedata.normalize("NFKD", self.name).upper()
        letters = "".join(ch for ch in unaccented if ch in string.ascii_uppercase + string.digits)
        if not letters:
            stem = "DEPT"
        elif letters[0].isalpha() and len(letters) > 1:
            stem = letters[:4]
        else:
            stem = f"D{letters[:3]}"
        candidate, suffix = stem, 2
        while Department.objects.filter(code=candidate).exclude(pk=self.pk).exists():
            candidate, suffix = f"{stem[:10 - len(str(suffix))]}{suffix}", suffix + 1
        return candidate


class Patient(models.Model):
    Gender = Gender

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120, validators=[check_person_name])
    phone = models.CharField(_("phone"), max_length=20, unique=True, help_text=_("E.164, e.g. +14155550123."))
    age = models.PositiveSmallIntegerField(_("age"), validators=[MaxValueValidator(PATIENT_AGE_MAX)])
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, default=Gender.UNDISCLOSED)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Their messages, status page and feedback form are in this language."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints = [
            models.CheckConstraint(condition=Q(age__lte=PATIENT_AGE_MAX), name="patient_age_at_most_130"),
            models.CheckConstraint(condition=Q(gender__in=Gender.values), name="patient_gender_valid"),
        ]

    def __str__(self):
        return f"{self.name} ({self.phone})"

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude)
        clean_phone_fields(self, exclude, "phone")


class QueueQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(status=Queue.Status.WAITING)

    def for_day(self, day):
        return self.filter(token_date=day)

    def active(self):
        return self.filter(status__in=Queue.ACTIVE_STATUSES)

    def with_a_doctor(self):
        """Tokens a doctor has called or is seeing: their patient is in (or on the way to) a consulting room."""
        return self.filter(status__in=Queue.SERVING_STATUSES)

    def holding_capacity(self):
        """The tokens a department's daily capacity counts: every one issued but those cancelled, which take no
        consultation. Counting every number issued, a stranger's registrations under other numbers filled the day
        for good: the desk cancelling them gave no place back, and routine walk-ins were refused until evening."""
        return self.exclude(status=Queue.Status.CANCELLED)

    def in_service_order(self):
        """Emergency before high before normal; within a priority, the earliest due first.

        A walk-in is due from its arrival, a booked patient of normal priority who checked in on time or early from
        the slot (Queue.due_expression, docs/appointments.md). The one statement of the order: call-next, the read
        model and every place shown follow it. Queue.service_order_key states it for tokens in memory; a test holds
        the two together.
        """
        return self.annotate(
            priority_rank=Queue.priority_rank_expression(), due_order=Queue.due_expression()
        ).order_by("-priority_rank", "due_order", "id")

    def service_order_rows(self, fields):
        """These tokens in service order as rows: dicts of `fields`, their status and "due" (the time that orders
        a token within its priority: its slot or its arrival).

        Lazy and unfiltered by day, so a reader that runs it often can compile it once and run it for each
        department and day (patients.statements: compiling costs more than running it on a short line);
        number_places lists the rows.
        """
        return self.in_service_order().values(*fields, "status", due=Queue.due_expression())

    def day_in_service_order(self, *, department_id, day, fields):
        """These tokens of the department's day in service order, as listed by number_places."""
        return number_places(self.service_order_rows(fields).filter(department_id=department_id, token_date=day))


def number_places(rows):
    """The rows of QueueQuerySet.service_order_rows of one department's day, listed, each with its "place"
    (1 = next; None for a token not waiting).

    Plain rows, not model instances: the read model takes the line, who is being served and the day's history
    from this one statement, and every queue change reads it.
    """
    rows = list(rows)
    place = 0
    for row in rows:
        waiting = row["status"] == Queue.Status.WAITING
        place += waiting
        row["place"] = place if waiting else None
    return rows


class Queue(models.Model):
    """One visit: a patient's token in a department's queue for one day."""

    Priority = Priority
    Status = Status

    PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.EMERGENCY: 2}
    URGENT_PRIORITIES = (Priority.EMERGENCY, Priority.HIGH)
    SERVING_STATUSES = (Status.CALLED, Status.IN_CONSULTATION)
    ACTIVE_STATUSES = (Status.WAITING, *SERVING_STATUSES)

    public_id = models.UUIDField(
        _("public id"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("The token's status link: follows this visit only."),
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits", verbose_name=_("patient"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="queue_entries", verbose_name=_("department")
    )
    doctor = models.ForeignKey(
        "doctors.Doctor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="queue_entries",
        verbose_name=_("doctor"),
    )
    token_number = models.PositiveIntegerField(_("token number"))
    token_date = models.DateField(_("token day"), help_text=_("The hospital-local day the token belongs to."))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.WAITING)
    notes = models.TextField(
        _("notes"),
        blank=True,
        max_length=1000,
        validators=[check_text_shown_to_others],
        help_text=_("Reason for visit, from registration."),
    )
    consultation_notes = models.TextField(
        _("consultation notes"), blank=True, max_length=4000, validators=[check_text_shown_to_others]
    )
    transferred_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transferred_to",
        verbose_name=_("transferred from"),
        help_text=_("The token this one was transferred or referred from (another department's)."),
    )
    listed_under_patient = models.BooleanField(
        _("listed under the patient"),
        default=False,
        help_text=_(
            "Reached by the patient's own id (patient status, socket, feedback): the visit whose registration "
            "made the patient, the one answer that handed the id out, and the tokens it was transferred to."
        ),
    )
    checked_in_at = models.DateTimeField(
        _("checked in at"),
        help_text=_("Arrival: place in line within a priority; kept from the original visit on transfer."),
    )
    due_at = models.DateTimeField(
        _("due at"),
        null=True,
        blank=True,
        help_text=_("A booked patient's slot time, when they checked in on time or early: their place in line."),
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    # The first call, kept when a recall, a return to the line or a reinstatement clears called_at: the wait shown on
    # registering was a wait until it (adminpanel.analytics' estimate accuracy).
    first_called_at = models.DateTimeField(_("first called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # A database default too: during a rolling deploy the previous release's processes insert tokens without it.
    consultation_ended_for_doctor = models.BooleanField(
        _("consultation ended for the doctor"),
        default=False,
        db_default=False,
        help_text=_(
            "Completed by an administrator for a doctor called away: its end is not when the consultation ended, "
            "so its length is left out of the consultation times (wait estimates, reports)."
        ),
    )
    # A database default too: during a rolling deploy the previous release's processes insert tokens without it.
    consultation_left_open = models.BooleanField(
        _("consultation left open"),
        default=False,
        db_default=False,
        help_text=_(
            "Its doctor never recorded the end of the consultation: it was closed as of the end of its day, the "
            "patient counted as seen that day and its length left out of the consultation times."
        ),
    )
    skipped_at = models.DateTimeField(_("skipped at"), null=True, blank=True)
    estimated_wait_at_registration = models.PositiveIntegerField(
        _("wait shown on registering (minutes)"),
        null=True,
        blank=True,
        help_text=_("Minutes to the call the patient was shown on registering; the reports compare it with the wait."),
    )
    patients_ahead_at_registration = models.PositiveIntegerField(
        _("patients ahead on registering"),
        null=True,
        blank=True,
        help_text=_(
            "How many were ahead when the patient was told their place on registering: the \"patients ahead\" text "
            "waits until fewer are."
        ),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    notify_when_patients_ahead = models.PositiveSmallIntegerField(
        _("notify when this many patients are ahead"),
        null=True,
        blank=True,
        validators=[MinValueValidator(NOTICE_PATIENTS_AHEAD_MIN), MaxValueValidator(NOTICE_PATIENTS_AHEAD_MAX)],
        help_text=_("The patient's choice of when to be told they are close; blank for the hospital's setting."),
    )
    postponed_at = models.DateTimeField(
        _("moved back at"),
        null=True,
        blank=True,
        help_text=_("When the patient asked to be moved back (allowed once per visit)."),
    )
    # Apart from due_at, which keeps the booked slot: a move undone (the priority raised) leaves the token due as it
    # was before it, so lowered again it is neither still moved back nor taken for a booked patient at the move's time.
    due_after_move_back = models.DateTimeField(
        _("due after moving back"),
        null=True,
        blank=True,
        help_text=_("While the move back stands, its place: just after the last token it let go first."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = QueueQuerySet.as_manager()

    class Meta:
        verbose_name = _("queue entry")
        verbose_name_plural = _("queue entries")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "token_date", "token_number"], name="queue_one_token_number_per_department_day"
            ),
            models.CheckConstraint(condition=Q(token_number__gte=1), name="queue_token_number_positive"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="queue_priority_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="queue_status_valid"),
            models.CheckConstraint(
                condition=Q(postponed_at__isnull=True, due_after_move_back__isnull=True)
                | Q(postponed_at__isnull=False, due_after_move_back__isnull=False),
                name="queue_moved_back_with_its_due",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "token_date", "status"], name="queue_department_day_status"),
            # with_a_doctor_elsewhere asks it of every waiting token of a line read cold: a probe of the few
            # tokens being served instead of the patient's whole history (docs/performance.md).
            models.Index(
                fields=["patient", "token_date", "department"],
                condition=Q(status__in=[Status.CALLED, Status.IN_CONSULTATION]),
                name="queue_patient_with_a_doctor",
            ),
        ]

    def __str__(self):
        return f"{self.token} ({self.get_status_display()})"

    @property
    def token(self):
        return format_token(self.department.code, self.token_number)

    def get_absolute_url(self):
        return reverse("patients:status", kwargs={"public_id": self.public_id})

    @property
    def place(self):
        """The room a called patient goes to: the doctor's, else the department's; one answer for every screen."""
        return (self.doctor or self.department).place

    @property
    def where_to_go(self):
        """That room in the reader's language."""
        return self.place.translated

    @property
    def successor(self):
        """The token this one was transferred (cancelled) or referred (completed) to, or None."""
        if self.status not in (Status.CANCELLED, Status.COMPLETED):
            return None
        try:
            return self.transferred_to
        except Queue.DoesNotExist:
            return None

    def predecessors(self, *, for_update=False):
        """The tokens this one was transferred or referred from, earliest first (their links lead to it); locked
        until the transaction ends when for_update."""
        rows = Queue.objects.select_for_update() if for_update else Queue.objects
        visits, entry = [], self
        while entry.transferred_from_id is not None:
            entry = rows.get(pk=entry.transferred_from_id)
            visits.insert(0, entry)
        return visits

    @property
    def expired(self):
        """Still open after its day ended: lines are of one day (call_next reads today's), so it will never be
        called and is no longer in line."""
        return self.status in self.ACTIVE_STATUSES and self.token_date < timezone.localdate()

    @property
    def feedback_given(self):
        """Whether the patient rated this visit (only a completed one can be rated)."""
        return self.status == Status.COMPLETED and hasattr(self, "feedback")

    @classmethod
    def priority_rank_expression(cls):
        return Case(
            *(When(priority=priority, then=Value(rank)) for priority, rank in cls.PRIORITY_RANK.items()),
            output_field=IntegerField(),
        )

    @classmethod
    def due_expression(cls):
        """When a token is due within its priority: where a move back put it, else the slot of a booked patient who
        came on time or early, else the arrival; an urgent token not moved back is due from its arrival.

        A slot keeps a normal line first-due, first-served for the walk-ins who came before it; once the patient's
        priority is raised, they are seen by arrival among the urgent ones, not held back until their slot.
        """
        return Case(
            When(postponed_at__isnull=False, then=F("due_after_move_back")),
            When(priority__in=cls.URGENT_PRIORITIES, then=F("checked_in_at")),
            default=Coalesce(F("due_at"), F("checked_in_at")),
        )

    @property
    def due(self):
        """due_expression, of this token as it is in memory."""
        if self.postponed_at is not None:
            return self.due_after_move_back
        if self.priority in self.URGENT_PRIORITIES:
            return self.checked_in_at
        return self.due_at or self.checked_in_at

    @property
    def booked_place_at(self):
        """The booking's slot when it is this token's place in line (due_expression: checked in on time or early, at
        normal priority, never moved back), else None. The patient who came early sees walk-ins arriving before
        the slot go first: the status page says why."""
        if self.priority in self.URGENT_PRIORITIES or self.postponed_at is not None:
            return None
        return self.due_at

    @classmethod
    def with_a_doctor_elsewhere(cls):
        """For a subquery about a token's row: its patient's tokens of its day that a doctor of another department
        has just now (called there or in consultation). Call next passes that token over until they are free
        (services.call_next); the dashboards and boards say so beside it."""
        return (
            cls.objects.with_a_doctor()
            .filter(patient_id=OuterRef("patient_id"), token_date=OuterRef("token_date"))
            .exclude(department_id=OuterRef("department_id"))
        )

    @classmethod
    def waiting_since_expression(cls):
        """When a token's wait in its department began: when it joined the line there (its arrival, or its transfer:
        its place keeps the first arrival, but the first department's wait is that department's), or when it became
        due if later (a booked patient who came early waits from the slot, one moved back from the move).

        The one start of every wait shown (minutes_waited): the long-wait alert, the live queues, the dashboard.
        """
        joined = Case(When(transferred_from__isnull=False, then=F("created_at")), default=F("checked_in_at"))
        return Greatest(joined, cls.due_expression())

    @classmethod
    def service_order_key(cls, *, priority, due, entry_id):
        """QueueQuerySet.in_service_order's order as a sort key, for a token in memory (a row or an instance):
        a token whose key is greater is called later."""
        return (-cls.PRIORITY_RANK[priority], due, entry_id)

    def get_position_in_queue(self):
        """1-based place among the department's waiting tokens of its day, or None when not waiting (or expired).

        Places come from QueueQuerySet.day_in_service_order, as in the read model (selectors.department_line);
        change the priority rules in QueueQuerySet.in_service_order and every reader follows.
        """
        if self.status != self.Status.WAITING or self.expired:
            return None
        line = Queue.objects.waiting().day_in_service_order(
            department_id=self.department_id, day=self.token_date, fields=("id",)
        )
        return next((row["place"] for row in line if row["id"] == self.pk), None)


def minutes_waited(since, now):
    """Whole minutes waited at `now` by a token waiting since `since` (Queue.waiting_since_expression); 0 before
    then (a booked patient who came early has not started waiting until their slot)."""
    return max(int((now - since).total_seconds() // 60), 0)


def format_token(department_code, token_number):
    return f"{department_code}-{token_number:03d}"


class DailyTokenCounter(models.Model):
    """The last token number a department issued on a day: the next registration takes the one after."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="token_counters", verbose_name=_("department")
    )
    day = models.DateField(_("day"))
    last_number = models.PositiveIntegerField(_("last number issued"))

    class Meta:
        verbose_name = _("daily token counter")
        verbose_name_plural = _("daily token counters")
        constraints = [
            models.UniqueConstraint(fields=["department", "day"], name="token_counter_one_per_department_day"),
        ]

    def __str__(self):
        return f"{self.department} on {self.day}: {self.last_number}"


class DepartmentChangeCount(models.Model):
    """Without Redis: the number of a department's latest published change and its pace generation
    (patients.published), counted here so that every process counts on one: a change made by a management command
    or a second server process numbered on its own counter, and this server's readers went on taking the queue they
    kept under their own number, without the change, until this server published the department again."""

    department = models.OneToOneField(
        Department, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("department")
    )
    seq = models.PositiveBigIntegerField(_("latest change number"), default=0)
    pace_generation = models.PositiveBigIntegerField(_("pace generation"), default=0)

    class Meta:
        verbose_name = _("department change count")
        verbose_name_plural = _("department change counts")

    def __str__(self):
        return f"{self.department_id}: change {self.seq}, pace generation {self.pace_generation}"


class PatientFeedback(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("patient"))
    queue_entry = models.OneToOneField(
        Queue, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("queue entry")
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(FEEDBACK_RATINGS[0]), MaxValueValidator(FEEDBACK_RATINGS[-1])]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000, validators=[check_text_shown_to_others])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("patient feedback")
        verbose_name_plural = _("patient feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=FEEDBACK_RATINGS[0], rating__lte=FEEDBACK_RATINGS[-1]),
                name="feedback_rating_1_to_5",
            ),
        ]

    def __str__(self):
        return gettext("%(rating)s/5 for %(token)s") % {"rating": self.rating, "token": self.queue_entry.token}


BOOKING_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
BOOKING_CODE_LENGTH = 8


def new_booking_code():
    # No 0/O or 1/I: the code is read aloud at the desk and typed at the kiosk.
    return get_random_string(BOOKING_CODE_LENGTH, BOOKING_CODE_ALPHABET)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    # Its own word: a token's "Cancelled" is masculine in Spanish (el turno), an appointment's feminine (la cita).
    CANCELLED = "cancelled", pgettext_lazy("appointment status", "Cancelled")
    NO_SHOW = "no_show", _("No-show")


class Arrival(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


# Bookings that hold their seat: a unique constraint keeps one of them per seat of a slot.
HOLDING_APPOINTMENT_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


class Appointment(models.Model):
    """A patient's booked slot in a department; checked in, it becomes a token in the department's line."""

    Status = AppointmentStatus
    Arrival = Arrival
    HOLDING_STATUSES = HOLDING_APPOINTMENT_STATUSES

    public_id = models.UUIDField(
        _("public id"), default=uuid.uuid4, unique=True, editable=False, help_text=_("The manage link.")
    )
    booking_code = models.CharField(
        _("booking code"), max_length=BOOKING_CODE_LENGTH, unique=True, default=new_booking_code
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("patient")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("department")
    )
    slot_start = models.DateTimeField(_("booked for"))
    seat = models.PositiveSmallIntegerField(
        _("seat"), help_text=_("Which of the slot's bookable places (one per doctor on duty).")
    )
    times_moved = models.PositiveSmallIntegerField(
        _("times moved"), default=0, help_text=_("How many times the booking was moved to another time.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    notes = models.TextField(_("notes"), blank=True, max_length=1000, validators=[check_text_shown_to_others])
    queue_entry = models.OneToOneField(
        Queue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointment",
        verbose_name=_("queue entry"),
    )
    token_held_before = models.BooleanField(
        _("token held before"),
        default=False,
        help_text=_(
            "The patient already held the token the booking was checked in on (a walk-in's): the booking's link "
            "does not lead to it, as whoever booked may not be whoever registered."
        ),
    )
    arrival = models.CharField(_("arrival"), max_length=8, choices=Arrival.choices, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("no-show at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "slot_start", "seat"],
                condition=Q(status__in=HOLDING_APPOINTMENT_STATUSES),
                name="appointment_one_booking_per_seat",
            ),
            models.CheckConstraint(condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"),
            models.CheckConstraint(condition=Q(seat__gte=1), name="appointment_seat_positive"),
        ]
        indexes = [models.Index(fields=["status", "slot_start"], name="appointment_status_slot")]

    def __str__(self):
        return f"{self.booking_code} {self.department} {self.slot_start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("patients:appointment", kwargs={"public_id": self.public_id})

    @property
    def followed_token(self):
        """The token the booking's manage link leads to: the one its check-in issued, else None."""
        return None if self.token_held_before else self.queue_entry


class ClosedDay(models.Model):
    """A day with no bookable slots (a holiday), for one department or, without one, the whole hospital."""

    day = models.DateField(_("day"))
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closed_days",
        verbose_name=_("department"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True, validators=[check_single_line])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "department"], name="closed_day_once_per_department"),
            models.UniqueConstraint(
                fields=["day"], condition=Q(department__isnull=True), name="closed_day_once_for_hospital"
            ),
        ]

    def __str__(self):
        return gettext("%(day)s closed (%(where)s)") % {
            "day": date_format(self.day, pgettext("date format", "D j M Y")),
            "where": self.department or gettext("whole hospital"),
        }

    @classmethod
    def closing(cls, *, department, day):
        """What keeps the department shut on the day (its own closure or the whole hospital's), or None."""
        return cls.objects.filter(Q(department=department) | Q(department__isnull=True), day=day).first()


class WaitAlert(models.Model):
    """An episode of a department's longest wait above its threshold: from when it passed it until it fell back."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="wait_alerts", verbose_name=_("department")
    )
    threshold_minutes = models.PositiveSmallIntegerField(_("threshold (minutes)"))
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    peak_wait_minutes = models.PositiveIntegerField(
        _("longest wait (minutes)"), help_text=_("The longest wait seen during the episode.")
    )
    on_call_notified_at = models.DateTimeField(
        _("on-call phone texted at"),
        null=True,
        blank=True,
        help_text=_("When the on-call number was texted (at most once per episode)."),
    )

    class Meta:
        verbose_name = _("long-wait alert")
        verbose_name_plural = _("long-wait alerts")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"], condition=Q(ended_at__isnull=True), name="wait_alert_one_open_per_department"
            ),
        ]

    def __str__(self):
        if self.ended_at is None:
            text = gettext("%(department)s: waits over %(minutes)s min (open)")
        else:
            text = gettext("%(department)s: waits over %(minutes)s min (ended)")
        return text % {"department": self.department, "minutes": self.threshold_minutes}

    @property
    def minutes_over_threshold(self):
        """How long the episode lasted (until now while it is open), in whole minutes. An episode ends with its
        day's line at midnight at the latest, whether or not anything has reviewed it since
        (services.review_wait_alert)."""
        end = self.ended_at or min(timezone.now(), day_ends_at(timezone.localdate(self.started_at)))
        return int((end - self.started_at).total_seconds() // 60)
