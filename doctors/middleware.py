"""A doctor signed in with a password an administrator chose (their first, or one set when they forgot theirs)
changes it before anything else: the administrator who typed it knows it."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from .access import FIRST_PASSWORD_SESSION_KEY

# What such a session still reaches: the password pages, signing out, the language, the session's own upkeep.
REACHABLE = {
    "doctor-password-change",
    "doctor-password-changed",
    "doctors:logout",
    "adminpanel:logout",
    "set_language",
    "session-keep-alive",
    "javascript-catalog",
    "healthz",
    "readyz",
}


class FirstPasswordMiddleware(MiddlewareMixin):
    """Every other page leads to the doctor's Change password page; an API call or a form sent is refused 403."""

    async_capable = False

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.session.get(FIRST_PASSWORD_SESSION_KEY) or request.resolver_match.view_name in REACHABLE:
            return None
        if request.method in ("GET", "HEAD") and "/api/" not in request.path:
            return redirect("doctor-password-change")
        refusal = _("Choose a password of your own first, on your Change password page.")
        return JsonResponse({"detail": refusal}, status=403)
