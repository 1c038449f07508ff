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


def ask(url, allowed_hosts):
    """Whether /readyz answered 200, and what it answered or why it could not be asked: printed, it is what
    `docker inspect` shows of an unhealthy container (the probe asks from the container itself, so the answer names
    the database or Redis it cannot reach), where a bare exit status left the on-call engineer to guess."""
    request = urllib.request.Request(url, headers={"Host": served_host(allowed_hosts)})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return response.status == 200, f"{response.status} {response.read(500).decode(errors='replace')}"
    except urllib.error.HTTPError as refusal:
        return False, f"{refusal.code} {refusal.read(500).decode(errors='replace')}"
    except (urllib.error.URLError, OSError) as error:
        return False, f"not answered: {getattr(error, 'reason', error)}"


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL
    ready, answered = ask(url, os.environ.get("ALLOWED_HOSTS", ""))
    print(f"{url}: {answered}")
    sys.exit(0 if ready else 1)
