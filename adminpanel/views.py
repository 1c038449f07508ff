import csv
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import CreateView, FormView, ListView, TemplateView, UpdateView

from doctors import services as doctor_services
from doctors.actions import ALREADY
from doctors.models import Doctor, DoctorAbsence
from doctors.views import WeeklyHoursView
from notifications import webhooks
from notifications.models import (
    NotificationTemplate,
    NotificationTemplateTranslation,
    WebhookDelivery,
    WebhookEndpoint,
)
from patients import appointments
from patients import services as queue_services
from patients.models import ClosedDay, Department, Queue
from patients.selectors import bookings_of_day, current_visit_status, department_overview, todays_token
from patients.templatetags.departments import in_site_language, name_on_page, sentence_with
from smartqueue.actions import (
    ActionFormView,
    Outcome,
    RefusedFormIs400,
    form_errors,
    report_on_page,
    show_on_form,
)
from smartqueue.i18n import text_direction
from smartqueue.parsers import given_more_than_once
from smartqueue.phone_masks import mask_phone
from smartqueue.requests import client_ip
from smartqueue.roles import RoleLoginView

from . import analytics, audit_log, selectors, services
from .audit_actions import audit_action_label
from .access import PanelAdminAuthenticationForm, PanelAdminRequiredMixin, ReceptionStaffRequiredMixin
from .templatetags.languages import language_name
from .templatetags.report_figures import tenths
from .actions import PANEL_ACTIONS
from .forms import (
    AuditFilterForm,
    BroadcastForm,
    ClosedDayForm,
    DepartmentForm,
    DeskCheckInForm,
    DoctorAbsenceForm,
    DoctorForm,
    DoctorPasswordForm,
    MessageTextForm,
    NewDoctorForm,
    PanelNewWebhookEndpointForm,
    PanelWebhookEndpointForm,
    ReportRangeForm,
    SavesWhatThePageChangedMixin,
    SystemConfigurationForm,
    TodaysBookingsForm,
    message_text_title,
)
from .models import AuditLog, DepartmentAnalytics, SystemConfiguration


class PanelLoginView(RoleLoginView):
    authentication_form = PanelAdminAuthenticationForm
    heading = _("Admin panel sign-in")
    next_page = "adminpanel:queues"


class LiveQueuesView(PanelAdminRequiredMixin, TemplateView):
    template_name = "adminpanel/queues.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(departments=selectors.live_queues(), **kwargs)


@method_decorator(never_cache, name="dispatch")
class LiveQueuesFragmentView(LiveQueuesView):
    """The department cards alone, which the page's script fetches and swaps in when a queue changes."""

    template_name = "adminpanel/_live_queues.html"
    http_method_names = ["get", "head"]
    # A fetch must not follow a redirect to the sign-in page: 403 tells the script to reload instead.
    raise_exception = True


class ActForAbsentDoctorView(PanelAdminRequiredMixin, View):
    """For a doctor called away from a patient they called or are seeing: GET asks to confirm and says what follows
    for the patient; POST runs the panel's action (as POST /adminpanel/api/ does) and goes back to the live queues,
    which say what was done, or that someone acted first and the token is as the page now shows it."""

    action_name = ""
    # The service's check of the token as it is now: a token the action would refuse is said so at once (a status
    # it is not for as ALREADY says it) rather than offered.
    check = None

    def get(self, request, pk):
        entry = get_object_or_404(Queue.objects.select_related("patient", "doctor__user"), pk=pk)
        try:
            self.check(entry)
        except queue_services.IllegalTransition as refused:
            refusal = ALREADY[refused.from_status] % {"token": entry.token}
        except queue_services.QueueError as refused:
            refusal = str(refused)
        else:
            refusal = None
        words = {"token": entry.token, "patient": entry.patient.name, "doctor": entry.doctor}
        return render(
            request,
            "adminpanel/confirm.html",
            {
                "heading": self.heading % words,
                "consequences": [line % words for line in self.consequences],
                "refusal": refusal,
                "confirm_label": self.confirm_label % words,
                "confirm_class": "btn-primary",
                "cancel_url": reverse("adminpanel:queues"),
            },
        )

    def post(self, request, pk):
        entry = get_object_or_404(Queue, pk=pk)
        outcome = PANEL_ACTIONS.perform(
            PANEL_ACTIONS[self.action_name], {"entry": entry.pk}, actor=request.user, ip_address=client_ip(request)
        )
        report_on_page(request, outcome)
        return redirect("adminpanel:queues")


class ReturnToLineView(ActForAbsentDoctorView):
    action_name = "return_to_line"
    check = staticmethod(queue_services.check_returnable_to_line)
    heading = _("Return %(token)s to the line?")
    consequences = [
        _("%(doctor)s called %(token)s (%(patient)s), and the consultation has not started."),
        _(
            "The patient waits again in their own place, with the same token, and is told by message that their "
            "doctor was called away and they keep their place."
        ),
        _("%(doctor)s no longer has them as their patient; the department's doctors call them as usual."),
    ]
    confirm_label = _("Return %(token)s to the line")


class EndConsultationView(ActForAbsentDoctorView):
    action_name = "end_consultation"
    check = staticmethod(queue_services.check_consultation_endable)
    heading = _("End the consultation with %(token)s?")
    consequences = [
        _("%(token)s (%(patient)s) is in consultation with %(doctor)s."),
        _(
            "It is recorded as completed, ended by you for %(doctor)s, and the patient is asked to rate their visit "
            "as after any consultation."
        ),
        _(
            "Its length is not counted as a consultation's: the wait estimates, the reports and the doctor's "
            "figures leave it out, and still count the patient as seen."
        ),
    ]
    confirm_label = _("End the consultation with %(token)s")


