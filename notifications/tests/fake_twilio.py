"""A stand-in for Twilio's Messages API on a loopback port, for the real twilio client to talk to."""

import base64
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account_sid>AC\w+)/Messages\.json$")


@dataclass(frozen=True)
class ReceivedMessage:
    account_sid: str
    username: str
    password: str
    form: dict

    @property
    def to(self):
        return self.form["To"]

    @property
    def from_(self):
        return self.form["From"]

    @property
    def body(self):
        return self.form["Body"]


class FakeTwilio:
    """Answers POST /2010-04-01/Accounts/{sid}/Messages.json: 201 by default, or the scripted failures."""

    def __init__(self):
        self.received = []
        self.scripted = deque()
        self.delay_seconds = 0.0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status, code, message):
        """Make the next request fail with this HTTP status and Twilio error code."""
        self.scripted.append((status, {"code": code, "message": message, "status": status, "more_info": ""}))

    def wait_for(self, count, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            time.sleep(0.1)
        return False

    def _answer(self, path, headers, raw_body):
        match = MESSAGES_PATH.match(path)
        if match is None:
            return 404, {"code": 20404, "message": "Not found", "status": 404}
        username, _, password = base64.b64decode(headers.get("Authorization", "")[6:]).decode().partition(":")
        form = {name: values[0] for name, values in parse_qs(raw_body.decode()).items()}
        time.sleep(self.delay_seconds)
        with self.lock:
            self.received.append(ReceivedMessage(match["account_sid"], username, password, form))
            if self.scripted:
                return self.scripted.popleft()
        return 201, {
            "sid": f"SM{uuid.uuid4().hex}",
            "account_sid": match["account_sid"],
            "status": "queued",
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body"),
            "num_segments": "1",
            "date_created": "Wed, 25 Nov 2026 09:00:00 +0000",
        }

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw_body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, payload = fake._answer(self.path, self.headers, raw_body)
                encoded = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, format, *args):
                pass

        return Handler
