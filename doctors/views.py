from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import TemplateView

from smartqueue.requests import client_ip
from smartqueue.roles import DoctorAuthenticationForm, DoctorRequiredMixin, RoleLoginView

from .forms import DoctorActionForm
from .models import Doctor
from .selectors import dashboard_data


class DoctorLoginView(RoleLoginView):
    authentication_form = DoctorAuthenticationForm
    heading = "Doctor sign-in"
    next_page = "doctors:dashboard"


class DashboardView(DoctorRequiredMixin, TemplateView):
    """The doctor's day: queue, patient in the room, buttons, statistics. Buttons post here without JS."""

    template_name = "doctors/dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            dashboard=dashboard_data(doctor=self.doctor),
            availability_choices=Doctor.Availability.choices,
            schedule=self.doctor.schedule.all(),
            **kwargs,
        )

    def post(self, request):
        form = DoctorActionForm(request.POST, doctor=self.doctor)
        message = form.submit(actor=request.user, ip_address=client_ip(request)) if form.is_valid() else None
        if message is None:
            for field, errors in form.errors.items():
                for error in errors:
                    messages.error(request, error if field == "__all__" else f"{field}: {error}")
        else:
            messages.success(request, message)
        return redirect("doctors:dashboard")
