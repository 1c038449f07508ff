from django.conf import settings
from django_ratelimit.core import get_usage

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied

from .requests import limited_address

SIGN_IN_FAILURES_GROUP = "sign-in-failures"


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes lockout for sign-ins that come with a request (every login form and API), and a budget of
    failed sign-ins per client address whatever the usernames.

    axes locks a username from one address (a colleague's typos lock out no one else at the desk), so one address
    could try a few passwords on every account in turn, round after round, and never be locked out: the budget
    (THROTTLE_SIGN_IN_FAILURES) stops that. Once it is spent, every sign-in from the address, even with the
    right password, gets the lockout page until its window ends.

    authenticate() without a request (Django's test client login, the shell, management commands)
    cannot come from a browser, so there is no address to throttle; axes would raise instead.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        if address_out_of_sign_in_attempts(request):
            request.axes_locked_out = True
            request.sign_in_address_locked_out = True
            raise AxesBackendPermissionDenied("Too many failed sign-ins from this address.")
        return super().authenticate(request, username=username, password=password, **kwargs)


def _failures_from_address(request, *, count_one_more):
    return get_usage(
        request,
        group=SIGN_IN_FAILURES_GROUP,
        key=lambda _group, request: limited_address(request) or "",
        rate=settings.THROTTLE_SIGN_IN_FAILURES,
        increment=count_one_more,
    )


def address_out_of_sign_in_attempts(request):
    usage = _failures_from_address(request, count_one_more=False)
    return usage is not None and usage["count"] >= usage["limit"]


def count_failed_sign_in(sender, credentials, request=None, **kwargs):
    """user_login_failed: one failed sign-in more from the request's address, whichever username it tried."""
    if request is not None:
        _failures_from_address(request, count_one_more=True)
