"""SMS/WhatsApp sender backends: Twilio when credentials are configured, the log otherwise."""

import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from smartqueue.phone_masks import mask_phone

from .models import WHATSAPP_TEMPLATE_BODY_LIMIT, Channel

logger = logging.getLogger(__name__)

TOO_MANY_REQUESTS = 429
UNAUTHORIZED = 401
LOOKUP_LIMIT = 20
NETWORK_ERROR = "network"
LOOKUP_ERROR = "lookup"
# After these the provider may or may not hold the message, so the next attempt asks before sending.
OUTCOME_UNKNOWN_CODES = frozenset({NETWORK_ERROR, LOOKUP_ERROR})


@dataclass(frozen=True)
class SendReceipt:
    backend: str
    sid: str = ""
    # The SMS parts Twilio counted, and bills (its num_segments); None when it did not say.
    segments: int | None = None


# What the configured templates' own words may take of WHATSAPP_TEMPLATE_BODY_LIMIT ("Message from City Hospital:
# {{1}}" takes 28; the TWILIO_WHATSAPP_CONTENT_SIDS setting's documentation asks for at most this).
WHATSAPP_TEMPLATE_OWN_WORDS_LIMIT = 100


@dataclass(frozen=True)
class WhatsAppTemplate:
    """A WhatsApp message sent as a template Meta approved (Twilio's ContentSid), its one variable the message's
    text. WhatsApp refuses a variable with a line break, a tab or more than four spaces in a row: they are folded."""

    content_sid: str
    text: str

    @property
    def variables(self):
        return {"1": " ".join(self.text.split())}

    @property
    def fits(self):
        """Whether WhatsApp takes the text in the template: within its body's limit, the template's own words aside."""
        return len(self.variables["1"]) <= WHATSAPP_TEMPLATE_BODY_LIMIT - WHATSAPP_TEMPLATE_OWN_WORDS_LIMIT


def _segments(message):
    return int(message.num_segments) if str(message.num_segments or "").isdecimal() else None


class SendError(Exception):
    """A message the provider refused; `transient` ones (rate limit, outage) are worth retrying."""

    def __init__(self, *, code, message, transient):
        super().__init__(message)
        self.code = str(code or "")
        self.message = message
        self.transient = transient


class ConsoleSender:
    """Writes messages to the log so the app runs without a Twilio account (e.g. `make run`)."""

    name = "console"

    def send(self, *, channel, phone, body, status_callback_url, template=None):
        logger.info("Console %s message to %s (%d characters)", channel, mask_phone(phone), len(body))
        if template is not None:
            logger.info("Console %s message sent as template %s", channel, template.content_sid)
        # The body names the patient, so it only appears when DEBUG logging is asked for.
        logger.debug("Console %s message body: %s", channel, body)
        return SendReceipt(backend=self.name)

    def find_sent(self, *, channel, phone, body, sent_after, template=None):
        # The log keeps no record to look up; writing a message to it twice harms no one.
        return []


class RebasedTwilioHttpClient(TwilioHttpClient):
    """Sends every Twilio API call to base_url, keeping the path (Twilio's own client, another server)."""

    def __init__(self, base_url, **kwargs):
        super().__init__(**kwargs)
        self.base = urlsplit(base_url)

    def request(self, method, url, *args, **kwargs):
        target = urlsplit(url)
        url = urlunsplit(
            (self.base.scheme, self.base.netloc, self.base.path.rstrip("/") + target.path, target.query, "")
        )
        return super().request(method, url, *args, **kwargs)


class TwilioSender:
    name = "twilio"

    def __init__(self):
        timeout = settings.TWILIO_HTTP_TIMEOUT_SECONDS
        if settings.TWILIO_API_BASE_URL:
            http_client = RebasedTwilioHttpClient(settings.TWILIO_API_BASE_URL, timeout=timeout)
        else:
            http_client = TwilioHttpClient(timeout=timeout)
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)

    def _addresses(self, channel, phone):
        if channel == Channel.WHATSAPP:
            sender, recipient = settings.TWILIO_WHATSAPP_NUMBER, f"whatsapp:{phone}"
            sender = sender and f"whatsapp:{sender}"
            missing = "TWILIO_WHATSAPP_NUMBER"
        else:
            sender, recipient, missing = settings.TWILIO_PHONE_NUMBER, phone, "TWILIO_PHONE_NUMBER"
        if not sender:
            raise SendError(code="config", message=f"{missing} is not set; cannot send by {channel}.", transient=False)
        return sender, recipient

    def send(self, *, channel, phone, body, status_callback_url, template=None):
        """Send the message; on WhatsApp, as the template (a WhatsAppTemplate) when one is given, else as body."""
        sender, recipient = self._addresses(channel, phone)
        if template is None:
            content = {"body": body}
        else:
            content = {"content_sid": template.content_sid, "content_variables": json.dumps(template.variables)}
        try:
            message = self.client.messages.create(
                to=recipient, from_=sender, status_callback=status_callback_url, **content
            )
        except TwilioRestException as error:
            if error.status == UNAUTHORIZED:
                # Every text fails alike until the settings are corrected; each message's own warning said only
                # "Authenticate", which does not tell the on-call engineer what to fix.
                logger.error(
                    "Twilio refused this account's credentials (%s %s): no text can be sent until TWILIO_ACCOUNT_SID "
                    "and TWILIO_AUTH_TOKEN are corrected.",
                    error.code,
                    error.msg,
                )
            transient = error.status == TOO_MANY_REQUESTS or error.status >= 500
            raise SendError(code=error.code or error.status, message=error.msg, transient=transient) from error
        except OSError as error:
            # requests' connection errors and timeouts are OSErrors: Twilio may be briefly unreachable,
            # or may have accepted the message before the answer was lost.
            raise SendError(code=NETWORK_ERROR, message=str(error), transient=True) from error
        return SendReceipt(backend=self.name, sid=message.sid, segments=_segments(message))

    def find_sent(self, *, channel, phone, body, sent_after, template=None):
        """Receipts of messages with this body Twilio sent to the patient since sent_after, newest first; sent as the
        template, those whose text (the template's words around its variable) carries the variable."""
        sender, recipient = self._addresses(channel, phone)
        try:
            messages = self.client.messages.list(
                to=recipient, from_=sender, date_sent_after=sent_after, limit=LOOKUP_LIMIT
            )
        except (TwilioRestException, OSError) as error:
            message = getattr(error, "msg", None) or str(error)
            raise SendError(
                code=LOOKUP_ERROR, message=f"Could not ask Twilio whether it already has the message: {message}", transient=True
            ) from error
        return [
            SendReceipt(backend=self.name, sid=message.sid, segments=_segments(message))
            for message in messages
            if (message.body == body if template is None else template.variables["1"] in (message.body or ""))
        ]


def twilio_configured():
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def get_sender():
    return TwilioSender() if twilio_configured() else ConsoleSender()
