import os
import subprocess
import sys
from pathlib import Path
from unittest.mock import patch

import pytest
from django.db import OperationalError

from smartqueue.probe import ask, served_host

BASE_DIR = Path(__file__).resolve().parents[2]


def is_ready(url, allowed_hosts):
    return ask(url, allowed_hosts)[0]


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("queue.example-hospital.org,localhost", "queue.example-hospital.org"),
        (" .example-hospital.org ", "example-hospital.org"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_health_check_asks_with_a_host_the_site_serves(allowed_hosts, host):
    """Asked as 127.0.0.1, every site whose ALLOWED_HOSTS names only its own domain answered 400: never healthy."""
    assert served_host(allowed_hosts) == host


@pytest.mark.django_db(transaction=True)
def test_the_health_check_passes_on_a_ready_server_and_fails_on_a_refusal(live_server, settings):
    settings.ALLOWED_HOSTS = ["queue.example-hospital.org"]
    readyz = f"{live_server.url}/readyz"

    assert is_ready(readyz, "queue.example-hospital.org")
    assert not is_ready(readyz, "elsewhere.example.org")
    assert not is_ready(f"{live_server.url}/no-such-page", "queue.example-hospital.org")
    assert not is_ready("http://127.0.0.1:9/readyz", "queue.example-hospital.org")


@pytest.mark.django_db(transaction=True)
def test_the_health_check_says_what_readyz_answered_for_dockers_health_log(live_server, settings):
    """`docker inspect` showed an unhealthy container's checks with no output: which of PostgreSQL and Redis the
    replica could not reach was for the on-call engineer to guess."""
    settings.ALLOWED_HOSTS = ["queue.example-hospital.org"]

    with patch("smartqueue.views.ping_database", side_effect=OperationalError("could not connect")):
        ready, answered = ask(f"{live_server.url}/readyz", "queue.example-hospital.org")

    assert not ready
    assert answered.startswith("503 ") and '"database": "unavailable"' in answered


def test_the_health_check_prints_why_it_failed():
    environ = {**os.environ, "ALLOWED_HOSTS": "queue.example-hospital.org"}
    result = subprocess.run(
        [sys.executable, "-m", "smartqueue.probe", "http://127.0.0.1:9/readyz"],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 1
    assert result.stdout.startswith("http://127.0.0.1:9/readyz: not answered: ")
