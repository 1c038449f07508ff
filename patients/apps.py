from django.apps import AppConfig
from django.db.models.signals import post_save


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients"

    def ready(self):
        from . import broadcasts, hooks
        from .models import Department

        hooks.queue_changed.connect(broadcasts.publish_on_commit, dispatch_uid="patients_publish_queue_change")
        post_save.connect(broadcasts.publish_on_department_save, sender=Department, dispatch_uid="patients_department")
