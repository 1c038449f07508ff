"""The doctor dashboard's actions, defined once for the page (views.DashboardView) and POST /doctors/api/."""

from functools import wraps

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.models import Department, Queue
from patients.services import IllegalTransition, QueueError, current_patient_of
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

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("entry") and "entry" not in self.errors:
            current = current_patient_of(self.context["doctor"])
            if current is None:
                self.add_error("entry", _("Choose a token: no patient is with you."))
            else:
                cleaned["entry"] = current.pk
        return cleaned


class RecallForm(ActionForm):
    # A recalled token is a skipped one, never the patient in the room: it is always named (and declared so).
    entry = forms.IntegerField(min_value=1, label=_("Token"), error_messages={"required": _("Choose the token.")})


def token_notes_field(name, label):
    """An optional text of the token's field `name`, held to that field's length and checks."""
    model_field = Queue._meta.get_field(name)
    return forms.CharField(
        required=False,
        max_length=model_field.max_length,
        validators=model_field.validators,
        label=label,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompleteForm(TokenForm):
    consultation_notes = token_notes_field("consultation_notes", _("Notes"))


class TransferForm(TokenForm):
    to_department = forms.ModelChoiceField(
        queryset=Department.objects.active(),
        label=_("Transfer to"),
        error_messages={"required": _("Choose the department to transfer the patient to.")},
    )


class ReferForm(CompleteForm):
    to_department = forms.ModelChoiceField(
        queryset=Department.objects.active(),
        label=_("Refer to"),
        error_messages={"required": _("Choose the department to refer the patient to.")},
    )
    # The new token's notes, which its next doctor reads.
    referral_notes = token_notes_field("notes", _("Note for the department referred to"))


class AvailabilityForm(ActionForm):
    availability = forms.ChoiceField(
        choices=Doctor.Availability.choices,
        error_messages={"required": _("Choose available, busy, on break or offline.")},
    )


def _who(context):
    return {key: context[key] for key in ("doctor", "actor", "ip_address")}


# A token the doctor acts on that has moved on meanwhile (another tab, the desk, a colleague), said as what it is
# now rather than as the statuses it cannot go between. The dashboard is read again after a refusal, and the
# page reloaded without scripts, so the doctor sees it as it is.
ALREADY = {
    Queue.Status.WAITING: _("%(token)s is waiting in the queue: the page now shows it as it is."),
    Queue.Status.CALLED: _(
        "%(token)s has been called and its consultation has not started yet: the page now shows it as it is."
    ),
    Queue.Status.IN_CONSULTATION: _("%(token)s is already in consultation: the page now shows it as it is."),
    Queue.Status.COMPLETED: _(
        "The consultation with %(token)s is already completed: the page now shows it as it is."
    ),
    Queue.Status.SKIPPED: _("%(token)s is already marked as a no-show: the page now shows it as it is."),
    Queue.Status.CANCELLED: _("%(token)s was cancelled or transferred: the page now shows it as it is."),
}


def says_what_the_token_is_now(run):
    """An action on one token whose refusal to move it (patients.services.ALLOWED_TRANSITIONS) says ALREADY."""

    @wraps(run)
    def run_saying_what_the_token_is_now(form, **context):
        try:
            return run(form, **context)
        except IllegalTransition as refusal:
            raise QueueError(ALREADY[refusal.from_status] % {"token": refusal.token}) from refusal

    return run_saying_what_the_token_is_now


def call_next(form, **context):
    entry = services.call_next(**_who(context))
    return _("Called %(token)s.") % {"token": entry.token}


@says_what_the_token_is_now
def start(form, **context):
    entry = services.start_consultation(entry_id=form.cleaned_data["entry"], **_who(context))
    return _("Consultation with %(token)s started.") % {"token": entry.token}


@says_what_the_token_is_now
def complete(form, **context):
    data = form.cleaned_data
    entry = services.complete_consultation(
        entry_id=data["entry"], consultation_notes=data["consultation_notes"], **_who(context)
    )
    return _("Consultation with %(token)s completed.") % {"token": entry.token}


@says_what_the_token_is_now
def skip(form, **context):
    entry = services.mark_no_show(entry_id=form.cleaned_data["entry"], **_who(context))
    return _("%(token)s marked as a no-show.") % {"token": entry.token}


@says_what_the_token_is_now
def recall(form, **context):
    entry = services.recall(entry_id=form.cleaned_data["entry"], **_who(context))
    return _("%(token)s is back in the queue.") % {"token": entry.token}


@says_what_the_token_is_now
def transfer(form, **context):
    data = form.cleaned_data
    entry = services.transfer(entry_id=data["entry"], to_department=data["to_department"], **_who(context))
    return _("Transferred as %(token)s to %(department)s.") % {
        "token": entry.token,
        "department": entry.department.translated("name"),
    }


@says_what_the_token_is_now
def refer(form, **context):
    data = form.cleaned_data
    entry = services.refer(
        entry_id=data["entry"],
        to_department=data["to_department"],
        consultation_notes=data["consultation_notes"],
        referral_notes=data["referral_notes"],
        **_who(context),
    )
    return _("Consultation completed; referred to %(department)s as %(token)s.") % {
        "token": entry.token,
        "department": entry.department.translated("name"),
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
    Action("refer", _("Complete and refer to another department"), ReferForm, refer, refused_field="entry"),
    Action("set_availability", _("Set availability"), AvailabilityForm, set_availability),
    refusals=QueueError,
)
