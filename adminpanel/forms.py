from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from doctors.models import DOCTOR_TRANSLATED_FIELDS, Doctor, DoctorAbsence, departments_a_doctor_can_join
from notifications.forms import NewWebhookEndpointForm, WebhookEndpointForm
from notifications.models import NotificationTemplate, NotificationTemplateTranslation
from patients import appointments
from patients.forms import (
    BootstrapForm,
    BootstrapWidgetsMixin,
    DepartmentChoiceField,
    FieldsSayWhatToEnterMixin,
    LanguageSelect,
)
from patients.models import (
    DEPARTMENT_TRANSLATED_FIELDS,
    Appointment,
    ClosedDay,
    Department,
    Patient,
    check_single_line,
    check_text_shown_to_others,
    other_site_languages,
)
from patients.templatetags.departments import sentence_with
from smartqueue.days import DAY_FORMAT_ERROR, DAY_INPUT_FORMATS
from smartqueue.form_input import OneValuePerFieldMixin
from smartqueue.i18n import text_direction

from .models import AuditLog, SystemConfiguration
from .selectors import accounts_named
from .services import BROADCAST_MAX_LENGTH, translation_field_name, username_taken
from .templatetags.languages import language_name

REPORT_MAX_DAYS = 92
# The dates the panel's filters accept: far wider than any hospital's records, far inside what date
# arithmetic and the databases' time-zone conversions can hold (year 1 minus a day is an OverflowError).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
END_BEFORE_START = _("The end date must be on or after the start date.")


class PanelDateField(forms.DateField):
    """A day as the date picker and the API send it (smartqueue.days)."""

    default_validators = [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)]
    input_formats = DAY_INPUT_FORMATS
    default_error_messages = {"invalid": DAY_FORMAT_ERROR}


TRANSLATION_LABELS = {
    "name": _("Name in %(language)s"),
    "room": _("Room in %(language)s"),
    # Not "Message in ...": the message's own label, "Message", stays the only one that says it.
    "message": _("Text in %(language)s"),
}


class PanelFieldsMixin(FieldsSayWhatToEnterMixin, BootstrapWidgetsMixin):
    """Every panel form's fields: Bootstrap's classes, and refusals that say what to enter."""


