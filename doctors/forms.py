from django import forms
from django.forms.formsets import TOTAL_FORM_COUNT
from django.utils.translation import gettext_lazy as _

from patients.forms import FieldsSayWhatToEnterMixin
from smartqueue.form_input import OneValuePerFieldMixin, ReadableTextMixin

from .models import DoctorSchedule

# A browser without a time picker shows a text box: the refusal says what a time looks like.
TIME_EXAMPLE = {"invalid": _("Enter a time such as 09:30.")}


class WorkingIntervalForm(OneValuePerFieldMixin, ReadableTextMixin, FieldsSayWhatToEnterMixin, forms.Form):
    # The labels the page shows on each row and its error summary names the fields by.
    weekday = forms.TypedChoiceField(label=_("Day"), choices=DoctorSchedule.Weekday.choices, coerce=int)
    starts_at = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), error_messages=TIME_EXAMPLE
    )
    ends_at = forms.TimeField(
        label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), error_messages=TIME_EXAMPLE
    )


class WeeklyHoursBaseFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        # Django reads a negative count of rows as none at all: a tampered page would empty the whole week.
        if self.management_form.cleaned_data.get(TOTAL_FORM_COUNT, 0) < 0:
            raise forms.ValidationError(
                _("The page sent its list of intervals incomplete; reload it and try again."), code="missing_rows"
            )


# Two spare rows under the saved intervals; a row can be removed by ticking Delete.
WeeklyScheduleFormSet = forms.formset_factory(
    WorkingIntervalForm, formset=WeeklyHoursBaseFormSet, extra=2, can_delete=True, max_num=28, validate_max=True
)


class AgreedCancellationsForm(forms.Form):
    """The weekly hours page's answer to the question the new hours ask (services.HoursCancelBookings): how many
    bookings the doctor agreed to cancel, sent only by the question's button; none agreed otherwise."""

    agreed_cancellations = forms.IntegerField(min_value=0, required=False)

    def agreed(self):
        return (self.cleaned_data.get("agreed_cancellations") or 0) if self.is_valid() else 0
