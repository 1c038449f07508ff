import itertools
import shutil
import socket
import subprocess
import time

import pytest
import redis
from rest_framework.throttling import SimpleRateThrottle

_phones = itertools.count(1)


def new_phone():
    """A distinct valid US number, in an area code no test writes out (theirs are 415-555-01xx): see
    patients/tests/conftest.py's valid_phone."""
    return f"+1628555{next(_phones) % 10000:04d}"


def registration(department, **fields):
    """A self-service registration body for the patient API."""
    return {"name": "Asha Patel", "phone": new_phone(), "age": 34, "department": department.pk, **fields}


@pytest.fixture
def unthrottled(monkeypatch):
    # DRF copies the configured rates onto the throttle class at import, so lift them there.
    for scope in list(SimpleRateThrottle.THROTTLE_RATES):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "100000/min")


def free_loopback_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own on a loopback port, which the test may stop and start again."""

    def __init__(self):
        self.port = free_loopback_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server program (apt-get install redis-server) to start a Redis it may stop")
    server = PrivateRedis().start()
    yield server
    server.stop()