class SavesWhatThePageChangedMixin:
    """An edit page saves only the fields the person changed on it. Each field carries the value the page showed
    (Django's show_hidden_initial), so a page left open while another admin changed the record no longer puts back
    the old values of the fields it left alone (a department deactivated again, its bookings cancelled). A field
    both changed is refused and shown as stored now; sent again, the person's value replaces it.

    A new record sets every field. An edit sent without the shown values (the JSON API, a script) changes the
    fields it sends: the others keep their stored values. Setting every field, it blanked each one left out (a
    department's translations and on-call phone) and deactivated the record (its bookings cancelled).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = True
        if self.is_bound and self.instance.pk is not None and not self._sent_from_a_page():
            self.data = self._with_stored_values(self.data)

    def _with_stored_values(self, data):
        """The data with the stored value of each field it leaves out (all of a list field's values)."""
        completed = data.copy()
        for name, value in self.stored_values(self.instance).items():
            if name in completed:
                continue
            if hasattr(completed, "setlist"):
                completed.setlist(name, value if isinstance(value, list) else [value])
            else:
                completed[name] = value
        return completed

    @classmethod
    def stored_values(cls, record):
        """The form's data for the record as stored."""
        return model_to_dict(record, fields=cls._meta.fields)

    def _sent_from_a_page(self):
        editing = self.instance.pk is not None
        return editing and any(self.add_initial_prefix(name) in self.data for name in self.fields)

    def edited_fields(self):
        return self.changed_data if self._sent_from_a_page() else list(self.fields)

    def changes(self):
        """What saving the form stores: the record's fields the person edited."""
        edited = set(self.edited_fields())
        return {field: self.cleaned_data[field] for field in self._meta.fields if field in edited}

    def clean(self):
        cleaned = super().clean()
        if self._sent_from_a_page():
            for name in self.changed_data:
                self._refuse_if_changed_since_shown(name)
        return cleaned

    def _refuse_if_changed_since_shown(self, name):
        field, bound = self.fields[name], self[name]
        stored = self.get_initial_for_field(field, name)
        shown = self._widget_data_value(field.hidden_widget(), bound.html_initial_name)
        if not field.has_changed(stored, shown):
            return
        self.add_error(
            name,
            _("Another admin changed this after you opened the page; it now shows their value. Change it again "
              "if yours should replace it."),
        )
        prepared = field.prepare_value(stored)
        values = [
            str(value)
            for value in (prepared if isinstance(prepared, (list, tuple)) else [prepared])
            if value is not None and value is not False
        ]
        self.data = self.data.copy()
        for key in (bound.html_name, bound.html_initial_name):
            if hasattr(self.data, "setlist"):
                self.data.setlist(key, values)
            else:  # one value per name (the panel's actions take the page's POST as a dict)
                self.data[key] = values[0] if values else ""


def typed_in_site_language(field):
    """Words an admin writes as the record's own, shown wherever a language has no translation of them (a name, a
    broadcast, a closed day's reason): read and typed in the site's language, which the pages showing them mark,
    not in the voice and direction of the panel's page."""
    field.widget.attrs.update(lang=settings.LANGUAGE_CODE, dir=text_direction(settings.LANGUAGE_CODE))
    return field


class TranslatedFieldsMixin:
    """A record's words in each of the site's other languages (its translations, e.g. {"es": {"room": "Sala 2"}}) as
    optional fields after the others, "room_es", "name_ar": pages in a language show them as written where they are
    left empty. translated_fields: the model fields translated, each as long as the field may be. Before
    SavesWhatThePageChangedMixin among a form's bases."""

    translated_fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.translations
        for field in self.translated_fields:
            # As the fields for the other languages are typed in theirs.
            typed_in_site_language(self.fields[field])
        for language, _name in settings.LANGUAGES:
            if language not in other_site_languages():
                continue
            direction = text_direction(language)
            for field in self.translated_fields:
                self.fields[translation_field_name(field, language)] = forms.CharField(
                    label=sentence_with(TRANSLATION_LABELS[field], language=language_name(language)),
                    required=False,
                    max_length=self._meta.model._meta.get_field(field).max_length,
                    validators=[check_single_line],
                    initial=stored.get(language, {}).get(field, ""),
                    show_hidden_initial=True,  # as the form's own fields (SavesWhatThePageChangedMixin)
                    # Typed in that language: its spelling checked and its direction kept as typed.
                    widget=forms.TextInput(attrs={"class": "form-control", "lang": language, "dir": direction}),
                )

    def clean(self):
        cleaned = super().clean()
        edited = set(self.edited_fields())
        translations = {}
        for language in other_site_languages():
            stored = self.instance.translations.get(language, {})
            words = {
                field: cleaned.get(name, "").strip() if name in edited else stored.get(field, "")
                for field in self.translated_fields
                for name in [translation_field_name(field, language)]
            }
            if any(words.values()):
                translations[language] = {field: text for field, text in words.items() if text}
        cleaned["translations"] = translations
        return cleaned

    def changes(self):
        """What saving the form stores: the fields it edits, and the translations the per-language fields make."""
        changes = super().changes()
        if self.cleaned_data["translations"] != self.instance.translations:
            changes["translations"] = self.cleaned_data["translations"]
        return changes

    @classmethod
    def stored_values(cls, record):
        values = super().stored_values(record)
        for language, words in record.translations.items():
            for field, text in words.items():
                values[translation_field_name(field, language)] = text
        return values


class DepartmentForm(TranslatedFieldsMixin, SavesWhatThePageChangedMixin, PanelFieldsMixin, forms.ModelForm):
    """A department, with its name and room in the site's other languages."""

    translated_fields = DEPARTMENT_TRANSLATED_FIELDS

    class Meta:
        model = Department
        fields = [
            "name",
            "code",
            "description",
            "room",
            "average_consultation_minutes",
            "daily_capacity",
            "wait_alert_minutes",
            "on_call_phone",
            "is_active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "on_call_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        }
        help_texts = {
            "on_call_phone": _(
                "Texted once when a long-wait alert starts. With the country code, e.g. +14155550123; leave it "
                "empty for no text."
            ),
        }
        # Django's own wording names the model and field in code ("Department with this Name already exists").
        error_messages = {
            "name": {"unique": _("Another department already has this name.")},
            "code": {"unique": _("Another department already uses this code.")},
        }
        labels = {
            "name": _("Name"),
            "code": _("Code"),
            "description": _("Description"),
            "room": _("Room"),
            "average_consultation_minutes": _("Average consultation (minutes)"),
            "daily_capacity": _("Daily capacity"),
            "wait_alert_minutes": _("Long-wait alert after (minutes)"),
            "on_call_phone": _("On-call phone"),
            "is_active": _("Active"),
        }


class DoctorForm(TranslatedFieldsMixin, SavesWhatThePageChangedMixin, PanelFieldsMixin, forms.ModelForm):
    """A doctor's profile, with the room in the site's other languages."""

    translated_fields = DOCTOR_TRANSLATED_FIELDS

    class Meta:
        model = Doctor
        fields = ["department", "specialization", "room", "language", "is_active"]
        labels = {
            "department": _("Department"),
            "specialization": _("Specialization"),
            "room": _("Room"),
            "language": _("Language"),
            "is_active": _("Active"),
        }
        widgets = {"language": LanguageSelect}
        # By its name in the reader's language, or as written and marked so (a screen reader's voice for it).
        field_classes = {"department": DepartmentChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_a_doctor_can_join(self.instance)


class NewDoctorForm(PanelFieldsMixin, forms.Form):
    """A doctor's login account and profile, created together."""

    # The user model's own field: its max length and validators (Django's username rules), in our words.
    username = get_user_model()._meta.get_field("username").formfield(
        label=_("Username"), help_text=_("Up to 150 characters: letters, digits and @ . + - _ only.")
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=get_user_model()._meta.get_field("first_name").max_length,
        validators=[check_single_line],
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=get_user_model()._meta.get_field("last_name").max_length,
        validators=[check_single_line],
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, help_text=_("The doctor's first password.")
    )
    department = DepartmentChoiceField(label=_("Department"), queryset=departments_a_doctor_can_join())
    specialization = forms.CharField(
        label=_("Specialization"),
        max_length=Doctor._meta.get_field("specialization").max_length,
        required=False,
        validators=[check_single_line],
    )
    room = forms.CharField(
        label=_("Room"),
        max_length=Doctor._meta.get_field("room").max_length,
        required=False,
        validators=[check_single_line],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The rules a password must meet, before it is refused for one of them (in the reader's language).
        self.fields["password"].help_text = " ".join(
            [str(self.fields["password"].help_text), *password_validators_help_texts()]
        )

    def clean_username(self):
        username = get_user_model().normalize_username(self.cleaned_data["username"])
        if username_taken(username):
            raise forms.ValidationError(_("The username '%(username)s' is taken.") % {"username": username})
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            user = get_user_model()(username=cleaned.get("username", ""), first_name=cleaned.get("first_name", ""))
            try:
                validate_password(cleaned["password"], user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class DoctorPasswordForm(PanelFieldsMixin, SetPasswordForm):
    """A new password for a doctor who forgot theirs, typed twice and held to AUTH_PASSWORD_VALIDATORS."""

    error_messages = {
        **SetPasswordForm.error_messages,
        "password_mismatch": _("The two new passwords differ: type the same one in both."),
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = " ".join(str(rule) for rule in password_validators_help_texts())
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password2"].help_text = _("Type the new password a second time, to be sure of it.")

    def validate_password_for_user(self, user, password_field_name="new_password2"):
        # The validators' refusal beside the new password, where its rules are listed.
        super().validate_password_for_user(user, "new_password1")


class SystemConfigurationForm(SavesWhatThePageChangedMixin, PanelFieldsMixin, forms.ModelForm):
    board_languages = forms.MultipleChoiceField(
        # Each language's own name marked with its language, as on the Messages page (language_name).
        choices=[(code, language_name(code)) for code, _name in settings.LANGUAGES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=capfirst(SystemConfiguration._meta.get_field("board_languages").verbose_name),
        help_text=SystemConfiguration._meta.get_field("board_languages").help_text,
    )

    class Meta:
        model = SystemConfiguration
        fields = [
            "hospital_name",
            "notify_when_patients_ahead",
            "late_moves_back_places",
            "wait_alert_minutes",
            "clinic_opens_at",
            "clinic_closes_at",
            "registration_open",
            "appointment_early_check_in_minutes",
            "appointment_grace_minutes",
            "appointment_walk_in_share_percent",
            "appointment_booking_days_ahead",
            "board_languages",
        ]
        labels = {
            "hospital_name": _("Hospital name"),
            "notify_when_patients_ahead": _("Notify when this many patients are ahead"),
            "late_moves_back_places": _("Places a LATE reply moves back"),
            "wait_alert_minutes": _("Long-wait alert after (minutes)"),
            "appointment_early_check_in_minutes": _("Appointment check-in opens (minutes before the slot)"),
            "appointment_grace_minutes": _("Appointment grace period (minutes after the slot)"),
            "appointment_walk_in_share_percent": _("Places kept for walk-ins (%)"),
            "appointment_booking_days_ahead": _("Booking open (days ahead)"),
            "clinic_opens_at": _("Clinic opens at"),
            "clinic_closes_at": _("Clinic closes at"),
            "registration_open": _("Online registration open"),
        }
        help_texts = {
            "clinic_closes_at": _(
                "Bookable slots lie within these hours. A closing time before the opening time is the next morning's "
                "(an evening and night clinic, 18:00 to 02:00)."
            )
        }
        widgets = {
            "clinic_opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "clinic_closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean_board_languages(self):
        # None ticked: the boards speak the site's own language only.
        return self.cleaned_data["board_languages"] or [settings.LANGUAGE_CODE]


class BroadcastForm(PanelFieldsMixin, forms.Form):
    """The message in the site's language, optionally in each of its other languages ("message_es"): each patient and
    screen reads theirs, else the message."""

    message = typed_in_site_language(forms.CharField(
        label=_("Message"),
        max_length=BROADCAST_MAX_LENGTH,
        validators=[check_text_shown_to_others],
        widget=forms.Textarea(attrs={"rows": 3}),
    ))
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.active(),
        required=False,
        empty_label=_("All departments"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {"message": self.fields.pop("message")}
        for language in other_site_languages():
            fields[translation_field_name("message", language)] = forms.CharField(
                label=sentence_with(TRANSLATION_LABELS["message"], language=language_name(language)),
                required=False,
                max_length=BROADCAST_MAX_LENGTH,
                validators=[check_text_shown_to_others],
                help_text=_("Optional. Left empty, patients and boards in this language get the message."),
                # Typed in that language: its spelling checked and its direction kept as typed.
                widget=forms.Textarea(
                    attrs={"rows": 3, "class": "form-control", "lang": language, "dir": text_direction(language)}
                ),
            )
        self.fields = {**fields, **self.fields}

    def clean(self):
        cleaned = super().clean()
        cleaned["translations"] = {
            language: text
            for language in other_site_languages()
            if (text := cleaned.get(translation_field_name("message", language)))
        }
        return cleaned

    def to_send(self):
        """The texts and the department, as services.broadcast_message takes them."""
        data = self.cleaned_data
        return {"message": data["message"], "translations": data["translations"], "department": data["department"]}


class TodaysBookingsForm(BootstrapForm):
    """The desk's filter of today's bookings (a GET form): the day (today unless another is looked up), a department,
    and what the patient can say of themselves."""

    # "Date", not "Day": in Arabic "Day" is the word the Today link says (اليوم).
    day = PanelDateField(required=False, label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    department = DepartmentChoiceField(
        queryset=Department.objects.all(),
        required=False,
        label=_("Department"),
        empty_label=_("Every department"),
        error_messages={"invalid_choice": _("Choose one of the departments listed.")},
    )
    # Longer than any name the patient could have given matches nobody: refused naming the field rather than read.
    search = forms.CharField(
        required=False,
        label=_("Name, phone or booking code"),
        max_length=Patient._meta.get_field("name").max_length,
        # A name in Arabic reads right to left, a phone number left to right: the browser sets each by what is typed.
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "dir": "auto"}),
    )


class DeskCheckInForm(BootstrapForm):
    """Which of today's bookings the desk checks in (the list's "Check in" button)."""

    appointment = forms.ModelChoiceField(
        queryset=Appointment.objects.select_related("department", "patient"),
        label=_("Booking"),
        error_messages={
            "required": _("Choose a booking to check in."),
            "invalid_choice": _("No booking has this number. Please reload the list."),
        },
    )


# The filters' labels are their page's: an error names its field by them ("To: ..."), in the reader's language.
class AuditFilterForm(OneValuePerFieldMixin, forms.Form):
    user = forms.CharField(required=False, label=_("Username"))
    action = forms.CharField(required=False, label=_("Action"))
    date_from = PanelDateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = PanelDateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", END_BEFORE_START)
        return cleaned

    def filter(self, entries):
        data = self.cleaned_data
        if data["user"]:
            entries = entries.filter(actor__in=accounts_named(data["user"]))
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["date_from"]:
            entries = entries.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(created_at__date__lte=data["date_to"])
        return entries

    @staticmethod
    def action_choices():
        return AuditLog.objects.order_by("action").values_list("action", flat=True).distinct()


class ReportRangeForm(OneValuePerFieldMixin, forms.Form):
    start = PanelDateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = PanelDateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        end = cleaned.get("end") or timezone.localdate()
        start = cleaned.get("start") or end - timedelta(days=6)
        if end < start:
            self.add_error("end", END_BEFORE_START)
        elif (end - start).days >= REPORT_MAX_DAYS:
            self.add_error("start", _("Choose at most %(count)s days.") % {"count": REPORT_MAX_DAYS})
        cleaned.update(start=start, end=end)
        return cleaned


def not_before_today(day):
    """The services' refusal of a day already over (appointments.check_day_ahead), said beside the field."""
    try:
        appointments.check_day_ahead(day)
    except appointments.DayAlreadyOver as refusal:
        raise ValidationError(str(refusal), code=refusal.code) from refusal


class CancellingBookingsForm(forms.Form):
    """A closed day's or an absence's form: what it cancels is asked first (adminpanel.views._question), and the
    question's button sends back the number of bookings the admin was told it cancels."""

    agreed_cancellations = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def clean_agreed_cancellations(self):
        return self.cleaned_data["agreed_cancellations"] or 0


class ClosedDayForm(PanelFieldsMixin, CancellingBookingsForm):
    # Its page shows it beside DoctorAbsenceForm, whose fields share its names: the prefix keeps their ids apart,
    # so each label names its own form's field.
    prefix = "close_day"
    # How many patients still in line today the question said are texted (a closing of today).
    agreed_texts = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    day = PanelDateField(
        label=_("Day"),
        validators=[not_before_today],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Choose the day to close.")},
    )
    department = DepartmentChoiceField(
        queryset=Department.objects.active(),
        required=False,
        label=_("Department"),
        empty_label=_("Whole hospital"),
    )
    reason = typed_in_site_language(forms.CharField(
        label=_("Reason (optional)"),
        max_length=ClosedDay._meta.get_field("reason").max_length,
        required=False,
        validators=[check_single_line],
    ))


class DoctorAbsenceForm(PanelFieldsMixin, CancellingBookingsForm):
    prefix = "absence"  # as ClosedDayForm's

    doctor = forms.ModelChoiceField(
        queryset=Doctor.objects.filter(is_active=True).select_related("user"),
        label=_("Doctor"),
        error_messages={"required": _("Choose the doctor.")},
    )
    day = PanelDateField(
        label=_("Day"),
        validators=[not_before_today],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Choose the day of the absence.")},
    )
    reason = typed_in_site_language(forms.CharField(
        label=_("Reason (optional)"),
        max_length=DoctorAbsence._meta.get_field("reason").max_length,
        required=False,
        validators=[check_single_line],
    ))


def message_text_title(template, language):
    """One language's text of a template as the panel names it: "Your turn in Español", the language marked."""
    return sentence_with(_("%(template)s in %(language)s"), template=template.label, language=language_name(language))


class MessageTextForm(PanelFieldsMixin, forms.ModelForm):
    """One language's text of a notification template: the template itself for English, else its translation."""

    class Meta:
        fields = ["sms_template", "whatsapp_template"]
        labels = {"sms_template": _("SMS text"), "whatsapp_template": _("WhatsApp text")}
        widgets = {
            "sms_template": forms.Textarea(attrs={"rows": 4}),
            "whatsapp_template": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Typed in the message's language, whatever the page's: a screen reader reads it in that language's voice
        # (WCAG 3.1.2) and Arabic is typed right to left on an English page.
        language = getattr(self.instance, "language", settings.LANGUAGE_CODE)
        direction = text_direction(language)
        for field in self.fields.values():
            field.widget.attrs.update({"lang": language, "dir": direction})

    @classmethod
    def for_instance(cls, instance):
        model = NotificationTemplate if isinstance(instance, NotificationTemplate) else NotificationTemplateTranslation
        return forms.modelform_factory(
            model, form=cls, fields=cls.Meta.fields, widgets=cls.Meta.widgets, labels=cls.Meta.labels
        )


class PanelWebhookEndpointForm(PanelFieldsMixin, WebhookEndpointForm):
    """An endpoint on the panel's pages, its fields in Bootstrap's looks as every other panel form's: without them the
    name, address and secret were boxes as wide as 20 characters, wider than a phone at twice the text size."""


class PanelNewWebhookEndpointForm(PanelFieldsMixin, NewWebhookEndpointForm):
    """A new endpoint on the panel's page (PanelWebhookEndpointForm), with its secret."""
