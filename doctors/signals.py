"""What follows a change to a doctor: their department's queue is published again, and their open sockets hear.

Edits from the admin panel and Django admin do not go through the queue, yet they change who is on duty in
the doctor's department (and in the one the doctor left), so its wait estimates; and a doctor signed out,
deactivated or moved must stop receiving that department's frames at once.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from smartqueue.staff_sockets import ACCESS_CHANGED, SIGNED_OUT, tell_staff_sockets

from .access import FIRST_PASSWORD_SESSION_KEY
from .models import Doctor
from .services import publish_roster_change, release_bookings_of_deleted_doctor


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
        publish_roster_change(department_id)


@receiver(post_delete, sender=Doctor, dispatch_uid="doctor_publish_on_delete")
def publish_after_delete(sender, instance, **kwargs):
    publish_roster_change(instance.department_id)


@receiver(post_delete, sender=Doctor, dispatch_uid="doctor_release_bookings_on_delete")
def release_bookings_after_delete(sender, instance, **kwargs):
    # Deleted, the doctor left their bookings on slots nobody works, the patients never told.
    release_bookings_of_deleted_doctor(instance)


@receiver(user_logged_out, dispatch_uid="close_staff_sockets_on_sign_out")
def close_sockets_on_sign_out(sender, request, user, **kwargs):
    if user is not None:
        tell_staff_sockets(user_id=user.pk, message_type=SIGNED_OUT)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="recheck_staff_sockets_on_user_change")
def recheck_sockets_on_user_change(sender, instance, created, **kwargs):
    # Sign-ins save the user too (last_login); only an existing account's change can take access away.
    if not created:
        tell_staff_sockets(user_id=instance.pk, message_type=ACCESS_CHANGED)


@receiver(post_save, sender=Doctor, dispatch_uid="recheck_staff_sockets_on_doctor_change")
@receiver(post_delete, sender=Doctor, dispatch_uid="recheck_staff_sockets_on_doctor_removal")
def recheck_sockets_on_doctor_change(sender, instance, **kwargs):
    tell_staff_sockets(user_id=instance.user_id, message_type=ACCESS_CHANGED)


@receiver(user_logged_in, dispatch_uid="doctor_mark_a_password_chosen_by_an_administrator")
def mark_a_password_chosen_by_an_administrator(sender, request, user, **kwargs):
    if request is not None and Doctor.objects.filter(user=user, must_change_password=True).exists():
        request.session[FIRST_PASSWORD_SESSION_KEY] = True
