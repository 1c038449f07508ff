"""daphne, with status links masked in its access log: `python -m smartqueue.server <daphne's arguments>`.

daphne writes its access log straight to a stream, past Python's logging and so past
smartqueue.log_masking.LogMaskingFilter; this swaps in an access log that masks them first. It also answers a
request line or header line too long to read with a status, where Twisted only drops the connection, and a body too
large to hold (see refuse_a_body_too_large). It stops
gracefully at SIGTERM (a restart, a deploy): see drain_then_stop. It drops a socket whose client reads nothing, however
much it sends: see SocketAnsweringPings. With DEBUG on, or the published development SECRET_KEY, it listens on this
machine only: see refuse_to_serve_the_network_unsafely. `daphne` started by hand and
`manage.py runserver` take the same server (smartqueue.asgi, smartqueue.serving).
"""

import asyncio
import ipaddress
import logging
import sys
import time

import daphne.cli
import daphne.server
from daphne.access import AccessLogGenerator
from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from django.conf import settings
from twisted.internet import defer, reactor
from twisted.internet.endpoints import _parse as parse_endpoint
from twisted.web import http

from smartqueue.log_masking import mask_log_text
from smartqueue.startup import settings_or_exit


class MaskedAccessLog(AccessLogGenerator):
    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        super().write_entry(host, date, mask_log_text(request), status, length, ident, user)


def refuse_overlong_line(channel, line):
    """Twisted's HTTPChannel reads a request line by line, each at most 16 KB (MAX_LENGTH), and closes the
    connection without an answer on a longer one: a client (or the load balancer in front) cannot tell a link too
    long from a server that died. Answer 414 for the request line (nothing of the request counted yet) and 431 for
    a header, then close as Twisted does."""
    status = b"414 URI Too Long" if channel._receivedHeaderSize == 0 else b"431 Request Header Fields Too Large"
    channel.transport.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    channel.loseConnection()


# Bodies up to this many times DATA_UPLOAD_MAX_MEMORY_SIZE reach the app, which answers those over it with its own
# 413 naming the limit, in the client's language (smartqueue.errors.bad_request); larger ones are refused unread.
BODY_LIMIT_MARGIN = 2


