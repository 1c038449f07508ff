"""Staff sockets end with the access that opened them.

A staff socket joins its user's group, so that signing out, deactivation or a change of role reaches every
socket of that user at once (tell_staff_sockets), and re-reads the session it was opened with before serving
anything (signed_in_user), which also catches what no signal announces: an idle session expiring, a password
change elsewhere, a profile edited with a bulk update.
"""

import logging
from functools import partial
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import auth
from django.db import transaction

from .sessions import outlived_its_shift

logger = logging.getLogger(__name__)

# Message types (channels calls the consumer's method of the same name, dots as underscores).
SIGNED_OUT = "staff.signed_out"
ACCESS_CHANGED = "staff.access_changed"


def user_sockets_group(user_id):
    return f"staff_user_{user_id}"


def tell_staff_sockets(*, user_id, message_type):
    """After the transaction commits, send every open staff socket of the user SIGNED_OUT or ACCESS_CHANGED."""
    transaction.on_commit(partial(_send, user_id, message_type))


def _send(user_id, message_type):
    try:
        async_to_sync(get_channel_layer().group_send)(user_sockets_group(user_id), {"type": message_type})
    except Exception:
        # A channel layer outage must not stop a sign-out or an edit; the sockets' own re-check before each
        # frame they serve still ends them.
        logger.warning("Could not reach the staff sockets of user %s (%s)", user_id, message_type, exc_info=True)


def signed_in_user(session_key):
    """The active user the session (re-read from the store) still belongs to, or None."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if outlived_its_shift(store):
        return None
    user = auth.get_user(SimpleNamespace(session=store))
    return user if user.is_authenticated else None
