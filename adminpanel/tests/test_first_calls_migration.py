"""Migration 0013 gives the tokens put back in line after a call, before the token kept its first call, their first
call from the audit log, and leaves the others as patients 0024 left them."""

import importlib
from datetime import timedelta

from django.apps import apps

from patients import services
from patients.models import Queue

migration = importlib.import_module("adminpanel.migrations.0013_first_calls_from_the_audit_log")


def test_a_token_recalled_or_returned_to_the_line_gets_its_first_call_from_the_audit_log(
    department, make_token, make_doctor, clock
):
    doctor, other_doctor = make_doctor(department=department), make_doctor(department=department)
    recalled = services.skip(entry=services.call_patient(entry=make_token(department), doctor=doctor))
    first_of_recalled = recalled.called_at
    returned = services.call_patient(entry=make_token(department), doctor=other_doctor)
    first_of_returned = returned.called_at
    clock.shift(timedelta(minutes=5))
    services.return_to_line(entry=returned)
    services.recall(entry=recalled)
    clock.shift(timedelta(minutes=30))
    services.call_patient(entry=recalled, doctor=doctor)
    services.call_patient(entry=returned, doctor=other_doctor)
    once = services.call_patient(entry=make_token(department), doctor=make_doctor(department=department))
    # As patients 0024 left them: the latest call taken for the first.
    Queue.objects.update(first_called_at=None)
    for entry in Queue.objects.all():
        Queue.objects.filter(pk=entry.pk).update(first_called_at=entry.called_at)

    migration.first_calls_from_the_audit_log(apps, None)

    first_calls = dict(Queue.objects.values_list("pk", "first_called_at"))
    assert abs(first_calls[recalled.pk] - first_of_recalled) < timedelta(seconds=1)
    assert abs(first_calls[returned.pk] - first_of_returned) < timedelta(seconds=1)
    assert first_calls[once.pk] == Queue.objects.get(pk=once.pk).called_at
