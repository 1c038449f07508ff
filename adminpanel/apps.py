from django.apps import AppConfig


class AdminpanelConfig(AppConfig):
    name = "adminpanel"
    verbose_name = "Admin panel"

    def ready(self):
        from . import signals  # noqa: F401 - connects the sign-in/sign-out audit receivers
