"""A server process stopped for a restart or a deploy (SIGTERM, as docker, systemd and Kubernetes send it) finishes
what it is answering and tells its sockets why they close (smartqueue.server.drain_then_stop)."""

import os
import signal
import sys
import time
import urllib.request
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import pytest
from django.db import connection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from smartqueue.tests.live_server import DAPHNE_LISTENING, database_url, running_server

pytestmark = pytest.mark.django_db(transaction=True)

# Enough to queue behind the server's one thread, few enough to be answered within its drain on a busy machine (CI
# runs four test processes at once: 200 were not).
REQUESTS = 40


@pytest.fixture
def served(django_db_blocker):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "smartqueue.settings",
        # One thread: the requests below wait their turn, so that some are still under way at the SIGTERM.
        "SYNC_REQUEST_THREADS": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [sys.executable, "-m", "smartqueue.server", "-b", "127.0.0.1", "-p", "0", "smartqueue.asgi:application"]
    with django_db_blocker.unblock(), running_server(command=command, env=env, listening=DAPHNE_LISTENING) as served:
        yield served


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status
    except OSError as error:
        return type(error).__name__


def test_a_stopping_server_answers_the_requests_under_way_and_closes_its_sockets_as_a_restart(served, department):
    process, port = served
    with connect(
        f"ws://127.0.0.1:{port}/ws/queue/{department.pk}/", origin=f"http://127.0.0.1:{port}", proxy=None
    ) as socket:
        socket.recv(timeout=10)

        with ThreadPoolExecutor(REQUESTS) as pool:
            answers = [pool.submit(get, port, "/patients/api/departments/") for _ in range(REQUESTS)]
            # Stopped once the server is answering them, with most still waiting for its one thread.
            wait(answers, return_when=FIRST_COMPLETED)
            # Every request connected (a stopping server takes no new connection), most still to be answered.
            time.sleep(0.3)
            process.send_signal(signal.SIGTERM)
            statuses = [answer.result() for answer in answers]

        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)

    assert process.wait(timeout=20) == 0
    assert [status for status in statuses if status != 200] == []
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4012
