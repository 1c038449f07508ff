from django import forms

from .models import DoctorSchedule


class WorkingIntervalForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=DoctorSchedule.Weekday.choices, coerce=int)
    starts_at = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends_at = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


# Two spare rows under the saved intervals; a row can be removed by ticking Delete.
WeeklyScheduleFormSet = forms.formset_factory(
    WorkingIntervalForm, extra=2, can_delete=True, max_num=28, validate_max=True
)
