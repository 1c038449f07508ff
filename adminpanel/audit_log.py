"""The audit log in the reader's words: what each action was, what it was about, and what it changed, field by
field, with fields named as the panel's forms label them."""

from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from doctors.models import Doctor, DoctorAbsence, DoctorSchedule, hours_in_words
from notifications.forms import WebhookEndpointForm
from notifications.models import NotificationTemplate, NotificationTemplateTranslation
from patients.models import Appointment, ClosedDay, Department, Queue
from patients.templatetags.departments import sentence_with, translated

from .audit_actions import audit_action_label
from .forms import DepartmentForm, DoctorForm, MessageTextForm, SystemConfigurationForm, message_text_title
from .models import SystemConfiguration



# Stored ids of records, shown by the record's name: a department's in the reader's language (marked with the
# site's where it has no translation), a doctor's as their title reads in it.
AUDITED_RECORDS = {
    "department": Department.objects.all(),
    "department_id": Department.objects.all(),
    "doctor": Doctor.objects.select_related("user"),
    "doctor_id": Doctor.objects.select_related("user"),
}
RECORD_NAMES = {Department: lambda department: translated(department, "name")}
# The records whose description has words of the language it is read in ("Dr.", "closed", a day's name): an
# audit row about one describes it anew, rather than in the words of whoever acted: from the record while it exists,
# from the row's snapshot once it is gone (GONE_SUBJECTS).
SUBJECTS_IN_WORDS = {
    "department": Department.objects.all(),
    "appointment": Appointment.objects.select_related("department"),
    "doctor": Doctor.objects.select_related("user"),
    "doctorabsence": DoctorAbsence.objects.select_related("doctor__user"),
    "closedday": ClosedDay.objects.select_related("department"),
    "systemconfiguration": SystemConfiguration.objects.all(),
    "notificationtemplate": NotificationTemplate.objects.all(),
    "notificationtemplatetranslation": NotificationTemplateTranslation.objects.select_related("template"),
}
# Stored values that are choices, shown by their label.
AUDIT_CHOICES = {
    # A booking's statuses beside a token's: "booked", "no_show" are a booking's only.
    "status": {**dict(Appointment.Status.choices), **dict(Queue.Status.choices)},
    "priority": dict(Queue.Priority.choices),
    "availability": dict(Doctor.Availability.choices),
}
# The fields the core's and apps' own audit records carry (a token's snapshot, a booking's, a text's, a
# delivery's); the fields saved through the panel's forms are named by those forms' labels (audit_field_name).
AUDIT_FIELD_NAMES = {
    "token": _("Token"),
    "status": _("Status"),
    "priority": _("Priority"),
    "department": _("Department"),
    "department_id": _("Department"),
    "doctor": _("Doctor"),
    "doctor_id": _("Doctor"),
    "postponed": _("Moved back"),
    "notes": _("Notes"),
    "notify_when_patients_ahead": _("Text when this many patients are ahead"),
    "patient_id": _("Patient"),
    "phone": _("Phone"),
    "slot_start": _("Time"),
    "path": _("Page"),
    "message": _("Message"),
    "keyword": _("Keyword"),
    "effect": _("Effect"),
    "channel": _("Channel"),
    "delivery_id": _("Delivery"),
    "event_id": _("Event"),
    "availability": _("Availability"),
    "intervals": _("Weekly hours"),
    "translations": _("Translations"),
    "day": _("Day"),
}
# Where someone signed in or out, by the first part of the page's address.
SIGN_IN_PAGES = {"adminpanel": _("Admin panel"), "doctors": _("Doctor dashboard"), "admin": _("Django admin")}


