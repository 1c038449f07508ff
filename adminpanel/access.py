"""Who runs the admin panel: the one check behind its pages, its API and reception rights."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from patients import hooks
from patients.forms import FieldsSayWhatToEnterMixin
from smartqueue.roles import RoleAuthenticationForm, RoleRequiredMixin

from .models import AdminUser


def is_panel_admin(user):
    """Superusers and holders of an active AdminUser profile run the admin panel."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or AdminUser.objects.filter(user=user, is_active=True).exists()


class PanelAdminRequiredMixin(RoleRequiredMixin):
    login_url = "adminpanel:login"
    role_check = staticmethod(is_panel_admin)
    permission_denied_message = _("This page is for hospital administrators.")


class ReceptionStaffRequiredMixin(RoleRequiredMixin):
    """The desk's pages: whoever registers walk-ins (hooks.is_reception_staff: doctors and panel admins) works them."""

    login_url = "adminpanel:login"
    role_check = staticmethod(hooks.is_reception_staff)
    permission_denied_message = _("This page is for reception staff.")
    # The panel's sign-in admits whoever the page admits (smartqueue.roles.RoleAuthenticationForm): a doctor too.
    sign_in_heading = _("Staff sign-in")


class IsPanelAdmin(BasePermission):
    message = _("Sign in with an administrator's account.")

    def has_permission(self, request, view):
        return is_panel_admin(request.user)


# A field left empty is refused in words ("Fill in “Password”."): the sign-in page is novalidate.
class PanelAdminAuthenticationForm(FieldsSayWhatToEnterMixin, RoleAuthenticationForm):
    role_check = staticmethod(is_panel_admin)
    wrong_role_message = _("This account cannot use the admin panel.")
