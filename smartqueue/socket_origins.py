"""Which pages may open the app's sockets: its own, on the same host and port.

Channels' AllowedHostsOriginValidator checks the Origin's host against ALLOWED_HOSTS and nothing else, so a page
of another site on the same host name (another port: a second app on the server, a developer's tool) opened a
doctor's socket with the doctor's cookie, which browsers send to every port of the host. The Origin's port must
also be the one the socket was opened on, as its Host header says; a proxy must pass that header on whole
(deploy/nginx.conf: `$http_host`). A Host without a port is the default one (browsers leave out 80 and 443):
the page must be on its scheme's default port too, so that a page on :8443 cannot open the sockets of the site
on 443. A proxy that drops the port of a site on another one (`$host`) makes the app refuse its own pages.
A site served over HTTPS only (SECURE_SSL_REDIRECT) takes no page of http://: one there (a network on the way
answering for the host in plain text) is not the app's, as Django's CSRF check also refuses it.
"""

from urllib.parse import urlsplit

from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def _split_host(host):
    """(name, port or None) of a Host header; None for one that is not a host."""
    try:
        parts = urlsplit(f"//{host}")
        return parts.hostname, parts.port
    except ValueError:
        return None


def same_port(origin, host, *, https_only=False):
    """False when the Origin names another port than the Host the socket was opened on, or plain HTTP where the
    site is HTTPS only."""
    if origin is None or host is None:
        return True  # Channels' check refuses a missing Origin; a missing Host leaves nothing to compare.
    try:
        parsed = urlsplit(origin.decode("latin1"))
        origin_port = parsed.port or DEFAULT_PORTS.get(parsed.scheme)
    except ValueError:
        return False
    if https_only and parsed.scheme != "https":
        return False
    split_host = _split_host(host.decode("latin1"))
    if split_host is None:
        return False
    host_name, host_port = split_host
    if host_name != (parsed.hostname or "").lower():
        return False
    if host_port is None:
        return origin_port == DEFAULT_PORTS.get(parsed.scheme)
    return host_port == origin_port


class SameOriginSockets:
    """AllowedHostsOriginValidator, and the Origin's port (and, on an HTTPS-only site, scheme) that of the socket's
    Host."""

    def __init__(self, application):
        self.application = AllowedHostsOriginValidator(application)

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", []))
        if not same_port(headers.get(b"origin"), headers.get(b"host"), https_only=settings.SECURE_SSL_REDIRECT):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
