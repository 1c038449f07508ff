from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from patients.admin import QueueAdmin
from patients.models import Queue
from smartqueue.admin_checks import CheckedModelAdmin, ConstraintsCheckedInlineFormSet
from smartqueue.requests import client_ip

from . import webhooks
from .forms import NewWebhookEndpointForm, WebhookEndpointForm
from .models import (
    InboundMessage,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    NotificationTemplateTranslation,
    NumberOptOut,
    OutboxMessage,
    WebhookDelivery,
    WebhookEndpoint,
)


class NotificationTemplateTranslationInline(admin.StackedInline):
    model = NotificationTemplateTranslation
    formset = ConstraintsCheckedInlineFormSet
    extra = 0


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(CheckedModelAdmin):
    inlines = [NotificationTemplateTranslationInline]
    list_display = ["name", "template_type", "is_active", "updated_at"]
    list_filter = ["template_type", "is_active"]
    search_fields = ["name", "sms_template", "whatsapp_template"]


# A patient's STOP is lifted by their own START only (services.set_message_opt_out, set_number_opt_out): unticked,
# deleted, moved to another patient or number here, the patient who asked for no messages was texted again. Staff
# may still record a STOP given by other means (tick the box, add the number).
@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(CheckedModelAdmin):
    list_display = ["patient", "channel", "opted_out", "updated_at"]
    list_filter = ["channel", "opted_out"]
    search_fields = ["patient__name", "patient__phone"]
    raw_id_fields = ["patient"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "patient", *(["opted_out"] if obj.opted_out else [])]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NumberOptOut)
class NumberOptOutAdmin(CheckedModelAdmin):
    list_display = ["phone", "created_at"]
    search_fields = ["phone"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(CheckedModelAdmin):
    list_display = [
        "created_at", "patient", "to_phone", "event", "channel", "status", "attempts", "segments", "twilio_sid",
        "error_code",
    ]
    list_filter = ["status", "channel", "event", "backend"]
    search_fields = ["patient__name", "patient__phone", "to_phone", "twilio_sid", "idempotency_key"]
    list_select_related = ["patient"]
    raw_id_fields = ["patient", "queue_entry"]
    # Why it was not sent in the reader's language where the server gave the reason (Notification.reason_in_words).
    readonly_fields = [
        "reason_in_words" if field.name == "error_message" else field.name for field in Notification._meta.fields
    ]
    exclude = ["error_message"]

    # Written by notifications.services for each message sent; one added by hand would send nothing.
    def has_add_permission(self, request):
        return False

    @admin.display(description=_("error message"))
    def reason_in_words(self, notification):
        return notification.reason_in_words


@admin.register(OutboxMessage)
class OutboxMessageAdmin(CheckedModelAdmin):
    list_display = ["created_at", "task_name", "dispatched_at", "attempts", "last_error"]
    list_filter = ["task_name", ("dispatched_at", admin.EmptyFieldListFilter)]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    # Written in the transaction of the change that decided it (notifications.outbox), never by hand.
    def has_add_permission(self, request):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(CheckedModelAdmin):
    """Patients' texts, findable by visit (queue entry id) or phone, with what each one did."""

    list_display = ["received_at", "patient", "queue_entry", "channel", "keyword", "effect", "segments", "detail"]
    list_filter = ["effect", "keyword", "channel"]
    search_fields = ["patient__name", "from_phone", "message_sid", "=queue_entry__id"]
    list_select_related = ["patient", "queue_entry__department"]
    readonly_fields = [field.name for field in InboundMessage._meta.fields]

    # Written as each text arrives (the Twilio inbound webhook).
    def has_add_permission(self, request):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(CheckedModelAdmin):
    """The secret is write-only here as in the admin panel: typed (or left as generated) when the endpoint is
    added, then shown by its last 4 characters only; the panel's "Generate a new secret" replaces it."""

    form = WebhookEndpointForm
    list_display = ["name", "url", "is_active", "trusted_for_pii", "updated_at"]
    readonly_fields = ["disabled_automatically_at", "failing_since", "consecutive_failures"]
    list_filter = ["is_active", "trusted_for_pii"]
    search_fields = ["name", "url"]
    # Kept out of the audit log, as the panel's save keeps it (adminpanel.services.save_with_audit's unaudited).
    unannounced_fields = ("secret",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = WebhookEndpointForm if obj is not None else NewWebhookEndpointForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["secret_ending"] if obj is not None else []

    @admin.display(description=_("secret"))
    def secret_ending(self, endpoint):
        return _("ends in %(last)s") % {"last": endpoint.secret_last_four}


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(CheckedModelAdmin):
    list_display = ["created_at", "endpoint", "event", "status", "attempts", "last_status_code", "last_latency_ms"]
    list_filter = ["status", "event", "endpoint"]
    search_fields = ["=event_id"]
    list_select_related = ["endpoint"]
    # The failure's kind and details are shown as the sentence they make, in the reader's language.
    readonly_fields = [
        "last_error_in_words" if field.name == "last_error_kind" else field.name
        for field in WebhookDelivery._meta.fields
        if field.name != "last_error_details"
    ]
    exclude = ["last_error_kind", "last_error_details"]
    actions = ["redeliver"]

    @admin.display(description=_("last error"))
    def last_error_in_words(self, delivery):
        return delivery.last_error_in_words

    # Written for each event an endpoint subscribes to (notifications.webhooks); "redeliver" sends one again.
    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Deliver the selected events again"))
    def redeliver(self, request, queryset):
        for delivery in queryset.select_related("endpoint"):
            webhooks.redeliver(delivery=delivery, actor=request.user, ip_address=client_ip(request))
        self.message_user(
            request, _("%(count)d deliveries queued again.") % {"count": queryset.count()}, messages.SUCCESS
        )


class ReadOnlyInline(admin.TabularInline):
    # Its table may hold nothing to tab to, so the box it scrolls in takes the keyboard's focus itself.
    template = "admin/edit_inline/tabular_scrolling.html"
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NotificationInline(ReadOnlyInline):
    model = Notification
    fields = readonly_fields = ["created_at", "event", "channel", "status", "body"]


class InboundMessageInline(ReadOnlyInline):
    model = InboundMessage
    fk_name = "queue_entry"
    fields = readonly_fields = ["received_at", "channel", "body", "keyword", "effect", "detail"]


# A visit's page (Django admin -> Queue entries) shows the messages sent to the patient and their texts back.
admin.site.unregister(Queue)


@admin.register(Queue)
class VisitWithMessagesAdmin(QueueAdmin):
    inlines = [NotificationInline, InboundMessageInline]
