"""The server `make run` and the production path start (smartqueue.server) answers a line too long to read, and a
body too large to hold, itself."""

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


class RecordedRequest(http.Request):
    """Twisted's request, noting whether the server handed it on (daphne's own starts the app there)."""

    handed_on = []

    def process(self):
        self.handed_on.append(self.content.read())
        self.setResponseCode(200)
        self.finish()


def answer_and_handed_on(request_bytes):
    RecordedRequest.handed_on = []
    channel = http.HTTPChannel()
    channel.requestFactory = RecordedRequest
    transport = StringTransport()
    channel.makeConnection(transport)
    channel.dataReceived(request_bytes)
    return transport.value(), transport.disconnecting, RecordedRequest.handed_on


def post_with_length(length, body=b""):
    return b"POST /doctors/login/ HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % length + body


def chunked_post(size, chunk_size=64 * 1024):
    chunks = [b"%x\r\n%s\r\n" % (chunk_size, b"a" * chunk_size) for _ in range(size // chunk_size)]
    return b"POST /doctors/login/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + b"".join(chunks)


def test_a_body_declared_larger_than_the_server_reads_is_refused_before_it_is_read(settings):
    """daphne queues a request's whole body in memory for the app: a stranger's bodies of a gigabyte each, to any
    address, grew the process by as much (twenty-third attack run). Refused at the headers, nothing handed on."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    answer, closing, handed_on = answer_and_handed_on(post_with_length(10**9, b"a" * 5000))

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:80]
    assert closing
    assert handed_on == []


def test_a_chunked_body_is_refused_once_it_passes_what_the_server_reads(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    answer, closing, handed_on = answer_and_handed_on(chunked_post(1024 * 1024) + b"0\r\n\r\n")

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:80]
    assert closing
    assert handed_on == []


def test_a_body_over_the_apps_limit_but_within_the_servers_reaches_the_app_for_its_own_answer(settings):
    """The app answers those with a 413 naming its limit in the client's language (smartqueue.errors.bad_request)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b"a" * 1500
    answer, _closing, handed_on = answer_and_handed_on(post_with_length(len(body), body))
    _chunked_answer, _chunked_closing, chunked_handed_on = answer_and_handed_on(
        chunked_post(1024, chunk_size=512) + b"0\r\n\r\n"
    )

    assert answer.startswith(b"HTTP/1.1 200 "), answer[:80]
    assert handed_on == [body]
    assert chunked_handed_on == [b"a" * 1024]
