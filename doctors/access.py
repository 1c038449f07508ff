"""Who is a doctor: the one check behind the doctor pages, the doctor API, the doctor socket and reception rights."""

import functools

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from patients.forms import FieldsSayWhatToEnterMixin
from patients.statements import ANY_USER_ID, CompiledStatement
from smartqueue.roles import RoleAuthenticationForm, RoleRequiredMixin

from .models import Doctor


# A sign-in with a password an administrator chose (Doctor.must_change_password) says so in its session, read by
# doctors.middleware.FirstPasswordMiddleware on every request without a query: set at sign-in, dropped once changed.
FIRST_PASSWORD_SESSION_KEY = "doctor_must_change_password"


@functools.cache
def _compiled_active_doctor():
    return CompiledStatement.compile(
        Doctor.objects.select_related("department", "user").filter(user_id=ANY_USER_ID, is_active=True),
        user_id=ANY_USER_ID,
    )


def active_doctor(user):
    """The signed-in user's active Doctor profile (with department), or None. Read on every doctor request and
    socket: compiled once (patients.statements)."""
    if not user.is_authenticated or not user.is_active:
        return None
    found = _compiled_active_doctor().instances(user_id=user.pk)
    return found[0] if found else None


def is_doctor(user):
    return active_doctor(user) is not None


class DoctorRequiredMixin(RoleRequiredMixin):
    login_url = "doctors:login"
    permission_denied_message = _("This page is for doctors.")

    def has_role(self, user):
        # Keep the profile: every doctor page acts on this doctor's department.
        self.doctor = active_doctor(user)
        return self.doctor is not None


class IsDoctor(BasePermission):
    message = _("Sign in with a doctor's account.")

    def has_permission(self, request, view):
        return is_doctor(request.user)


# A field left empty is refused in words ("Fill in “Password”."): the sign-in page is novalidate.
class DoctorAuthenticationForm(FieldsSayWhatToEnterMixin, RoleAuthenticationForm):
    role_check = staticmethod(is_doctor)
    wrong_role_message = _("This account is not an active doctor's account.")
