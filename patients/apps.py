from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = _("Patients")

    def ready(self):
        from . import appointments, broadcasts, hooks, selectors, services
        from .models import ClosedDay, Department

        hooks.provide_doctors_gone_for_today(selectors.no_doctor_left_today)
        hooks.queue_changed.connect(broadcasts.publish_on_commit, dispatch_uid="patients_publish_queue_change")
        hooks.queue_changed.connect(services.review_wait_alert_on_commit, dispatch_uid="patients_review_wait_alert")
        hooks.queue_changed.connect(services.close_days_over_on_commit, dispatch_uid="patients_close_days_over")
        hooks.wait_alert_changed.connect(broadcasts.publish_wait_alert, dispatch_uid="patients_publish_wait_alert")
        hooks.day_began.connect(broadcasts.publish_day_began, dispatch_uid="patients_publish_day_began")
        post_save.connect(broadcasts.publish_on_department_save, sender=Department, dispatch_uid="patients_department")
        hooks.closing_of_today_changed.connect(
            broadcasts.publish_on_closing_of_today, dispatch_uid="patients_publish_closing_of_today"
        )
        for signal in (post_save, post_delete):
            signal.connect(appointments.on_closed_day_written, sender=ClosedDay, dispatch_uid="patients_closed_day")
