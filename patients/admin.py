from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from smartqueue.admin_checks import CheckedModelAdmin, NeitherAddedNorDeleted
from smartqueue.requests import client_ip

from . import appointments, hooks, services
from .models import Appointment, Department, Patient, PatientFeedback, Queue, WaitAlert


def _read_only_but(model, *editable):
    return [field.name for field in model._meta.fields if field.name not in ("id", *editable)]


@admin.register(Department)
class DepartmentAdmin(CheckedModelAdmin):
    list_display = ["name", "code", "room", "average_consultation_minutes", "daily_capacity", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]

    # Audited as the panel's deactivation and reactivation are (save_model), not as a generic admin update.
    unannounced_fields = (*CheckedModelAdmin.unannounced_fields, "is_active")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            hooks.record_action(
                actor=request.user,
                action="department.reactivated" if obj.is_active else "department.deactivated",
                target=obj,
                before={"is_active": not obj.is_active},
                after={"is_active": obj.is_active},
                ip_address=client_ip(request),
            )
        appointments.release_bookings_of_inactive_department(
            department=obj, actor=request.user, ip_address=client_ip(request)
        )


@admin.register(Patient)
class PatientAdmin(CheckedModelAdmin):
    list_display = ["name", "phone", "age", "gender", "language", "created_at"]
    list_filter = ["gender", "language"]
    search_fields = ["name", "phone", "public_id"]
    readonly_fields = ["public_id", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            # As the desk's correction of a patient's details: announced with each open visit of today.
            services.announce_patient_edited(
                patient=obj,
                before={field: form.initial.get(field) for field in form.changed_data},
                actor=request.user,
                ip_address=client_ip(request),
            )

    def get_readonly_fields(self, request, obj=None):
        # A number is corrected through services.correct_phone (the panel's live queues): it moves the visit to whoever
        # the right number is on file for and ends every link the wrong one was sent. Saved here, the stranger at the
        # wrong number kept the links, and the patient's record would take a number another patient holds.
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "phone"]


class QueueAdminForm(forms.ModelForm):
    # Each detail edited here is held to the rule of its own path (services.check_visit_detail_editable: the text
    # notice only while the token waits, today; consultation notes only of a completed one), refused beside the field.
    def clean(self):
        cleaned = super().clean()
        for field in self.changed_data:
            if field not in cleaned or field not in services.EDITED_VISIT_DETAIL_EVENTS:
                continue
            try:
                services.check_visit_detail_editable(self.instance, field, cleaned[field])
            except services.QueueError as refusal:
                self.add_error(field, str(refusal))
        return cleaned


@admin.register(Queue)
class QueueAdmin(NeitherAddedNorDeleted, CheckedModelAdmin):
    form = QueueAdminForm
    list_display = ["token", "token_date", "department", "patient", "priority", "status", "doctor", "checked_in_at"]
    list_filter = ["status", "priority", "department", "token_date"]
    search_fields = ["patient__name", "patient__phone", "token_number"]
    date_hierarchy = "token_date"
    list_select_related = ["department", "patient", "doctor__user"]
    # A token's place in its line (its department, priority, doctor, times) changes only through
    # patients.services, which audit the change and publish the department's queue: saved here, it would reach
    # no screen and no estimate, and deleted, the line would still show it. Only what no line reads is edited.
    readonly_fields = _read_only_but(Queue, *services.EDITED_VISIT_DETAIL_EVENTS)

    def save_record(self, request, obj, form, change):
        # Through the service, announced as the desk's notes and the patient's choice of notice are: saved here, the
        # doctor's dashboard kept the old notes and the messages never looked at the new notice.
        services.save_edited_visit_details(
            entry=obj,
            changes={field: form.cleaned_data[field] for field in form.changed_data},
            actor=request.user,
            ip_address=client_ip(request),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The token moved on (called, say) between the page's checks and its save: its changes were rolled back with
        # the refused save, and checked again, the detail is refused beside its field.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.QueueError:
            return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("token"))
    def token(self, entry):
        return entry.token


@admin.register(PatientFeedback)
class PatientFeedbackAdmin(NeitherAddedNorDeleted, CheckedModelAdmin):
    list_display = ["queue_entry", "patient", "rating", "created_at"]
    list_filter = ["rating", "queue_entry__department"]
    search_fields = ["patient__name", "comment"]
    list_select_related = ["queue_entry__department", "patient"]
    # A rating is the patient's own word on a visit, and the reports' daily figures are rolled up from the ratings
    # as given: added, changed or deleted here, they would speak for no patient and leave the rolled-up day as it
    # was. Only the comment is edited, to take out what should not be kept (a name, a phone, abuse).
    readonly_fields = _read_only_but(PatientFeedback, "comment")


@admin.register(Appointment)
class AppointmentAdmin(NeitherAddedNorDeleted, CheckedModelAdmin):
    list_display = ["booking_code", "slot_start", "department", "patient", "status", "arrival"]
    list_filter = ["status", "arrival", "department"]
    search_fields = ["booking_code", "patient__name", "patient__phone"]
    date_hierarchy = "slot_start"
    list_select_related = ["department", "patient"]
    # Bookings change only through patients.appointments, which keeps seats unique, tells the patient and
    # publishes the department's queue (its waits count the bookings still to come).
    readonly_fields = _read_only_but(Appointment, "notes")


@admin.register(WaitAlert)
class WaitAlertAdmin(NeitherAddedNorDeleted, CheckedModelAdmin):
    list_display = [
        "department",
        "started_at",
        "ended_at",
        "threshold_minutes",
        "peak_wait_minutes",
        "on_call_notified_at",
    ]
    list_filter = ["department"]
    date_hierarchy = "started_at"
    # Raised and cleared by patients.services.review_wait_alert only.
    readonly_fields = [field.name for field in WaitAlert._meta.fields]
