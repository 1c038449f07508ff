"""The doctor dashboard's actions, defined once for the page (views.DashboardView) and POST /doctors/api/."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import Department, Queue
from patients.services import QueueError, current_patient_of
from smartqueue.actions import Action, ActionForm, ActionTable

from . import services
from .models import Doctor


class NoInput(ActionForm):
    pass


class TokenForm(ActionForm):
    """The token the action applies to; defaults to the patient with the doctor."""

    entry = forms.IntegerField(
        required=False,
        min_value=1,
        label=_("Token"),
        help_text=_("Queue entry id; defaults to the patient with the doctor."),
    )
    defaults_to_current_patient = True

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("entry") and "entry" not in self.errors:
            current = current_patient_of(self.context["doctor"]) if self.defaults_to_current_patient else None
            if current is None:
                self.add_error("entry", _("Choose a token: no patient is with you."))
            else:
                cleaned["entry"] = current.pk
        return cleaned


class RecallForm(TokenForm):
    # A recalled token is a skipped one, never the patient in the room.
    defaults_to_current_patient = False


class CompleteForm(TokenForm):
    consultation_notes = forms.CharField(
        required=False,
        max_length=Queue._meta.get_field("consultation_notes").max_length,
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TransferForm(TokenForm):
    to_department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True),
        label=_("Transfer to"),
        error_messages={"required": _("Choose the department to transfer the patient to.")},
    )


class AvailabilityForm(ActionForm):
    availability = forms.ChoiceField(
        choices=Doctor.Availability.choices,
        error_messages={"required": _("Choose available, busy, on break or offline.")},
    )


def _who(context):
    return {key: context[key] for key in ("doctor", "actor", "ip_address")}


def call_next(form, **context):
    entry = services.call_next(**_who(context))
    return _("Called %(token)s.") % {"token": entry.token}


def start(form, **context):
    entry = services.start_consultation(entry_id=form.cleaned_data["entry"], **_who(context))
    return _("Consultation with %(token)s started.") % {"token": entry.token}


def complete(form, **context):
    data = form.cleaned_data
    entry = services.complete_consultation(
        entry_id=data["entry"], consultation_notes=data["consultation_notes"], **_who(context)
    )
    return _("Consultation with %(token)s completed.") % {"token": entry.token}


def skip(form, **context):
    entry = services.mark_no_show(entry_id=form.cleaned_data["entry"], **_who(context))
    return _("%(token)s marked as a no-show.") % {"token": entry.token}


def recall(form, **context):
    entry = services.recall(entry_id=form.cleaned_data["entry"], **_who(context))
    return _("%(token)s is back in the queue.") % {"token": entry.token}


def transfer(form, **context):
    data = form.cleaned_data
    entry = services.transfer(entry_id=data["entry"], to_department=data["to_department"], **_who(context))
    return _("Transferred as %(token)s to %(department)s.") % {
        "token": entry.token,
        "department": entry.department.name,
    }


def set_availability(form, **context):
    doctor = services.set_availability(availability=form.cleaned_data["availability"], **_who(context))
    return _("You are now %(availability)s.") % {"availability": doctor.get_availability_display().lower()}


DOCTOR_ACTIONS = ActionTable(
    Action("call_next", _("Call next"), NoInput, call_next),
    Action("start", _("Start consultation"), TokenForm, start, refused_field="entry"),
    Action("complete", _("Complete consultation"), CompleteForm, complete, refused_field="entry"),
    Action("skip", _("Mark no-show"), TokenForm, skip, refused_field="entry"),
    Action("recall", _("Recall skipped token"), RecallForm, recall, refused_field="entry"),
    Action("transfer", _("Transfer to another department"), TransferForm, transfer, refused_field="entry"),
    Action("set_availability", _("Set availability"), AvailabilityForm, set_availability),
    refusals=QueueError,
)
