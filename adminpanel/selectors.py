"""Read-only data for the admin panel: the live queues (5 queries, also GET /adminpanel/api/), who a broadcast
reaches, what a deactivation changes, the audit log in words, and which message texts each language has."""

from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from doctors.models import Doctor, DoctorSchedule
from notifications.forms import WebhookEndpointForm
from notifications.models import NotificationTemplate
from patients.models import Department, Queue
from patients.selectors import open_wait_alerts

Status = Queue.Status


def live_queues():
    """Per department today: waiting count, longest wait so far, who is with which doctor, doctors' availability.

    The waiting are counted by the database: the panel redraws this on every change of any department, and
    reading each waiting token of long lines made that cost grow with the lines.
    """
    now = timezone.now()
    day = timezone.localdate(now)
    waiting_by_department = {
        row["department_id"]: row
        for row in Queue.objects.waiting()
        .for_day(day)
        .order_by()
        .values("department_id")
        .annotate(count=Count("pk"), first_arrival=Min("checked_in_at"))
    }
    with_doctors_by_department = defaultdict(list)
    for entry in (
        Queue.objects.active()
        .exclude(status=Status.WAITING)
        .for_day(day)
        .select_related("department", "patient", "doctor__user")
        .order_by("checked_in_at")
    ):
        with_doctors_by_department[entry.department_id].append(entry)
    doctors_by_department = defaultdict(list)
    for doctor in Doctor.objects.filter(is_active=True).select_related("user").order_by("user__last_name"):
        doctors_by_department[doctor.department_id].append(doctor)
    alerts = open_wait_alerts()
    rows = []
    for department in Department.objects.order_by("name"):
        waiting = waiting_by_department.get(department.pk)
        rows.append(
            {
                "id": department.pk,
                "name": department.name,
                "code": department.code,
                "is_active": department.is_active,
                "waiting": waiting["count"] if waiting else 0,
                "wait_alert": alerts.get(department.pk),
                "longest_wait_minutes": (
                    int((now - waiting["first_arrival"]).total_seconds() // 60) if waiting else None
                ),
                "with_doctors": [
                    {
                        "entry_id": entry.pk,
                        "token": entry.token,
                        "patient": entry.patient.name,
                        "doctor": str(entry.doctor) if entry.doctor else None,
                        "status": entry.status,
                        "status_label": entry.get_status_display(),
                    }
                    for entry in with_doctors_by_department[department.pk]
                ],
                "doctors": [
                    {
                        "id": doctor.pk,
                        "name": str(doctor),
                        "availability": doctor.availability,
                        "availability_label": doctor.get_availability_display(),
                    }
                    for doctor in doctors_by_department[department.pk]
                ],
            }
        )
    return rows


def waiting_today(department=None):
    """Today's waiting tokens of one department, or of all when None: who a broadcast reaches."""
    entries = Queue.objects.waiting().for_day(timezone.localdate())
    return entries.filter(department=department) if department is not None else entries


def deactivation_consequences(target):
    """What deactivating a department or a doctor changes, in the words the confirmation page shows."""
    if isinstance(target, Department):
        waiting = waiting_today(target).count()
        return [
            _("%(department)s will stop taking new patients and leave the display boards.")
            % {"department": target.name},
            ngettext(
                "%(count)d patient waiting there now keeps their token and can still be called.",
                "%(count)d patients waiting there now keep their token and can still be called.",
                waiting,
            )
            % {"count": waiting},
            _("Its history stays in the reports and the audit log, and Reactivate on the list undoes this."),
        ]
    return [
        _("%(doctor)s will no longer be able to sign in to the dashboard or call patients.") % {"doctor": target},
        _(
            "Bookings to come that the other doctors of %(department)s cannot take are cancelled, "
            "and their patients told."
        )
        % {"department": target.department.name},
        _(
            "Their history stays in the reports and the audit log. Reactivate on the list lets them sign in "
            "again; cancelled bookings stay cancelled."
        ),
    ]


AUDIT_ACTIONS = {
    "queue.registered": _("Token issued"),
    "queue.checked_in": _("Booked patient checked in"),
    "queue.registration_repeated": _("Token sent again"),
    "queue.called": _("Patient called"),
    "queue.started": _("Consultation started"),
    "queue.completed": _("Consultation completed"),
    "queue.skipped": _("Marked as no-show"),
    "queue.recalled": _("Recalled to the line"),
    "queue.cancelled": _("Token cancelled"),
    "queue.postponed": _("Moved back (patient running late)"),
    "queue.notice_chosen": _("Text notice chosen"),
    "queue.priority_changed": _("Priority changed"),
    "queue.transferred": _("Transferred"),
    "appointment.booked": _("Appointment booked"),
    "appointment.booking_repeated": _("Booking sent again"),
    "appointment.rescheduled": _("Appointment moved"),
    "appointment.cancelled": _("Appointment cancelled"),
    "appointment.closed": _("Appointment cancelled by the hospital"),
    "appointment.checked_in": _("Appointment checked in"),
    "appointment.no_show": _("Appointment missed (no-show)"),
    "appointments.day_closed": _("Day closed to bookings"),
    "doctor.absence_recorded": _("Absence recorded"),
    "inbound.received": _("Text from a patient"),
    "message_template.updated": _("Message text changed"),
    "webhook_endpoint.created": _("Webhook added"),
    "webhook_endpoint.updated": _("Webhook edited"),
    "webhook.redelivered": _("Webhook sent again"),
    "feedback.submitted": _("Feedback given"),
    "doctor.availability": _("Availability changed"),
    "doctor.schedule": _("Weekly hours changed"),
    "doctor.created": _("Doctor added"),
    "doctor.updated": _("Doctor edited"),
    "doctor.deactivated": _("Doctor deactivated"),
    "doctor.reactivated": _("Doctor reactivated"),
    "department.created": _("Department added"),
    "department.updated": _("Department edited"),
    "department.deactivated": _("Department deactivated"),
    "department.reactivated": _("Department reactivated"),
    "configuration.updated": _("Configuration changed"),
    "broadcast.sent": _("Broadcast sent"),
    "auth.signed_in": _("Signed in"),
    "auth.signed_out": _("Signed out"),
}

# Stored values that are choices, shown by their label.
AUDIT_CHOICES = {
    "status": dict(Status.choices),
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
    "day": _("Day"),
}


def audit_field_name(field):
    """An audited field in the reader's words: the label its panel form shows it under, else its own name."""
    # Imported here: the forms import services, which import this module.
    from .forms import DepartmentForm, DoctorForm, MessageTextForm, SystemConfigurationForm

    for form_class in (DepartmentForm, DoctorForm, SystemConfigurationForm, MessageTextForm, WebhookEndpointForm):
        form_field = form_class.base_fields.get(field)
        if form_field is not None and form_field.label:
            return form_field.label
    return AUDIT_FIELD_NAMES.get(field, field.replace("_", " ").capitalize())


def audit_action_label(action):
    """An audit action code (queue.called) in words (Patient called)."""
    return AUDIT_ACTIONS.get(action) or action.replace(".", ": ").replace("_", " ").capitalize()


def _audit_value(field, value):
    if value is None or value == "" or value == []:
        return gettext("none")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field in AUDIT_CHOICES:
        return AUDIT_CHOICES[field].get(value, value)
    if field == "intervals":
        weekdays = dict(DoctorSchedule.Weekday.choices)
        return "; ".join(
            f"{weekdays.get(interval['weekday'], interval['weekday'])} {interval['starts_at']}–{interval['ends_at']}"
            for interval in value
        )
    return str(value)


def audit_subject(entry):
    """What an audit row is about, in the reader's words: a token by its number and the status it was left in
    (the stored description is in the language of whoever acted), anything else as it was described."""
    snapshot = entry.after or entry.before or {}
    if "token" in snapshot:
        status = snapshot.get("status")
        return f"{snapshot['token']} ({_audit_value('status', status)})" if status else snapshot["token"]
    return entry.object_repr or entry.object_id


def audit_changes(entry):
    """What an audit row changed, field by field: [{field, before, after}], only the fields that differ."""
    before, after = entry.before or {}, entry.after or {}
    changes = []
    for field in [*before, *(name for name in after if name not in before)]:
        old, new = before.get(field), after.get(field)
        if old == new and before:
            continue
        changes.append(
            {
                "field": audit_field_name(field),
                "before": _audit_value(field, old) if field in before else None,
                "after": _audit_value(field, new),
            }
        )
    return changes


def template_coverage():
    """Each notification template with, for every language, whether it has its own text, and per language how
    many templates do. English is the templates' own text, so it is always there and is what a gap sends."""
    templates = []
    for template in NotificationTemplate.objects.prefetch_related("translations"):
        written = {translation.language for translation in template.translations.all()} | {settings.LANGUAGE_CODE}
        languages = [{"code": code, "name": name, "written": code in written} for code, name in settings.LANGUAGES]
        missing = [language["name"] for language in languages if not language["written"]]
        templates.append({"template": template, "languages": languages, "missing": missing})
    totals = [
        {"code": code, "name": name, "written": sum(row["languages"][index]["written"] for row in templates)}
        for index, (code, name) in enumerate(settings.LANGUAGES)
    ]
    return {"templates": templates, "totals": totals, "count": len(templates)}
