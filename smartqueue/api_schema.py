"""What the schema says of every operation that no view declares itself (a drf-spectacular postprocessing hook)."""

import copy

from .middleware import RETRY_AFTER_SECONDS

RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before sending the request again.",
    "schema": {"type": "integer", "minimum": 0},
}
DATABASE_UNAVAILABLE = {
    "description": (
        "The database was unreachable for a moment and nothing was saved (smartqueue.middleware."
        f"DatabaseUnavailableMiddleware): send the request again after Retry-After seconds ({RETRY_AFTER_SECONDS})."
    ),
    "headers": {"Retry-After": RETRY_AFTER_HEADER},
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "string"}},
                "required": ["detail"],
                "additionalProperties": False,
            }
        }
    },
}


def document_retry_after(result, generator, request, public):
    """Every operation may answer 503 when the database drops; that and each 429 say when to retry in Retry-After,
    which clients read from the header, not the body."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("503", copy.deepcopy(DATABASE_UNAVAILABLE))
            if "429" in responses:
                responses["429"].setdefault("headers", {})["Retry-After"] = copy.deepcopy(RETRY_AFTER_HEADER)
    return result
