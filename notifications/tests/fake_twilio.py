"""A stand-in for Twilio's Messages API on a loopback port, for the real twilio client to talk to."""

import base64
import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from notifications.senders import WHATSAPP_TEMPLATE_BODY_LIMIT
from notifications.services import GSM_7

from .loopback_server import LoopbackServer

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


def segments_of(body):
    """The SMS parts Twilio counts: 160 GSM-7 characters in one (153 each once split), else 70 UCS-2 units (67)."""
    if set(body) <= GSM_7:
        length = len(body) + sum(character in "^{}\\[~]|€" for character in body)
        return 1 if length <= 160 else -(-length // 153)
    length = len(body.encode("utf-16-le")) // 2
    return 1 if length <= 70 else -(-length // 67)


@dataclass(frozen=True)
class AcceptedMessage:
    sid: str
    to: str
    from_: str
    body: str
    date_sent: datetime

    def resource(self, account_sid):
        return {
            "sid": self.sid,
            "account_sid": account_sid,
            "status": "sent",
            "to": self.to,
            "from": self.from_,
            "body": self.body,
            "num_segments": str(segments_of(self.body)),
            "date_created": format_datetime(self.date_sent, usegmt=True),
            "date_sent": format_datetime(self.date_sent, usegmt=True),
        }


class FakeTwilio(LoopbackServer):
    """Twilio's Messages API, for one account: create (201 by default, or the scripted failures) and list.

    `received` holds every create request, `accepted` the messages created (what listing returns).
    """

    def __init__(self):
        super().__init__()
        self.accepted = []
        self.delay_seconds = 0.0
        self.hang = None
        # Content templates by ContentSid, their variable written {{1}}, as approved in Twilio's Content API.
        self.content_templates = {}

    def hang_next(self, *, accept):
        """Never answer the next create request (until stop), as if the sender died waiting; `accept`
        says whether the message was created first. `request_arrived` is set when it comes in."""
        self.hang = "accept" if accept else "refuse"

    def fail_next(self, status, code, message):
        """Make the next request fail with this HTTP status and Twilio error code."""
        self.scripted.append((status, {"code": code, "message": message, "status": status, "more_info": ""}))

    def _credentials(self, headers):
        username, _, password = base64.b64decode(headers.get("Authorization", "")[6:]).decode().partition(":")
        return username, password

    def _answer(self, path, headers, raw_body):
        match = MESSAGES_PATH.match(path)
        if match is None:
            return 404, {"code": 20404, "message": "Not found", "status": 404}
        form = {name: values[0] for name, values in parse_qs(raw_body.decode()).items()}
        body = form.get("Body")
        if "ContentSid" in form:
            if form["ContentSid"] not in self.content_templates:
                return 400, {"code": 21655, "message": "The ContentSid is Invalid", "status": 400}
            variables = json.loads(form.get("ContentVariables", "{}"))
            body = self.content_templates[form["ContentSid"]].replace("{{1}}", variables.get("1", ""))
            if len(body) > WHATSAPP_TEMPLATE_BODY_LIMIT:
                return 400, {"code": 21658, "message": "Parameter exceeded character limit", "status": 400}
        time.sleep(self.delay_seconds)
        with self.lock:
            self.received.append(ReceivedMessage(match["account_sid"], *self._credentials(headers), form))
            hang, self.hang = self.hang, None
            if self.scripted and not hang:
                return self.scripted.popleft()
            message = AcceptedMessage(
                f"SM{uuid.uuid4().hex}", form.get("To"), form.get("From"), body, datetime.now(UTC)
            )
            if hang != "refuse":
                self.accepted.append(message)
        if hang:
            self.request_arrived.set()
            self.released.wait(timeout=120)
        return 201, message.resource(match["account_sid"]) | {"status": "queued", "date_sent": None}

    def _list(self, path, query):
        match = MESSAGES_PATH.match(path)
        if match is None:
            return 404, {"code": 20404, "message": "Not found", "status": 404}
        params = {name: values[0] for name, values in parse_qs(query).items()}
        sent_after = params.get("DateSent>")
        sent_after = sent_after and datetime.strptime(sent_after, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        with self.lock:
            messages = [
                message
                for message in reversed(self.accepted)
                if params.get("To", message.to) == message.to
                and params.get("From", message.from_) == message.from_
                and (not sent_after or message.date_sent >= sent_after)
            ]
        return 200, {
            "messages": [message.resource(match["account_sid"]) for message in messages],
            "page": 0,
            "page_size": int(params.get("PageSize", 50)),
            "first_page_uri": path,
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": path,
            "start": 0,
            "end": len(messages),
        }

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw_body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._reply(*fake._answer(self.path, self.headers, raw_body))

            def do_GET(self):
                target = urlsplit(self.path)
                self._reply(*fake._list(target.path, target.query))

            def _reply(self, status, payload):
                encoded = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(encoded)))
                    self.end_headers()
                    self.wfile.write(encoded)
                except OSError:
                    pass  # the client hung up, e.g. a worker killed while waiting for this answer

            def log_message(self, format, *args):
                pass

        return Handler
