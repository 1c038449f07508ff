"""Sign-ins and sign-outs of staff accounts go into the audit log like any other staff action."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from smartqueue.requests import client_ip

from .services import record_audit


def _record_session_event(action, request, user):
    if user is None or request is None:
        return
    record_audit(actor=user, action=action, target=user, after={"path": request.path}, ip_address=client_ip(request))


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def audit_sign_in(sender, request, user, **kwargs):
    _record_session_event("auth.signed_in", request, user)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def audit_sign_out(sender, request, user, **kwargs):
    _record_session_event("auth.signed_out", request, user)
