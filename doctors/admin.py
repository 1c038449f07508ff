from django.contrib import admin

from .models import Doctor


@admin.register(Doctor)
class DoctorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "department", "specialization", "room", "availability", "is_active"]
    list_filter = ["department", "availability", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "specialization"]
    list_select_related = ["user", "department"]
    raw_id_fields = ["user"]
