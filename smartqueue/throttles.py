"""Rate limits per client address, shared by the REST API and the HTML forms doing the same thing.

Signed-in reception staff (settings.RECEPTION_STAFF_CHECK, patients.hooks.is_reception_staff) are held to the
`staff` rate in every scope, on counts of their own: a desk registers, books and checks in every patient who comes
to it. The lobby kiosk's `kiosk` allowance is for the kiosk devices (KIOSK_NETWORKS) only: from anywhere else the
kiosk page counts against `register`, with the registration page and API, so that no address can use both."""

import functools
import math
from functools import wraps
from types import SimpleNamespace

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from rest_framework.throttling import ScopedRateThrottle

from .errors import error_response
from .requests import from_kiosk, limited_address

STAFF_RATE = "staff"
KIOSK_SCOPE = "kiosk"
REGISTER_SCOPE = "register"
BOOK_SCOPE = "book"


class ClientAddressThrottle(ScopedRateThrottle):
    """DRF's scoped throttle keyed on the signed-in user, else on smartqueue.requests.limited_address (never on a
    raw X-Forwarded-For), and counted by django-ratelimit: one counter per scope, client and window in the shared
    cache, taken by an atomic increment. DRF's own reads the list of recent request times and writes it back, so
    requests arriving together at several processes each read the same list and all pass.

    Windows are fixed (of the rate's period, starting at a time of their own per client): a client may use its
    allowance at the end of one window and again at the start of the next."""

    def allow_request(self, request, view):
        scope = getattr(view, self.scope_attr, None)
        if scope not in self.THROTTLE_RATES:
            return True
        scope, rate = self.allowance(request, scope)
        if rate is None:
            return True
        usage = get_usage(request, group=f"throttle-{scope}", key=_client, rate=rate, increment=True)
        # The window's last second counts too: a client told to wait 0 seconds would be refused again.
        self.seconds_left = max(usage["time_left"], 1) if usage else None
        return usage is None or not usage["should_limit"]

    def wait(self):
        return self.seconds_left

    def allowance(self, request, scope):
        """The scope whose counter a request counts on, and the rate it is held to."""
        user = getattr(request, "user", None)
        if user is not None and _is_reception_staff(user):
            return scope, self.THROTTLE_RATES[STAFF_RATE]
        if scope == KIOSK_SCOPE and not from_kiosk(request):
            scope = REGISTER_SCOPE
        return scope, self.THROTTLE_RATES[scope]


def _client(group, request):
    """A signed-in user's own count (reception staff share the desk's address with the patients around them),
    else the address's, as DRF's scoped throttle keys them."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return limited_address(request) or ""


def seconds_to_wait(request, scope):
    """Count the request against `scope`'s limit: the seconds the client must wait when it is over it, else None."""
    throttle = ClientAddressThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return math.ceil(throttle.wait() or 1)


def throttled_page(request, wait):
    """The page's 429, saying how long to wait."""
    # In minutes: a window of an hour leaves a wait of thousands of seconds.
    minutes = math.ceil(wait / 60)
    detail = ngettext(
        "Too many attempts from this device or network. Please try again in %(minutes)s minute.",
        "Too many attempts from this device or network. Please try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
    response = error_response(request, status=429, detail=detail)
    response["Retry-After"] = str(wait)
    return response


def throttle_posts(scope):
    """Count a page's POSTs against the same limit (and the same counts) as the API's `scope`."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST" and (wait := seconds_to_wait(request, scope)) is not None:
                return throttled_page(request, wait)
            return view(request, *args, **kwargs)

        return limited

    return decorator


@functools.cache
def _reception_staff_check():
    # Named in settings, as Django names its authentication backends: the project's helpers import no app.
    return import_string(settings.RECEPTION_STAFF_CHECK)


def _is_reception_staff(user):
    return _reception_staff_check()(user)
