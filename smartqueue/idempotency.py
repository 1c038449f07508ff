"""Idempotency-Key on every state-changing REST request: a retry of a request whose answer was lost (a kiosk's
registration that timed out, a second tap on "Leave the line") gets the first answer again instead of a second token
or a 400.

One middleware for every Django REST framework view, so no endpoint can be left out. The first answer is kept in the
shared cache (Redis in production, so every server process sees it; a development server's memory cache serves its
one process) for IDEMPOTENCY_KEY_SECONDS, under the key and who sent it: the signed-in user, else the client address,
so that no one else's request can replay it. A request is matched by its method, address and body (a JSON body
compared as data, so a client re-serialising the same object still matches). With the cache unreachable the request
simply runs, as it did before keys existed."""

import hashlib
import json

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from rest_framework.views import APIView

from .requests import client_ip

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
# Printable ASCII without spaces: a UUID, a ULID or any opaque string a client makes.
KEY_PATTERN = r"^[!-~]{1,255}$"
IDEMPOTENCY_KEY_SECONDS = 24 * 60 * 60
# How long a request holds its key while it runs; past it (a killed process) the key is free again.
IN_FLIGHT_SECONDS = 60
# A registration or a staff action takes well under a second: by then the first request's answer is kept.
RETRY_IN_FLIGHT_AFTER_SECONDS = 1
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

INVALID_KEY = _("An Idempotency-Key is 1 to 255 unaccented letters, digits or punctuation marks, without spaces.")
KEY_REUSED = _(
    "This Idempotency-Key was already used for another request (another address or body). "
    "Send a new key for a new request."
)
KEY_IN_FLIGHT = _(
    "A request with this Idempotency-Key is still being processed. Wait for its answer, or send this one again "
    "in a moment."
)


def kept_answer(status_code):
    """Whether an answer is the endpoint's outcome, to be replayed: a success or a refusal of what was sent. Not one a
    retry may change: not signed in or a missing CSRF token (403), a body too large or of another type (413, 415),
    throttled (429), the server's or the database's failure (5xx)."""
    return 200 <= status_code < 300 or status_code in (400, 404, 409)


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def request_fingerprint(request):
    """The method, address and body of a request, a JSON body or a form as its data: neither key order and spacing
    nor a form's multipart boundary, which a browser draws anew for each sending, make a retry another request."""
    body = request.body
    if request.content_type == "application/json":
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            pass
    elif request.content_type in FORM_TYPES:
        body = json.dumps(sorted(request.POST.lists())).encode()
    return hashlib.sha256(b"\n".join([request.method.encode(), request.get_full_path().encode(), body])).hexdigest()


def sender(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{client_ip(request)}"


class IdempotencyKeyMiddleware:
    """Replays a REST view's first answer to a request sent again with the same Idempotency-Key and body; answers
    422 for the key sent with another address or body, 409 while the first request still runs, 400 for a malformed
    key, each naming the header as the view names its fields (smartqueue.errors.api_exception_handler)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused_or_replayed = self.hold(request)
        if refused_or_replayed is not None:
            return refused_or_replayed
        response = self.get_response(request)
        held = getattr(request, "idempotency_held", None)
        if held is not None:
            answer_key, lock_key, fingerprint = held
            if kept_answer(response.status_code) and not response.streaming:
                kept = {
                    "fingerprint": fingerprint,
                    "status": response.status_code,
                    "content": response.content,
                    # Its type, and that it is never stored by a browser or proxy (a private link's answer).
                    "headers": list(response.items()),
                }
                cache.set(answer_key, kept, IDEMPOTENCY_KEY_SECONDS)
            cache.delete(lock_key)
        return response

    def hold(self, request):
        """The answer to a keyed request sent again (its replay, or a refusal), else None, the request holding its
        key while it runs. The view is resolved here, for keyed requests only, rather than in a process_view hook:
        under ASGI Django runs every middleware's process_view in a thread of its own, a crossing every request
        (/healthz too) would pay."""
        key = request.headers.get(HEADER)
        if key is None or request.method in SAFE_METHODS:
            return None
        try:
            view_func = resolve(request.path_info, getattr(request, "urlconf", None)).func
        except Resolver404:
            return None
        view_class = getattr(view_func, "cls", None)
        if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
            return None
        if not hasattr(view_class, request.method.lower()):
            return None  # a method the view does not take: its 405, whatever the key
        errors_key = getattr(view_class, "field_errors_key", None)
        if not key or len(key) > KEY_MAX_LENGTH or not all("!" <= character <= "~" for character in key):
            return refusal(INVALID_KEY, status=400, errors_key=errors_key)
        scope = hashlib.sha256(f"{sender(request)}\n{key}".encode()).hexdigest()
        answer_key, lock_key = f"idempotency:answer:{scope}", f"idempotency:running:{scope}"
        fingerprint = request_fingerprint(request)
        # The lock first, then the answer: a first request that finishes between the two is still replayed.
        # add() answers None (not False) when the cache is unreachable: the request then runs unguarded.
        running_elsewhere = cache.add(lock_key, fingerprint, IN_FLIGHT_SECONDS) is False
        kept = cache.get(answer_key)
        if kept is not None:
            if not running_elsewhere:
                cache.delete(lock_key)
            if kept["fingerprint"] != fingerprint:
                return refusal(KEY_REUSED, status=422, errors_key=errors_key)
            replay = HttpResponse(kept["content"], status=kept["status"])
            for name, value in kept["headers"]:
                replay[name] = value
            replay[REPLAYED_HEADER] = "true"
            return replay
        if running_elsewhere:
            running = refusal(KEY_IN_FLIGHT, status=409, errors_key=errors_key)
            running["Retry-After"] = str(RETRY_IN_FLIGHT_AFTER_SECONDS)
            return running
        request.idempotency_held = (answer_key, lock_key, fingerprint)
        return None


def refusal(message, *, status, errors_key):
    errors = {HEADER: [str(message)]}
    return JsonResponse({errors_key: errors} if errors_key else errors, status=status)
