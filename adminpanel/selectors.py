"""Read-only data for the admin panel: the live queues (5 queries, also GET /adminpanel/api/), who a broadcast
reaches, what a deactivation changes, the audit log in words, and which message texts each language has."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.utils.translation import gettext_lazy as _

from doctors import services as doctor_services
from doctors.models import Doctor
from notifications.models import (
    InboundEffect,
    InboundMessage,
    Notification,
    NotificationTemplate,
    WebhookDelivery,
    WebhookEndpoint,
)
from patients import appointments
from patients.models import Department, Queue, minutes_waited
from patients.selectors import open_wait_alerts
from patients.services import QueueError, check_consultation_endable, check_returnable_to_line, current_patient_of
from patients.templatetags.departments import sentence_with, translated

from .models import AuditLog

Status = Queue.Status


def accounts_named(username):
    """The ids of the accounts whose username reads as this one: compatibility forms folded (NFKC, as Django's
    sign-in form folds what is typed) and in any letter case.

    The case is folded here, in Python, not by the database: SQLite's case-insensitive match (the ORM's iexact)
    folds ASCII letters only, so "DR.ÉMILE" passed beside "dr.émile", and neither database matches "STRAUSS" with
    "strauß". Staff accounts are few: reading their usernames is cheap."""
    User = get_user_model()
    wanted = User.normalize_username(username).casefold()
    accounts = User.objects.values_list("pk", User.USERNAME_FIELD).iterator()
    return [pk for pk, existing in accounts if User.normalize_username(existing).casefold() == wanted]


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
        .annotate(count=Count("pk"), waiting_since=Min(Queue.waiting_since_expression()))
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
                "translations": department.translations,
                "code": department.code,
                "is_active": department.is_active,
                "waiting": waiting["count"] if waiting else 0,
                "wait_alert": alerts.get(department.pk),
                "longest_wait_minutes": minutes_waited(waiting["waiting_since"], now) if waiting else None,
                "with_doctors": [
                    {
                        "entry_id": entry.pk,
                        "token": entry.token,
                        "patient": entry.patient.name,
                        "doctor": str(entry.doctor) if entry.doctor else None,
                        "status": entry.status,
                        "status_label": entry.get_status_display(),
                        # What an admin may do for a doctor called away, as the services would take it (the page's
                        # buttons; not in the API's shape).
                        "can_return_to_line": allowed(check_returnable_to_line, entry),
                        "can_end_consultation": allowed(check_consultation_endable, entry),
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


def allowed(check, entry):
    """Whether the service's check lets the token be changed as it is now."""
    return refusal_of(check, entry) is None


def refusal_of(check, entry):
    """What the service's check says against changing the token as it is now, else None."""
    try:
        check(entry)
    except QueueError as refusal:
        return str(refusal)
    return None


def waiting_today(department=None):
    """Today's waiting tokens of one department, or of all when None: who a broadcast reaches."""
    entries = Queue.objects.waiting().for_day(timezone.localdate())
    return entries.filter(department=department) if department is not None else entries


def deactivation_refusal(target):
    """Why the target cannot be deactivated now, said before the admin confirms rather than after, or None."""
    return doctor_services.still_with_a_patient(target) if isinstance(target, Doctor) else None


def deactivation_way_out(target):
    """For a doctor who cannot be deactivated while a patient is with them: the panel's action that frees them, as
    (url, label), or None. A called patient goes back in line; a consultation is ended for them."""
    if not isinstance(target, Doctor):
        return None
    current = current_patient_of(target)
    if current is None:
        return None
    if allowed(check_returnable_to_line, current):
        return reverse("adminpanel:visit-return-to-line", args=[current.pk]), _(
            "Return %(token)s to the line"
        ) % {"token": current.token}
    if allowed(check_consultation_endable, current):
        return reverse("adminpanel:visit-end-consultation", args=[current.pk]), _(
            "End the consultation with %(token)s"
        ) % {"token": current.token}
    return None


