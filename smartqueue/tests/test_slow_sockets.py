"""A socket whose client reads nothing is dropped by the server (smartqueue.server.SocketsAnsweringPings), however
many messages the client sends: what it does not read would otherwise queue in the server's memory."""

import base64
import json
import os
import socket
import sys
import time

import pytest
from django.db import connection
from websockets.sync.client import connect

from smartqueue.tests.live_server import DAPHNE_LISTENING, database_url, running_server

pytestmark = pytest.mark.django_db(transaction=True)

PING_INTERVAL_SECONDS, PING_TIMEOUT_SECONDS = 1, 2
# daphne looks for sockets due a ping every 2 s: a ping within 3 s, its timeout 2 s after, with room for a busy machine.
DROPPED_WITHIN_SECONDS = 12


@pytest.fixture
def served(django_db_blocker):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "smartqueue.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [
        *(sys.executable, "-m", "smartqueue.server", "-b", "127.0.0.1", "-p", "0"),
        *("--ping-interval", str(PING_INTERVAL_SECONDS), "--ping-timeout", str(PING_TIMEOUT_SECONDS)),
        "smartqueue.asgi:application",
    ]
    with django_db_blocker.unblock(), running_server(command=command, env=env, listening=DAPHNE_LISTENING) as served:
        yield served


def open_without_reading(port, path):
    """A WebSocket handshake on a plain TCP socket, whose answer (and all that follows) is never read."""
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    client.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    return client


def masked_text_frame(text):
    payload, mask = text.encode(), os.urandom(4)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def test_a_client_that_sends_but_never_reads_is_dropped_and_one_that_reads_is_kept(served, department):
    # Twenty-second attack run: a client asking for a snapshot every second and reading nothing kept its socket (any
    # message counted as the answer to the server's ping), and the snapshots it never read grew the server's memory.
    _process, port = served
    path = f"/ws/queue/{department.pk}/"
    with connect(f"ws://127.0.0.1:{port}{path}", origin=f"http://127.0.0.1:{port}", proxy=None) as reader:
        reader.recv(timeout=10)
        silent = open_without_reading(port, path)
        asking = masked_text_frame(json.dumps({"type": "snapshot"}))
        deadline, dropped = time.monotonic() + DROPPED_WITHIN_SECONDS, False
        while not dropped and time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                silent.sendall(asking)
            except OSError:  # The server closed the connection: this send was answered with a reset.
                dropped = True
        silent.close()

        reader.send(json.dumps({"type": "ping"}))
        assert json.loads(reader.recv(timeout=10))["type"] == "pong"
    assert dropped
