"""The admin panel's department and queue actions, defined once for its pages (views.py) and POST /adminpanel/api/."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from doctors import services as doctor_services
from doctors.actions import says_what_the_token_is_now
from notifications import webhooks
from notifications.models import WebhookDelivery
from patients import appointments
from patients import services as queue_services
from patients.models import Department, Queue
from smartqueue.actions import Action, ActionForm, ActionTable
from smartqueue.strict_types import form_type_errors

from . import services
from .forms import BroadcastForm, DepartmentForm


class DepartmentChoiceForm(ActionForm):
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), error_messages={"required": _("Choose the department.")}
    )


class TokenChoiceForm(ActionForm):
    entry = forms.ModelChoiceField(
        queryset=Queue.objects.select_related("department"),
        label=_("Token"),
        error_messages={"required": _("Choose the token.")},
    )


class PriorityForm(TokenChoiceForm):
    priority = forms.ChoiceField(
        choices=Queue.Priority.choices, error_messages={"required": _("Choose the new priority.")}
    )


class MoveTokenForm(TokenChoiceForm):
    to_department = forms.ModelChoiceField(
        queryset=Department.objects.active(),
        label=_("Move to"),
        error_messages={"required": _("Choose the department to move the token to.")},
    )


class PhoneCorrectionForm(TokenChoiceForm):
    # Checked and normalised by the service, as the desk's registration checks it (patients.phone).
    phone = forms.CharField(
        label=_("Right phone number"),
        strip=False,
        error_messages={"required": _("Enter the right phone number.")},
    )


class WebhookDeliveryChoiceForm(ActionForm):
    delivery = forms.ModelChoiceField(
        queryset=WebhookDelivery.objects.select_related("endpoint"),
        error_messages={"required": _("Choose the webhook delivery.")},
    )


def new_department_form(data, *, partial=False, **context):
    """A new department; through the JSON API (partial) a field left out takes the model's default, as the page's
    form shows it (an active department, the default consultation length), never an unticked box's False."""
    if partial:
        data = {**DepartmentForm.stored_values(Department()), **{key: data[key] for key in data}}
    return DepartmentForm(data)


def new_department_fields():
    """What a new department through the JSON API must send: the fields without a default."""
    defaults = DepartmentForm.stored_values(Department())
    # A form's fields are its own copies: changing them changes no other form.
    fields = DepartmentForm().fields
    for name, field in fields.items():
        field.required = field.required and defaults.get(name) in (None, "")
    return fields


def department_edit_form(data, **context):
    """The department named by data["department"] with the submitted fields; an edit sent without the page's
    shown values (the JSON API) sends only the fields that change and the others keep their stored values."""
    chooser = DepartmentChoiceForm(data)
    chosen = chooser.is_valid()
    # The department is chosen here, not by the form returned: its JSON type is checked here too (true and 1.5
    # read as department 1).
    type_errors = form_type_errors(data, chooser.fields)
    for field, problems in type_errors.items():
        chooser.add_error(field, problems)
    if not chosen or type_errors:
        return chooser
    return DepartmentForm(data, instance=chooser.cleaned_data["department"])


def department_edit_fields():
    """What an edit through the JSON API sends: the department, and those of its fields that change."""
    changes = DepartmentForm().fields
    for field in changes.values():
        field.required = False
    return {**DepartmentChoiceForm().fields, **changes}


def broadcast_form(data, **context):
    return BroadcastForm(data)


def _save_department(form, audit_action, *, actor, ip_address):
    saved = services.save_with_audit(
        instance=form.instance, changes=form.changes(), action=audit_action, actor=actor, ip_address=ip_address
    )
    appointments.release_bookings_of_inactive_department(department=saved, actor=actor, ip_address=ip_address)
    return _("Saved %(name)s (%(code)s).") % {"name": saved.name, "code": saved.code}


def create_department(form, *, actor, ip_address, **context):
    return _save_department(form, "department.created", actor=actor, ip_address=ip_address)


def update_department(form, *, actor, ip_address, **context):
    return _save_department(form, "department.updated", actor=actor, ip_address=ip_address)


def deactivate_department(form, *, actor, ip_address, **context):
    department = services.save_with_audit(
        instance=form.cleaned_data["department"],
        changes={"is_active": False},
        action="department.deactivated",
        actor=actor,
        ip_address=ip_address,
    )
    appointments.release_bookings_of_inactive_department(department=department, actor=actor, ip_address=ip_address)
    return _("%(department)s is deactivated.") % {"department": department.name}


def cancel_token(form, *, actor, ip_address, **context):
    entry = queue_services.cancel(entry=form.cleaned_data["entry"], actor=actor, ip_address=ip_address)
    return _("%(token)s is cancelled.") % {"token": entry.token}


@says_what_the_token_is_now
def reinstate_token(form, *, actor, ip_address, **context):
    entry = queue_services.reinstate(entry=form.cleaned_data["entry"], actor=actor, ip_address=ip_address)
    return _("%(token)s is back in line at its place; the patient is told.") % {"token": entry.token}


