"""Which webhook addresses the server may call: never link-local or cloud metadata addresses, and private or
loopback ones only for hosts named in WEBHOOK_ALLOWED_HOSTS (so a registered URL cannot make the server
reach into the hospital network or the cloud's metadata service)."""

import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util import parse_url

# Cloud metadata services outside 169.254.0.0/16 (AWS's IPv6 one, Alibaba's, Oracle's), refused whatever is allowed.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address) for address in ("fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
# Special-purpose networks off the public internet that is_private, is_reserved and the rest miss, on 3.11.7 at
# least: shared address space, IPv6 documentation, and all of IANA's protocol assignments 192.0.0.0/24, including
# the anycast 192.0.0.9 and .10, which no hospital system receives webhooks on.
INTERNAL_NETWORKS = tuple(ipaddress.ip_network(network) for network in ("100.64.0.0/10", "192.0.0.0/24", "3fff::/20"))


# What is wrong with a webhook address, by the code of the ValidationError that says it (address_problem): a delivery
# refused for it keeps the code and its params, worded when read in the reader's language (WebhookFailure).
ADDRESS_PROBLEMS = {
    "characters": _("A webhook URL may not hold a user name, a backslash, spaces or control characters."),
    "without_host": _("Enter an http or https URL with a host."),
    "port": _("The URL's port is not valid."),
    "unresolved": _("The host %(host)s does not resolve."),
    "never_called": _("%(host)s resolves to %(address)s, a link-local or metadata address, which is never called."),
    "internal": _(
        "%(host)s resolves to %(address)s, an internal address; add the host to WEBHOOK_ALLOWED_HOSTS to allow it."
    ),
}


def address_problem(code, **params):
    return ValidationError(ADDRESS_PROBLEMS[code], code=code, params=params)


def _carried(address):
    """The IPv4 address an IPv6 one carries and leads to (::ffff:a.b.c.d, 6to4's 2002:ab:cd::, Teredo's
    client), else the address itself."""
    if address.version == 6:
        teredo = address.teredo
        return address.ipv4_mapped or address.sixtofour or (teredo[1] if teredo else None) or address
    return address


def _never_reachable(address):
    address = _carried(address)
    return address.is_link_local or address in METADATA_ADDRESSES


def _internal(address):
    """Whether the address, or the IPv4 one it carries, is not on the public internet: a Teredo address with a
    public client is still in 2001::/23, which IANA keeps for special purposes."""
    return any(_internal_itself(candidate) for candidate in {address, _carried(address)})


def _internal_itself(address):
    return (
        getattr(address, "is_site_local", False)  # fec0::/10, deprecated but routed by some networks
        or address.is_private
        or address.is_loopback
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or any(address in network for network in INTERNAL_NETWORKS)
    )


def resolve(host, port):
    """Every address the host resolves to now; ValidationError when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise address_problem("unresolved", host=host) from error
    return {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}


def _allowed(host):
    return host.lower() in {allowed.lower() for allowed in settings.WEBHOOK_ALLOWED_HOSTS}


def refusal(host, address):
    """Why the server must not call this address for this host (a ValidationError), or None when it may."""
    if _never_reachable(address):
        return address_problem("never_called", host=host, address=str(address))
    if _internal(address) and not _allowed(host):
        return address_problem("internal", host=host, address=str(address))
    return None


def validate_webhook_url(url):
    """Refuse a webhook URL whose host is, or resolves to, an address the server must not call.

    Checked when the endpoint is saved and again before each delivery, and the delivery's connection is checked
    once more (webhook_session), since DNS answers change.
    """
    # The sender (urllib3) and this check must read the same host: they part ways on a backslash, a user part
    # or a control character (http://127.0.0.1\@example.org/ is example.org to urlsplit, 127.0.0.1 to urllib3).
    if any(character in "\\@" or character.isspace() or ord(character) < 32 for character in url):
        raise address_problem("characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise address_problem("without_host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        sent_to = parse_url(url).host
    except ValueError as error:
        raise address_problem("port") from error
    if (sent_to or "").strip("[]").lower() != parts.hostname.lower():
        raise address_problem("without_host")
    for address in resolve(parts.hostname, port):
        problem = refusal(parts.hostname, address)
        if problem:
            raise problem


class RefusedPeerError(NewConnectionError):
    """A connection refused for the address it reached; its problem is refusal()'s ValidationError."""

    def __init__(self, connection, problem):
        super().__init__(connection, " ".join(problem.messages))
        self.problem = problem


class _CheckedPeer:
    """A urllib3 connection that refuses, once connected, a peer address validate_webhook_url would refuse: the
    host's DNS may answer the connection otherwise than the check a moment before (DNS rebinding). It is also cut
    off at its session's end (exchange_ends_at, time.monotonic()): a socket's timeout bounds each wait only, so a
    receiver sending its answer a byte at a time held the worker for as long as it liked, and past the sending lease
    another worker took the delivery over and was held in turn."""

    exchange_ends_at = None

    def _new_conn(self):
        sock = super()._new_conn()
        address = ipaddress.ip_address(sock.getpeername()[0].split("%")[0])
        problem = refusal(self.host, address)
        if problem:
            sock.close()
            raise RefusedPeerError(self, problem)
        self._cut_off = threading.Timer(max(self.exchange_ends_at - time.monotonic(), 0), _cut_off, (sock,))
        self._cut_off.daemon = True
        self._cut_off.start()
        return sock

    def close(self):
        cut_off = getattr(self, "_cut_off", None)
        if cut_off is not None:
            cut_off.cancel()
        super().close()


def _cut_off(sock):
    # A read waiting on the socket returns at once, as if the receiver had closed it: the exchange fails.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # Closed already.


def _checked_pool(pool_class, connection_class, exchange_ends_at):
    checked_connection = type(
        f"Checked{connection_class.__name__}", (_CheckedPeer, connection_class), {"exchange_ends_at": exchange_ends_at}
    )
    return type(f"Checked{pool_class.__name__}", (pool_class,), {"ConnectionCls": checked_connection})


class _CheckedAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, exchange_ends_at):
        # Read by init_poolmanager, which the adapter's own __init__ calls.
        self.exchange_ends_at = exchange_ends_at
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _checked_pool(HTTPConnectionPool, HTTPConnection, self.exchange_ends_at),
            "https": _checked_pool(HTTPSConnectionPool, HTTPSConnection, self.exchange_ends_at),
        }


def webhook_session(*, within_seconds):
    """A requests session whose every connection is checked against the addresses the server must not call, and
    cut off within_seconds from now whatever it is doing; it ignores the environment's proxies, whose address would
    be checked instead of the receiver's."""
    exchange_ends_at = time.monotonic() + within_seconds
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", _CheckedAdapter(exchange_ends_at))
    session.mount("https://", _CheckedAdapter(exchange_ends_at))
    return session
