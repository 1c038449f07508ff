"""The mechanics of role-protected pages and APIs; each role's check lives in its app (doctors.access,
adminpanel.access), which builds on these.

Pages send anonymous visitors to the right login page and answer 403 to signed-in users of another
role; APIs answer 403 to both (DRF session authentication has no login challenge to offer).
"""

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse

from .auth_backends import PublishedPasswordRefusalSaid
from .sessions import sign_out_reason


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


# The bodies of the staff APIs' refusals: {"detail": message} when no one field is at fault (not signed in, a body
# that cannot be read), else {"errors": {"<field>": [messages]}}.
DETAIL_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "additionalProperties": False,
}
FIELD_ERRORS_BODY = {
    "type": "object",
    "properties": {
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["errors"],
    "additionalProperties": False,
}


def role_api_responses(success, *, role, validates=False):
    """OpenAPI responses of a role-protected endpoint: its success body, 400 when it validates input, and 403."""
    responses = {
        200: success,
        403: OpenApiResponse(DETAIL_BODY, description=f"Not signed in as {role} (or the session expired)."),
    }
    if validates:
        responses[400] = OpenApiResponse(
            {"oneOf": [FIELD_ERRORS_BODY, DETAIL_BODY]},
            description='Invalid input: {"errors": {"<field>": ["<message>", ...]}}, or a body that cannot be read: '
            '{"detail": "<what is wrong with it>"}.',
        )
        responses[413] = OpenApiResponse(
            DETAIL_BODY,
            description="The body is larger than the server reads (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default).",
        )
        responses[415] = OpenApiResponse(
            DETAIL_BODY, description='The body is neither JSON nor a form: {"detail": "<its media type>"}.'
        )
    return responses


class RoleAuthenticationForm(PublishedPasswordRefusalSaid, AuthenticationForm):
    role_check = None
    wrong_role_message = ""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not self.role_check(user):
            raise ValidationError(self.wrong_role_message, code="wrong_role")


class RoleLoginView(LoginView):
    redirect_authenticated_user = False
    template_name = "registration/staff_login.html"
    heading = ""

    def get_context_data(self, **kwargs):
        # Arriving from the page that signed itself out (static/js/staff-session.js): say why.
        return super().get_context_data(heading=self.heading, sign_out_reason=sign_out_reason(self.request), **kwargs)
