"""The server log's record of a refused request: one line, not a traceback."""

import logging


class RefusalsWithoutTracebacksFilter(logging.Filter):
    """Django 5.2 logs a request refused with a 4xx through an exception (PermissionDenied: a doctor opening the
    panel; DisallowedHost; BadRequest) with the exception's whole traceback, which reads as a crash to whoever
    reads the log, and to alerts that look for "Traceback". The refusal keeps its line; a 5xx keeps its traceback.
    """

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
