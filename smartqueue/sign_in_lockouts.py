"""django-axes (failed sign-ins and lockouts) as Django admin shows it, in the admin's language.

Its section is named for what it holds, not for the package. Its catalogues leave its models, fields and admin
words in English in Spanish and Hindi, and half of them in Arabic: they are listed here so that `make translations`
keeps them in the project's catalogues, which Django reads before any app's (LOCALE_PATHS), so axes' pages use them.
Words Django itself translates (Yes, No, Username) are left to Django.
"""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

DJANGO_AXES_WORDS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("Path"),
    gettext_noop("POST Data"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
)


class SignInLockoutsConfig(AxesConfig):
    verbose_name = _("Sign-in attempts and lockouts")
