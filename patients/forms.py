from datetime import date

from django import forms
from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import capfirst, format_lazy
from django.utils.translation import get_language, get_language_info, gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from smartqueue.form_input import OneValuePerFieldMixin, ReadableTextMixin
from smartqueue.i18n import clock_time, text_direction

from .appointments import BOOKING_CODE_MAX_LENGTH
from .models import (
    FEEDBACK_RATINGS,
    NOTICE_PATIENTS_AHEAD_MAX,
    NOTICE_PATIENTS_AHEAD_MIN,
    PATIENT_AGE_MAX,
    Department,
    Patient,
    Queue,
    check_text_shown_to_others,
)
from .phone import MAX_TYPED_PHONE_LENGTH, check_self_service_phone, normalise_phone
from .person_names import check_person_name
from .serializers import FEEDBACK_COMMENT_MAX_LENGTH, NAME_MAX_LENGTH, NOTES_MAX_LENGTH
from .templatetags.departments import reading_order, site_language_marks


EMPTY_CHOICE_DASHES = "---------"
# Said for any age outside the range, and for one that is not a whole number: the patient learns both limits at once.
AGE_OUT_OF_RANGE = format_lazy(_("Enter your age in years, from 0 to {oldest}."), oldest=PATIENT_AGE_MAX)
CHOOSE_A_DEPARTMENT = _("Choose a department.")


def _word_the_empty_choice(field):
    # Django's empty choice is nine dashes, which a screen reader reads out one by one.
    if isinstance(field, forms.ModelChoiceField) and field.empty_label == EMPTY_CHOICE_DASHES:
        field.empty_label = _("Choose one")
        field.widget.choices = field.choices
    elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        field.choices = [
            (value, _("Choose one") if value == "" and label == EMPTY_CHOICE_DASHES else label)
            for value, label in field.choices
        ]


def _word_the_required_refusal(name, field):
    # By the field's label ("Choose “Gender”."), not Django's "This field is required.": read out beside the field
    # (aria-describedby) without it, the message alone says neither which field nor what to do.
    if field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
        label = field.label or capfirst(name.replace("_", " "))
        wording = _("Choose “%(field)s”.") if isinstance(field, forms.ChoiceField) else _("Fill in “%(field)s”.")
        field.error_messages["required"] = wording % {"field": label}


# Its numbers come from the length validator (limit_value, show_value) when the refusal is raised.
TOO_LONG = ngettext_lazy(
    "Write at most %(limit_value)d character here (this has %(show_value)d).",
    "Write at most %(limit_value)d characters here (this has %(show_value)d).",
    "limit_value",
)


