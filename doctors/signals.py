"""A saved or removed doctor changes who is on duty in a department: its queue is published again.

Edits from the admin panel and Django admin do not go through the queue, yet they change the wait
estimates of the doctor's department (and of the one the doctor left).
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from patients.broadcasts import publish_department_change

from .models import Doctor


@receiver(pre_save, sender=Doctor, dispatch_uid="doctor_remember_department")
def remember_department(sender, instance, **kwargs):
    instance.department_before_save = (
        Doctor.objects.filter(pk=instance.pk).values_list("department_id", flat=True).first() if instance.pk else None
    )


@receiver(post_save, sender=Doctor, dispatch_uid="doctor_publish_on_save")
def publish_after_save(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"availability"}:
        return  # set_availability publishes that change itself, with the doctor's new availability.
    departments = {instance.department_id, getattr(instance, "department_before_save", None)} - {None}
    for department_id in departments:
        transaction.on_commit(partial(publish_department_change, event="doctors_changed", department_id=department_id))


@receiver(post_delete, sender=Doctor, dispatch_uid="doctor_publish_on_delete")
def publish_after_delete(sender, instance, **kwargs):
    transaction.on_commit(
        partial(publish_department_change, event="doctors_changed", department_id=instance.department_id)
    )
