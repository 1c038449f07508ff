"""The audit log's subscriptions: queue changes and recorded actions announced by the core (patients.hooks),
and records added, changed or deleted in Django admin (smartqueue.admin_checks), written in the announcing
transaction, and sign-ins and sign-outs of staff accounts. And the system configuration's saves, which every
department's published queue hears."""

from functools import partial

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import models, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from patients.broadcasts import publish_department_change
from patients.hooks import action_recorded, appointment_changed, queue_changed
from patients.models import Department
from smartqueue.admin_checks import changed_in_django_admin
from smartqueue.log_masking import mask_phone_numbers
from smartqueue.requests import client_ip

from .models import AuditLog, SystemConfiguration
from .services import record_audit


@receiver(queue_changed, dispatch_uid="audit_queue_change")
def audit_queue_change(sender, change, **kwargs):
    record_audit(
        actor=change.actor,
        action=f"queue.{change.event}",
        target=change.entry,
        before=change.before,
        after=change.after,
        ip_address=change.ip_address,
    )


@receiver(appointment_changed, dispatch_uid="audit_appointment_change")
def audit_appointment_change(sender, change, **kwargs):
    appointment = change.appointment
    record_audit(
        actor=change.actor,
        action=f"appointment.{change.event}",
        target=appointment,
        after={"status": appointment.status, "slot_start": appointment.slot_start.isoformat()},
        ip_address=change.ip_address,
    )


@receiver(action_recorded, dispatch_uid="audit_recorded_action")
def audit_recorded_action(sender, record, **kwargs):
    record_audit(
        actor=record.actor,
        action=record.action,
        target=record.target,
        before=record.before,
        after=record.after,
        ip_address=record.ip_address,
    )


def _stored_as_json(value):
    # As the panel's audit rows keep values: records by id, times and dates as ISO text, and a phone number by its
    # last four digits, as the core's own rows keep one (a number corrected at the desk): every panel administrator
    # reads the log, and a patient's number typed in Django admin (an opted-out number, a new patient) is theirs.
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (models.QuerySet, list, tuple)):
        return [_stored_as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _stored_as_json(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return mask_phone_numbers(value)
    if value is None or isinstance(value, (int, float, bool)):
        return value
    # Anything else a form field may clean to (a Decimal, a UUID) as its text: never the save's JSON error.
    return mask_phone_numbers(str(value))


@receiver(changed_in_django_admin, dispatch_uid="audit_django_admin_change")
def audit_django_admin_change(sender, change, **kwargs):
    AuditLog.objects.create(
        actor=change.actor if change.actor.is_authenticated else None,
        action=f"django_admin.{change.action}",
        object_type=sender._meta.model_name,
        object_id=change.object_id,
        # A patient's or an opted-out number's name is its number ("Ana Ruiz (+12125550147)").
        object_repr=_stored_as_json(change.object_repr)[:200],
        before=_stored_as_json(change.before),
        after=_stored_as_json(change.after),
        ip_address=change.ip_address,
    )


def _record_session_event(action, request, user):
    if user is None or request is None:
        return
    record_audit(actor=user, action=action, target=user, after={"path": request.path}, ip_address=client_ip(request))


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def audit_sign_in(sender, request, user, **kwargs):
    _record_session_event("auth.signed_in", request, user)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def audit_sign_out(sender, request, user, **kwargs):
    _record_session_event("auth.signed_out", request, user)


@receiver(post_save, sender=SystemConfiguration, dispatch_uid="publish_configuration_save")
def publish_configuration_save(sender, created, **kwargs):
    # Readers take a department's published queue until its next change: a configuration saved from the panel
    # or Django admin is one for every department, so screens and estimates never lag behind it. The row's
    # creation on first read holds the defaults every queue was computed with: nothing to publish.
    if created:
        return
    for department_id in Department.objects.active().values_list("pk", flat=True):
        transaction.on_commit(
            partial(publish_department_change, event="configuration_updated", department_id=department_id)
        )