class FindTokenView(PanelAdminRequiredMixin, View):
    """The desk reads the token off the patient's ticket: today's token leads to the page found_page names (its own,
    VisitView)."""

    found_page = "adminpanel:visit"
    heading = _("Find a patient's token")

    def get(self, request):
        printed = request.GET.get("token", "").strip()
        # Two tokens in one address (an edited link) led to the last one's page, as if it alone had been typed.
        given_twice = len(request.GET.getlist("token")) > 1
        entry = todays_token(printed) if printed and not given_twice else None
        if entry is not None:
            return redirect(self.found_page, pk=entry.pk)
        if given_twice:
            error = given_more_than_once(_("Token"))
        else:
            error = _("No token %(token)s was issued today.") % {"token": printed.upper()} if printed else None
        return render(
            request,
            "adminpanel/find_token.html",
            {"heading": self.heading, "token_typed": printed, "token_error": error},
            status=400 if error else 200,
        )


class FindTokenForPhoneView(FindTokenView):
    found_page = "adminpanel:visit-correct-phone"
    heading = _("Correct a patient's phone number")


@method_decorator(never_cache, name="dispatch")
class TodaysBookingsView(ReceptionStaffRequiredMixin, View):
    """Today's bookings at the desk: a patient who came without their code is found by name, phone or code, and
    checked in here (appointments.record_check_in, as the desk's registration does). Another day's (?day=) are
    looked up, read only: a booking checks in on its own day."""

    def get(self, request):
        return self.page(request, TodaysBookingsForm(request.GET or None))

    def post(self, request):
        # The list's filter travels in the post, so that the page after the check-in shows the list it was on.
        filters = TodaysBookingsForm(request.GET or None)
        form = DeskCheckInForm(request.POST)
        if not form.is_valid():
            return self.page(request, filters, refusal=form.errors["appointment"][0], status=400)
        try:
            checked_in = appointments.record_check_in(
                appointment=form.cleaned_data["appointment"],
                actor=request.user,
                ip_address=client_ip(request),
                self_service=False,
            )
        except queue_services.QueueError as refused:
            return self.page(request, filters, refusal=str(refused), status=409)
        booking = checked_in.appointment
        messages.success(
            request,
            gettext("%(patient)s, token %(token)s: %(said)s")
            % {
                "patient": booking.patient.name,
                "token": checked_in.entry.token,
                "said": appointments.checked_in_in_words(booking),
            },
        )
        query = request.GET.urlencode()
        return redirect(f"{reverse('adminpanel:todays-bookings')}?{query}" if query else "adminpanel:todays-bookings")

    def page(self, request, filters, *, refusal=None, status=200):
        valid = not filters.is_bound or filters.is_valid()
        found = bookings_of_day(**filters.cleaned_data) if filters.is_bound and valid else bookings_of_day()
        now = timezone.now()
        today = timezone.localdate(now)
        day = (filters.cleaned_data.get("day") if filters.is_bound and valid else None) or today
        rows = [
            {
                "booking": booking,
                "masked_phone": mask_phone(booking.patient.phone),
                "state": appointments.state_in_words(booking, now, token_held_here=booking.token_held_here),
                "can_check_in": appointments.can_check_in(booking, now),
            }
            for booking in (found if valid else [])
        ]
        return render(
            request,
            "adminpanel/todays_bookings.html",
            {
                "filters": filters,
                "rows": rows,
                "day": day,
                "is_today": day == today,
                "tomorrow": today + timedelta(days=1),
                "searched": filters.is_bound,
                "refusal": refusal,
                "query": request.GET.urlencode(),
            },
            status=400 if not valid else status,
        )


def posted_for(entry, request):
    """A desk page's post as its action's form reads it, on the page's own token: the body whole, so that the form
    refuses a field given twice or in bytes that are not UTF-8 (a dict of each field's last value moved a token to
    the second of two departments posted, and corrected a phone to the second of two numbers)."""
    data = request.POST.copy()
    data["entry"] = entry.pk
    return data


class VisitView(PanelAdminRequiredMixin, View):
    """A token the desk found (FindTokenView): whose it is, where it stands, and what the desk may still change: a
    registration in the wrong department moved to the right one (keeping its place by arrival), its priority, its
    cancellation, its phone. Each change is the panel's action, as POST /adminpanel/api/ runs it."""

    def get(self, request, pk):
        return self.page(request, self.entry(pk))

    @staticmethod
    def entry(pk):
        return get_object_or_404(Queue.objects.select_related("department", "patient", "doctor__user"), pk=pk)

    def page(self, request, entry, *, errors=None, typed=None, status=200):
        waiting = entry.token_date == timezone.localdate() and entry.status == Queue.Status.WAITING
        visit = current_visit_status(entry=entry) if waiting else None
        return render(
            request,
            "adminpanel/visit.html",
            {
                "heading": _("Token %(token)s") % {"token": entry.token},
                "entry": entry,
                "patients_ahead": visit["patients_ahead"] if visit else None,
                "can_move": selectors.allowed(queue_services.check_transferable, entry),
                "can_change_priority": selectors.allowed(queue_services.check_priority_changeable, entry),
                "can_cancel": selectors.allowed(queue_services.check_cancellable, entry),
                # A cancelled token says why it cannot be restored (another day, a transfer, a closed department).
                "reinstate_refusal": (
                    selectors.refusal_of(queue_services.check_reinstatable, entry)
                    if entry.status == Queue.Status.CANCELLED
                    else None
                ),
                "can_correct_phone": selectors.allowed(queue_services.check_phone_correctable, entry),
                # As the doctors' transfer list: one the move would be refused into is marked, not offered.
                "departments": [
                    department for department in department_overview() if department.pk != entry.department_id
                ],
                "priorities": Queue.Priority.choices,
                # A refusal of the token as it is now, above the forms; a field's problem beside that field.
                "refusals": [*(errors or {}).get("entry", []), *(errors or {}).get(NON_FIELD_ERRORS, [])],
                "field_errors": {name: " ".join(problems) for name, problems in (errors or {}).items()},
                "typed": typed or {},
                "visit_messages": selectors.messages_of_visit(entry),
                "cancellation": selectors.cancellation_of_visit(entry),
            },
            status=status,
        )