def audit_field_name(field):
    """An audited field in the reader's words: the label its panel form shows it under, else its own name."""
    for form_class in (DepartmentForm, DoctorForm, SystemConfigurationForm, WebhookEndpointForm):
        form_field = form_class.base_fields.get(field)
        if form_field is not None and form_field.label:
            return form_field.label
    # MessageTextForm gets its fields per model (MessageTextForm.for_instance): its labels are in its Meta alone.
    if field in MessageTextForm.Meta.labels:
        return MessageTextForm.Meta.labels[field]
    return AUDIT_FIELD_NAMES.get(field, field.replace("_", " ").capitalize())


def _audit_value(field, value, names):
    if value is None or value == "" or value == [] or value == {}:
        return gettext("none")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field in AUDIT_CHOICES:
        return AUDIT_CHOICES[field].get(value, value)
    if field in AUDITED_RECORDS and isinstance(value, int):
        # Stored by id; named as the reader knows them (the id itself once the record is gone).
        return names.get((field, value), str(value))
    if field == "day":
        try:
            return date_format(date.fromisoformat(str(value)), pgettext("date format", "D j M Y"))
        except ValueError:
            return str(value)
    if field == "slot_start":
        moment = parse_datetime(str(value))
        return _slot_in_words(moment) if moment else value
    if field == "intervals":
        weekdays = dict(DoctorSchedule.Weekday.choices)
        return "; ".join(
            f"{weekdays.get(interval['weekday'], interval['weekday'])} "
            + hours_in_words(interval["starts_at"], interval["ends_at"])
            for interval in value
        )
    if field == "path":
        # A page's address is not words: /adminpanel/login/ reads as the part of the site it signs in to.
        return SIGN_IN_PAGES.get(str(value).strip("/").split("/")[0], value)
    if field == "translations":
        # A record's words by field ({"es": {"name": ...}}), a broadcast's text ({"es": "..."}).
        languages = dict(settings.LANGUAGES)
        return "; ".join(
            f"{languages.get(language, language)}: {words if isinstance(words, str) else ' · '.join(words.values())}"
            for language, words in value.items()
        )
    return str(value)


def _slot_in_words(moment):
    return date_format(timezone.localtime(moment), pgettext("date format", "D j M, H:i"))


def booking_in_words(appointment):
    """A booking by its code, its department as the reader reads it (marked where left as written) and its time
    in the reader's form: its own description, "FU4PDMR8 Cardiology 2026-12-04 10:30", is in nobody's words."""
    return format_html(
        gettext("Booking {code}, {department}, {time}"),
        code=appointment.booking_code,
        department=translated(appointment.department, "name"),
        time=_slot_in_words(appointment.slot_start),
    )


def closed_day_in_words(closed):
    """A closed day with its department in the reader's words (marked where left as written): its own description
    names the department as written, unmarked, in a sentence of another language."""
    return _closed_day_words(closed.day, translated(closed.department, "name") if closed.department else None)


def _closed_day_words(day, department_name):
    return sentence_with(
        gettext("%(day)s closed (%(where)s)"),
        day=date_format(day, pgettext("date format", "D j M Y")),
        where=department_name if department_name is not None else gettext("whole hospital"),
    )


def _gone_closed_day(snapshot, names):
    department = snapshot.get("department", "unknown")
    if department is None:
        return _closed_day_words(date.fromisoformat(snapshot["day"]), None)
    name = names.get(("department", department))
    return None if name is None else _closed_day_words(date.fromisoformat(snapshot["day"]), name)


def _gone_absence(snapshot, names):
    doctor = names.get(("doctor", snapshot.get("doctor")))
    if doctor is None:
        return None
    return gettext("%(doctor)s absent on %(day)s") % {
        "doctor": doctor,
        "day": date_format(date.fromisoformat(snapshot["day"]), pgettext("date format", "D j M Y")),
    }


