"""SMS/WhatsApp sender backends: Twilio when credentials are configured, the log otherwise."""

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .models import Channel

logger = logging.getLogger(__name__)

TOO_MANY_REQUESTS = 429


@dataclass(frozen=True)
class SendReceipt:
    backend: str
    sid: str = ""


class SendError(Exception):
    """A message the provider refused; `transient` ones (rate limit, outage) are worth retrying."""

    def __init__(self, *, code, message, transient):
        super().__init__(message)
        self.code = str(code or "")
        self.message = message
        self.transient = transient


def mask_phone(phone):
    """Only the last two digits, so INFO logs never carry a patient's number."""
    return f"***{phone[-2:]}" if len(phone) > 2 else "***"


class ConsoleSender:
    """Writes messages to the log so the app runs without a Twilio account (e.g. `make run`)."""

    name = "console"

    def send(self, *, channel, phone, body, status_callback_url):
        logger.info("Console %s message to %s (%d characters)", channel, mask_phone(phone), len(body))
        # The body names the patient, so it only appears when DEBUG logging is asked for.
        logger.debug("Console %s message body: %s", channel, body)
        return SendReceipt(backend=self.name)


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

    def send(self, *, channel, phone, body, status_callback_url):
        if channel == Channel.WHATSAPP:
            sender, recipient = settings.TWILIO_WHATSAPP_NUMBER, f"whatsapp:{phone}"
            sender = sender and f"whatsapp:{sender}"
            missing = "TWILIO_WHATSAPP_NUMBER"
        else:
            sender, recipient, missing = settings.TWILIO_PHONE_NUMBER, phone, "TWILIO_PHONE_NUMBER"
        if not sender:
            raise SendError(code="config", message=f"{missing} is not set; cannot send by {channel}.", transient=False)
        try:
            message = self.client.messages.create(
                to=recipient, from_=sender, body=body, status_callback=status_callback_url
            )
        except TwilioRestException as error:
            transient = error.status == TOO_MANY_REQUESTS or error.status >= 500
            raise SendError(code=error.code or error.status, message=error.msg, transient=transient) from error
        except OSError as error:
            # requests' connection errors and timeouts are OSErrors: Twilio may be briefly unreachable.
            raise SendError(code="network", message=str(error), transient=True) from error
        return SendReceipt(backend=self.name, sid=message.sid)


def twilio_configured():
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def get_sender():
    return TwilioSender() if twilio_configured() else ConsoleSender()
