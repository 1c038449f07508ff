"""Who may reach the doctor dashboard and the admin panel, checked the same way by pages and APIs.

Pages send anonymous visitors to the right login page and answer 403 to signed-in users of another
role; APIs answer 403 to both (DRF session authentication has no login challenge to offer).
"""

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import BasePermission

from adminpanel.models import AdminUser
from doctors.models import Doctor


def active_doctor(user):
    """The signed-in user's active Doctor profile (with department), or None."""
    if not user.is_authenticated:
        return None
    return Doctor.objects.select_related("department", "user").filter(user=user, is_active=True).first()


def is_doctor(user):
    return active_doctor(user) is not None


def is_panel_admin(user):
    """Superusers and holders of an active AdminUser profile run the admin panel."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or AdminUser.objects.filter(user=user, is_active=True).exists()


class RoleRequiredMixin(AccessMixin):
    role_check = None

    def has_role(self, user):
        return self.role_check(user)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_role(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class DoctorRequiredMixin(RoleRequiredMixin):
    login_url = "doctors:login"
    permission_denied_message = "This page is for doctors."

    def has_role(self, user):
        # Keep the profile: every doctor page acts on this doctor's department.
        self.doctor = active_doctor(user)
        return self.doctor is not None


class PanelAdminRequiredMixin(RoleRequiredMixin):
    login_url = "adminpanel:login"
    role_check = staticmethod(is_panel_admin)
    permission_denied_message = "This page is for hospital administrators."


class IsDoctor(BasePermission):
    message = "Sign in with a doctor's account."

    def has_permission(self, request, view):
        return is_doctor(request.user)


class IsPanelAdmin(BasePermission):
    message = "Sign in with an administrator's account."

    def has_permission(self, request, view):
        return is_panel_admin(request.user)


def role_api_responses(success, *, role, validates=False):
    """OpenAPI responses of a role-protected endpoint: its success body, 400 when it validates input, and 403."""
    responses = {
        200: success,
        403: OpenApiResponse(OpenApiTypes.OBJECT, description=f"Not signed in as {role} (or the session expired)."),
    }
    if validates:
        responses[400] = OpenApiResponse(
            OpenApiTypes.OBJECT,
            description='Invalid input: {"errors": {"<field>": ["<message>", ...]}}, or a body that cannot be read: '
            '{"detail": "<what is wrong with it>"}.',
        )
        responses[415] = OpenApiResponse(
            OpenApiTypes.OBJECT, description='The body is neither JSON nor a form: {"detail": "<its media type>"}.'
        )
    return responses


class RoleAuthenticationForm(AuthenticationForm):
    role_check = None
    wrong_role_message = ""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not self.role_check(user):
            raise ValidationError(self.wrong_role_message, code="wrong_role")


class DoctorAuthenticationForm(RoleAuthenticationForm):
    role_check = staticmethod(is_doctor)
    wrong_role_message = "This account is not an active doctor's account."


class PanelAdminAuthenticationForm(RoleAuthenticationForm):
    role_check = staticmethod(is_panel_admin)
    wrong_role_message = "This account cannot use the admin panel."


class RoleLoginView(LoginView):
    redirect_authenticated_user = False
    template_name = "registration/staff_login.html"
    heading = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.heading, **kwargs)
