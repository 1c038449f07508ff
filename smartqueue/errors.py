"""Error answers: the app's own pages for people, JSON ({"detail": ...}) for API clients; never a traceback."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError, UnsupportedMediaType, ValidationError
from rest_framework.views import exception_handler

from .middleware import wants_json

logger = logging.getLogger(__name__)

TITLES = {
    400: _("We could not read this link or form"),
    403: _("This page is not open to you"),
    404: _("Page not found"),
    405: _("This address is not a page to open"),
    413: _("What was sent is too large"),
    429: _("Too many attempts"),
    500: _("Something went wrong on our side"),
}
DETAILS = {
    400: _("Part of what your browser sent was damaged. Go back and try again, or start again from the beginning."),
    403: _("You do not have access to this page. If you are staff, sign in with the right account."),
    404: _("There is nothing at this address. Status links stay valid for the day of the visit."),
    405: _("It is where a form on another page is sent. Go back to that page and send the form from there."),
    500: _("The error is logged and will be looked at. Please try again in a moment."),
}
CSRF_FAILURE_TITLE = _("This form has expired")
CSRF_FAILURE_DETAIL = _("Please go back, reload the page and try again.")


def error_response(request, *, status, detail=None):
    """An error of `status` for `request`: JSON under /api/ or when asked for, otherwise the app's page."""
    detail = detail or DETAILS[status]
    if wants_json(request):
        return JsonResponse({"detail": detail}, status=status)
    if status == 429:
        # Refused for its device's count: the lobby kiosk says so in its own way and starts over for the next patient.
        kiosk = kiosk_page(request, {"status": status, "title": TITLES[status], "detail": detail}, status=status)
        if kiosk is not None:
            return kiosk
    # A status with a page of its own (403: who is signed in and where to sign in; 404: where to go) uses it.
    # Only those two are rendered with the request: its context processors (user, messages) query the
    # database, which may be what failed behind a 500. The CSRF token needs no database: without it, the page's
    # language switcher was refused as an expired form.
    with_request = status in (403, 404)
    context = {"status": status, "title": TITLES[status], "detail": detail}
    if not with_request:
        context["csrf_token"] = get_token(request)
    page = render_to_string([f"{status}.html", "error.html"], context, request=request if with_request else None)
    return HttpResponse(page, status=status)


def kiosk_page(request, context, *, status):
    """A refusal of a post to the lobby kiosk, on the kiosk's own page: no way to the staff pages, and back to a fresh
    start by itself for the next patient (a page of the site's would stay on the kiosk's screen); None elsewhere."""
    kiosk = request.resolver_match
    if kiosk is None or kiosk.namespace != "kiosk":
        return None
    start_over = reverse("kiosk:start-over", args=[kiosk.kwargs["site"]])
    page = render_to_string("patients/kiosk_expired.html", {**context, "start_over_url": start_over}, request)
    return HttpResponse(page, status=status)


def csrf_failure(request, reason=""):
    """A form posted without its valid CSRF token, most often one left open past its session or cookie: said in
    the visitor's words and language, with a way back to it (settings.CSRF_FAILURE_VIEW); ``reason`` is Django's
    technical one, for nobody to read."""
    if wants_json(request):
        return JsonResponse({"detail": str(CSRF_FAILURE_DETAIL)}, status=403)
    referer = request.headers.get("Referer", "")
    # Back to the form only on this site: another site's address in the header is not a place to send anyone.
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    context = {"status": 403, "title": CSRF_FAILURE_TITLE, "detail": CSRF_FAILURE_DETAIL}
    kiosk = kiosk_page(request, context, status=403)
    if kiosk is not None:
        return kiosk
    page = render_to_string("error.html", {**context, "back_url": referer if same_site else None}, request=request)
    return HttpResponse(page, status=403)


class MethodNotAllowedPageMiddleware:
    """Django's 405 has no body: a blank page with no title nor language, met when an address a form posts to (a
    refused move or phone correction shows its page there) is opened again from the address bar, a bookmark or a
    new tab, or a sign-out address is typed. It is the app's page (or JSON) saying so, Allow kept. Answers that
    have a body (Django REST framework's) are left as they are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.method == "HEAD":
            return response
        page = error_response(request, status=405)
        page["Allow"] = response.get("Allow", "")
        return page


def bad_request(request, exception):
    # Django refuses these two before any view or parser sees the body; the client is told which limit it passed,
    # not that its browser damaged what it sent.
    if isinstance(exception, RequestDataTooBig):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        detail = _("What was sent is larger than the %(limit)s this site accepts. Send less and try again.")
        return error_response(request, status=413, detail=detail % {"limit": limit})
    if isinstance(exception, TooManyFieldsSent):
        detail = _("What was sent has more than the %(count)s fields this site accepts. Send fewer and try again.")
        return error_response(request, status=400, detail=detail % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS})
    return error_response(request, status=400)


def permission_denied(request, exception):
    return error_response(request, status=403)


def page_not_found(request, exception):
    return error_response(request, status=404)


def server_error(request):
    return error_response(request, status=500)


def api_exception_handler(exc, context):
    """DRF's handler, logging what was wrong with bodies it could not read (the answer names it too).

    A view with field_errors_key answers invalid fields under that key (the staff endpoints' {"errors": {...}},
    smartqueue.roles.role_api_responses): so are the fields refused before the view runs, by the JSON parser."""
    response = exception_handler(exc, context)
    key = getattr(context.get("view"), "field_errors_key", None)
    if key and isinstance(exc, ValidationError) and response is not None:
        response.data = {key: response.data}
    if isinstance(exc, (ParseError, UnsupportedMediaType)):
        request = context["request"]
        logger.warning("Unreadable request body on %s %s: %s", request.method, request.path, exc.detail)
    return response