def largest_body_read():
    """The largest request body the server reads, in bytes; None when DATA_UPLOAD_MAX_MEMORY_SIZE sets no limit."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return None if limit is None else limit * BODY_LIMIT_MARGIN


def refuse_a_body_too_large(channel):
    """Answer 413 and read nothing more of the connection: neither the rest of the body nor the request it would end.

    daphne hands the app a request's body by queueing all of it in this process's memory at once, however large, so
    a stranger posting a few bodies of a gigabyte to any address (the sign-in page, the registration form) could
    exhaust the server's memory before any view refused them (twenty-third attack run: one body of 200 MB grew the
    process by 208 MB, kept after the answer). The load balancer limits bodies too (deploy/nginx.conf); this holds
    wherever the server is reached without it."""
    channel.transport.write(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    channel.dataReceived = channel.lineReceived = channel.rawDataReceived = channel.allContentReceived = _read_nothing
    channel.loseConnection()


def _read_nothing(*_received):
    pass


all_headers_received = http.HTTPChannel.allHeadersReceived
handle_content_chunk = http.Request.handleContentChunk


def refuse_a_declared_body_too_large(channel):
    """Before any of the body is read (or a 100 Continue sent): a Content-Length over the limit."""
    limit = largest_body_read()
    if limit is not None and channel.length is not None and channel.length > limit:
        refuse_a_body_too_large(channel)
        return
    all_headers_received(channel)


def refuse_a_chunked_body_too_large(request, data):
    """As it arrives: a chunked body, which declares no length, once it passes the limit."""
    request.body_bytes_read = getattr(request, "body_bytes_read", 0) + len(data)
    limit = largest_body_read()
    if limit is not None and request.body_bytes_read > limit:
        if not getattr(request, "body_refused", False):
            request.body_refused = True
            refuse_a_body_too_large(request.channel)
        return
    handle_content_chunk(request, data)


class SocketAnsweringPings(WebSocketProtocol):
    """daphne's socket, pinged every --ping-interval (20 s) and dropped unless a pong answers within --ping-timeout
    (30 s), whatever the client sends meanwhile.

    daphne pinged only a socket that had sent nothing for the interval, and autobahn took any message as the answer
    to a ping, so a client that sent {"type": "snapshot"} every second and never read kept its socket for ever: the
    frames it never read (a snapshot a second, each department change) queued in this process's memory once the
    kernel's buffers were full, 30 such sockets growing the server by a megabyte a second with a line of 150
    (twenty-second attack run). A browser answers a ping by itself, even from a page busy with its script; a client
    that reads nothing answers none. The clients' own messages are small (patients.live.MAX_CLIENT_MESSAGE_CHARS), so
    no pong waits behind a long upload of theirs (autobahn's reason for taking any message)."""

    def onMessage(self, payload, isBinary):
        pinged_at = self.last_ping  # daphne counts a message as a ping answered: the next ping would never come.
        super().onMessage(payload, isBinary)
        self.last_ping = pinged_at


# The largest socket message (and frame) the server reads. The pages send a few dozen bytes, and the app answers a
# message of more than patients.live.MAX_CLIENT_MESSAGE_CHARS (2,000 characters, at most 8,000 bytes) with an error
# frame saying so; this leaves that answer room and holds no more for a message being received.
SOCKET_MESSAGE_MAX_BYTES = 64 * 1024


class SocketsAnsweringPings(WebSocketFactory):
    """daphne's sockets, pinged as SocketAnsweringPings says, and closed (1009) on a message or frame over
    SOCKET_MESSAGE_MAX_BYTES.

    daphne read messages of up to a megabyte, held in memory until the last of it came: 200 sockets each sent a
    megabyte's frame short of its end (twenty-third attack run) grew the process by 200 MB for as long as they stayed
    open, and one address may hold SOCKETS_PER_ADDRESS (1000) of them, a gigabyte. A frame declaring more is refused
    at its header, before any of it is read; a larger --websocket-max-message-size (or 0, no limit) is held to it."""

    protocol = SocketAnsweringPings

    def resetProtocolOptions(self):
        super().resetProtocolOptions()
        self.autoPingRestartOnAnyTraffic = False
        self.maxMessagePayloadSize = self.maxFramePayloadSize = SOCKET_MESSAGE_MAX_BYTES

    def setProtocolOptions(self, **options):
        for size in ("maxMessagePayloadSize", "maxFramePayloadSize"):
            if size in options:
                # autobahn reads 0 as no limit at all.
                options[size] = min(options[size] or SOCKET_MESSAGE_MAX_BYTES, SOCKET_MESSAGE_MAX_BYTES)
        super().setProtocolOptions(**options)


logger = logging.getLogger(__name__)
# How long a stopping server waits for the requests it is answering; a container manager's own grace (docker's 10 s)
# must be longer.
DRAIN_SECONDS = 8
# The server is stopping (WebSocket 1012 "service restart", which autobahn leaves to servers in 3000-4999 only): the
# pages reconnect (static/js/live-socket.js), to another process or to this one's successor.
CLOSE_SERVICE_RESTART = 4012
listening_ports = []
listen_success = Server.listen_success


def remember_port(server, port):
    listening_ports.append(port)
    return listen_success(server, port)


def drain_then_stop(server):
    """daphne's stop cancelled every request under way at once: a registration being answered was cut (the client got
    no answer, whether or not its token was issued) and every socket dropped without a close frame. This stops taking
    connections, closes the sockets saying the server is stopping, lets the requests under way finish and the sockets'
    closing handshakes end for up to DRAIN_SECONDS, then cancels what is left as daphne does."""
    for port in listening_ports:
        port.stopListening()
    for protocol, details in list(server.connections.items()):
        if isinstance(protocol, WebSocketProtocol) and "disconnected" not in details:
            protocol.serverClose(code=CLOSE_SERVICE_RESTART)
    deadline = time.monotonic() + DRAIN_SECONDS
    drained = defer.Deferred()

    def under_way():
        return [
            protocol
            for protocol, details in server.connections.items()
            if (isinstance(protocol, WebSocketProtocol) and "disconnected" not in details)
            or (details.get("application_instance") is not None and not details["application_instance"].done())
        ]

    def check():
        if under_way() and time.monotonic() < deadline:
            reactor.callLater(0.05, check)
        else:
            drained.callback(None)

    logger.info("Stopping: %d request(s) and socket(s) open, waiting up to %s s", len(under_way()), DRAIN_SECONDS)
    check()
    drained.addCallback(lambda _: cancel_what_is_left(server))
    return drained


def cancel_what_is_left(server):
    """daphne's kill_all_applications, for connections whose application may have ended (daphne's read a key that
    its application checker deletes once an application is done, and raised on a kept-alive connection)."""
    left = [
        details["application_instance"]
        for details in server.connections.values()
        if details.get("application_instance") is not None and not details["application_instance"].done()
    ]
    for application_instance in left:
        application_instance.cancel()
    logger.info("Stopped: %d request(s) or socket(s) cancelled", len(left))
    cancelled = defer.Deferred.fromFuture(asyncio.gather(*left, return_exceptions=True))
    cancelled.addErrback(lambda _: None)
    return cancelled


def listens_beyond_this_machine(endpoint):
    """Whether a Twisted endpoint daphne listens on (-b, -e, --fd) can be reached from other machines: a TCP or TLS
    one on any interface but loopback (none named is every interface), or a file descriptor of unknown origin; a Unix
    socket cannot. One Twisted cannot read is taken as reachable."""
    try:
        (kind, *_positional), options = parse_endpoint(endpoint)
        interface = options.get("interface", "").strip("[]")
        if kind == "unix" or interface == "localhost":
            return False
        address = ipaddress.ip_address(interface)
    except (ValueError, RuntimeError):  # Twisted's parser ends an endpoint cut after an escape with RuntimeError.
        return True
    return not (getattr(address, "ipv4_mapped", None) or address).is_loopback


def refuse_to_serve_the_network_unsafely(endpoints):
    """Ends the process, saying why, before a server listens on an address other machines reach (`make run
    HOST=0.0.0.0`, `manage.py runserver 0.0.0.0:8000`, daphne by hand) with DEBUG on unless DEBUG_ON_NETWORK says so
    (its pages show tracebacks with the request's data, the settings and every URL), or with the development
    SECRET_KEY published in the source (whoever reads it forges what the app signs)."""
    reachable = ", ".join(endpoint for endpoint in endpoints if listens_beyond_this_machine(endpoint))
    if not reachable:
        return
    if settings.DEBUG and not settings.DEBUG_ON_NETWORK:
        sys.exit(
            f"SmartQueue cannot start: DEBUG is on and the server would listen on {reachable}, which "
            "other machines reach: DEBUG's error pages show them tracebacks, settings and every URL. Serve on "
            "127.0.0.1, set DEBUG=False for a server others use (README: Production), or set DEBUG_ON_NETWORK=True "
            "to show the demo to phones on a network you trust (README: Demo on the network)."
        )
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        sys.exit(
            f"SmartQueue cannot start: the server would listen on {reachable}, which other machines reach, with the "
            "development SECRET_KEY published in SmartQueue's source: anyone could forge what the app signs. Set "
            "SECRET_KEY to a key of your own (`make run` makes one for this machine in .secret-key), or serve on "
            "127.0.0.1."
        )


class ServerRefusingDebugOnTheNetwork(Server):
    """daphne's server, which will not serve DEBUG's pages or the published SECRET_KEY's signatures beyond this
    machine: see refuse_to_serve_the_network_unsafely."""

    def __init__(self, *, endpoints, **options):
        refuse_to_serve_the_network_unsafely(endpoints)
        super().__init__(endpoints=endpoints, **options)


daphne.cli.CommandLineInterface.server_class = ServerRefusingDebugOnTheNetwork
daphne.cli.AccessLogGenerator = MaskedAccessLog
Server.listen_success = remember_port
Server.kill_all_applications = drain_then_stop
http.HTTPChannel.lineLengthExceeded = refuse_overlong_line
http.HTTPChannel.allHeadersReceived = refuse_a_declared_body_too_large
http.Request.handleContentChunk = refuse_a_chunked_body_too_large
daphne.server.WebSocketFactory = SocketsAnsweringPings

if __name__ == "__main__":
    settings_or_exit()
    daphne.cli.CommandLineInterface.entrypoint()
