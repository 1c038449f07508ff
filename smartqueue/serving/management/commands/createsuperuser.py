import os

from django.contrib.auth.management.commands.createsuperuser import Command as DjangoCreateSuperuserCommand
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


class Command(DjangoCreateSuperuserCommand):
    """Django's createsuperuser, holding `--noinput` with DJANGO_SUPERUSER_PASSWORD (a deploy script's, or
    `docker compose exec web python manage.py createsuperuser --noinput`) to AUTH_PASSWORD_VALIDATORS as the prompt
    is: Django checked only typed passwords, so a script made a superuser of "admin" or "12345678" without a word."""

    def handle(self, *args, **options):
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password is not None:
            username_field = self.UserModel.USERNAME_FIELD
            named = {
                field: options.get(field) or os.environ.get(f"DJANGO_SUPERUSER_{field.upper()}", "")
                for field in (username_field, *self.UserModel.REQUIRED_FIELDS)
            }
            try:
                validate_password(password, self.UserModel(**named))
            except ValidationError as refusal:
                raise CommandError(
                    f"DJANGO_SUPERUSER_PASSWORD: {' '.join(refusal.messages)} No account was created."
                ) from None
        super().handle(*args, **options)
