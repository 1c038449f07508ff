from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from doctors.admin import KeepsDoctorsWithAPatient
from doctors.models import Doctor
from smartqueue.admin_checks import CheckedModelAdmin, ChecksAgainOnConflict

from .models import AdminUser, AuditLog, DepartmentAnalytics, SystemConfiguration


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class CheckedUserAdmin(KeepsDoctorsWithAPatient, ChecksAgainOnConflict, UserAdmin):
    """Django's accounts pages; a username taken by a page submitted twice at once is refused beside the field, and
    the account of a doctor with a patient is not deleted (with it, the doctor)."""

    def doctors_deleted_with(self, records):
        return Doctor.objects.filter(user__in=records).select_related("user")


@admin.register(Group)
class CheckedGroupAdmin(ChecksAgainOnConflict, GroupAdmin):
    """Django's groups pages; a name taken by a page submitted twice at once is refused beside the field."""


@admin.register(AdminUser)
class AdminUserAdmin(CheckedModelAdmin):
    list_display = ["__str__", "designation", "phone", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "designation"]
    raw_id_fields = ["user"]


@admin.register(DepartmentAnalytics)
class DepartmentAnalyticsAdmin(CheckedModelAdmin):
    list_display = [
        "date",
        "department",
        "registrations",
        "completed",
        "no_shows",
        "average_wait_minutes",
        "p90_wait_minutes",
        "average_consultation_minutes",
        "peak_hour",
        "average_rating",
    ]
    list_filter = ["department"]
    date_hierarchy = "date"
    search_fields = ["department__name"]


@admin.register(SystemConfiguration)
class SystemConfigurationAdmin(CheckedModelAdmin):
    list_display = ["hospital_name", "notify_when_patients_ahead", "clinic_opens_at", "clinic_closes_at", "registration_open"]

    def has_add_permission(self, request):
        return not SystemConfiguration.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(CheckedModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_repr", "ip_address"]
    list_filter = ["action", "object_type", "created_at"]
    search_fields = ["actor__username", "object_repr", "object_id", "action"]
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
