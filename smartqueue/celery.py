import logging
import os

from celery import Celery, signals
from django.conf import settings
from django.utils.log import configure_logging

from smartqueue.startup import settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")

app = Celery("smartqueue")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def refuse_a_wrong_setting_in_one_line(**kwargs):
    """`celery worker` and `celery beat` read the settings first here, as manage.py and the server do at their start: a
    wrong one came as Celery's and click's traceback of forty lines, the setting named only in its last."""
    settings_or_exit()


@signals.setup_logging.connect
def log_as_the_web_processes_do(loglevel=None, **kwargs):
    """Workers and beat keep the project's LOGGING, masking included (smartqueue.log_masking), at their --loglevel:
    left to itself, Celery replaced the root logger's handlers with its own, and a worker sending texts wrote Twilio's
    refusals with the patient's whole number ("The 'To' number +14155550178 is not a valid phone number")."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
