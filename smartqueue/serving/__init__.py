"""`manage.py runserver` held to the refusals `make run` has (smartqueue.server): listed before daphne in
INSTALLED_APPS, so that its runserver is the one Django runs."""
