"""daphne, with status links masked in its access log: `python -m smartqueue.server <daphne's arguments>`.

daphne writes its access log straight to a stream, past Python's logging and so past
smartqueue.log_masking.LogMaskingFilter; this swaps in an access log that masks them first. It also answers a
request line or header line too long to read with a status, where Twisted only drops the connection.
"""

import daphne.cli
from daphne.access import AccessLogGenerator
from twisted.web import http

from smartqueue.log_masking import mask_capability_links
from smartqueue.startup import settings_or_exit


class MaskedAccessLog(AccessLogGenerator):
    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        super().write_entry(host, date, mask_capability_links(request), status, length, ident, user)


def refuse_overlong_line(channel, line):
    """Twisted's HTTPChannel reads a request line by line, each at most 16 KB (MAX_LENGTH), and closes the
    connection without an answer on a longer one: a client (or the load balancer in front) cannot tell a link too
    long from a server that died. Answer 414 for the request line (nothing of the request counted yet) and 431 for
    a header, then close as Twisted does."""
    status = b"414 URI Too Long" if channel._receivedHeaderSize == 0 else b"431 Request Header Fields Too Large"
    channel.transport.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    channel.loseConnection()


daphne.cli.AccessLogGenerator = MaskedAccessLog
http.HTTPChannel.lineLengthExceeded = refuse_overlong_line

if __name__ == "__main__":
    settings_or_exit()
    daphne.cli.CommandLineInterface.entrypoint()
