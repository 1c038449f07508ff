"""A doctor's open sockets hear at once when the doctor signs out or their account or profile changes."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from smartqueue.staff_sockets import ACCESS_CHANGED, SIGNED_OUT, tell_staff_sockets

from .models import Doctor


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
