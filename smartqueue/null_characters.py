"""A query string holding a null character is refused with 400 naming its parameter, before any view reads it.

PostgreSQL cannot store or compare text with a NUL in it: a view filtering on such a parameter (Django admin's
list filters, e.g. ?status=%00) failed there with a 500 and a traceback, where SQLite answered. No parameter
has a use for one, so it is refused at the door instead of in each view.

A query string of more parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS is refused here too: Django answers it 400
with DEBUG off, but with DEBUG on (`make run`) its error page reads the parameters again and fails with a 500.
"""

from django.core.exceptions import TooManyFieldsSent
from django.utils.translation import gettext as _

from .errors import error_response

# A NUL can only reach the parameters percent-encoded: the raw query string is checked before it is parsed.
ENCODED_NULL = "%00"


class NullCharactersRefusedMiddleware:
    """Sync only, as the app's other middleware (smartqueue.middleware says why)."""

    async_capable = False
    sync_capable = True

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.GET
        except TooManyFieldsSent:
            return error_response(request, status=400)
        if ENCODED_NULL in request.META.get("QUERY_STRING", ""):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return error_response(request, status=400, detail=refusal(name))
        return self.get_response(request)


def refusal(name):
    readable_name = name.replace("\x00", "")
    # Said to a patient who followed a damaged link: the part of the address by its name, no "parameter" or "null".
    return _("The part “%(name)s” of this web address has a character that does not belong in it. Open the link "
             "again as it was sent to you, or start again from the beginning.") % {
        "name": readable_name
    }
