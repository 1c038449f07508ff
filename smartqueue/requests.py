from rest_framework.exceptions import ParseError


def client_ip(request):
    """The address the request came from, as recorded in the audit log (REMOTE_ADDR; set by the proxy)."""
    return request.META.get("REMOTE_ADDR") or None


def submitted_fields(request):
    """A DRF request's body as field -> value; a JSON array or bare value is a 400, not a crash."""
    if not isinstance(request.data, dict):
        raise ParseError('Send an object of fields, e.g. {"action": "call_next"}.')
    return request.data
