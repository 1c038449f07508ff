"""A patient's status link is the key to their visit: logs keep only enough of it to tell links apart."""

import logging
import re

# The paths whose segment after them is a token's or a patient's public id (pages, API and socket), or a booking's
# manage link or a kiosk ticket's id; the socket accepts any spelling uuid.UUID() does, so everything up to the
# next "/", "?" or space is masked. The booking paths also lead to pages without an id (slots/, check-in/): there
# only a uuid is masked.
CAPABILITY_LINK = re.compile(
    r"(/(?:patients/status|patients/registered|patients/api/patient|patients/api/visit|ws/patient)/"
    r"|/(?:patients/appointments|patients/api/appointments|kiosk/[\w-]+/ticket)/(?=[0-9a-fA-F]{8}-))"
    r"([^/?\s\"']{0,4})[^/?\s\"']*"
)


def mask_capability_links(text):
    """The text with each status link's id cut to its first four characters, e.g. /patients/status/3f1c…/."""
    return CAPABILITY_LINK.sub("\\1\\2\u2026", text)


def _masked(value):
    return mask_capability_links(value) if isinstance(value, str) else value


class CapabilityLinkFilter(logging.Filter):
    """Masks status links in a record's message and in its arguments, whatever logger or server wrote it.

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
