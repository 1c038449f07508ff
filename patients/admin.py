from django.contrib import admin

from .models import Appointment, Department, Patient, PatientFeedback, Queue, WaitAlert


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "room", "average_consultation_minutes", "daily_capacity", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "age", "gender", "language", "created_at"]
    list_filter = ["gender", "language"]
    search_fields = ["name", "phone", "public_id"]
    readonly_fields = ["public_id", "created_at", "updated_at"]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["token", "token_date", "department", "patient", "priority", "status", "doctor", "checked_in_at"]
    list_filter = ["status", "priority", "department", "token_date"]
    search_fields = ["patient__name", "patient__phone", "token_number"]
    date_hierarchy = "token_date"
    list_select_related = ["department", "patient", "doctor__user"]
    raw_id_fields = ["patient", "transferred_from"]
    # Token numbers and statuses change only through patients.services, which audits and broadcasts.
    readonly_fields = [
        "token_number",
        "token_date",
        "status",
        "checked_in_at",
        "called_at",
        "started_at",
        "completed_at",
        "skipped_at",
        "cancelled_at",
        "postponed_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(PatientFeedback)
class PatientFeedbackAdmin(admin.ModelAdmin):
    list_display = ["queue_entry", "patient", "rating", "created_at"]
    list_filter = ["rating", "queue_entry__department"]
    search_fields = ["patient__name", "comment"]
    list_select_related = ["queue_entry__department", "patient"]
    raw_id_fields = ["patient", "queue_entry"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["booking_code", "slot_start", "department", "patient", "status", "arrival"]
    list_filter = ["status", "arrival", "department"]
    search_fields = ["booking_code", "patient__name", "patient__phone"]
    date_hierarchy = "slot_start"
    list_select_related = ["department", "patient"]
    raw_id_fields = ["patient", "queue_entry"]
    # Bookings change only through patients.appointments, which keeps seats unique and tells the patient.
    readonly_fields = [
        "public_id", "booking_code", "slot_start", "seat", "status", "arrival", "queue_entry",
        "checked_in_at", "cancelled_at", "no_show_at", "created_at", "updated_at",
    ]

    def has_add_permission(self, request):
        return False



@admin.register(WaitAlert)
class WaitAlertAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False
