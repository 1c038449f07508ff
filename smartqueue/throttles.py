"""Rate limits per client address, shared by the REST API and the HTML forms doing the same thing."""

import math
from functools import wraps
from types import SimpleNamespace

from rest_framework.throttling import ScopedRateThrottle

from .errors import error_response
from .requests import client_ip


class ClientAddressThrottle(ScopedRateThrottle):
    """DRF's scoped throttle keyed on smartqueue.requests.client_ip, never on a raw X-Forwarded-For."""

    def get_ident(self, request):
        return client_ip(request) or ""


def throttle_posts(scope):
    """Count a page's POSTs against the same limit (and the same counts) as the API's `scope`."""

    def decorator(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST":
                throttle = ClientAddressThrottle()
                if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                    wait = math.ceil(throttle.wait() or 1)
                    response = error_response(
                        request,
                        status=429,
                        detail=f"Too many attempts from this address. Please try again in {wait} seconds.",
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return limited

    return decorator
