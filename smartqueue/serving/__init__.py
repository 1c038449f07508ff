"""Django's management commands held to the project's own rules, listed before daphne and django.contrib.auth in
INSTALLED_APPS so that these are the ones Django runs: `manage.py runserver` to the refusals `make run` has, and
`createsuperuser --noinput` to the password validators."""
