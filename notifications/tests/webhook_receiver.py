"""A hospital system's webhook receiver on a loopback port: records each POST, answers as scripted."""

import hashlib
import hmac
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from .loopback_server import LoopbackServer


def verify_signature(secret, header, body, tolerance_seconds=300):
    """The receiver's check, exactly as docs/notifications.md shows it."""
    fields = [part.split("=", 1) for part in header.split(",")]
    timestamps = [value for name, value in fields if name == "t"]
    signatures = [value for name, value in fields if name == "v1"]
    if len(timestamps) != 1 or abs(time.time() - int(timestamps[0])) > tolerance_seconds:
        return False
    expected = hmac.new(secret.encode(), f"{timestamps[0]}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, received) for received in signatures)


@dataclass(frozen=True)
class ReceivedPost:
    path: str
    headers: dict
    body: bytes


class WebhookReceiver(LoopbackServer):
    """Answers 200 unless told otherwise: `fail_next(status)` or `hang_next()` (never answer, until stop)."""

    def __init__(self):
        super().__init__()
        self.hang = False
        self.reply_bytes_written = 0

    @property
    def url(self):
        return f"{super().url}/hooks/smartqueue"

    def fail_next(self, status):
        self.scripted.append(status)

    def reply_next(self, status, body, *, repeat=1):
        """Answer the next POST with status and body sent repeat times (a long reply), counting what it wrote."""
        self.scripted.append((status, body, repeat))

    def hang_next(self):
        self.hang = True

    def redirect_next(self, status, location):
        """Answer the next POST with a redirect (status 301, 302, 307 or 308) to location."""
        self.scripted.append(("redirect", status, location))

    def trickle_next(self, seconds):
        """Answer the next POST's status at once and then a header line every tenth of a second for `seconds`: each
        wait of the sender's is short, the whole answer long."""
        self.scripted.append(("trickle", seconds))

    def _answer(self, path, headers, body):
        with self.lock:
            self.received.append(ReceivedPost(path, headers, body))
            hang, self.hang = self.hang, False
            status = self.scripted.popleft() if self.scripted else 200
        if hang:
            self.request_arrived.set()
            self.released.wait(timeout=120)
        return status

    def _handler_class(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = receiver._answer(self.path, dict(self.headers), body)
                if isinstance(answer, tuple) and answer[0] == "trickle":
                    self._trickle(seconds=answer[1])
                    return
                if isinstance(answer, tuple) and answer[0] == "redirect":
                    self.send_response(answer[1])
                    self.send_header("Location", answer[2])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, reply, repeat = answer if isinstance(answer, tuple) else (answer, None, 1)
                if reply is None:
                    reply = b"ok" if status < 300 else b"receiver error"
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply) * repeat))
                self.end_headers()
                try:
                    for _ in range(repeat):
                        self.wfile.write(reply)
                        receiver.reply_bytes_written += len(reply)
                except OSError:  # the sender stopped reading and closed the connection
                    pass

            def _trickle(self, seconds):
                ends_at = time.monotonic() + seconds
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    while time.monotonic() < ends_at:
                        self.wfile.write(b"X-Trickle: 1\r\n")
                        time.sleep(0.1)
                    self.wfile.write(b"Content-Length: 2\r\n\r\nok")
                except OSError:  # the sender cut the connection off
                    pass

            def log_message(self, format, *args):
                pass

        return Handler
