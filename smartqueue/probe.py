"""The container's health check: `python -m smartqueue.probe [URL]` exits 0 when this process's /readyz answers 200.

It asks with a Host the site serves (the first of ALLOWED_HOSTS): Django refuses any other with a 400, and asking
as "127.0.0.1" would fail on every hospital whose ALLOWED_HOSTS names only its own domain. It loads no Django, so a
check every few seconds costs the container a fraction of a second of CPU."""

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/readyz"


def served_host(allowed_hosts):
    """A name Django's host check accepts: ".example.org" admits example.org itself; "*" admits anything."""
    first = next((host.strip() for host in allowed_hosts.split(",") if host.strip()), "localhost")
    return "localhost" if first == "*" else first.lstrip(".")


def is_ready(url, allowed_hosts):
    request = urllib.request.Request(url, headers={"Host": served_host(allowed_hosts)})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL
    sys.exit(0 if is_ready(url, os.environ.get("ALLOWED_HOSTS", "")) else 1)
