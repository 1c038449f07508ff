import asyncio
import threading
import time
from unittest.mock import patch

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync
from asgiref.testing import ApplicationCommunicator
from channels.testing import HttpCommunicator
from django.core.signals import request_finished

from smartqueue.handlers import PooledThreadsASGIHandler
from smartqueue.tests.test_settings import load_settings, run_in_fresh_process


@pytest.fixture
def threads_closing_responses():
    """The thread each request's response is closed in (Django does it in the request's sync thread), and the
    most requests seen closing at once (each close is held a moment, so overlapping ones overlap)."""
    seen = {"threads": [], "running": 0, "most_at_once": 0}
    lock = threading.Lock()

    def closing(**kwargs):
        with lock:
            seen["threads"].append(threading.get_ident())
            seen["running"] += 1
            seen["most_at_once"] = max(seen["most_at_once"], seen["running"])
        time.sleep(0.05)
        with lock:
            seen["running"] -= 1

    request_finished.connect(closing)
    yield seen
    request_finished.disconnect(closing)


async def get_page(application, path="/healthz"):
    communicator = HttpCommunicator(application, "GET", path, headers=[(b"host", b"testserver")])
    response = await communicator.get_response(timeout=10)
    # The request's thread is given back after its response is closed, once the answer has been sent.
    await communicator.wait(timeout=10)
    return response["status"]


async def test_requests_run_on_the_processs_few_threads_and_the_rest_wait_their_turn(
    settings, threads_closing_responses
):
    settings.SYNC_REQUEST_THREADS = 2
    application = PooledThreadsASGIHandler()

    statuses = await asyncio.gather(*(get_page(application, "/no-such-page") for _ in range(8)))
    statuses.append(await get_page(application, "/no-such-page"))

    assert statuses == [404] * 9
    assert len(threads_closing_responses["threads"]) == 9
    assert len(set(threads_closing_responses["threads"])) <= 2
    assert threads_closing_responses["most_at_once"] <= 2


async def test_a_request_crosses_to_its_thread_once_for_its_whole_response():
    """Each crossing is a thread switch each way. Django's own three: request_started's receivers, the response
    (middleware and view), closing it. Django's ASGIHandler ran its middleware in the thread, came back to the
    event loop for the view's process_view hooks and the view, and crossed again for each (5 crossings, 1 back)."""
    application = PooledThreadsASGIHandler()
    await get_page(application)
    to_thread, back_to_event_loop = [], []
    cross, come_back = SyncToAsync.__call__, AsyncToSync.__call__

    async def counted(self, *args, **kwargs):
        to_thread.append(getattr(self.func, "__qualname__", self.func))
        return await cross(self, *args, **kwargs)

    def counted_back(self, *args, **kwargs):
        back_to_event_loop.append(getattr(self.awaitable, "__qualname__", self.awaitable))
        return come_back(self, *args, **kwargs)

    with patch.object(SyncToAsync, "__call__", counted), patch.object(AsyncToSync, "__call__", counted_back):
        assert await get_page(application) == 200

    assert (len(to_thread), back_to_event_loop) == (3, []), to_thread


async def test_a_request_waiting_for_a_thread_is_answered_once_one_is_free(settings, threads_closing_responses):
    settings.SYNC_REQUEST_THREADS = 1
    application = PooledThreadsASGIHandler()

    first, second = await asyncio.gather(*(get_page(application, "/no-such-page") for _ in range(2)))

    assert (first, second) == (404, 404)
    assert len(set(threads_closing_responses["threads"])) == 1
    assert threads_closing_responses["most_at_once"] == 1


async def test_a_client_sending_its_body_slowly_holds_no_thread_while_it_does(settings, threads_closing_responses):
    settings.SYNC_REQUEST_THREADS = 1
    application = PooledThreadsASGIHandler()
    slow = ApplicationCommunicator(
        application,
        {
            "type": "http",
            "method": "GET",
            "path": "/healthz",
            "headers": [(b"host", b"testserver"), (b"content-length", b"2")],
            "query_string": b"",
        },
    )
    await slow.send_input({"type": "http.request", "body": b"{", "more_body": True})

    # The process's one thread answers others while the slow body is still on its way.
    assert await get_page(application) == 200

    await slow.send_input({"type": "http.request", "body": b"}", "more_body": False})
    assert (await slow.receive_output(timeout=10))["status"] == 200
    await slow.receive_output(timeout=10)
    await slow.wait(timeout=10)


def test_fewer_than_one_thread_per_process_refuses_to_start_with_a_clear_message():
    result = load_settings(SYNC_REQUEST_THREADS="0")

    assert result.returncode != 0
    assert "SYNC_REQUEST_THREADS must be a whole number of at least 1" in result.stderr


def test_the_served_application_answers_http_on_the_kept_threads():
    from smartqueue.asgi import application

    assert isinstance(application.application_mapping["http"], PooledThreadsASGIHandler)


def test_the_served_application_starts_with_its_views_imported_and_frozen_out_of_the_collectors_way():
    """A full garbage collection walks only what requests made, not Django's and the app's start-up objects."""
    probe = (
        "import gc, smartqueue.asgi, patients.api; "
        "tracked = {id(found) for found in gc.get_objects()}; "
        "print(gc.get_freeze_count() > 100000, id(patients.api.QueueStatusAPI) in tracked)"
    )
    result = run_in_fresh_process(probe)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]


async def test_the_liveness_probe_answers_while_every_request_thread_waits_on_a_hanging_database(settings):
    """PostgreSQL hanging: each page holds its thread for as long as its query waits. /healthz queued behind them went
    unanswered, and the orchestrator killed a live process that would have served again once the database did."""
    settings.SYNC_REQUEST_THREADS = 1
    application = PooledThreadsASGIHandler()
    database_answers = threading.Event()

    def hanging_database():
        database_answers.wait(timeout=20)

    with patch("smartqueue.views.ping_database", side_effect=hanging_database):
        page = HttpCommunicator(application, "GET", "/readyz", headers=[(b"host", b"testserver")])
        waiting_page = asyncio.ensure_future(page.get_response(timeout=25))
        await asyncio.sleep(0.2)
        try:
            assert await asyncio.wait_for(get_page(application), timeout=3) == 200
        finally:
            database_answers.set()
        assert (await waiting_page)["status"] == 200
