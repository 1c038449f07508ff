import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from smartqueue.actions import RefusedFormIs400, report_on_page
from smartqueue.requests import client_ip
from smartqueue.roles import RoleLoginView

from . import services
from .access import DoctorAuthenticationForm, DoctorRequiredMixin
from .actions import DOCTOR_ACTIONS, CompleteForm, ReferForm
from .forms import AgreedCancellationsForm, WeeklyScheduleFormSet
from .models import Doctor
from .selectors import dashboard_data

SCHEDULE_ERROR_KEY = re.compile(r"schedule\[(\d+)\]\.(\w+)")


class DoctorLoginView(RoleLoginView):
    authentication_form = DoctorAuthenticationForm
    heading = _("Doctor sign-in")
    next_page = "doctors:dashboard"


class DashboardView(DoctorRequiredMixin, TemplateView):
    """The doctor's day: queue, patient in the room, buttons, statistics. Buttons post here without JS."""

    template_name = "doctors/dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            dashboard=dashboard_data(doctor=self.doctor),
            availability_choices=Doctor.Availability.choices,
            schedule=self.doctor.schedule.all(),
            socket_path=f"/ws/doctor/{self.doctor.pk}/",
            notes_max_length=CompleteForm.base_fields["consultation_notes"].max_length,
            referral_notes_max_length=ReferForm.base_fields["referral_notes"].max_length,
            **kwargs,
        )

    def post(self, request):
        outcome = DOCTOR_ACTIONS.submit(
            request.POST, doctor=self.doctor, actor=request.user, ip_address=client_ip(request)
        )
        report_on_page(request, outcome)
        if outcome.errors:
            # The dashboard again with what was refused, answered 400 as the API answers the same input, and the notes
            # typed for the consultation still under way back in their fields: without scripts, nothing else kept them.
            context = self.get_context_data()
            current = context["dashboard"]["current"]
            if current is not None and request.POST.get("entry") == str(current["id"]):
                context["typed"] = request.POST
            return self.render_to_response(context, status=400)
        return redirect("doctors:dashboard")


@method_decorator(never_cache, name="dispatch")
class DashboardLiveView(DashboardView):
    """The dashboard's body alone, which its script fetches and swaps in when the queue changes."""

    template_name = "doctors/_dashboard_live.html"
    http_method_names = ["get", "head"]
    # A fetch must not follow a redirect to the sign-in page: 403 tells the script to reload instead.
    raise_exception = True


class WeeklyHoursView(RefusedFormIs400, FormView):
    """A doctor's weekly working hours as a form; the same rules as POST /doctors/api/schedule/. The doctor's own
    page and the admin panel's page for any doctor say whose hours they are and where to go back."""

    template_name = "doctors/schedule.html"
    form_class = WeeklyScheduleFormSet
    # The doctor whose hours these are (the signed-in one, or the panel's choice), and the page's own words.
    doctor = None
    base_template = "doctors/base.html"
    heading = _("Your weekly hours")
    keep_label = _("Keep my hours as they were")
    back_url_name = "doctors:dashboard"
    back_label = _("Back to the dashboard")

    def get_initial(self):
        return [
            {"weekday": interval.weekday, "starts_at": interval.starts_at, "ends_at": interval.ends_at}
            for interval in self.doctor.schedule.all()
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            base_template=self.base_template,
            heading=self.heading,
            keep_label=self.keep_label,
            back_url=reverse(self.back_url_name),
            back_label=self.back_label,
            **kwargs,
        )

    def form_valid(self, formset):
        rows = [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        intervals = [
            (row.cleaned_data["weekday"], row.cleaned_data["starts_at"], row.cleaned_data["ends_at"]) for row in rows
        ]
        try:
            services.replace_weekly_schedule(
                doctor=self.doctor,
                intervals=intervals,
                agreed_cancellations=AgreedCancellationsForm(self.request.POST).agreed(),
                actor=self.request.user,
                ip_address=client_ip(self.request),
            )
        except services.HoursCancelBookings as question:
            # Asked, not refused: the rows come back as typed, with a button that agrees to the number named.
            return self.render_to_response(self.get_context_data(form=formset, question=question))
        except ValidationError as error:
            # The service names problems "schedule[<index>].<field>"; show each beside its row's field.
            for key, problems in error.message_dict.items():
                index, field = SCHEDULE_ERROR_KEY.fullmatch(key).groups()
                rows[int(index)].add_error(field, problems)
            return self.form_invalid(formset)
        messages.success(self.request, self.saved_message())
        return redirect(self.request.path)

    def saved_message(self):
        return _("Your weekly hours are saved.")


class ScheduleView(DoctorRequiredMixin, WeeklyHoursView):
    """The signed-in doctor's own hours (DoctorRequiredMixin sets self.doctor)."""
