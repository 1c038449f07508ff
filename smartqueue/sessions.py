"""Staff sessions end after SESSION_IDLE_MINUTES without anything the person does.

Every request a person makes pushes the session's end forward (SESSION_SAVE_EVERY_REQUEST). A live page also
fetches by itself: the doctor's dashboard and the admin panel's live queues redraw after every change of their
department, and pages poll while their socket is down. Counted as activity, those fetches kept a dashboard
left open on an unattended desk signed in for as long as its department was busy. The pages send
BACKGROUND_REQUEST_HEADER on them (static/js/live-fragment.js, live-socket.js), and such a request saves the
session only when it changed it.

Typing in a form makes no request, so the pages' script (static/js/staff-session.js) tells the server while the
person types or clicks (views.keep_session_alive), warns before the end, and at the end signs the page out
itself, to the sign-in page with IDLE_SIGN_OUT_FLAG so that it says why.

Activity keeps a session alive for a shift at most: SESSION_MAX_HOURS after signing in, the next request signs it
out (SessionMaxAgeMiddleware), and a staff socket opened with it closes (staff_sockets.signed_in_user). A
session whose password, cookie or unattended desk leaked does not stay usable for ever by being used. The pages are
told when that is (session_time_limits), warn before it (WCAG 2.2.1) and offer to sign in again, not to extend it.
"""

import time
from datetime import UTC, datetime
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import ngettext

BACKGROUND_REQUEST_HEADER = "X-Background-Refresh"
# The sign-in page's query parameters set by staff-session.js after an idle sign-out (?idle=1) and at the end of a
# shift (?shift=1), so that it says why.
IDLE_SIGN_OUT_FLAG = "idle"
SHIFT_SIGN_OUT_FLAG = "shift"


def is_background_request(request):
    return request.headers.get(BACKGROUND_REQUEST_HEADER) == "1"


class ActivitySessionMiddleware(SessionMiddleware):
    """Django's session middleware, leaving a session as it was after a page's own refresh that did not change it."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is None or not is_background_request(request) or session.modified or session.is_empty():
            return super().process_response(request, response)
        if session.accessed:
            patch_vary_headers(response, ("Cookie",))
        return response


SIGNED_IN_AT_SESSION_KEY = "signed_in_at"


class ShiftEnd(NamedTuple):
    at: datetime
    seconds_left: int


def shift_ends_at(session):
    """When SessionMaxAgeMiddleware signs this session out (seconds since the epoch); None before its sign-in is
    timed."""
    signed_in_at = session.get(SIGNED_IN_AT_SESSION_KEY)
    return signed_in_at + settings.SESSION_MAX_AGE_SECONDS if isinstance(signed_in_at, int) else None


def shift_end(session):
    ends_at = shift_ends_at(session)
    if ends_at is None:
        return None
    # The page counts the time left from when it asked, on its own clock, which need not agree with the server's.
    return ShiftEnd(at=datetime.fromtimestamp(ends_at, tz=UTC), seconds_left=max(0, int(ends_at - time.time())))


def session_time_limits(request):
    """Template context for a staff page's warnings: how long it may sit unused, and when its sign-in ends. The end is
    read only by a page that shows it (a callable), so that a public page does not read the session for it."""
    return {
        "session_idle_seconds": settings.SESSION_COOKIE_AGE,
        "session_shift_end": partial(shift_end, request.session),
    }


def shift_over_message():
    """Why a sign-in ended after SESSION_MAX_HOURS, however busy."""
    hours = settings.SESSION_MAX_AGE_SECONDS // 3600
    return ngettext(
        "You were signed in for %(hours)s hour, as long as a sign-in lasts: sign in again to go on.",
        "You were signed in for %(hours)s hours, as long as a sign-in lasts: sign in again to go on.",
        hours,
    ) % {"hours": hours}


def sign_out_reason(request):
    """Why a sign-in page was arrived at from a page that signed itself out (static/js/staff-session.js), in words;
    None when the person signed out themselves or was never signed in."""
    if request.GET.get(IDLE_SIGN_OUT_FLAG) == "1":
        minutes = settings.SESSION_COOKIE_AGE // 60
        return ngettext(
            "You were signed out after %(minutes)s minute without activity; sign in again to continue.",
            "You were signed out after %(minutes)s minutes without activity; sign in again to continue.",
            minutes,
        ) % {"minutes": minutes}
    if request.GET.get(SHIFT_SIGN_OUT_FLAG) == "1":
        return shift_over_message()
    return None


def ended_for_idleness(request):
    """Whether the request came with the cookie of a staff sign-in that ended for want of activity, however the page
    got here (a reload on a refused refresh, a link followed after the device slept), not only by its own timer.

    Only a stored session past its end, signed in, is taken for one (its row is kept until the night's
    clear-expired-sessions): not a session a sign-out, a password change or the shift's end deleted, nor a patient's
    session without a sign-in. Other session engines forget an ended session at once, and nothing is said."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    stored = getattr(type(request.session), "get_model_class", None)
    if not key or stored is None or request.session.session_key == key:
        return False
    ended = stored().objects.filter(session_key=key, expire_date__lte=timezone.now()).first()
    return ended is not None and auth.SESSION_KEY in ended.get_decoded()


def remember_sign_in_time(sender, request, user, **kwargs):
    """On sign-in (user_logged_in): when, for SESSION_MAX_HOURS."""
    if request is not None:
        request.session[SIGNED_IN_AT_SESSION_KEY] = int(time.time())


def outlived_its_shift(session):
    """Signed in longer ago than SESSION_MAX_HOURS. A session signed in before sign-ins were timed starts its
    count at its next request (SessionMaxAgeMiddleware)."""
    ends_at = shift_ends_at(session)
    return ends_at is not None and time.time() > ends_at


class SessionMaxAgeMiddleware:
    """Signs out a session that outlived its shift, and says why on the sign-in page the view then sends to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if outlived_its_shift(request.session):
                auth.logout(request)
                messages.info(request, shift_over_message())
            else:
                request.session.setdefault(SIGNED_IN_AT_SESSION_KEY, int(time.time()))
        return self.get_response(request)
