"""A setting refused at start-up (smartqueue/settings.py) is said in one line naming it, with the process ending
there: through Django's or daphne's start-up it came as a traceback, whose last line a hospital's IT person had to
find below the frames of code they never wrote."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def settings_or_exit():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")
    from django.conf import settings

    try:
        # Only reading the settings module: any refusal here is a setting's.
        settings.INSTALLED_APPS
    except ImproperlyConfigured as error:
        sys.exit(f"SmartQueue cannot start: {error}")
