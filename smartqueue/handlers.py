"""Django's ASGI handler, running the views on a fixed set of threads per server process.

Django's own ASGIHandler gives every request a thread of its own (a fresh ThreadSensitiveContext, whose
executor is started for the request and joined after it). Starting and joining that thread blocks the event
loop each time, and under load every request in flight holds a thread that competes for the GIL and a
database connection: at 50 clients a registration cost a third more CPU than at 10, and /healthz lost a
quarter of its throughput to the threads alone (docs/performance.md, "Threads kept between requests").

Here each request borrows one of SYNC_REQUEST_THREADS single-thread executors for its sync work (the same
one for all of it, as Django requires of thread-sensitive code) and gives it back when its answer is sent;
a request that finds them all busy waits on the event loop, which costs nothing. It borrows one only once its
body has arrived: a client sending its body slowly holds no thread. Asynchronous work (the WebSocket
consumers, the channel layer) never waits for them.

The liveness probe (/healthz) has a thread of its own and never waits behind a page: with PostgreSQL hanging, every
page held one of those threads for as long as its query or its wait for a connection took, and the probe, queued
behind them, went unanswered until the orchestrator killed a process that was alive and would have served again the
moment the database did.

The whole of a request's response, middleware and view alike, is worked out in one crossing to that thread:
every view and middleware here is sync (or sync-capable), and Django's ASGI handler, which builds its chain
around an async core, took every request from the thread back to the event loop and out again to run the view.
"""

import asyncio
import contextvars
import weakref
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

# Answered on a thread of its own: it touches neither the database nor Redis, so it never holds that thread long.
LIVENESS_PROBE_PATH = "/healthz"

# The request's own exit stack, which holds its thread from when its body is in until its answer is sent, and how it
# borrows that thread.
_request_exits = contextvars.ContextVar("request_exits")


class PooledThreadsASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self.threads = settings.SYNC_REQUEST_THREADS
        self._idle_executors = []
        self._probe_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="liveness-probe")
        # One count of free threads per event loop: an asyncio primitive belongs to the loop it first waits in,
        # and tests drive the application from a new loop each.
        self._free_threads = weakref.WeakKeyDictionary()

    def load_middleware(self, is_async=False):
        """A sync chain, though Django's ASGIHandler asks for an async one: see the module's docstring."""
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response)(request)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        async with AsyncExitStack() as exits:
            lend = self._probe_thread_lent if scope["path"] == LIVENESS_PROBE_PATH else self._thread_lent
            token = _request_exits.set((exits, lend))
            try:
                await self.handle(scope, receive, send)
            finally:
                _request_exits.reset(token)

    async def read_body(self, receive):
        body_file = await super().read_body(receive)
        exits, lend = _request_exits.get()
        await exits.enter_async_context(lend())
        return body_file

    def _probe_thread_lent(self):
        # Probes arriving together are answered one after another there, each in well under a millisecond.
        return ThreadSensitiveContext(executor=self._probe_executor)

    @asynccontextmanager
    async def _thread_lent(self):
        loop = asyncio.get_running_loop()
        async with self._free_threads.setdefault(loop, asyncio.Semaphore(self.threads)):
            executor = self._idle_executors.pop() if self._idle_executors else ThreadPoolExecutor(max_workers=1)
            try:
                async with ThreadSensitiveContext(executor=executor):
                    yield
            finally:
                self._idle_executors.append(executor)