class VisitActionView(VisitView):
    """POST: the panel's action_name on the token, its other fields as the visit page sent them; back to the live
    queues, which say what was done, or the visit page again with the refusal beside its field (400)."""

    http_method_names = ["post"]
    action_name = ""

    def post(self, request, pk):
        entry = self.entry(pk)
        action = PANEL_ACTIONS[self.action_name]
        typed = {name: request.POST.get(name, "") for name in action.declared_fields() if name != "entry"}
        # A page posts text: the API's JSON type checks (PANEL_ACTIONS.perform) are not for it.
        form = action.form(posted_for(entry, request))
        if form.is_valid():
            outcome = PANEL_ACTIONS.execute(action, form, actor=request.user, ip_address=client_ip(request))
        else:
            outcome = Outcome(errors=form_errors(form))
        if outcome.errors:
            entry.refresh_from_db()
            return self.page(request, entry, errors=outcome.errors, typed=typed, status=400)
        messages.success(request, outcome.message)
        return redirect("adminpanel:queues")


class ConfirmedTokenActionView(PanelAdminRequiredMixin, View):
    """POST runs the panel's panel_action on the token (as POST /adminpanel/api/ does) and goes back to the live
    queues, or to the token's page with the refusal; the GET of each subclass asks to confirm it first."""

    panel_action = None

    def post(self, request, pk):
        entry = get_object_or_404(Queue, pk=pk)
        outcome = PANEL_ACTIONS.perform(
            PANEL_ACTIONS[self.panel_action], {"entry": entry.pk}, actor=request.user, ip_address=client_ip(request)
        )
        report_on_page(request, outcome)
        return redirect("adminpanel:queues" if outcome.message else reverse("adminpanel:visit", args=[entry.pk]))


class CancelTokenView(ConfirmedTokenActionView):
    """GET asks to confirm a token's cancellation and says what follows; POST runs the panel's cancel_token."""

    panel_action = "cancel_token"

    def get(self, request, pk):
        entry = get_object_or_404(Queue.objects.select_related("patient", "department"), pk=pk)
        words = {"token": entry.token, "patient": entry.patient.name, "department": entry.department.translated("name")}
        try:
            queue_services.check_cancellable(entry)
        except queue_services.QueueError:
            refusal = ALREADY[entry.status] % words
        else:
            refusal = None
        return render(
            request,
            "adminpanel/confirm.html",
            {
                "heading": _("Cancel token %(token)s?") % words,
                "consequences": [
                    _("%(token)s (%(patient)s) leaves the %(department)s line, and the patient is texted so.") % words,
                    _("Cancelled by mistake, it can be restored to its place today from this token's page.") % words,
                ],
                "refusal": refusal,
                "confirm_label": _("Cancel token %(token)s") % words,
                "cancel_url": reverse("adminpanel:visit", args=[entry.pk]),
                "cancel_label": _("Keep the token"),
            },
        )


class ReinstateTokenView(ConfirmedTokenActionView):
    """A token cancelled by mistake today: GET asks to confirm and says what follows, or why it cannot be restored
    (the service's check); POST runs the panel's reinstate_token."""

    panel_action = "reinstate_token"

    def get(self, request, pk):
        entry = get_object_or_404(Queue.objects.select_related("patient", "department"), pk=pk)
        words = {"token": entry.token, "patient": entry.patient.name, "department": entry.department.translated("name")}
        try:
            queue_services.check_reinstatable(entry)
        except queue_services.IllegalTransition as refused:
            refusal = ALREADY[refused.from_status] % words
        except queue_services.QueueError as refused:
            refusal = str(refused)
        else:
            refusal = None
        return render(
            request,
            "adminpanel/confirm.html",
            {
                "heading": _("Restore token %(token)s?") % words,
                "consequences": [
                    _(
                        "%(token)s (%(patient)s) waits again in the %(department)s line at its own place: the same "
                        "token, arrival time and priority."
                    )
                    % words,
                    _("The patient is texted that the token is back in line, with their place and wait.") % words,
                ],
                "refusal": refusal,
                "confirm_label": _("Restore token %(token)s") % words,
                "confirm_class": "btn-primary",
                "cancel_url": reverse("adminpanel:visit", args=[entry.pk]),
                "cancel_label": _("Leave it cancelled"),
            },
        )


class CorrectPhoneView(PanelAdminRequiredMixin, View):
    """A token of today registered with a mistyped phone: GET shows the number on file and what the correction does;
    POST runs the panel's correct_phone (as POST /adminpanel/api/ does) and goes back to the live queues, or shows
    the refusal beside the number typed (400)."""

    def get(self, request, pk):
        return self.page(request, get_object_or_404(Queue.objects.select_related("department", "patient"), pk=pk))

    def post(self, request, pk):
        entry = get_object_or_404(Queue.objects.select_related("department", "patient"), pk=pk)
        action = PANEL_ACTIONS["correct_phone"]
        form = action.form(posted_for(entry, request))
        if form.is_valid():
            outcome = PANEL_ACTIONS.execute(action, form, actor=request.user, ip_address=client_ip(request))
            if not outcome.errors:
                messages.success(request, outcome.message)
                return redirect("adminpanel:queues")
            show_on_form(form, outcome)
        entry.refresh_from_db()
        return self.page(request, entry, form=form, status=400)

    def page(self, request, entry, *, form=None, status=200):
        if form is None:
            form = PANEL_ACTIONS["correct_phone"].form(None)
        try:
            queue_services.check_phone_correctable(entry)
        except queue_services.QueueError as refusal:
            not_correctable = str(refusal)
        else:
            not_correctable = None
        return render(
            request,
            "adminpanel/correct_phone.html",
            {
                "heading": _("Correct the phone number of %(token)s") % {"token": entry.token},
                "entry": entry,
                # Whole only where the desk is to correct it: any token's page is one address away, and of a visit
                # that is over (another day's, a completed one) the whole number served nobody's task.
                "phone_on_file": mask_phone(entry.patient.phone) if not_correctable else entry.patient.phone,
                "phone_field": form["phone"],
                "refusal": not_correctable,
                # Refused for the token rather than the number typed (its patient in line here already).
                "token_refusals": [] if not_correctable else [*form.errors.get("entry", []), *form.non_field_errors()],
            },
            status=status,
        )