def deactivation_consequences(target):
    """What deactivating a department or a doctor changes, in the words the confirmation page shows."""
    if isinstance(target, Department):
        waiting = waiting_today(target).count()
        # Cancelled and texted at once, and Reactivate does not bring them back: said before, as closing a day says it.
        bookings = appointments.bookings_a_deactivation_cancels(target).count()
        return [
            sentence_with(
                _(
                    "%(department)s will stop taking new patients, and leave the display boards once its patients of "
                    "today have been called."
                ),
                department=translated(target, "name"),
            ),
            ngettext(
                "%(count)d patient waiting there now keeps their token and can still be called.",
                "%(count)d patients waiting there now keep their token and can still be called.",
                waiting,
            )
            % {"count": waiting},
            *(
                [
                    ngettext(
                        "%(count)d booking to come is cancelled and its patient texted; reactivating does not bring "
                        "it back.",
                        "%(count)d bookings to come are cancelled and their patients texted; reactivating does not "
                        "bring them back.",
                        bookings,
                    )
                    % {"count": bookings}
                ]
                if bookings
                else []
            ),
            _("Its history stays in the reports and the audit log, and Reactivate on the list undoes this."),
        ]
    return [
        _("%(doctor)s will no longer be able to sign in to the dashboard or call patients.") % {"doctor": target},
        sentence_with(
            _(
                "Bookings to come that the other doctors of %(department)s cannot take are cancelled, "
                "and their patients told."
            ),
            department=translated(target.department, "name"),
        ),
        _(
            "Their history stays in the reports and the audit log. Reactivate on the list lets them sign in "
            "again; cancelled bookings stay cancelled."
        ),
    ]


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


# The visit page lists the latest messages of a visit; a visit has a handful (registration, "N ahead", the call).
VISIT_MESSAGES_SHOWN = 20


def messages_of_visit(entry):
    """The messages texted about a token (its queue events, its booking's, the answers to its patient's texts), newest
    first, with whether each went out: the desk sees a text Twilio refused (a mistyped number) where it can correct
    the phone."""
    return list(
        Notification.objects.filter(Q(queue_entry=entry) | Q(appointment__queue_entry=entry))
        .order_by("-created_at", "-id")[:VISIT_MESSAGES_SHOWN]
    )


@dataclass(frozen=True)
class Cancellation:
    """When and by whom a token was cancelled, for the desk: a patient asking why their token is gone was told
    only "Cancelled". by_staff names the staff member; neither it nor moved_to: the patient did it (by_text, or
    on their status page), as only the patient's own actions cancel with no actor (services.leave_line)."""

    at: object
    moved_to: object = None
    by_staff: str = ""
    by_text: bool = False


def cancellation_of_visit(entry):
    """The token's Cancellation, None unless it is cancelled."""
    if entry.status != Queue.Status.CANCELLED:
        return None
    if entry.successor is not None:
        return Cancellation(at=entry.cancelled_at, moved_to=entry.successor)
    record = (
        AuditLog.objects.filter(action="queue.cancelled", object_type="queue", object_id=str(entry.pk))
        .select_related("actor")
        .order_by("-created_at")
        .first()
    )
    if record is not None and record.actor is not None:
        return Cancellation(at=entry.cancelled_at, by_staff=record.actor.get_full_name() or record.actor.get_username())
    by_text = InboundMessage.objects.filter(queue_entry=entry, effect=InboundEffect.CANCELLED).exists()
    return Cancellation(at=entry.cancelled_at, by_text=by_text)


# How far back the webhooks page counts an endpoint's failed deliveries: a day shows a receiver down overnight.
WEBHOOK_FAILURES_COUNTED_HOURS = 24


def webhook_endpoints():
    """The endpoints, each with its deliveries failed (retries given up) in the last WEBHOOK_FAILURES_COUNTED_HOURS
    and when one last got through: a receiver down for days showed only among the latest deliveries of all
    endpoints, where a busy one's pushed it out of sight."""
    since = timezone.now() - timedelta(hours=WEBHOOK_FAILURES_COUNTED_HOURS)
    failed = Q(deliveries__status=WebhookDelivery.Status.FAILED, deliveries__created_at__gte=since)
    return WebhookEndpoint.objects.annotate(
        failed_recently=Count("deliveries", filter=failed), last_delivered_at=Max("deliveries__delivered_at")
    )
