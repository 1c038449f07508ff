"""What logs must not keep whole: a patient's status link is the key to their visit, and their phone number is
theirs. Logs keep only enough of either to tell them apart, and nothing of what staff searched for (Django admin, the
desk's bookings)."""

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


# The query strings of the pages where staff search for a patient hold what they typed: Django admin's search (`?q=`),
# its autocomplete's (`?term=`) and the search a change page keeps to go back to (`_changelist_filters`), and the desk's
# search of the day's bookings (`/adminpanel/bookings/today/?search=`), by name, phone, booking code and public id. A
# number typed there reaches the log URL-encoded (`%2B1415...`) or as digits alone, which no pattern tells from any
# other number, so the query is left out whole: `/admin/patients/patient/?…`.
SEARCH_QUERY = re.compile(r"(/(?:admin/[^?\s\"']*|adminpanel/bookings/today/)\?)[^\s\"']*")


def mask_searches(text):
    """The text with the query string of each address where staff search for a patient left out."""
    return SEARCH_QUERY.sub("\\1\u2026", text)


def mask_log_text(text):
    """A log line with its status links, phone numbers and staff searches masked: the one masking of every log."""
    return mask_phone_numbers(mask_searches(mask_capability_links(text)))


def _masked(value):
    return mask_log_text(value) if isinstance(value, str) else value


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
