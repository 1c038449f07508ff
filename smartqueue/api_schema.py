"""What the schema says of every operation that no view declares itself (a drf-spectacular postprocessing hook),
and where its descriptions come from (AutoSchema)."""

import copy
import inspect

from drf_spectacular import openapi
from drf_spectacular.plumbing import get_override

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
