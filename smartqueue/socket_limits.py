"""How many sockets one client address may hold open on a server process: SOCKETS_PER_ADDRESS.

Every page that follows the queue opens a socket, and a socket costs its process memory (about 45 KB) and a copy of
every frame of its department. Sockets were not limited at all: one client opening them in a loop (2,000 in 38 s in
the eleventh attack run) grew the process by 90 MB and, since a frame goes to each of its department's sockets one
after the other, slowed every board's and dashboard's update in step. Counted per process, in its memory, so that a
process that stops takes its counts with it; by the address rate limits count against (an IPv6 one by its /64).
"""

import collections
from types import SimpleNamespace

from channels.security.websocket import WebsocketDenier
from django.conf import settings

from .requests import limited_address


def socket_address(scope):
    """The client address of a socket, read as a request's is (smartqueue.requests.client_ip)."""
    headers = dict(scope.get("headers", []))
    peer = scope.get("client")
    meta = {
        "REMOTE_ADDR": peer[0] if peer else None,
        "HTTP_X_FORWARDED_FOR": headers.get(b"x-forwarded-for", b"").decode("latin1"),
    }
    return limited_address(SimpleNamespace(META=meta))


class SocketsPerAddress:
    """Refuses a socket at the handshake (403) when its address already holds SOCKETS_PER_ADDRESS on this process."""

    def __init__(self, application):
        self.application = application
        self.open_sockets = collections.Counter()

    async def __call__(self, scope, receive, send):
        address = socket_address(scope)
        if self.open_sockets[address] >= settings.SOCKETS_PER_ADDRESS:
            return await WebsocketDenier()(scope, receive, send)
        self.open_sockets[address] += 1
        try:
            # A consumer's call lasts as long as its socket.
            return await self.application(scope, receive, send)
        finally:
            self.open_sockets[address] -= 1
            if not self.open_sockets[address]:
                del self.open_sockets[address]
