"""daphne, with status links masked in its access log: `python -m smartqueue.server <daphne's arguments>`.

daphne writes its access log straight to a stream, past Python's logging and so past
smartqueue.log_masking.LogMaskingFilter; this swaps in an access log that masks them first.
"""

import daphne.cli
from daphne.access import AccessLogGenerator

from smartqueue.log_masking import mask_capability_links


class MaskedAccessLog(AccessLogGenerator):
    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        super().write_entry(host, date, mask_capability_links(request), status, length, ident, user)


daphne.cli.AccessLogGenerator = MaskedAccessLog

if __name__ == "__main__":
    daphne.cli.CommandLineInterface.entrypoint()