class BootstrapWidgetsMixin(ReadableTextMixin, OneValuePerFieldMixin):
    """Bootstrap classes on every widget, and invalid fields marked so their errors show beside them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            _word_the_empty_choice(field)
            _word_the_required_refusal(name, field)
            if isinstance(field.widget, forms.RadioSelect):
                continue
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            field.widget.attrs.setdefault("class", css)
            # A browser silently cuts what is typed past maxlength; the form refuses it in words instead. Django's
            # own words ("Ensure this value has at most 120 characters") are not the hospital's, and its Arabic
            # neither addresses the reader politely nor agrees with the number.
            field.widget.attrs.pop("maxlength", None)
            if getattr(field, "max_length", None) and "max_length" not in field.error_messages:
                field.error_messages["max_length"] = TOO_LONG

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                # The hint stays read with the error: Django links it alone only while nothing else is linked.
                described_by = [f"{self[name].auto_id}_error"]
                if self.fields[name].help_text:
                    described_by.append(f"{self[name].auto_id}_helptext")
                widget.attrs["aria-describedby"] = " ".join(described_by)


class FieldsSayWhatToEnterMixin:
    """Refusals that say what to enter: a required field by its label ("Choose “Department”."), not Django's "This
    field is required."; a number by both its limits at once, the model's own included (5 to 600 minutes: the form
    field alone knew 0 and up, so each try learned one more limit). Messages a form words itself are kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = getattr(getattr(self, "_meta", None), "model", None)
        for name, field in self.fields.items():
            _word_the_required_refusal(name, field)
            if isinstance(field, forms.IntegerField):
                declared = model._meta.get_field(name)._validators if model and name in self._meta.fields else []
                self._word_number_limits(field, declared)

    @staticmethod
    def _word_number_limits(field, declared_validators):
        lowest = [field.min_value, *(v.limit_value for v in declared_validators if isinstance(v, MinValueValidator))]
        highest = [field.max_value, *(v.limit_value for v in declared_validators if isinstance(v, MaxValueValidator))]
        lowest = max((limit for limit in lowest if limit is not None), default=None)
        highest = min((limit for limit in highest if limit is not None), default=None)
        if lowest is not None and highest is not None:
            words = _("Enter a whole number from %(lowest)s to %(highest)s.") % {"lowest": lowest, "highest": highest}
        elif lowest is not None:
            words = _("Enter a whole number of %(lowest)s or more.") % {"lowest": lowest}
        else:
            return
        field.error_messages["min_value"] = field.error_messages["max_value"] = words
        if field.error_messages["invalid"] == forms.IntegerField.default_error_messages["invalid"]:
            field.error_messages["invalid"] = words
        # The form field holds the model's limits too: the staff APIs' schema is read from the form fields
        # (smartqueue.strict_types.form_field_schema), and documented 0 and up for a field refused below 5.
        limits = [MinValueValidator(lowest)] + ([MaxValueValidator(highest)] if highest is not None else [])
        others = [v for v in field.validators if not isinstance(v, (MinValueValidator, MaxValueValidator))]
        field.validators = others + limits


FULL_TODAY_OPTION = _("%(department)s (full for today)")


class DepartmentSelect(forms.Select):
    """Departments' options; one named as written, in the site's language, on a page in another says so
    (lang, dir), as the pages' in_site_language does, so a screen reader reads it in that language. One whose
    daily capacity is reached (full_today: their ids) says so in its label."""

    full_today = frozenset()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        department = getattr(value, "instance", None)  # None for the empty choice
        if department is None:
            return option
        if department.pk in self.full_today:
            # The label is then in the page's language around the name: read in the page's voice, the words that
            # matter are understood.
            option["label"] = FULL_TODAY_OPTION % {"department": label}
        else:
            option["attrs"].update(site_language_marks(department, "name"))
        return option


def language_marks(code):
    """lang and dir of one of the site's languages (settings.LANGUAGES), else none."""
    if code not in dict(settings.LANGUAGES):
        return {}
    return {"lang": code, "dir": text_direction(code)}


