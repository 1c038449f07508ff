from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import Group, User

from doctors import services as doctor_services
from doctors.admin import KeepsDoctorsWithAPatient
from doctors.models import Doctor
from smartqueue.admin_checks import AnnouncesItsChanges, CheckedModelAdmin, ChecksAgainOnConflict, OnlyRead
from smartqueue.requests import client_ip

from .audit_actions import audit_action_label
from .models import AdminUser, AuditLog, DepartmentAnalytics, SystemConfiguration
from .services import record_audit


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class CheckedUserAdmin(KeepsDoctorsWithAPatient, AnnouncesItsChanges, ChecksAgainOnConflict, UserAdmin):
    """Django's accounts pages; a username taken by a page submitted twice at once is refused beside the field, the
    account of a doctor with a patient is not deleted (with it, the doctor), and what they change is audited."""

    def doctors_deleted_with(self, records):
        return Doctor.objects.filter(user__in=records).select_related("user")

    def user_change_password(self, request, id, form_url=""):
        # An account's password set by a superuser is audited as one changed on the staff pages is (Django's page
        # saves it outside save_model, so AnnouncesItsChanges does not hear of it), and a doctor replaces it at
        # their next sign-in, as one set on the panel.
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            doctor_services.password_chosen_by_an_administrator(user=self.get_object(request, unquote(id)))
            record_audit(
                actor=request.user,
                action="auth.password_changed",
                target=self.get_object(request, unquote(id)),
                after={"path": request.path},
                ip_address=client_ip(request),
            )
        return response


@admin.register(Group)
class CheckedGroupAdmin(AnnouncesItsChanges, ChecksAgainOnConflict, GroupAdmin):
    """Django's groups pages; a name taken by a page submitted twice at once is refused beside the field, and what
    they change is audited."""


@admin.register(AdminUser)
class AdminUserAdmin(CheckedModelAdmin):
    list_display = ["__str__", "designation", "phone", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "designation"]
    raw_id_fields = ["user"]


@admin.register(DepartmentAnalytics)
class DepartmentAnalyticsAdmin(OnlyRead, CheckedModelAdmin):
    """Each row is the roll-up's (analytics.rollup_day) of its day's tokens and ratings, and the reports' estimate
    accuracy reads it: a figure typed or a row added here would say what no token did, with no audit row, until the
    next roll-up of that day put it back; a row deleted leaves the report without that day's accuracy."""

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


def object_type_in_words(object_type):
    """A row's object type (the model's name, "queue") as its model is called ("queue entry")."""
    names = {model._meta.model_name: model._meta.verbose_name for model in apps.get_models()}
    return names.get(object_type, object_type)


class InWordsFilter(admin.SimpleListFilter):
    """A list filter on one of the audit log's codes, offering each code in use in words."""

    field = None
    in_words = None

    def lookups(self, request, model_admin):
        used = AuditLog.objects.order_by(self.field).values_list(self.field, flat=True).distinct()
        return sorted(((code, self.in_words(code)) for code in used), key=lambda choice: str(choice[1]))

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class AuditActionFilter(InWordsFilter):
    title = AuditLog._meta.get_field("action").verbose_name
    field = "action"
    parameter_name = "action__exact"
    in_words = staticmethod(audit_action_label)


class AuditObjectTypeFilter(InWordsFilter):
    title = AuditLog._meta.get_field("object_type").verbose_name
    field = "object_type"
    parameter_name = "object_type__exact"
    in_words = staticmethod(object_type_in_words)


@admin.register(AuditLog)
class AuditLogAdmin(OnlyRead, CheckedModelAdmin):
    """The audit log's rows with their actions and object types in words ("Patient called", not queue.called), as
    the panel's audit log shows them."""

    list_display = ["created_at", "actor", "action_words", "object_type_words", "object_repr", "ip_address"]
    list_filter = [AuditActionFilter, AuditObjectTypeFilter, "created_at"]
    fields = ["created_at", "actor", "action_words", "object_type_words", "object_id", "object_repr", "before",
              "after", "ip_address"]
    readonly_fields = ["created_at", "action_words", "object_type_words"]
    search_fields = ["actor__username", "object_repr", "object_id", "action"]
    list_select_related = ["actor"]

    @admin.display(description=AuditLog._meta.get_field("action").verbose_name, ordering="action")
    def action_words(self, entry):
        return audit_action_label(entry.action)

    @admin.display(description=AuditLog._meta.get_field("object_type").verbose_name, ordering="object_type")
    def object_type_words(self, entry):
        return object_type_in_words(entry.object_type)
