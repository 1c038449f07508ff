"""A doctor signed in with a password an administrator chose (their first, or one set when they forgot theirs)
changes it before anything else: the administrator who typed it knows it."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
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


class FirstPasswordMiddleware:
    """Every other page leads to the doctor's Change password page; an API call or a form sent is refused 403.

    A plain middleware, not a process_view hook: under ASGI each sync process_view is one more crossing to a thread for
    every request, /healthz too (test_healthz); the view is resolved only for such a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(FIRST_PASSWORD_SESSION_KEY) and not _reachable(request):
            if request.method in ("GET", "HEAD") and "/api/" not in request.path:
                return redirect("doctor-password-change")
            refusal = _("Choose a password of your own first, on your Change password page.")
            return JsonResponse({"detail": refusal}, status=403)
        return self.get_response(request)


def _reachable(request):
    try:
        view_name = resolve(request.path_info, getattr(request, "urlconf", None)).view_name
    except Resolver404:
        return True
    return view_name in REACHABLE
