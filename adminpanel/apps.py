from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdminpanelConfig(AppConfig):
    name = "adminpanel"
    verbose_name = _("Admin panel")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from patients import hooks
        from smartqueue.auth_backends import count_failed_sign_in
        from smartqueue.i18n import remember_staff_language
        from smartqueue.sessions import remember_sign_in_time
        from smartqueue.trusted_devices import trust_this_device

        from . import signals  # noqa: F401 - connects the audit receivers
        from .access import is_panel_admin
        from .models import SystemConfiguration

        hooks.provide_hospital_settings(SystemConfiguration.cached)
        hooks.provide_reception_role(is_panel_admin)
        # Connected here, the top app, as every staff profile is below it.
        user_logged_in.connect(remember_staff_language, dispatch_uid="remember_staff_language")
        user_logged_in.connect(remember_sign_in_time, dispatch_uid="remember_sign_in_time")
        user_logged_in.connect(trust_this_device, dispatch_uid="trust_this_device")
        # Every sign-in page (the doctors', the panel's, Django admin's) is a staff one: counted here, the top app.
        user_login_failed.connect(count_failed_sign_in, dispatch_uid="count_failed_sign_in")
