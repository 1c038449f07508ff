"""Sessions past their expiry are deleted each night by beat: Django's database sessions are otherwise kept for ever."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from adminpanel.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def a_session(*, expires_in):
    session = SessionStore()
    session["language_chosen"] = "es"
    session.create()
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() + expires_in)
    return session.session_key


def test_the_nightly_task_deletes_the_sessions_past_their_expiry_and_keeps_the_others(settings):
    expired, current = a_session(expires_in=-timedelta(minutes=1)), a_session(expires_in=timedelta(minutes=30))

    clear_expired_sessions.apply().get()

    assert list(Session.objects.values_list("session_key", flat=True)) == [current]
    assert expired != current
    assert settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]["task"] == clear_expired_sessions.name
