"""The server reads socket messages no larger than the app's sockets take (smartqueue.server.SOCKET_MESSAGE_MAX_BYTES):
a message being received is held in memory until its end comes."""

import json
import os
import sys

import pytest
from django.db import connection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from patients.live import MAX_CLIENT_MESSAGE_CHARS
from smartqueue.server import SOCKET_MESSAGE_MAX_BYTES
from smartqueue.tests.live_server import DAPHNE_LISTENING, database_url, running_server

pytestmark = pytest.mark.django_db(transaction=True)

@pytest.fixture
def served(django_db_blocker):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "smartqueue.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [sys.executable, "-m", "smartqueue.server", "-b", "127.0.0.1", "-p", "0", "smartqueue.asgi:application"]
    with django_db_blocker.unblock(), running_server(command=command, env=env, listening=DAPHNE_LISTENING) as served:
        yield served


def test_a_socket_message_larger_than_the_app_reads_closes_the_socket_and_a_long_one_it_reads_is_answered(
    served, department
):
    # Twenty-third attack run: daphne read messages of up to a megabyte, each held whole in memory until its end came;
    # 200 sockets each sending a megabyte short of its end grew the server by 200 MB while they stayed open.
    _process, port = served
    address, origin = f"ws://127.0.0.1:{port}/ws/queue/{department.pk}/", f"http://127.0.0.1:{port}"
    with connect(address, origin=origin, proxy=None) as client:
        client.recv(timeout=10)
        client.send(json.dumps({"type": "snapshot", "padding": "a" * (4 * MAX_CLIENT_MESSAGE_CHARS)}))
        assert json.loads(client.recv(timeout=10))["type"] == "error"
        client.send("a" * (SOCKET_MESSAGE_MAX_BYTES + 1))
        # Closed (1009, "too big", though the client may be reset before it reads that), not answered.
        with pytest.raises(ConnectionClosed):
            while True:
                client.recv(timeout=10)
