"""What the schema says of every operation that no view declares itself (a drf-spectacular postprocessing hook),
and where its descriptions come from (AutoSchema)."""

import copy
import inspect

from drf_spectacular import openapi
from drf_spectacular.plumbing import get_override

from . import idempotency
from .middleware import RETRY_AFTER_SECONDS
from .strict_types import StrictSerializer

RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before sending the request again.",
    "schema": {"type": "integer", "minimum": 0},
}
DETAIL_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
            "additionalProperties": False,
        }
    }
}
DATABASE_UNAVAILABLE = {
    "description": (
        "The database was unreachable for a moment and nothing was saved (smartqueue.middleware."
        f"DatabaseUnavailableMiddleware): send the request again after Retry-After seconds ({RETRY_AFTER_SECONDS})."
    ),
    "headers": {"Retry-After": RETRY_AFTER_HEADER},
    "content": DETAIL_BODY,
}
ADDRESS_REFUSED = {
    "description": (
        "A query parameter holds a NUL character (%00), or there are more of them than the server reads "
        "(smartqueue.null_characters): refused, naming the parameter, before the endpoint reads any."
    ),
    "content": DETAIL_BODY,
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


def document_refused_addresses(result, generator, request, public):
    """Every operation may answer 400 for its query string (smartqueue.null_characters), also one taking no input,
    which documented no 400 at all (GET /patients/api/departments/?q=%00)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault("400", copy.deepcopy(ADDRESS_REFUSED))
    return result


STATE_CHANGING_METHODS = {"post", "put", "patch", "delete"}
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "description": (
        "Any new value (a UUID) per request. Sent again with the same method, address and body (a retry after a "
        "timeout), the first answer is replayed, with Idempotent-Replayed: true, and nothing is done twice; kept "
        f"{idempotency.IDEMPOTENCY_KEY_SECONDS // 3600} hours, for the signed-in user or else the client address. "
        "Successes and refusals of what was sent (400, 404, 409) are kept; 403, 413, 415, 429 and 5xx are not, "
        "so a retry runs again."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.KEY_MAX_LENGTH,
               "pattern": idempotency.KEY_PATTERN},
}
REPLAYED_HEADER = {
    "description": "true when this is the first answer to an earlier request with the same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}
KEY_IN_FLIGHT = "A request with the same Idempotency-Key is still being processed (under Idempotency-Key)."
KEY_REUSED = "The Idempotency-Key was already used with another address or body (under Idempotency-Key)."
METHOD_NOT_ALLOWED = {
    "description": "The address does not take this method: those it takes are in the Allow header.",
    "headers": {"Allow": {"description": "The methods this address takes.", "schema": {"type": "string"}}},
    "content": DETAIL_BODY,
}
NOT_ACCEPTABLE = {
    "description": "The Accept header names no type the API answers in: it answers application/json only.",
    "content": DETAIL_BODY,
}


def field_errors_answer(operation, description):
    """An answer naming the header as the operation's 400 names a field (its own body shape, without its examples)."""
    content = copy.deepcopy(operation["responses"]["400"]["content"])
    for body in content.values():
        body.pop("examples", None)
    return {"description": description, "content": content}


def document_idempotency_keys(result, generator, request, public):
    """Every state-changing operation takes an Idempotency-Key (smartqueue.idempotency.IdempotencyKeyMiddleware, no
    view declares it): the header, the replayed answers' header, and the 409 and 422 of a key in use."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in STATE_CHANGING_METHODS:
                continue
            operation.setdefault("parameters", []).append(copy.deepcopy(IDEMPOTENCY_KEY_PARAMETER))
            responses = operation["responses"]
            for status, answer in responses.items():
                if idempotency.kept_answer(int(status)):
                    answer.setdefault("headers", {})["Idempotent-Replayed"] = copy.deepcopy(REPLAYED_HEADER)
            if "409" in responses:
                responses["409"]["description"] += f" Or: {KEY_IN_FLIGHT}"
            else:
                responses["409"] = field_errors_answer(operation, KEY_IN_FLIGHT)
            responses["409"].setdefault("headers", {})["Retry-After"] = {
                **RETRY_AFTER_HEADER,
                "description": "For a request with the same Idempotency-Key still being processed: seconds to wait "
                "before sending it again, to be given its answer.",
            }
            responses["422"] = field_errors_answer(operation, KEY_REUSED)
    return result


def document_negotiation_refusals(result, generator, request, public):
    """Every operation's address answers 405 to a method it does not take and every operation 406 to an Accept it
    cannot satisfy (Django REST framework, before the view runs): no view declares either."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("405", copy.deepcopy(METHOD_NOT_ALLOWED))
            responses.setdefault("406", copy.deepcopy(NOT_ACCEPTABLE))
    return result


def open_to_other_fields(node, components):
    """The body schema with every object open to fields it does not declare, its components inlined as copies."""
    if isinstance(node, list):
        return [open_to_other_fields(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return open_to_other_fields(components[node["$ref"].rsplit("/", 1)[1]], components)
    return {
        key: open_to_other_fields(value, components) for key, value in node.items() if key != "additionalProperties"
    }


def document_form_bodies_open(result, generator, request, public):
    """A JSON body's undeclared field is refused (strict_types.undeclared_field_errors); a form body's is not, since
    browsers add fields of their own (the CSRF token, the button pressed): its schema says so."""
    components = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for media_type, body in operation.get("requestBody", {}).get("content", {}).items():
                if media_type != "application/json":
                    body["schema"] = open_to_other_fields(body["schema"], components)
    return result


def own_docstring(obj):
    """The class's or function's own docstring, never one it inherits (as inspect.getdoc and drf-spectacular give)."""
    # vars() of a class holds its own __doc__ only; a function's __doc__ is always its own.
    return inspect.cleandoc((vars(obj).get("__doc__") if inspect.isclass(obj) else obj.__doc__) or "")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, describing each shape and operation by its own docstring only. Inherited, a helper base's
    docstring became the published description of everything built on it: every strictly typed request was "A DRF
    serializer whose fields refuse JSON values...", a queue snapshot "Whether a newcomer can still be registered
    today", each patient POST without a description of its own "A rate-limited endpoint patients' phones post JSON
    to"."""

    def get_description(self):
        method = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        return (method is not None and own_docstring(method)) or own_docstring(type(self.view))

    def _map_basic_serializer(self, serializer, direction):
        shape = super()._map_basic_serializer(serializer, direction)
        shape.pop("description", None)
        description = get_override(serializer, "description", own_docstring(type(serializer)))
        if description:
            shape["description"] = description
        if isinstance(serializer, StrictSerializer):
            # It refuses any other field (strict_types.undeclared_field_errors): a generated client learns it here.
            shape["additionalProperties"] = False
        return shape
