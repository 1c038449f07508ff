from django.apps import AppConfig


class AdminpanelConfig(AppConfig):
    name = "adminpanel"
    verbose_name = "Admin panel"

    def ready(self):
        from patients import hooks

        from . import signals  # noqa: F401 - connects the audit receivers
        from .access import is_panel_admin
        from .models import SystemConfiguration

        hooks.provide_hospital_settings(SystemConfiguration.cached)
        hooks.provide_reception_role(is_panel_admin)
