"""What logs must not keep whole: a patient's status link is the key to their visit, and their phone number is
theirs. Logs keep only enough of either to tell them apart."""

import logging
import re

from smartqueue.phone_masks import mask_phone

# The paths whose segment after them is a token's or a patient's public id (pages, API and socket), or a booking's
# manage link or a kiosk ticket's id; the socket accepts any spelling uuid.UUID() does, so everything up to the
# next "/", "?" or space is masked. The booking paths also lead to pages without an id (slots/, check-in/): there
# only a uuid is masked. A kiosk ticket's "Done" names the ticket it leaves in its query (views.kiosk_start_over_url).
CAPABILITY_LINK = re.compile(
    r"(/(?:patients/status|patients/registered|patients/api/patient|patients/api/visit|ws/patient)/"
    r"|/(?:patients/appointments|patients/api/appointments|kiosk/[\w-]+/ticket)/(?=[0-9a-fA-F]{8}-)"
    r"|/kiosk/[\w-]+/start-over/\?done=)"
    r"([^/?\s\"']{0,4})[^/?\s\"']*"
)


def mask_capability_links(text):
    """The text with each status link's id cut to its first four characters, e.g. /patients/status/3f1c…/."""
    return CAPABILITY_LINK.sub("\\1\\2\u2026", text)


# An international number as Twilio's errors quote it ("The 'To' number +14155550178 is not ..."), or in a
# WhatsApp address.
PHONE_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}\b")


def mask_phone_numbers(text):
    """The text with each international phone number cut to its last four digits (••••••0178)."""
    return PHONE_NUMBER.sub(lambda number: mask_phone(number.group()), text)


def _masked(value):
    return mask_phone_numbers(mask_capability_links(value)) if isinstance(value, str) else value


class LogMaskingFilter(logging.Filter):
    """Masks status links and phone numbers in a record's message and in its arguments, whatever logger or server
    wrote it, at any level.

    Arguments are masked one by one rather than merged into the message, because access-log formatters
    (uvicorn's, gunicorn's) read them by position or by name.
    """

    def filter(self, record):
        record.msg = _masked(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_masked(value) for value in record.args)
        return True
