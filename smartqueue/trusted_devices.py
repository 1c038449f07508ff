"""Browsers that have signed in to an account before, which a guessing attack on the account does not lock out.

django-axes locks a username from one address and THROTTLE_SIGN_IN_FAILURES bounds one address; many addresses (a
botnet) each had their own allowance on one account, and locking the account from everywhere would let anyone keep
a doctor out of the dashboard. As OWASP's device cookies: each sign-in marks its browser (a signed cookie holding a
keyed digest of each account signed in there), and an account's failed sign-ins from browsers not so marked share
one budget (THROTTLE_ACCOUNT_SIGN_IN_FAILURES, smartqueue.auth_backends). Once it is spent, only the browsers the
account signed in from before may try it until the window ends, under the other two limits as before.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.crypto import salted_hmac

COOKIE_NAME = "smartqueue_devices"
_SALT = "smartqueue.trusted_devices"
# A desk's browser shared by a few colleagues keeps each of them; the oldest is forgotten past this.
ACCOUNTS_REMEMBERED = 8


def _account_digest(username, password_hash):
    # With the password: a change of it (the owner shutting out whoever knew the old one) forgets every browser that
    # signed in with the old one, and a copied mark no longer lets many addresses guess the new one.
    return salted_hmac(_SALT, f"{username}\n{password_hash}").hexdigest()[:24]


def _password_hash(username):
    user_model = get_user_model()
    account = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).only("password").first()
    return None if account is None else account.password


def _trusted_digests(request):
    value = request.get_signed_cookie(
        COOKIE_NAME, default="", salt=_SALT, max_age=settings.TRUSTED_DEVICE_DAYS * 24 * 3600
    )
    return [digest for digest in value.split(",") if digest]


def is_trusted_device(request, username):
    """Whether this browser has signed in to the account before (within TRUSTED_DEVICE_DAYS of its last sign-in)."""
    if not isinstance(username, str):
        return False
    digests = _trusted_digests(request)
    if not digests:
        return False
    password_hash = _password_hash(username)
    return password_hash is not None and _account_digest(username, password_hash) in digests


def trust_this_device(sender, request, user, **kwargs):
    """user_logged_in: the browser is marked for the account when the answer goes out (TrustedDeviceMiddleware)."""
    if request is not None:
        request.signed_in_account_digest = _account_digest(user.get_username(), user.password)


class TrustedDeviceMiddleware:
    """Writes the mark of a browser that has just signed in, renewing it for TRUSTED_DEVICE_DAYS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        digest = getattr(request, "signed_in_account_digest", None)
        if digest is not None:
            others = [kept for kept in _trusted_digests(request) if kept != digest]
            response.set_signed_cookie(
                COOKIE_NAME,
                ",".join([digest, *others][:ACCOUNTS_REMEMBERED]),
                salt=_SALT,
                max_age=settings.TRUSTED_DEVICE_DAYS * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
