"""Django's password validators, in SmartQueue's own words: Django's catalogues leave several of their messages
untranslated (Hindi and Arabic staff read "This password is too short..." in English), and ours are complete."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext

# The demo accounts' passwords (setup_smartqueue --demo-data), which README publishes to anyone.
PUBLISHED_DEMO_PASSWORDS = {"doctor": "doctor123", "admin": "admin123"}


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "This password is too short: use at least %(count)d character.",
            "This password is too short: use at least %(count)d characters.",
            self.min_length,
        ) % {"count": self.min_length}

    def get_help_text(self):
        return ngettext(
            "At least %(count)d character.", "At least %(count)d characters.", self.min_length
        ) % {"count": self.min_length}


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return gettext("This password is too much like the username or name.")

    def get_help_text(self):
        return gettext("Not like the username or name.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list, and the demo's published passwords: the first anyone who read README tries (Django's list has
    "admin123" but not "doctor123": a new doctor's account could be given it in the panel)."""

    def validate(self, password, user=None):
        if password.lower().strip() in PUBLISHED_DEMO_PASSWORDS.values():
            raise ValidationError(self.get_error_message(), code="password_too_common")
        super().validate(password, user)

    def get_error_message(self):
        return gettext("This password is too common: choose one that is harder to guess.")

    def get_help_text(self):
        return gettext("Not a commonly used password.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self):
        return gettext("This password is all digits: add letters.")

    def get_help_text(self):
        return gettext("Not only digits.")
