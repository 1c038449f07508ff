"""Real servers in a subprocess (daphne for the end-to-end and browser tests and the benches), and the benches'
throwaway databases."""

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

# The benches' own Redis database, so that their queued notification tasks and sequence numbers never meet the
# suite's. Its tests run on one parallel worker (pytest-xdist's group), one at a time.
BENCH_REDIS_DATABASE = 15
BENCH_REDIS_DATABASE_GROUP = "benches-redis-database"


def bench_environment():
    """The environment a bench runs in from a test: the benches' Redis database, under a namespace of its own run.
    Each bench makes a throwaway database whose department ids start again at 1, while what it keeps in Redis (a
    department's pace, its published queues) outlives it: under one shared namespace the clinic day read another
    bench's department 3's pace as its own, and its estimates were minutes off."""
    environment = {**os.environ, "CHANNELS_PREFIX": f"bench-{uuid.uuid4().hex}"}
    if settings.REDIS_URL:
        benches_database = urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{BENCH_REDIS_DATABASE}"))
        environment["REDIS_URL"] = environment["CACHE_URL"] = benches_database
    return environment
DAPHNE_LISTENING = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")


@dataclass(frozen=True)
class LiveServer:
    process: subprocess.Popen
    port: int

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}"

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self):
        """Resident memory of the server process (Linux /proc), in KiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))


@contextlib.contextmanager
def throwaway_database(purpose):
    """A fresh, migrated database beside DATABASE_URL's, dropped afterwards (Django's test-database machinery).

    Named after the purpose and this process, so that a bench beside the test suite, or another bench, does
    not collide with it. An SQLite one is a file, so that a server in a subprocess can open it too.
    """
    from django.db import connection, connections
    from django.test.utils import setup_test_environment

    setup_test_environment()
    with tempfile.TemporaryDirectory(prefix=f"{purpose}-") as scratch:
        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = str(Path(scratch) / f"{purpose}.sqlite3")
        else:
            connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_{purpose}_{os.getpid()}"
        original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            yield connection.settings_dict
        finally:
            connections.close_all()
            connection.creation.destroy_test_db(original_name, verbosity=0)


def database_url(database):
    """A DATABASE_URL for the connection settings given (e.g. the test database's)."""
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return f"postgres://{credentials}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"


@contextlib.contextmanager
def running_daphne(*, database, port=0, startup_timeout=30, log_path=None, application="smartqueue.asgi:application", env=None):
    """Start daphne on loopback against `database`, with this process's channel layer settings.

    Port 0 lets the kernel pick a free port; a fixed port lets a test restart the server where its
    clients expect it. The server's output is kept in log_path when given, else discarded when it stops.
    env adds to (or overrides) this process's environment, e.g. a rate limit.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DJANGO_SETTINGS_MODULE": "smartqueue.settings",
        **(env or {}),
    }
    # The server keeps Django's async-safety guard even when a browser test lifted it for itself.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    daphne = Path(sys.executable).with_name("daphne")
    command = [str(daphne), "-b", "127.0.0.1", "-p", str(port), application]
    with running_server(
        command=command, env=env, listening=DAPHNE_LISTENING, startup_timeout=startup_timeout, log_path=log_path
    ) as (process, listening_port):
        yield LiveServer(process=process, port=listening_port)


@contextlib.contextmanager
def running_server(*, command, env, listening, startup_timeout=30, log_path=None):
    """Run a server command from the project folder; yields (process, port) once its log matches `listening`.

    The output is kept in log_path when given, else discarded when the server stops.
    """
    with open(log_path, "w+") if log_path else tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process, _listening_port(process, log, listening, startup_timeout)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _listening_port(process, log, listening, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        output = log.read()
        found = listening.search(output)
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            raise RuntimeError(f"{Path(process.args[0]).name} exited with {process.returncode}:\n{output}")
        time.sleep(0.1)
    raise RuntimeError(f"{Path(process.args[0]).name} did not start listening within {timeout}s:\n{output}")