# How a record of SUBJECTS_IN_WORDS reads where its own str() is not in the reader's words.
SUBJECT_DESCRIPTIONS = {
    "appointment": booking_in_words,
    "closedday": closed_day_in_words,
    "department": lambda department: translated(department, "name"),
    # Stored as "Your turn (Español)": the template's English name, whoever reads it.
    "notificationtemplate": lambda template: message_text_title(template, settings.LANGUAGE_CODE),
    "notificationtemplatetranslation": lambda text: message_text_title(text.template, text.language),
}


# How a record of SUBJECTS_IN_WORDS that is gone (a day reopened, an absence withdrawn) reads from its row's
# snapshot, by its department or doctor as the reader names them (names, audit_rows); None where the snapshot does
# not say (rows written before it did), which leaves the description stored in the words of whoever acted.
GONE_SUBJECTS = {"closedday": _gone_closed_day, "doctorabsence": _gone_absence}


def audit_subject(entry, subjects, names):
    """What an audit row is about, in the reader's words (the stored description is in the language of whoever
    acted): a token by its number and the status it was left in, a record whose words depend on the language
    as it reads now (subjects: {(object_type, object_id): record}, audit_rows), anything else as described."""
    snapshot = entry.after or entry.before or {}
    if "token" in snapshot:
        status = snapshot.get("status")
        return f"{snapshot['token']} · {_audit_value('status', status, {})}" if status else snapshot["token"]
    record = subjects.get((entry.object_type, entry.object_id))
    if record is None:
        gone = GONE_SUBJECTS.get(entry.object_type)
        described = gone(snapshot, names) if gone is not None and "day" in snapshot else None
        return described or entry.object_repr or entry.object_id
    return SUBJECT_DESCRIPTIONS.get(entry.object_type, str)(record)


def audit_rows(entries):
    """A page of audit rows in words: what was done, about what, and what changed. The departments and doctors
    the rows name by id are read together, one statement per kind, not one per value."""
    entries = list(entries)
    wanted = {}
    for entry in entries:
        for snapshot in (entry.before or {}, entry.after or {}):
            for field, value in snapshot.items():
                if field in AUDITED_RECORDS and isinstance(value, int):
                    wanted.setdefault(field, set()).add(value)
    names = {
        (field, pk): RECORD_NAMES.get(type(record), str)(record)
        for field, pks in wanted.items()
        for pk, record in AUDITED_RECORDS[field].in_bulk(pks).items()
    }
    described = {}
    for entry in entries:
        if entry.object_type in SUBJECTS_IN_WORDS and entry.object_id.isascii() and entry.object_id.isdigit():
            described.setdefault(entry.object_type, set()).add(int(entry.object_id))
    subjects = {
        (object_type, str(pk)): record
        for object_type, pks in described.items()
        for pk, record in SUBJECTS_IN_WORDS[object_type].in_bulk(pks).items()
    }
    return [
        {
            "entry": entry,
            "action": audit_action_label(entry.action),
            "subject": audit_subject(entry, subjects, names),
            "changes": audit_changes(entry, names),
        }
        for entry in entries
    ]


# Fields an action's row shows though they did not change: an admin ending a consultation acts for its doctor, who
# stays the one who saw the patient, and the row says who that was beside who ended it.
SHOWN_UNCHANGED = {"queue.consultation_ended": {"doctor_id"}}


def audit_changes(entry, names):
    """What an audit row changed, field by field: [{field, before, after}], only the fields that differ (and those
    SHOWN_UNCHANGED, as they are); names: {(field, id): name} of the records it names by id (audit_rows)."""
    before, after = entry.before or {}, entry.after or {}
    shown_unchanged = SHOWN_UNCHANGED.get(entry.action, set())
    changes = []
    for field in [*before, *(name for name in after if name not in before)]:
        old, new = before.get(field), after.get(field)
        unchanged = old == new and before
        if unchanged and field not in shown_unchanged:
            continue
        changes.append(
            {
                "field": audit_field_name(field),
                "before": _audit_value(field, old, names) if field in before and not unchanged else None,
                "after": _audit_value(field, new, names),
            }
        )
    return changes
