import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_credentials, get_failure_limit

from .passwords import PUBLISHED_DEMO_PASSWORDS
from .requests import from_this_machine, limited_address
from .trusted_devices import is_trusted_device

PUBLISHED_PASSWORD_REFUSED = _(
    "This account still has a password published with the SmartQueue demo: it signs in only on the computer "
    "SmartQueue runs on, at the address 127.0.0.1. Sign in there and change the password to sign in from other "
    "devices."
)

SIGN_IN_FAILURES_GROUP = "sign-in-failures"
ACCOUNT_SIGN_IN_FAILURES_GROUP = "account-sign-in-failures"
# How long a count of sign-ins being checked is kept from its first: a request that never ends its check (its worker
# killed while hashing) holds a place at most that long.
SIGN_IN_CHECKS_TIMEOUT_SECONDS = 300


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes lockout for sign-ins that come with a request (every login form and API), a budget of failed
    sign-ins per client address whatever the usernames, and one per account from the browsers that have not signed
    in to it before (smartqueue.trusted_devices).

    axes locks a username from one address (a colleague's typos lock out no one else at the desk), so one address
    could try a few passwords on every account in turn, round after round, and never be locked out: the budget
    (THROTTLE_SIGN_IN_FAILURES) stops that. Once it is spent, every sign-in from the address, even with the
    right password, gets the lockout page until its window ends.

    authenticate() without a request (Django's test client login, the shell, management commands)
    cannot come from a browser, so there is no address to throttle; axes would raise instead.

    Both limits count the sign-ins still being checked beside the failures: a failure is counted only once its
    password has been hashed and compared, so a burst of sign-ins sent at once all found the count as it was and
    all had their passwords tried (16 at once for one account, against its limit of 5). Each sign-in takes its
    place among the checks in progress before the limits are read, atomically in the shared cache, and keeps it
    until its request has been answered (SignInChecksMiddleware), by when its failure is counted.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        credentials = get_credentials(username=username, password=password, **kwargs)
        address = limited_address(request) or ""
        username = str(get_client_username(request, credentials))
        checks_from_address = begin_sign_in_check(request, address)
        checks_of_account = begin_sign_in_check(request, address, username)
        if address_out_of_sign_in_attempts(request, checks_in_progress=checks_from_address):
            request.axes_locked_out = True
            request.sign_in_address_locked_out = True
            raise AxesBackendPermissionDenied("Too many failed sign-ins from this address.")
        if not is_trusted_device(request, username):
            checks_of_account_anywhere = begin_sign_in_check(request, ACCOUNT_SIGN_IN_FAILURES_GROUP, username)
            if account_out_of_sign_in_attempts(request, username, checks_in_progress=checks_of_account_anywhere):
                request.axes_locked_out = True
                request.sign_in_account_locked_out = True
                raise AxesBackendPermissionDenied("Too many failed sign-ins for this account from new browsers.")
        failures = AxesProxyHandler.get_failures(request, credentials)
        if failures + checks_of_account > get_failure_limit(request, credentials):
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("Too many failed sign-ins for this account from this address.")
        return super().authenticate(request, username=username, password=password, **kwargs)


def _sign_in_checks_key(*parts):
    return "sign-in-checks:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()


def begin_sign_in_check(request, *parts):
    """Count the request among the sign-ins being checked for these parts (an address, a username); how many are
    being checked now, this one included. SignInChecksMiddleware ends the check after the answer."""
    key = _sign_in_checks_key(*parts)
    cache.add(key, 0, SIGN_IN_CHECKS_TIMEOUT_SECONDS)
    try:
        checks = cache.incr(key)
    except ValueError:  # Gone with its timeout since it was added.
        checks = None
    request.sign_in_checks = [*getattr(request, "sign_in_checks", []), key]
    # None: the cache is unreachable, and the limits let sign-ins through as the rate limits do (RATELIMIT_FAIL_OPEN).
    # Never fewer than this one: a check ended after its count timed out and began again takes one too many off.
    return max(checks or 1, 1)


class SignInChecksMiddleware:
    """Ends the sign-in checks a request began (LoginThrottleBackend) once it has been answered: a failed one has
    been counted by then (user_login_failed), so a sign-in arriving meanwhile finds it in one count or the other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            for key in getattr(request, "sign_in_checks", ()):
                try:
                    cache.decr(key)
                except ValueError:
                    pass  # Gone with its timeout: nothing left to end.


def _failures_from_address(request, *, count_one_more):
    return get_usage(
        request,
        group=SIGN_IN_FAILURES_GROUP,
        key=lambda _group, request: limited_address(request) or "",
        rate=settings.THROTTLE_SIGN_IN_FAILURES,
        increment=count_one_more,
    )


def address_out_of_sign_in_attempts(request, *, checks_in_progress=1):
    """Whether the address has no failed sign-in left, counting the ones being checked (this one included)."""
    usage = _failures_from_address(request, count_one_more=False)
    return usage is not None and usage["count"] + checks_in_progress > usage["limit"]


def _failures_of_account(request, username, *, count_one_more):
    return get_usage(
        request,
        group=ACCOUNT_SIGN_IN_FAILURES_GROUP,
        key=lambda _group, _request: username,
        rate=settings.THROTTLE_ACCOUNT_SIGN_IN_FAILURES,
        increment=count_one_more,
    )


def account_out_of_sign_in_attempts(request, username, *, checks_in_progress=1):
    """Whether the account has no failed sign-in left for browsers it has not signed in from, counting the ones being
    checked (this one included)."""
    usage = _failures_of_account(request, username, count_one_more=False)
    return usage is not None and usage["count"] + checks_in_progress > usage["limit"]


def count_failed_sign_in(sender, credentials, request=None, **kwargs):
    """user_login_failed: one failed sign-in more from the request's address, whichever username it tried, and one
    more of the account's when the browser has not signed in to it before."""
    if request is None:
        return
    _failures_from_address(request, count_one_more=True)
    username = str(get_client_username(request, credentials))
    if not is_trusted_device(request, username):
        _failures_of_account(request, username, count_one_more=True)


class PublishedPasswordsOnThisMachineBackend(ModelBackend):
    """Django's accounts, except that one whose password README publishes (a demo account, or any given such a
    password) signs in only from the machine the server runs on: `make run HOST=0.0.0.0` serves the demo to phones
    on the network, and its superuser and staff would otherwise be anyone's there. Refused as a failed sign-in (it
    counts towards the lockouts like any wrong password)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or request is None or password not in PUBLISHED_DEMO_PASSWORDS.values():
            return user
        if from_this_machine(request):
            return user
        request.sign_in_with_a_published_password = True
        raise PermissionDenied("A published password signs in on the server's own machine only.")


class PublishedPasswordRefusalSaid:
    """A sign-in form that says why a right but published password was refused (PublishedPasswordsOnThisMachineBackend)
    instead of calling it wrong."""

    def get_invalid_login_error(self):
        if getattr(self.request, "sign_in_with_a_published_password", False):
            return ValidationError(PUBLISHED_PASSWORD_REFUSED, code="published_password")
        return super().get_invalid_login_error()
