"""A setting refused at start-up (smartqueue/settings.py) is said in one line naming it, with the process ending
there: through Django's, daphne's, uvicorn's or gunicorn's start-up it came as a traceback, whose last line a
hospital's IT person had to find below the frames of code they never wrote."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

# gunicorn's master stops ("App failed to load") when a worker ends with this status, and starts another worker, for
# ever, when one ends with any other; every other server and command takes it as a failure like any status but 0.
SETTING_REFUSED = 4


def settings_or_exit():
    """Called first by everything that starts the app: manage.py, Celery, smartqueue.server and the ASGI and WSGI
    modules every documented server command loads (daphne, uvicorn, gunicorn)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")
    from django.conf import settings

    try:
        # Only reading the settings module: any refusal here is a setting's.
        settings.INSTALLED_APPS
    except ImproperlyConfigured as error:
        print(f"SmartQueue cannot start: {error}", file=sys.stderr, flush=True)
        sys.exit(SETTING_REFUSED)