class LanguageSelect(forms.Select):
    """Languages by their own names ("العربية", "Español"), each option marked with its language so a screen reader
    says it in that language's voice (WCAG 3.1.2), as the language switcher does."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        option["attrs"].update(language_marks(value))
        return option


class DepartmentChoices(forms.models.ModelChoiceIterator):
    """The departments in the alphabetical order of the names the page shows: ordered by the names as written (the
    site's language), a Spanish list read "Cardiología, Dermatología, Otorrinolaringología, Medicina general, …"."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from sorted((self.choice(department) for department in self.queryset), key=lambda c: reading_order(c[1]))


class DepartmentChoiceField(forms.ModelChoiceField):
    """A list of departments, each by its name in the page's language, in that name's alphabetical order."""

    widget = DepartmentSelect
    iterator = DepartmentChoices

    def label_from_instance(self, department):
        return department.translated("name")


class BootstrapForm(BootstrapWidgetsMixin, forms.Form):
    """A plain form with BootstrapWidgetsMixin's look and error marking."""


class RegistrationForm(BootstrapForm):
    """A patient registering on their phone, or reception registering a walk-in (who may also set priority)."""

    # The order of the page (register.html), so its error summary reads top to bottom as the form does.
    field_order = ("name", "phone", "age", "gender", "department", "priority", "language", "notes")

    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        validators=[check_person_name],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name.")},
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=MAX_TYPED_PHONE_LENGTH,
        help_text=_("We use it to recognise you next time and to text you when your turn is near."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"required": _("Enter your phone number.")},
    )
    age = forms.IntegerField(
        label=_("Age"),
        min_value=0,
        max_value=PATIENT_AGE_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Enter your age."),
            "invalid": AGE_OUT_OF_RANGE,
            "min_value": AGE_OUT_OF_RANGE,
            "max_value": AGE_OUT_OF_RANGE,
        },
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Patient.Gender.choices, initial=Patient.Gender.UNDISCLOSED)
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.active(),
        empty_label=_("Choose a department"),
        error_messages={
            "required": CHOOSE_A_DEPARTMENT,
            "invalid_choice": _("Choose one of the departments open for registration."),
        },
    )
    notes = forms.CharField(
        label=_("Reason for visit (optional)"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        validators=[check_text_shown_to_others],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Queue.Priority.choices, initial=Queue.Priority.NORMAL)
    language = forms.ChoiceField(
        label=_("Language for their messages"),
        choices=settings.LANGUAGES,
        widget=LanguageSelect,
        required=False,
        help_text=Patient._meta.get_field("language").help_text,
    )

    # Typed on a browser that serves one patient after another (the lobby's kiosk; the desk's, for staff): it is asked
    # to keep nothing typed, which it would offer to the next person tapping the field. "name" and "tel" are for a
    # patient's own phone.
    on_a_shared_browser = False

    def __init__(self, *args, reception_staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reception_staff = reception_staff
        if reception_staff or self.on_a_shared_browser:
            for field in self.fields.values():
                field.widget.attrs["autocomplete"] = "off"
        if not reception_staff:
            # Patients registering themselves are always normal priority; only staff triage. Their language is
            # the page's: they chose it by reading it.
            del self.fields["priority"]
            del self.fields["language"]
        else:
            # Left as it is, a known patient keeps their language: preset to the desk's, every registration of a
            # Spanish-speaking patient at an English desk turned their messages English from then on.
            page_language = get_language_info(get_language())["name_local"]
            self.fields["language"].choices = [
                ("", gettext("As on file (a new patient: %(language)s)") % {"language": page_language}),
                *settings.LANGUAGES,
            ]

    def say_full_today(self, departments):
        """Name the departments that take no more walk-ins today (selectors.departments_full_today) among the
        choices, so that a patient reads it as they choose rather than in a refusal once everything is typed."""
        self.fields["department"].widget.full_today = frozenset(department.pk for department in departments)

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data["phone"])
        if not self.reception_staff:
            check_self_service_phone(phone)
        return phone


class PatientsAheadNoticeForm(BootstrapForm):
    """The status page's choice of how many patients ahead the 'you are close' message comes at."""

    patients_ahead = forms.TypedChoiceField(
        coerce=int,
        choices=[(number, str(number)) for number in range(NOTICE_PATIENTS_AHEAD_MIN, NOTICE_PATIENTS_AHEAD_MAX + 1)],
        label=_("Text me when this many patients are ahead of me"),
    )


class FeedbackForm(BootstrapForm):
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in reversed(FEEDBACK_RATINGS)],
        coerce=int,
        # Bootstrap's radio, which status.html's rating-choices makes a large target (BootstrapWidgetsMixin leaves
        # choice lists to their pages: the booking's times are buttons).
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        label=_("How was your visit? (5 is best)"),
        error_messages={"required": _("Choose a rating for your visit.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=FEEDBACK_COMMENT_MAX_LENGTH,
        validators=[check_text_shown_to_others],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def day_in_link_or_today(query, days):
    """The query of a link to the booking page, and a note for the patient: a day it names that cannot be booked (one
    passed, as a "book again" text read late names, one past the days open, not a date) is replaced by today, the
    first day open, and the note says so; a link naming no day shows today without a note."""
    query = query.copy()
    asked = query.getlist("day")
    if len(asked) > 1 or (asked and asked[0] in {day.isoformat() for day in days}):
        return query, ""  # A day given twice is refused by the form, naming it.
    query["day"] = days[0].isoformat()
    if not asked:
        return query, ""
    try:
        passed = date.fromisoformat(asked[0]) < days[0]
    except ValueError:
        passed = False
    if passed:
        day = date_format(date.fromisoformat(asked[0]), pgettext("date format", "D j M"))
        return query, _("The day in the link, %(day)s, has passed: the times shown are today's.") % {"day": day}
    return query, _("The day in the link is not open to booking: the times shown are today's.")


class SlotDayForm(BootstrapForm):
    """Which department and day to show bookable times for (the booking page's first step, a GET form)."""

    department = DepartmentChoiceField(
        queryset=Department.objects.active(),
        label=_("Department"),
        empty_label=_("Choose a department"),
        error_messages={
            "required": CHOOSE_A_DEPARTMENT,
            "invalid_choice": _("Choose one of the departments taking bookings."),
        },
    )
    day = forms.TypedChoiceField(
        label=_("Day"), coerce=date.fromisoformat, error_messages={"required": _("Choose a day.")}
    )

    def __init__(self, *args, days, **kwargs):
        super().__init__(*args, **kwargs)
        # Weekday and month in the page's language ("jue 3 dic"), not strftime's English.
        day_format = pgettext("date format", "D j M")
        self.fields["day"].choices = [(day.isoformat(), date_format(day, day_format)) for day in days]


class SlotChoiceField(forms.TypedChoiceField):
    """One of the offered slots, by its start time (ISO 8601), coerced to the aware datetime."""

    def __init__(self, *, error_messages=None, **kwargs):
        super().__init__(
            label=_("Time"),
            coerce=parse_datetime,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Choose a time."),
                "invalid_choice": _("Choose one of the times offered."),
                "taken": _("This time has just been taken; please choose another of the times shown."),
                **(error_messages or {}),
            },
            **kwargs,
        )
        self.full = set()

    def validate(self, value):
        # A slot of the day whose last place someone else booked since the page was shown: said as that, and
        # answered 409 like a place lost at saving.
        if value in self.full:
            raise forms.ValidationError(self.error_messages["taken"], code="taken")
        super().validate(value)

    def offer(self, slots):
        self.choices = [
            (slot.start.isoformat(), clock_time(slot.start)) for slot in slots if slot.free
        ]
        self.full = {slot.start.isoformat() for slot in slots if not slot.free}


class KioskWalkInForm(RegistrationForm):
    """The kiosk's walk-in token, which asks for the department first."""

    field_order = ("department", "name", "phone", "age", "gender", "notes")
    on_a_shared_browser = True


class BookingForm(RegistrationForm):
    """A patient booking a slot on their phone, or reception booking for a caller."""

    # The time is chosen first on the page (book.html); the hidden department's refusals show by the button.
    field_order = ("slot", "name", "phone", "age", "gender", "language", "notes", "department")
    slot = SlotChoiceField()

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("priority", None)
        self.fields["department"].widget = forms.HiddenInput()
        self.fields["slot"].offer(slots)


class RescheduleForm(BootstrapForm):
    """Another time on the booking's day: its own time is not offered, as moving there would change nothing."""

    slot = SlotChoiceField(error_messages={"required": _("Choose a new time.")})

    def __init__(self, *args, slots=(), booked_at, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].offer([slot for slot in slots if slot.start != booked_at])


class KioskCheckInForm(BootstrapForm):
    code = forms.CharField(
        label=_("Booking code"),
        max_length=BOOKING_CODE_MAX_LENGTH,
        help_text=_("Scan the QR code of your booking, or type the code from your message."),
        error_messages={"required": _("Scan your booking's QR code, or type its code.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "autofocus": True}),
    )
