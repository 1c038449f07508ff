"""`manage.py createsuperuser --noinput`, as a deploy script or `docker compose exec web` runs it (README:
Production)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["admin", "12345678", "boss-hospital"])
def test_a_scripted_superuser_with_a_password_the_validators_refuse_is_not_created(monkeypatch, password):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)

    with pytest.raises(CommandError, match="^DJANGO_SUPERUSER_PASSWORD: .* No account was created.$"):
        call_command("createsuperuser", interactive=False, username="boss", email="boss@example-hospital.org")

    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_a_scripted_superuser_with_a_strong_password_is_created(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Long-and-unguessable-42")

    call_command("createsuperuser", interactive=False, username="boss", email="boss@example-hospital.org", verbosity=0)

    boss = get_user_model().objects.get(username="boss")
    assert boss.is_superuser and boss.check_password("Long-and-unguessable-42")