class AuditedFormMixin(RefusedFormIs400):
    """Model form pages whose save goes through services.save_with_audit (so it is audited like the API)."""

    template_name = "adminpanel/form.html"
    audit_action = ""
    heading = ""
    # Saved with the rest but kept out of the audit row.
    unaudited_fields = ()
    # The service that saves and audits the changes (save_with_audit's arguments).
    save = staticmethod(services.save_with_audit)

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.heading, **kwargs)

    def form_valid(self, form):
        if isinstance(form, SavesWhatThePageChangedMixin):
            changes = form.changes()
        else:
            changes = {field: form.cleaned_data[field] for field in form._meta.fields}
        try:
            self.object = self.save(
                instance=form.instance,
                changes=changes,
                unaudited=self.unaudited_fields,
                action=self.audit_action,
                actor=self.request.user,
                ip_address=client_ip(self.request),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, sentence_with(_("Saved %(name)s."), name=self.saved_name()))
        return redirect(self.get_success_url())

    def saved_name(self):
        """The record as the confirmation after saving names it."""
        return self.object


class DepartmentListView(PanelAdminRequiredMixin, ListView):
    model = Department
    template_name = "adminpanel/departments.html"
    context_object_name = "departments"


class DepartmentCreateView(PanelAdminRequiredMixin, ActionFormView):
    table = PANEL_ACTIONS
    action_name = "create_department"
    template_name = "adminpanel/form.html"
    extra_context = {"heading": _("New department")}
    success_url = reverse_lazy("adminpanel:departments")


class DepartmentUpdateView(PanelAdminRequiredMixin, ActionFormView):
    """The whole department form (an unticked box is a change), through the same action as the API's edit."""

    table = PANEL_ACTIONS
    action_name = "update_department"
    template_name = "adminpanel/form.html"
    extra_context = {"heading": _("Edit department")}
    success_url = reverse_lazy("adminpanel:departments")

    @cached_property
    def department(self):
        return get_object_or_404(Department, pk=self.kwargs["pk"])

    def blank_form(self):
        return DepartmentForm(instance=self.department)

    def action_data(self):
        # A copy of the body, not .dict(): that keeps the last of a field's values, and the form refuses a repeat.
        data = self.request.POST.copy()
        data["department"] = self.department.pk
        return data


class DoctorListView(PanelAdminRequiredMixin, ListView):
    queryset = Doctor.objects.select_related("user", "department").order_by("department__name", "user__last_name")
    template_name = "adminpanel/doctors.html"
    context_object_name = "doctors"


class DoctorCreateView(PanelAdminRequiredMixin, RefusedFormIs400, FormView):
    form_class = NewDoctorForm
    template_name = "adminpanel/form.html"
    extra_context = {"heading": _("New doctor")}

    def form_valid(self, form):
        try:
            doctor = services.create_doctor(
                actor=self.request.user, ip_address=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(doctor)s can now sign in as %(username)s.") % {"doctor": doctor, "username": doctor.user.username},
        )
        return redirect("adminpanel:doctors")


class DoctorUpdateView(PanelAdminRequiredMixin, AuditedFormMixin, UpdateView):
    model = Doctor
    form_class = DoctorForm
    audit_action = "doctor.updated"
    heading = _("Edit doctor")
    save = staticmethod(services.save_doctor)
    success_url = reverse_lazy("adminpanel:doctors")


