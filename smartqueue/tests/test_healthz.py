import os
import socket
import subprocess
import sys
from pathlib import Path
from unittest.mock import MagicMock, patch

import pytest
from asgiref.sync import SyncToAsync
from django.db import connection
from django.test import AsyncClient

from conftest import requires_postgresql

BASE_DIR = Path(__file__).resolve().parents[2]


def test_healthz_answers_ok_in_json_without_touching_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


async def test_a_request_crosses_from_the_event_loop_to_a_thread_only_where_django_must():
    """Through Django's own ASGIHandler (AsyncClient's), where each crossing is a thread switch each way. Django's
    own: the request_started signal, the middleware chain (one crossing for all of it), the view's process_view
    hooks, the view, closing the response. A middleware running on the event loop between sync ones adds one per
    hook it has. The served handler crosses fewer times (test_request_threads)."""
    crossings = []
    cross = SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        crossings.append(self.func)
        return await cross(self, *args, **kwargs)

    client = AsyncClient()
    await client.get("/healthz")
    with patch.object(SyncToAsync, "__call__", counted):
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert len(crossings) == 5, [getattr(func, "__qualname__", func) for func in crossings]


def test_readyz_answers_ok_naming_each_service_it_reached(db, client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == response.json()["database"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_readyz_answers_503_naming_the_database_it_cannot_reach_and_nothing_of_its_address(db, client, caplog):
    """/healthz answers while PostgreSQL is down; a load balancer or monitor asking whether this process can serve
    needs the probe that says no, and which service is missing, without telling the public where it lives."""
    from django.db import OperationalError

    with patch("smartqueue.views.ping_database", side_effect=OperationalError("could not connect to db-host:5432")):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == response.json()["database"] == "unavailable"
    assert "db-host" not in response.content.decode()
    assert "the database is unreachable" in caplog.text


def test_readyz_answers_503_when_redis_is_unreachable(db, client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}


def test_readyz_answers_503_when_a_redis_server_of_the_channel_layer_alone_is_unreachable(db, client, settings):
    """With CHANNEL_REDIS_URLS the sockets' frames go through servers of their own: one of them down, the groups
    hashed to it reached no socket while /readyz pinged only REDIS_URL's and CACHE_URL's Redis and answered ok."""
    settings.REDIS_URL = "redis://redis-host:6379/0"
    settings.CACHE_URL = "redis://redis-host:6379/2"
    settings.CHANNEL_REDIS_URLS = ["redis://shard-a:6379/0", "redis://shard-b:6379/0"]
    pinged = []

    def connect(url, **options):
        pinged.append(url)
        client = MagicMock()
        if "shard-b" in url:
            client.ping.side_effect = ConnectionError("Error 111 connecting to shard-b:6379")
        return client

    with patch("smartqueue.views.Redis.from_url", side_effect=connect):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
    assert "redis://shard-b:6379/0" in pinged


def test_readyz_names_what_it_cannot_reach_to_internal_networks_only(db, client, settings):
    """A client on the internet learnt that Redis was down, and with it the rate limits and sign-in budgets counted
    there (seventeenth attack run): it gets the status alone; the host, a container network and the hospital's
    own, and a client behind the trusted proxy by its own address, are told which."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    public = client.get("/readyz", REMOTE_ADDR="93.184.216.34")
    assert (public.status_code, public.json()) == (503, {"status": "unavailable"})
    for internal in ("127.0.0.1", "10.1.2.3", "172.18.0.5", "fd00::5", "::ffff:192.168.1.9"):
        answer = client.get("/readyz", REMOTE_ADDR=internal)
        assert answer.json()["redis"] == "unavailable", internal

    settings.TRUSTED_PROXY_COUNT = 1
    forged = client.get("/readyz", REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR="10.0.0.1, 93.184.216.34")
    assert forged.json() == {"status": "unavailable"}


def test_readyz_refuses_writes(client):
    assert client.post("/readyz").status_code == 405


@pytest.mark.parametrize("pool_size", ["0", "2"], ids=["without a pool", "with DATABASE_POOL_SIZE"])
def test_readyz_answers_503_within_seconds_when_postgresql_does_not_answer(pool_size):
    """A PostgreSQL server that accepts connections and says nothing (switched off behind a firewall, a failover under
    way): /readyz waited the pool's 30 s, or for ever without a pool, where a load balancer or docker gives up after 5
    and each waiting probe held one of the process's four request threads, /healthz itself then unanswered."""
    silent_server = socket.create_server(("127.0.0.1", 0))
    silent_server.listen(8)
    port = silent_server.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "REDIS_URL", "CACHE_URL"}}
    asked = (
        "import time, django; django.setup(); from django.test import Client; started = time.monotonic(); "
        "answer = Client().get('/readyz'); print(answer.status_code, answer.json()['database'], "
        "round(time.monotonic() - started))"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", asked],
            cwd=BASE_DIR,
            env={
                **environ,
                "DJANGO_SETTINGS_MODULE": "smartqueue.settings",
                "DATABASE_URL": f"postgres://smartqueue@127.0.0.1:{port}/smartqueue",
                "DATABASE_POOL_SIZE": pool_size,
            },
            capture_output=True,
            text=True,
            timeout=25,
        )
    finally:
        silent_server.close()

    status, database, seconds = result.stdout.split()
    assert (status, database) == ("503", "unavailable"), result.stderr
    assert int(seconds) <= 6
    assert "Readiness probe: the database is unreachable" in result.stderr
    assert "Traceback" not in result.stderr


@requires_postgresql()
@pytest.mark.django_db
def test_readyz_with_a_pool_answers_ok_as_a_processs_first_request():
    """docker's health check asks /readyz of a process just started, before any page has opened its pool (Django
    opens it at the first query): a probe reading the pool unopened would keep every replica unhealthy, and nginx,
    waiting for a healthy one, closed to every client."""
    database = connection.settings_dict
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "REDIS_URL", "CACHE_URL"}}
    asked = (
        "import django; django.setup(); from django.test import Client; "
        "print(*(Client().get('/readyz').status_code for _ in range(3)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", asked],
        cwd=BASE_DIR,
        env={
            **environ,
            "DJANGO_SETTINGS_MODULE": "smartqueue.settings",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "DATABASE_POOL_SIZE": "2",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == ["200", "200", "200"], result.stderr
    # A connection given back to the pool mid-transaction is rolled back, with a warning.
    assert "WARNING" not in result.stderr, result.stderr
