from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DoctorsConfig(AppConfig):
    name = "doctors"
    verbose_name = _("Doctors")

    def ready(self):
        from patients import hooks

        from . import signals  # noqa: F401 - republishes a department when its doctors change; ends staff sockets
        from .access import is_doctor
        from .selectors import duty_roster, working_hours

        hooks.provide_duty_roster(duty_roster)
        hooks.provide_working_hours(working_hours)
        hooks.provide_reception_role(is_doctor)
