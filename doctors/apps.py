from django.apps import AppConfig


class DoctorsConfig(AppConfig):
    name = "doctors"
    verbose_name = "Doctors"

    def ready(self):
        from patients import hooks

        from . import signals  # noqa: F401 - republishes a department when its doctors change; ends staff sockets
        from .access import is_doctor
        from .selectors import doctors_on_duty, working_hours

        hooks.provide_doctors_on_duty(doctors_on_duty)
        hooks.provide_working_hours(working_hours)
        hooks.provide_reception_role(is_doctor)