class DoctorPasswordView(PanelAdminRequiredMixin, RefusedFormIs400, FormView):
    """A new password for a doctor who forgot theirs (services.set_doctor_password): staff have no e-mail reset."""

    template_name = "adminpanel/form.html"
    form_class = DoctorPasswordForm

    @cached_property
    def doctor(self):
        return get_object_or_404(Doctor.objects.select_related("user"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.doctor.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=sentence_with(_("New password for %(name)s"), name=name_on_page(self.doctor)),
            intro=_(
                "For a doctor who forgot their password. Give them the new one in person and ask them to change it "
                "on their Change password page. Once it is set, every device signed in to their account is signed out."
            ),
            submit_label=_("Set the new password"),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.set_doctor_password(
                doctor=self.doctor,
                password=form.cleaned_data["new_password1"],
                actor=self.request.user,
                ip_address=client_ip(self.request),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request, sentence_with(_("%(name)s has a new password."), name=name_on_page(self.doctor))
        )
        return redirect("adminpanel:doctors")


class DoctorHoursView(PanelAdminRequiredMixin, WeeklyHoursView):
    """A doctor's weekly hours set by a panel administrator: a new hospital's doctors are offered for bookings and
    counted on duty without each of them signing in first."""

    base_template = "adminpanel/base.html"
    keep_label = _("Keep the hours as they were")
    back_url_name = "adminpanel:doctors"
    back_label = _("Back to the doctors")

    @cached_property
    def doctor(self):
        return get_object_or_404(Doctor.objects.select_related("user"), pk=self.kwargs["pk"])

    @property
    def heading(self):
        return sentence_with(_("Weekly hours of %(name)s"), name=name_on_page(self.doctor))

    def saved_message(self):
        return sentence_with(_("The weekly hours of %(name)s are saved."), name=name_on_page(self.doctor))


class DeactivateView(PanelAdminRequiredMixin, View):
    """GET asks to confirm and says what follows; POST takes a department or doctor out of service (kept for
    history, and undone by ReactivateView)."""

    model = None
    audit_action = ""
    success_url = None
    # The service that saves and audits the change (save_with_audit's arguments).
    save = staticmethod(services.save_with_audit)

    def get(self, request, pk):
        target = get_object_or_404(self.model, pk=pk)
        return render(
            request,
            "adminpanel/confirm.html",
            {
                "heading": sentence_with(_("Deactivate %(name)s?"), name=name_on_page(target)),
                "consequences": selectors.deactivation_consequences(target),
                "refusal": selectors.deactivation_refusal(target),
                "way_out": selectors.deactivation_way_out(target),
                "confirm_label": sentence_with(_("Deactivate %(name)s"), name=name_on_page(target)),
                "cancel_url": reverse(self.success_url),
            },
        )

    # What POST sets is_active to, and what it tells the admin after.
    makes_active = False
    done_message = _("{target} is deactivated. Reactivate undoes it.")

    def post(self, request, pk):
        target = get_object_or_404(self.model, pk=pk)
        try:
            self.save(
                instance=target,
                changes={"is_active": self.makes_active},
                action=self.audit_action,
                actor=request.user,
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(self.success_url)
        messages.success(request, format_html(str(self.done_message), target=name_on_page(target)))
        return redirect(self.success_url)


class DepartmentDeactivateView(DeactivateView):
    """The confirmation page of DeactivateView; the deactivation itself is the panel's action, as in the API."""

    model = Department
    success_url = "adminpanel:departments"

    def post(self, request, pk):
        department = get_object_or_404(Department, pk=pk)
        outcome = PANEL_ACTIONS.perform(
            PANEL_ACTIONS["deactivate_department"],
            {"department": department.pk},
            actor=request.user,
            ip_address=client_ip(request),
        )
        report_on_page(request, outcome)
        return redirect(self.success_url)


class ReactivateView(DeactivateView):
    """POST only: put a deactivated department or doctor back in service (the undo of a deactivation)."""

    http_method_names = ["post"]
    makes_active = True
    done_message = _("{target} is active again.")


class ConfigurationView(PanelAdminRequiredMixin, AuditedFormMixin, UpdateView):
    form_class = SystemConfigurationForm
    audit_action = "configuration.updated"
    heading = _("System configuration")
    success_url = reverse_lazy("adminpanel:configuration")

    def get_object(self, queryset=None):
        return SystemConfiguration.load()


class WebhookListView(PanelAdminRequiredMixin, TemplateView):
    """Registered endpoints and the latest deliveries, each with its outcome and a redeliver button."""

    template_name = "adminpanel/webhooks.html"
    recent_deliveries = 50

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            endpoints=selectors.webhook_endpoints(),
            deliveries=WebhookDelivery.objects.select_related("endpoint")[: self.recent_deliveries],
            **kwargs,
        )


class MessageTemplatesView(PanelAdminRequiredMixin, TemplateView):
    """Every notification template and the languages it is written in; a gap is sent in English."""

    template_name = "adminpanel/message_templates.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(coverage=selectors.template_coverage(), **kwargs)


class MessageTextView(PanelAdminRequiredMixin, AuditedFormMixin, UpdateView):
    """Write one language's text of a template (a missing translation is created by saving it)."""

    audit_action = "message_template.updated"
    success_url = reverse_lazy("adminpanel:message-templates")

    def get_object(self, queryset=None):
        template = get_object_or_404(NotificationTemplate, pk=self.kwargs["pk"])
        language = self.kwargs["language"]
        if language not in dict(settings.LANGUAGES):
            raise Http404(_("SmartQueue does not speak this language."))
        self.heading = message_text_title(template, language)
        if language == settings.LANGUAGE_CODE:
            return template
        return template.translations.filter(language=language).first() or NotificationTemplateTranslation(
            template=template, language=language
        )

    def get_form_class(self):
        return MessageTextForm.for_instance(self.object)

    def saved_name(self):
        # Its str() is the template's English name and the language ("Your turn (Español)"), whoever reads it.
        return self.heading

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            intro=_(
                "Placeholders such as {token} and {link} are filled in when the message is sent; keep them as they are."
            ),
            **kwargs,
        )


class WebhookEndpointFormMixin(PanelAdminRequiredMixin, AuditedFormMixin):
    model = WebhookEndpoint
    form_class = PanelWebhookEndpointForm
    unaudited_fields = ("secret",)
    success_url = reverse_lazy("adminpanel:webhooks")


class WebhookCreateView(WebhookEndpointFormMixin, CreateView):
    form_class = PanelNewWebhookEndpointForm
    audit_action = "webhook_endpoint.created"
    heading = _("New webhook endpoint")


class WebhookUpdateView(WebhookEndpointFormMixin, UpdateView):
    """Every field but the secret, which is write-only: the page shows its last 4 characters and offers a new one."""

    template_name = "adminpanel/webhook_edit.html"
    audit_action = "webhook_endpoint.updated"
    heading = _("Edit webhook endpoint")

    def get_context_data(self, **kwargs):
        # While a replaced secret still signs beside the current one, the page says until when.
        overlapping = len(webhooks.signing_secrets(self.object, timezone.now())) > 1
        until = self.object.previous_secret_until if overlapping else None
        return super().get_context_data(previous_secret_until=until, **kwargs)


@method_decorator(never_cache, name="dispatch")
class WebhookSecretView(PanelAdminRequiredMixin, View):
    """The edit page's "Generate a new secret": asks first, and whether the current secret keeps signing beside the new
    one for WEBHOOK_SECRET_OVERLAP_HOURS (the receiver moves to the new one without refusing a delivery) or stops at
    once (it leaked); then replaces it and shows the new one, this once, in the answer to the POST (no page or session
    keeps it)."""

    http_method_names = ["get", "post"]
    stop_previous = ("previous_secret", "stop")

    def get(self, request, pk):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        overlap_ends = timezone.now() + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
        return render(
            request,
            "adminpanel/confirm.html",
            {
                "heading": sentence_with(_("Generate a new secret for %(name)s?"), name=endpoint.name),
                "consequences": [
                    _(
                        "Every delivery from now on, retries included, is signed with the new secret and, until "
                        "%(time)s, with the current one too: the receiver can take the new secret meanwhile without "
                        "refusing any delivery."
                    ) % {"time": date_format(timezone.localtime(overlap_ends), "DATETIME_FORMAT")},
                    _(
                        "If the current secret leaked, stop it now instead: the receiver then refuses every delivery "
                        "until it has the new secret."
                    ),
                    _("The new secret is shown once, on the next page."),
                ],
                "confirm_label": _("Generate a new secret"),
                "confirm_class": "btn-warning",
                "other_confirmation": (*self.stop_previous, _("Generate a new secret and stop the current one now")),
                "cancel_url": reverse("adminpanel:webhook-edit", args=[endpoint.pk]),
            },
        )

    def post(self, request, pk):
        name, value = self.stop_previous
        endpoint = webhooks.replace_secret(
            endpoint=get_object_or_404(WebhookEndpoint, pk=pk),
            keep_previous=request.POST.get(name) != value,
            actor=request.user,
            ip_address=client_ip(request),
        )
        return render(request, "adminpanel/webhook_secret.html", {"endpoint": endpoint})


class WebhookTestView(PanelAdminRequiredMixin, View):
    """The edit page's "Send a test event": its outcome is then in the delivery log like any delivery's."""

    http_method_names = ["post"]

    def post(self, request, pk):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        webhooks.send_test_event(endpoint=endpoint, actor=request.user, ip_address=client_ip(request))
        sent = _("Test event sent to %(name)s: see how it went under Latest deliveries.")
        messages.success(request, sentence_with(sent, name=endpoint.name))
        return redirect("adminpanel:webhooks")


class WebhookRedeliverView(PanelAdminRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        delivery = get_object_or_404(WebhookDelivery, pk=pk)
        outcome = PANEL_ACTIONS.perform(
            PANEL_ACTIONS["redeliver_webhook"], {"delivery": delivery.pk}, actor=request.user, ip_address=client_ip(request)
        )
        report_on_page(request, outcome)
        return redirect("adminpanel:webhooks")


class BroadcastView(PanelAdminRequiredMixin, RefusedFormIs400, FormView):
    """Write the message, then confirm it on a page that says how many waiting patients will receive it."""

    form_class = BroadcastForm
    template_name = "adminpanel/form.html"
    extra_context = {
        "heading": _("Broadcast to waiting patients"),
        "intro": _(
            "A text message to every patient waiting today, in one department or all. You can check it "
            "and see how many people will receive it before it is sent."
        ),
        "submit_label": _("Review before sending"),
    }

    def form_valid(self, form):
        department = form.cleaned_data["department"]
        # The department in the reader's words, marked with its language where left as written (WCAG 3.1.2).
        scope = name_on_page(department) if department else _("all departments")
        try:
            audience = services.broadcast_audience(department)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        patients = ngettext("%(count)d waiting patient", "%(count)d waiting patients", audience) % {"count": audience}
        if self.request.POST.get("confirmed") != "yes":
            return render(
                self.request,
                "adminpanel/confirm.html",
                {
                    "heading": _("Send this broadcast?"),
                    "consequences": [
                        format_html("“{}”", in_site_language(form.cleaned_data["message"])),
                        *(
                            sentence_with(
                                _("In %(language)s: “%(text)s”"),
                                language=language_name(language),
                                text=format_html(
                                    '<span lang="{}" dir="{}">{}</span>', language, text_direction(language), text
                                ),
                            )
                            for language, text in form.cleaned_data["translations"].items()
                        ),
                        sentence_with(
                            _(
                                "It goes to %(patients)s (%(scope)s) as a text message, and cannot be taken back "
                                "once sent."
                            ),
                            patients=patients,
                            scope=scope,
                        ),
                        ngettext(
                            "A patient is texted at most %(count)s broadcast a day; the screens show every one.",
                            "A patient is texted at most %(count)s broadcasts a day; the screens show every one.",
                            settings.BROADCAST_TEXTS_PER_PATIENT_PER_DAY,
                        )
                        % {"count": settings.BROADCAST_TEXTS_PER_PATIENT_PER_DAY},
                    ],
                    "carry": [
                        *((name, form.cleaned_data[name]) for name in form.fields if name != "department"),
                        ("department", department.pk if department else ""),
                        # This confirmation's own id: confirmed twice (a double click), it texts each patient once.
                        ("broadcast_id", uuid.uuid4().hex),
                    ],
                    "confirm_label": _("Send to %(patients)s") % {"patients": patients},
                    "confirm_class": "btn-primary",
                    "cancel_url": reverse("adminpanel:broadcast"),
                    "cancel_label": _("Back, do not send"),
                },
            )
        carried_id = self.request.POST.get("broadcast_id")
        try:
            # None from a confirmation without one (sent before it carried one): a new broadcast.
            broadcast_id = None if carried_id is None else uuid.UUID(carried_id).hex
        except ValueError:
            form.add_error(None, _("This confirmation is not one the panel gave: review the broadcast again."))
            return self.form_invalid(form)
        try:
            services.broadcast_message(
                actor=self.request.user, ip_address=client_ip(self.request), broadcast_id=broadcast_id, **form.to_send()
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request, sentence_with(_("Sent to %(patients)s (%(scope)s)."), patients=patients, scope=scope)
        )
        return redirect("adminpanel:broadcast")


class AuditLogView(PanelAdminRequiredMixin, ListView):
    template_name = "adminpanel/audit.html"
    context_object_name = "entries"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = AuditFilterForm(self.request.GET or None)
        entries = AuditLog.objects.select_related("actor")
        if self.filter_form.is_valid():
            entries = self.filter_form.filter(entries)
        return entries

    def paginate_queryset(self, queryset, page_size):
        # A page past the end (a bookmark, or a link kept while a filter narrowed the log) or not a number shows
        # the nearest page of the log, not "Page not found".
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.filter_form.errors:
            # The page still shows the log, unfiltered, with the errors beside the filters.
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        context = super().get_context_data(
            filter_form=self.filter_form,
            actions=[(action, audit_action_label(action)) for action in AuditFilterForm.action_choices()],
            query=query.urlencode(),
            **kwargs,
        )
        context["rows"] = audit_log.audit_rows(context["entries"])
        return context


class ReportsView(PanelAdminRequiredMixin, TemplateView):
    """Per department per day and per doctor, computed from the queue (today's figures are live)."""

    template_name = "adminpanel/reports.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=400 if context["form"].errors else 200)

    def get_context_data(self, **kwargs):
        form = ReportRangeForm(self.request.GET)
        yesterday = timezone.localdate() - timedelta(days=1)
        context = super().get_context_data(
            form=form, estimate_day=yesterday, estimate_accuracy=analytics.estimate_accuracy(day=yesterday), **kwargs
        )
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            # Without Celery beat, yesterday's consultations left open may not have been closed yet.
            queue_services.close_consultations_left_open(now=timezone.now())
            rows = analytics.department_days(start=start, end=end)
            peaks = analytics.peak_hours(start=start, end=end)
            days = analytics.all_departments_by_day(rows, start=start, end=end, waits_by_day=peaks.waits_by_day)
            context.update(
                start=start,
                end=end,
                department_days=rows,
                priorities=analytics.PRIORITIES_SERVED_FIRST,
                priority_columns=2 + len(analytics.PRIORITIES_SERVED_FIRST) * len(analytics.PRIORITY_MEASURES),
                doctors=analytics.doctor_performance(start=start, end=end),
                appointment_figures=analytics.appointment_figures(start=start, end=end),
                long_waits=analytics.long_wait_alerts(start=start, end=end),
                peaks=peaks,
                heat_maps=[
                    (_("Arrivals (tokens issued)"), peaks.arrivals),
                    (_("Mean wait (minutes)"), peaks.waits),
                ],
                all_departments_by_day=days,
                chart=analytics.chart_series(
                    rows, days=days, day_label=lambda day: date_format(day, "SHORT_DATE_FORMAT")
                ),
            )
        return context


# The reader's language: the column headings of the report page, in a spreadsheet.
CSV_COLUMNS = [
    ("date", _("Date")),
    ("department_name", _("Department")),
    ("registrations", _("Registrations")),
    ("completed", _("Completed")),
    ("no_shows", _("No-shows")),
    ("cancelled", _("Cancelled")),
    ("not_seen", _("Not seen")),
    ("in_consultation", _("In consultation")),
    ("consultations_left_open", _("Left open")),
    ("average_wait_minutes", _("Average wait (min)")),
    ("p90_wait_minutes", _("90th percentile wait (min)")),
    ("average_consultation_minutes", _("Average consultation (min)")),
    ("average_rating", _("Average rating")),
    ("rating_count", _("Ratings")),
    ("peak_hour", _("Peak hour")),
    ("estimate_count", _("Wait estimates checked")),
    ("estimate_mean_absolute_error", _("Wait estimate mean error (min)")),
    ("estimate_bias", _("Wait estimate bias (min)")),
    # Added last, so that a spreadsheet reading the columns above by position reads them still; headed as the
    # roll-up's fields are named.
    *(
        (field, capfirst(DepartmentAnalytics._meta.get_field(field).verbose_name))
        for field in (*analytics.PRIORITY_FIELDS, "reinstated")
    ),
]


# Spreadsheets run a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return tenths(value, localized=False)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        # A leading apostrophe makes the spreadsheet show the text as typed instead of evaluating it.
        return "'" + value
    return value


class ReportsCSVView(PanelAdminRequiredMixin, View):
    def get(self, request):
        form = ReportRangeForm(request.GET)
        if not form.is_valid():
            problems = "; ".join(f"{form[field].label}: {' '.join(errors)}" for field, errors in form.errors.items())
            return HttpResponseBadRequest(problems, content_type="text/plain")
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="smartqueue-report-{start}-to-{end}.csv"'
        # The byte order mark: spreadsheets read the file as UTF-8 (names and headings in any language), not as
        # the computer's own code page.
        response.write("\ufeff")
        # Every cell quoted (OWASP): a spreadsheet set to split on ";" or tabs keeps "Ward;=1+1" one cell of text.
        writer = csv.writer(response, quoting=csv.QUOTE_ALL)
        writer.writerow([str(label) for _field, label in CSV_COLUMNS])
        # Without Celery beat, yesterday's consultations left open may not have been closed yet.
        queue_services.close_consultations_left_open(now=timezone.now())
        for row in analytics.department_days(start=start, end=end):
            writer.writerow([_csv_value(getattr(row, field)) for field, _ in CSV_COLUMNS])
        return response


BOOKINGS_DAYS_SHOWN = 14


def _appointments_page(
    request, *, status=200, close_day_form=None, absence_form=None, closing_question=None, absence_question=None
):
    today = timezone.localdate()
    end = today + timedelta(days=BOOKINGS_DAYS_SHOWN - 1)
    context = {
        "heading": gettext("Appointments"),
        "bookings": [
            {"day": day, "department": department, **counts}
            for (day, department), counts in analytics.bookings_per_day(start=today, end=end).items()
        ],
        "closed_days": ClosedDay.objects.filter(day__gte=today).select_related("department"),
        "absences": DoctorAbsence.objects.filter(day__gte=today).select_related("doctor__user"),
        "close_day_form": close_day_form or ClosedDayForm(),
        "absence_form": absence_form or DoctorAbsenceForm(),
        "closing_question": closing_question,
        "absence_question": absence_question,
    }
    return render(request, "adminpanel/appointments.html", context, status=status)


def _question(question, form, *, action, agree, keep):
    """A closing or absence that cancels bookings (or a closing of today that texts the patients in line) is asked,
    not refused: the same fields come back with the numbers to agree to, posted to action by the button saying agree
    (a plural counting "count"; "Close the day" where no booking is cancelled), or left by keep."""
    agreed = form.data.copy()
    agreed[form.add_prefix("agreed_cancellations")] = question.cancels
    if "agreed_texts" in form.fields:
        agreed[form.add_prefix("agreed_texts")] = question.texts
    return {
        "text": str(question),
        "form": type(form)(agreed),
        "action": reverse(action),
        "agree": agree % {"count": question.cancels} if question.cancels else gettext("Close the day"),
        "keep": keep,
    }


class AppointmentsView(PanelAdminRequiredMixin, View):
    """Bookings per day for the next two weeks, the closed days and absences ahead, and the forms to add them."""

    def get(self, request):
        return _appointments_page(request)


class CloseDayView(PanelAdminRequiredMixin, View):
    """Close a day for bookings; its booked patients are told by message that it is cancelled."""

    def post(self, request):
        form = ClosedDayForm(request.POST)
        if not form.is_valid():
            return _appointments_page(request, status=400, close_day_form=form)
        try:
            appointments.close_day(**form.cleaned_data, actor=request.user, ip_address=client_ip(request))
        except appointments.ClosingCancelsBookings as question:
            closing_question = _question(
                question,
                form,
                action="adminpanel:close-day",
                agree=ngettext_lazy(
                    "Close the day and cancel %(count)s booking", "Close the day and cancel %(count)s bookings", "count"
                ),
                keep=gettext("Keep it open"),
            )
            return _appointments_page(request, close_day_form=form, closing_question=closing_question)
        except appointments.BookingError as refusal:
            form.add_error(refusal.field, str(refusal))
            return _appointments_page(request, status=400, close_day_form=form)
        messages.success(
            request,
            gettext("Closed %(day)s for bookings; its booked patients are told.")
            % {"day": date_format(form.cleaned_data["day"], pgettext("date format", "D j M Y"))},
        )
        return redirect("adminpanel:appointments")


class ReopenDayView(PanelAdminRequiredMixin, View):
    """POST only: undo a closed day (at once: it undoes a closing, as reactivating undoes a deactivation)."""

    def post(self, request, pk):
        closed = get_object_or_404(ClosedDay.objects.select_related("department"), pk=pk)
        appointments.reopen_day(closed=closed, actor=request.user, ip_address=client_ip(request))
        messages.success(
            request,
            gettext("%(day)s is open again; the bookings its closing cancelled stay cancelled.")
            % {"day": date_format(closed.day, pgettext("date format", "D j M Y"))},
        )
        return redirect("adminpanel:appointments")


class WithdrawAbsenceView(PanelAdminRequiredMixin, View):
    """POST only: the doctor works that day after all."""

    def post(self, request, pk):
        absence = get_object_or_404(DoctorAbsence.objects.select_related("doctor__user"), pk=pk)
        doctor_services.withdraw_absence(absence=absence, actor=request.user, ip_address=client_ip(request))
        messages.success(
            request,
            gettext("Absence withdrawn: %(absence)s. The bookings it cancelled stay cancelled.")
            % {"absence": absence},
        )
        return redirect("adminpanel:appointments")


class DoctorAbsenceView(PanelAdminRequiredMixin, View):
    """Mark a doctor absent on a day; bookings left without a doctor are cancelled and their patients told."""

    def post(self, request):
        form = DoctorAbsenceForm(request.POST)
        if not form.is_valid():
            return _appointments_page(request, status=400, absence_form=form)
        try:
            cancelled = doctor_services.record_absence(
                **form.cleaned_data, actor=request.user, ip_address=client_ip(request)
            )
        except doctor_services.AbsenceCancelsBookings as question:
            absence_question = _question(
                question,
                form,
                action="adminpanel:doctor-absence",
                agree=ngettext_lazy(
                    "Record the absence and cancel %(count)s booking", "Record the absence and cancel %(count)s bookings", "count"
                ),
                keep=gettext("Keep the bookings"),
            )
            return _appointments_page(request, absence_form=form, absence_question=absence_question)
        except doctor_services.AbsentWithAPatient as refusal:
            form.add_error("doctor", str(refusal))
            return _appointments_page(request, status=400, absence_form=form)
        messages.success(
            request,
            ngettext(
                "Absence recorded; %(count)s booking cancelled and its patient told.",
                "Absence recorded; %(count)s bookings cancelled and their patients told.",
                len(cancelled),
            )
            % {"count": len(cancelled)},
        )
        return redirect("adminpanel:appointments")
