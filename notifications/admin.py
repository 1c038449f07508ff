from django.contrib import admin

from .models import (
    Notification,
    NotificationPreference,
    NotificationTemplate,
    NotificationTemplateTranslation,
    OutboxMessage,
)


class NotificationTemplateTranslationInline(admin.StackedInline):
    model = NotificationTemplateTranslation
    extra = 0


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    inlines = [NotificationTemplateTranslationInline]
    list_display = ["name", "template_type", "is_active", "updated_at"]
    list_filter = ["template_type", "is_active"]
    search_fields = ["name", "sms_template", "whatsapp_template"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["patient", "channel", "opted_out", "updated_at"]
    list_filter = ["channel", "opted_out"]
    search_fields = ["patient__name", "patient__phone"]
    raw_id_fields = ["patient"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "patient", "event", "channel", "status", "attempts", "twilio_sid", "error_code"]
    list_filter = ["status", "channel", "event", "backend"]
    search_fields = ["patient__name", "patient__phone", "twilio_sid", "idempotency_key"]
    list_select_related = ["patient"]
    raw_id_fields = ["patient", "queue_entry"]
    readonly_fields = [field.name for field in Notification._meta.fields]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "task_name", "dispatched_at", "attempts", "last_error"]
    list_filter = ["task_name", ("dispatched_at", admin.EmptyFieldListFilter)]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
