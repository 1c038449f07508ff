from django import forms
from django.core.exceptions import ValidationError

from patients.models import Department
from patients.services import QueueError, current_patient_of

from . import services
from .models import Doctor, DoctorSchedule

ACTIONS_ON_A_TOKEN = {"start", "complete", "skip", "recall", "transfer"}


class DoctorActionForm(forms.Form):
    """One dashboard button press; shared by the dashboard page and POST /doctors/api/."""

    action = forms.ChoiceField(
        choices=[
            ("call_next", "Call next"),
            ("start", "Start consultation"),
            ("complete", "Complete consultation"),
            ("skip", "Mark no-show"),
            ("recall", "Recall skipped token"),
            ("transfer", "Transfer to another department"),
            ("set_availability", "Set availability"),
        ]
    )
    entry = forms.IntegerField(
        required=False, min_value=1, help_text="Queue entry id; defaults to the patient with the doctor."
    )
    consultation_notes = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    to_department = forms.ModelChoiceField(queryset=Department.objects.filter(is_active=True), required=False)
    availability = forms.ChoiceField(choices=Doctor.Availability.choices, required=False)

    def __init__(self, *args, doctor, **kwargs):
        super().__init__(*args, **kwargs)
        self.doctor = doctor

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action in ACTIONS_ON_A_TOKEN and not cleaned.get("entry"):
            current = current_patient_of(self.doctor) if action != "recall" else None
            if current is None:
                self.add_error("entry", "Choose a token: no patient is with you.")
            else:
                cleaned["entry"] = current.pk
        if action == "transfer" and not cleaned.get("to_department") and "to_department" not in self.errors:
            self.add_error("to_department", "Choose the department to transfer the patient to.")
        if action == "set_availability" and not cleaned.get("availability") and "availability" not in self.errors:
            self.add_error("availability", "Choose available, busy, on break or offline.")
        return cleaned

    def submit(self, *, actor, ip_address):
        """Carry out the valid action; returns a message for the doctor, or None after adding the error."""
        data = self.cleaned_data
        action = data["action"]
        who = {"doctor": self.doctor, "actor": actor, "ip_address": ip_address}
        try:
            if action == "call_next":
                entry = services.call_next(**who)
                return f"Called {entry.token}."
            if action == "set_availability":
                doctor = services.set_availability(availability=data["availability"], **who)
                return f"You are now {doctor.get_availability_display().lower()}."
            entry_id = data["entry"]
            if action == "start":
                entry = services.start_consultation(entry_id=entry_id, **who)
                return f"Consultation with {entry.token} started."
            if action == "complete":
                entry = services.complete_consultation(
                    entry_id=entry_id, consultation_notes=data["consultation_notes"], **who
                )
                return f"Consultation with {entry.token} completed."
            if action == "skip":
                entry = services.mark_no_show(entry_id=entry_id, **who)
                return f"{entry.token} marked as a no-show."
            if action == "recall":
                entry = services.recall(entry_id=entry_id, **who)
                return f"{entry.token} is back in the queue."
            entry = services.transfer(entry_id=entry_id, to_department=data["to_department"], **who)
            return f"Transferred as {entry.token} to {entry.department.name}."
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        except QueueError as error:
            self.add_error("entry" if action in ACTIONS_ON_A_TOKEN else "action", str(error))
        return None


class WorkingIntervalForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=DoctorSchedule.Weekday.choices, coerce=int)
    starts_at = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends_at = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


# Two spare rows under the saved intervals; a row can be removed by ticking Delete.
WeeklyScheduleFormSet = forms.formset_factory(
    WorkingIntervalForm, extra=2, can_delete=True, max_num=28, validate_max=True
)
