import ipaddress
import logging
from types import SimpleNamespace

from django.conf import settings
from django.http import QueryDict
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from ipware import get_client_ip
from rest_framework.exceptions import ParseError, ValidationError

from .parsers import given_more_than_once, repeated_field

logger = logging.getLogger(__name__)
# Headers in which a reverse proxy names the client it forwards (RFC 7239's Forwarded, and the usual others).
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
untrusted_forwarding_reported = False


def client_ip(request):
    """The address a request came from: the one rate limits, login lockout, the audit log and logs all use.

    The socket's peer (REMOTE_ADDR) unless TRUSTED_PROXY_COUNT reverse proxies stand in front of the app;
    X-Forwarded-For is client-supplied, so it is read only then. Each trusted proxy appends the address it
    saw, so the client is the entry that many places from the right; whatever stands to its left came from the
    client (forged, or added by a proxy of the client's own, a hospital's or a carrier's) and is ignored, so
    neither a forger nor a client behind such a proxy shares the nearest proxy's address with everyone else.
    Only the proxies' entries are handed to django-ipware, strictly: anything the client wrote (an open quote
    swallows what follows it in ipware's reading) never reaches the parser. A chain shorter than the count, or
    an entry that is not an address, falls back to the peer.
    """
    return _client_the_proxies_name(request) or request.META.get("REMOTE_ADDR") or None


def _client_the_proxies_name(request):
    """The client address the trusted proxies appended to X-Forwarded-For (client_ip), or None."""
    if not settings.TRUSTED_PROXY_COUNT:
        return None
    appended = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-settings.TRUSTED_PROXY_COUNT :]
    if len(appended) < settings.TRUSTED_PROXY_COUNT:
        return None
    forwarded, _routable = get_client_ip(
        _request_with_only(appended),
        proxy_order="left-most",
        # ipware counts the proxies listed in the header; the nearest one is the peer, not listed.
        proxy_count=settings.TRUSTED_PROXY_COUNT - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=True,
    )
    return forwarded


def _request_with_only(appended):
    """A stand-in request whose X-Forwarded-For holds only the entries the trusted proxies appended."""
    return SimpleNamespace(META={"HTTP_X_FORWARDED_FOR": ",".join(appended)})


# One IPv6 subscriber (a home, a phone) is given a whole /64; counted per address, it would have 2^64 of them.
IPV6_SUBSCRIBER_PREFIX = 64


def limited_address(request):
    """What rate limits and sign-in lockouts count against: the client address, an IPv6 one as its /64 network
    (written as that network's first address). The audit log and logs keep the whole address (client_ip)."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address
    if parsed.version == 4 or parsed.ipv4_mapped:
        return address
    return str(ipaddress.ip_network(f"{parsed}/{IPV6_SUBSCRIBER_PREFIX}", strict=False).network_address)


def forwarded_past_an_uncounted_proxy(request):
    """Whether a request names a client other than its peer (X-Forwarded-For, Forwarded, X-Real-IP) that client_ip
    does not read: TRUSTED_PROXY_COUNT is 0, or X-Forwarded-For holds no client where it says (a proxy writing only
    Forwarded or X-Real-IP, or fewer proxies than counted), and client_ip falls back to the peer. That peer is then a
    proxy, 127.0.0.1 when it runs on the same machine: every client passed for this machine (published passwords
    signed in, the kiosk's allowance, /readyz's details). Such a request is never taken for a local or internal one,
    and the first of them is logged, once a process: the rate limits and lockouts count every client as that proxy."""
    global untrusted_forwarding_reported
    if not any(request.META.get(header) for header in FORWARDING_HEADERS):
        return False
    if _client_the_proxies_name(request):
        return False
    if not untrusted_forwarding_reported:
        untrusted_forwarding_reported = True
        logger.warning(
            "A request from %s names the client it was forwarded for (X-Forwarded-For, Forwarded or X-Real-IP), but "
            "TRUSTED_PROXY_COUNT is %s and X-Forwarded-For names no client there: no such request is taken for one from "
            "this machine or its network. Behind reverse proxies, each appending to X-Forwarded-For, set "
            "TRUSTED_PROXY_COUNT to their number, or every client shares the proxy's rate limits and lockouts unless "
            "the server itself reads the header (README: Production).",
            request.META.get("REMOTE_ADDR"),
            settings.TRUSTED_PROXY_COUNT,
        )
    return True


def from_kiosk(request):
    """Whether the request came from one of the lobby's kiosk devices: a client address in KIOSK_NETWORKS."""
    if forwarded_past_an_uncounted_proxy(request):
        return False
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    # A server listening on both IPv4 and IPv6 sees an IPv4 client as ::ffff:a.b.c.d.
    address = getattr(address, "ipv4_mapped", None) or address
    return any(address in network for network in settings.KIOSK_NETWORKS)


def from_internal_network(request):
    """Whether the client address is a loopback or private one (the host itself, a container or cluster network, the
    hospital's own), not an address of the internet."""
    if forwarded_past_an_uncounted_proxy(request):
        return False
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address
    return address.is_loopback or address.is_private


def from_this_machine(request):
    """Whether the client address is a loopback one: the machine the server runs on (behind TRUSTED_PROXY_COUNT
    proxies, the client's own address, not the proxy's)."""
    if forwarded_past_an_uncounted_proxy(request):
        return False
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return (getattr(address, "ipv4_mapped", None) or address).is_loopback


def sign_in_username(request, credentials=None):
    """The username django-axes counts a sign-in's failures against and keeps in its records: the one typed when an
    account has it, else "unknown:" and a keyed digest of what was typed. Kept as typed, a password typed into the
    username field stayed readable in Django admin's sign-in attempts; the digest still locks out a name tried
    again and again, and fits axes' column (a scanner's longer name failed its insert on PostgreSQL and the sign-in
    page with it, jazzband/django-axes#1381)."""
    from django.contrib.auth import get_user_model

    submitted = credentials or getattr(request, "data", request.POST)
    username = submitted.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(username, str):
        return username
    known = getattr(request, "sign_in_usernames", {})
    if username not in known:
        user_model = get_user_model()
        if user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).exists():
            known[username] = username
        else:
            known[username] = "unknown:" + salted_hmac("smartqueue.sign_in_username", username).hexdigest()[:32]
        # axes asks for it several times a sign-in: one query, not one each.
        request.sign_in_usernames = known
    return known[username]


def submitted_fields(request):
    """A DRF request's body as field -> value; a JSON array or bare value is a 400, not a crash, and so is a form
    field given more than once (a form body keeps the last of its values silently, as json does a repeated key:
    smartqueue.parsers), since no staff action takes a list.

    Each staff action checks the JSON types of its own fields (smartqueue.actions, strict_types)."""
    if not isinstance(request.data, dict):
        raise ParseError(gettext('Send an object of fields, e.g. {"action": "call_next"}.'))
    if isinstance(request.data, QueryDict):
        repeated = repeated_field(request.data)
        if repeated is not None:
            raise ValidationError({repeated: [given_more_than_once(repeated)]})
        # A multipart body's file parts are in request.data too, and a form's text field reads a file as its name.
        for name in request.FILES:
            raise ValidationError({name: [gettext('Send "%(field)s" as text, not as a file.') % {"field": name}]})
    return request.data
