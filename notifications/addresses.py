"""Which webhook addresses the server may call: never link-local or cloud metadata addresses, and private or
loopback ones only for hosts named in WEBHOOK_ALLOWED_HOSTS (so a registered URL cannot make the server
reach into the hospital network or the cloud's metadata service)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Cloud metadata services outside 169.254.0.0/16 (AWS's IPv6 one, Alibaba's), refused whatever is allowed.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(address) for address in ("fd00:ec2::254", "100.100.100.200"))


def _never_reachable(address):
    address = getattr(address, "ipv4_mapped", None) or address
    return address.is_link_local or address in METADATA_ADDRESSES


def _internal(address):
    address = getattr(address, "ipv4_mapped", None) or address
    return (
        address.is_private
        or address.is_loopback
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or address in ipaddress.ip_network("100.64.0.0/10")
    )


def resolve(host, port):
    """Every address the host resolves to now; ValidationError when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(_("The host %(host)s does not resolve.") % {"host": host}) from error
    return {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}


def validate_webhook_url(url):
    """Refuse a webhook URL whose host is, or resolves to, an address the server must not call.

    Checked when the endpoint is saved and again before each delivery, since DNS answers change.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http or https URL with a host."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise ValidationError(_("The URL's port is not valid.")) from error
    allowed = parts.hostname.lower() in {host.lower() for host in settings.WEBHOOK_ALLOWED_HOSTS}
    for address in resolve(parts.hostname, port):
        if _never_reachable(address):
            raise ValidationError(
                _("%(host)s resolves to %(address)s, a link-local or metadata address, which is never called.")
                % {"host": parts.hostname, "address": address}
            )
        if _internal(address) and not allowed:
            raise ValidationError(
                _("%(host)s resolves to %(address)s, an internal address; add the host to WEBHOOK_ALLOWED_HOSTS to allow it.")
                % {"host": parts.hostname, "address": address}
            )
