"""Django's password validators, in SmartQueue's own words: Django's catalogues leave several of their messages
untranslated (Hindi and Arabic staff read "This password is too short..." in English), and ours are complete."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext, ngettext


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
    def get_error_message(self):
        return gettext("This password is too common: choose one that is harder to guess.")

    def get_help_text(self):
        return gettext("Not a commonly used password.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self):
        return gettext("This password is all digits: add letters.")

    def get_help_text(self):
        return gettext("Not only digits.")
