"""The mechanics of role-protected pages and APIs; each role's check lives in its app (doctors.access,
adminpanel.access), which builds on these.

Pages send anonymous visitors to the right login page and answer 403 to signed-in users of another
role; APIs answer 403 to both (DRF session authentication has no login challenge to offer).
"""

from urllib.parse import urlsplit

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve
from drf_spectacular.utils import OpenApiResponse

from .auth_backends import PublishedPasswordRefusalSaid
from .sessions import IDLE_SIGN_OUT_FLAG, ended_for_idleness, sign_out_reason


class RoleRequiredMixin(AccessMixin):
    role_check = None
    # The heading of the sign-in page an anonymous visitor is sent to, when the page is not that sign-in's role's alone.
    sign_in_heading = None

    def has_role(self, user):
        return self.role_check(user)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_role(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def get_login_url(self):
        login_url = super().get_login_url()
        if ended_for_idleness(self.request):
            # The flag the page's own idle sign-out sets: the sign-in page says why (sessions.sign_out_reason).
            return f"{resolve_url(login_url)}?{IDLE_SIGN_OUT_FLAG}=1"
        return login_url


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


def role_required_page(path):
    """The RoleRequiredMixin view of a page on this site (a sign-in's next=), or None."""
    try:
        view_class = getattr(resolve(urlsplit(path).path).func, "view_class", None)
    except Resolver404:
        return None
    return view_class if isinstance(view_class, type) and issubclass(view_class, RoleRequiredMixin) else None


class RoleAuthenticationForm(PublishedPasswordRefusalSaid, AuthenticationForm):
    """A sign-in that admits its role, and whoever else the page it leads to admits: a doctor whose bookmark of the
    desk's page (which doctors and admins both work) led to the panel's sign-in was refused there."""

    role_check = None
    wrong_role_message = ""

    def __init__(self, request=None, *args, leads_to=None, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.leads_to = leads_to

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not self.role_check(user) and not (self.leads_to and self.leads_to().has_role(user)):
            raise ValidationError(self.wrong_role_message, code="wrong_role")


class RoleLoginView(LoginView):
    redirect_authenticated_user = False
    template_name = "registration/staff_login.html"
    heading = ""

    def leads_to(self):
        return role_required_page(self.get_redirect_url()) if self.get_redirect_url() else None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "leads_to": self.leads_to()}

    def get_context_data(self, **kwargs):
        page = self.leads_to()
        return super().get_context_data(
            heading=(page and page.sign_in_heading) or self.heading,
            # Arriving from the page that signed itself out (static/js/staff-session.js): say why.
            sign_out_reason=sign_out_reason(self.request),
            **kwargs,
        )
