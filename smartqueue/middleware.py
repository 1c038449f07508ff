"""Lost database connections answered with a clear 503, never a bare 500; signed-in pages kept out of caches;
a post to an address missing its trailing slash sent on as a post; no answer readable by another site's page."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.middleware import common
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.http import escape_leading_slashes
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE_DETAIL = _(
    "The service lost its database connection for a moment and could not finish your request. "
    "Please try again in a few seconds; repeating a registration is safe and returns the same token."
)


def wants_json(request):
    return "/api/" in request.path or request.get_preferred_type(["text/html", "application/json"]) == (
        "application/json"
    )


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """Turns a dropped or refused database connection raised by a view into 503 + Retry-After.

    The transaction the view was in is rolled back by the database, so nothing is half-written;
    the client is told to retry. Django closes the broken connection when the request finishes.
    """

    # Sync only, and last: under Django's own ASGI handler (the tests' AsyncClient) the whole middleware chain then
    # runs in the request's thread. Async-capable here, the middleware below StaffLanguageMiddleware (sync only)
    # would run on the event loop, and each of their process_request and process_response would cross to a thread
    # and back: twice the thread switches per request, which cost /healthz a quarter of its CPU
    # (docs/performance.md). The served handler (smartqueue.handlers) builds a sync chain whatever this says.
    async_capable = False

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        # The driver's message can quote the statement's values (names, phones): log only its kind.
        logger.error(
            "Database unavailable during %s %s (%s); answered 503",
            request.method,
            request.path,
            type(exception).__name__,
        )
        if wants_json(request):
            response = JsonResponse({"detail": DATABASE_UNAVAILABLE_DETAIL}, status=503)
        else:
            # Rendered without the request: its context processors (user, messages) would query the database.
            response = HttpResponse(
                render_to_string("database_unavailable.html", {"detail": DATABASE_UNAVAILABLE_DETAIL}), status=503
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class SignedInPagesUncachedMiddleware(MiddlewareMixin):
    """Every answer to a signed-in member of staff is kept out of the browser's and proxies' caches (no-store,
    private), unless the view said otherwise: names and notes must not come back with the Back button after
    sign-out at a shared desk. Sync only, as DatabaseUnavailableMiddleware is, for the same reason."""

    async_capable = False

    def process_response(self, request, response):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


# Browsers refuse an answer carrying it to another origin's <script>, <img> and other no-cors requests; a CORS fetch
# (CORS_ALLOWED_ORIGINS) and a navigation (a texted link, a QR code) are not affected.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"


class CrossOriginResourcePolicyMiddleware(MiddlewareMixin):
    """Cross-Origin-Resource-Policy: same-origin on every answer of the app, static files included: the answers may
    carry the reader's CSRF token (Swagger UI's start-up script, /api/docs/?script=) or a private link, and a page of
    another site could include them as a script (sixteenth attack run). Sync only, as DatabaseUnavailableMiddleware
    is, for the same reason."""

    async_capable = False

    def process_response(self, request, response):
        response.headers.setdefault("Cross-Origin-Resource-Policy", CROSS_ORIGIN_RESOURCE_POLICY)
        return response


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    status_code = 308


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except that a request other than GET or HEAD to an address missing its trailing slash is sent on
    with 308, which clients repeat with the same method and body. Django's 301 is repeated as a GET: a script's
    POST to /patients/api/register lost its body and was told the endpoint does not allow GET (with DEBUG on,
    Django raised an error instead)."""

    def process_response(self, request, response):
        if request.method in ("GET", "HEAD") or response.status_code != 404:
            return super().process_response(request, response)
        if not self.should_redirect_with_slash(request):
            return super().process_response(request, response)
        return PermanentRedirectKeepingMethod(escape_leading_slashes(request.get_full_path(force_append_slash=True)))
