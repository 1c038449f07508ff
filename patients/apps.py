from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients"

    def ready(self):
        from . import broadcasts, hooks

        hooks.queue_changed.connect(broadcasts.publish_on_commit, dispatch_uid="patients_publish_queue_change")
