"""What every page's menu offers a signed-in member of staff: the way back to their own pages, where a visitor gets
the sign-in links (a receptionist registering a walk-in on the public form was offered "Doctor sign-in")."""

import functools

from django.utils.translation import gettext_lazy as _

from doctors.access import is_doctor
from patients import hooks

from .access import is_panel_admin


def staff_pages(request):
    """staff_pages: None for a visitor, else the (URL name, label) of each of the user's own pages. Worked out only
    when a template reads it (the public pages' menu): the staff pages have menus of their own."""

    @functools.cache
    def pages():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        own = []
        if is_doctor(user):
            own.append(("doctors:dashboard", _("My dashboard")))
        if is_panel_admin(user):
            own.append(("adminpanel:queues", _("Admin panel")))
        if hooks.is_reception_staff(user):
            own.append(("adminpanel:todays-bookings", _("Today's bookings")))
        return own

    return {"staff_pages": pages}
