def client_ip(request):
    """The address the request came from, as recorded in the audit log (REMOTE_ADDR; set by the proxy)."""
    return request.META.get("REMOTE_ADDR") or None
