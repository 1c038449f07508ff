from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from patients import hooks

        from . import services, tasks, webhooks  # noqa: F401 - tasks: registers the Celery tasks the outbox names
        from .models import WebhookEndpoint

        hooks.queue_changed.connect(services.notify_queue_change, dispatch_uid="notifications_queue_change")
        hooks.appointment_changed.connect(
            services.notify_appointment_change, dispatch_uid="notifications_appointment_change"
        )
        hooks.queue_changed.connect(webhooks.record_webhook_deliveries, dispatch_uid="notifications_webhooks")
        hooks.appointment_changed.connect(
            webhooks.record_appointment_webhook_deliveries, dispatch_uid="notifications_appointment_webhooks"
        )
        hooks.wait_alert_changed.connect(services.text_on_call_when_raised, dispatch_uid="notifications_on_call")
        hooks.wait_alert_changed.connect(
            webhooks.record_wait_alert_webhook_deliveries, dispatch_uid="notifications_wait_alert_webhooks"
        )
        hooks.no_doctor_left_today.connect(
            webhooks.record_no_doctor_left_webhook_deliveries, dispatch_uid="notifications_no_doctor_left_webhooks"
        )
        hooks.no_doctor_left_today.connect(
            services.notify_no_doctor_left_today, dispatch_uid="notifications_no_doctor_left_today"
        )
        hooks.doctor_back_today.connect(services.notify_doctor_back_today, dispatch_uid="notifications_doctor_back")
        hooks.doctor_back_today.connect(
            webhooks.record_doctor_back_webhook_deliveries, dispatch_uid="notifications_doctor_back_webhooks"
        )
        hooks.closing_of_today_changed.connect(
            services.notify_closing_of_today, dispatch_uid="notifications_closing_of_today"
        )
        for signal in (post_save, post_delete):
            signal.connect(
                webhooks.forget_subscriptions, sender=WebhookEndpoint, dispatch_uid="notifications_subscriptions"
            )
