from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DoctorSchedule


class WorkingIntervalForm(forms.Form):
    # The labels the page shows on each row and its error summary names the fields by.
    weekday = forms.TypedChoiceField(label=_("Day"), choices=DoctorSchedule.Weekday.choices, coerce=int)
    starts_at = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends_at = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


# Two spare rows under the saved intervals; a row can be removed by ticking Delete.
WeeklyScheduleFormSet = forms.formset_factory(
    WorkingIntervalForm, extra=2, can_delete=True, max_num=28, validate_max=True
)
