"""Migration 0010 marks the consultations an admin ended for a doctor before the token recorded it, and only those."""

import importlib

from django.apps import apps

from patients import services
from patients.models import Queue

migration = importlib.import_module("adminpanel.migrations.0010_consultations_ended_for_doctors_marked")


def test_consultations_an_admin_ended_are_marked_from_the_audit_log_and_those_their_doctor_completed_are_not(
    department, make_token, make_doctor, make_user
):
    doctor = make_doctor(department=department)
    left = services.start_consultation(entry=services.call_patient(entry=make_token(department), doctor=doctor))
    services.end_consultation(entry=left, actor=make_user(username="manager"))
    seen = services.start_consultation(entry=services.call_patient(entry=make_token(department), doctor=doctor))
    services.complete_consultation(entry=seen)
    # As the tokens stood before the field: none marked.
    Queue.objects.update(consultation_ended_for_doctor=False)

    migration.mark_consultations_ended_for_doctors(apps, None)

    assert dict(Queue.objects.values_list("pk", "consultation_ended_for_doctor")) == {left.pk: True, seen.pk: False}
