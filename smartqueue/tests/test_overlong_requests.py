"""The server `make run` and the production path start (smartqueue.server) answers a line too long to read."""

import pytest
from twisted.internet.testing import StringTransport
from twisted.web import http

import smartqueue.server  # noqa: F401  (installs the answer on Twisted's HTTPChannel)

OVERLONG = b"a" * (http.HTTPChannel.MAX_LENGTH + 1)


def answer_to(request):
    channel = http.HTTPChannel()
    transport = StringTransport()
    channel.makeConnection(transport)
    channel.dataReceived(request)
    return transport.value(), transport.disconnecting


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GET /?q=" + OVERLONG + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + OVERLONG + b"\r\n\r\n", b"431"),
    ],
    ids=["request line", "header line"],
)
def test_a_line_too_long_to_read_is_answered_with_its_status_and_the_connection_closed(request_bytes, status):
    answer, closing = answer_to(request_bytes)

    assert answer.startswith(b"HTTP/1.1 " + status + b" "), answer[:80]
    assert closing