def change_priority(form, *, actor, ip_address, **context):
    data = form.cleaned_data
    entry = queue_services.change_priority(
        entry=data["entry"], priority=data["priority"], actor=actor, ip_address=ip_address
    )
    return _("%(token)s is now %(priority)s priority.") % {
        "token": entry.token,
        "priority": entry.get_priority_display().lower(),
    }


def move_token(form, *, actor, ip_address, **context):
    data = form.cleaned_data
    moved = doctor_services.move_to_department(
        entry=data["entry"], to_department=data["to_department"], actor=actor, ip_address=ip_address
    )
    return _(
        "%(token)s is now %(new_token)s in %(department)s, in its place by arrival; the patient is texted the new "
        "token."
    ) % {"token": data["entry"].token, "new_token": moved.token, "department": moved.department.translated("name")}


def correct_phone(form, *, actor, ip_address, **context):
    correction = queue_services.correct_phone(
        entry=form.cleaned_data["entry"], phone=form.cleaned_data["phone"], actor=actor, ip_address=ip_address
    )
    words = {"token": correction.entry.token, "phone": correction.patient.phone, "patient": correction.patient.name}
    if correction.moved:
        said = _(
            "%(token)s now has the number %(phone)s and is the visit of %(patient)s, the patient with that number. "
            "Its new status link is texted there; the old link no longer works."
        )
    else:
        said = _(
            "%(token)s now has the number %(phone)s. Its new status link is texted there; the old link no longer "
            "works."
        )
    return said % words


@says_what_the_token_is_now
def return_to_line(form, *, actor, ip_address, **context):
    entry = queue_services.return_to_line(entry=form.cleaned_data["entry"], actor=actor, ip_address=ip_address)
    return _("%(token)s is back in line at their place; the patient is told.") % {"token": entry.token}


@says_what_the_token_is_now
def end_consultation(form, *, actor, ip_address, **context):
    entry = queue_services.end_consultation(entry=form.cleaned_data["entry"], actor=actor, ip_address=ip_address)
    return _("The consultation with %(token)s is ended.") % {"token": entry.token}


def broadcast(form, *, actor, ip_address, **context):
    to_send = form.to_send()
    audience = services.broadcast_message(**to_send, actor=actor, ip_address=ip_address)
    department = to_send.get("department")
    # The panel's page says the same (views.BroadcastView): whom it reached, not how many lines.
    return _("Sent to %(patients)s (%(scope)s).") % {
        "patients": ngettext("%(count)d waiting patient", "%(count)d waiting patients", audience) % {"count": audience},
        "scope": department.translated("name") if department else _("all departments"),
    }


def redeliver_webhook(form, *, actor, ip_address, **context):
    delivery = webhooks.redeliver(delivery=form.cleaned_data["delivery"], actor=actor, ip_address=ip_address)
    return _("%(event)s is being delivered again to %(endpoint)s.") % {
        "event": delivery.get_event_display(),
        "endpoint": delivery.endpoint,
    }


PANEL_ACTIONS = ActionTable(
    Action(
        "create_department",
        _("Create a department"),
        new_department_form,
        create_department,
        input_fields=new_department_fields,
    ),
    Action(
        "update_department",
        _("Edit a department"),
        department_edit_form,
        update_department,
        input_fields=department_edit_fields,
    ),
    Action("deactivate_department", _("Deactivate a department"), DepartmentChoiceForm, deactivate_department),
    Action("cancel_token", _("Cancel a token"), TokenChoiceForm, cancel_token, refused_field="entry"),
    # A token cancelled by mistake, today: back at its place rather than a new token at the back of the line.
    Action(
        "reinstate_token", _("Restore a cancelled token"), TokenChoiceForm, reinstate_token, refused_field="entry"
    ),
    Action("change_priority", _("Change a token's priority"), PriorityForm, change_priority, refused_field="entry"),
    # A registration made in the wrong department: the token moves there without losing its place.
    Action("move_token", _("Move a token to another department"), MoveTokenForm, move_token, refused_field="entry"),
    Action(
        "correct_phone", _("Correct the phone number"), PhoneCorrectionForm, correct_phone, refused_field="entry"
    ),
    # A doctor called away: their called patient goes back in line, their consultation is ended for them.
    Action(
        "return_to_line",
        _("Return a called patient to the line"),
        TokenChoiceForm,
        return_to_line,
        refused_field="entry",
    ),
    Action(
        "end_consultation",
        _("End a consultation for its doctor"),
        TokenChoiceForm,
        end_consultation,
        refused_field="entry",
    ),
    Action("broadcast", _("Broadcast a message"), broadcast_form, broadcast),
    Action("redeliver_webhook", _("Deliver a webhook event again"), WebhookDeliveryChoiceForm, redeliver_webhook),
    refusals=queue_services.QueueError,
)
