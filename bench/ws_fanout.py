"""WebSocket fan-out benchmark: how fast does a called token reach every screen of a department?

Starts daphne (Redis channel layer) on a free loopback port, connects N subscribers to one department's
queue socket, calls patients one by one, and prints p50/p99 of the time from the call to its receipt by
the LAST subscriber, plus the server process's resident memory.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/ws_fanout.py --subscribers 100 500 1000 --calls 30

Calls go over HTTP as the doctor's dashboard sends them (POST /doctors/api/ action=call_next, signed in,
with the CSRF token): the timer starts before the request, so latency covers the HTTP request, the
database transaction, the after-commit publish to Redis, the server's fan-out and the clients' receipt. It runs on
a throwaway database beside DATABASE_URL's (SQLite without it), created and dropped. All subscribers run in this
one process, so its event loop is part of what is measured.
"""

import argparse
import asyncio
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[100, 500, 1000], help="rounds of N sockets")
    parser.add_argument("--calls", type=int, default=30, help="calls measured per round")
    parser.add_argument("--connect-batch", type=int, default=100, help="sockets opened at once")
    parser.add_argument("--server-log", help="keep daphne's output in this file")
    return parser.parse_args()


def prepare_department():
    """A department with one doctor on duty, in the throwaway database."""
    from django.contrib.auth import get_user_model

    from doctors.models import Doctor
    from patients.models import Department

    department = Department.objects.create(name="Bench department", code="BENCH")
    user = get_user_model().objects.create_user(username="bench-doctor", password=None)
    doctor = Doctor.objects.create(
        user=user, department=department, room="Room 1", availability=Doctor.Availability.AVAILABLE
    )
    return department, doctor


def register_waiting_patients(department, count):
    from patients import services

    for n in range(count):
        services.register_visit(
            department=department, name=f"Bench patient {n}", phone=f"+1999{department.pk % 1000:03d}{n:05d}",
            age=40, gender="other",
        )


class Dashboard:
    """The bench doctor's dashboard: a signed-in HTTP session that presses its buttons."""

    def __init__(self, server, doctor):
        import requests
        from django.conf import settings
        from django.test import Client

        signed_in = Client()
        signed_in.force_login(doctor.user)
        self.url = f"{server.origin}/doctors/api/"
        self.session = requests.Session()
        self.session.cookies.set(settings.SESSION_COOKIE_NAME, signed_in.cookies[settings.SESSION_COOKIE_NAME].value)
        self.session.get(f"{server.origin}/doctors/", timeout=30)
        self.csrf_token = self.session.cookies[settings.CSRF_COOKIE_NAME]

    def press(self, action):
        response = self.session.post(self.url, json={"action": action}, headers={"X-CSRFToken": self.csrf_token}, timeout=60)
        response.raise_for_status()


class Subscribers:
    """N queue sockets that note when each numbered frame reached each of them."""

    def __init__(self, count):
        self.count = count
        self.arrivals = {}
        self.complete = {}
        self.sockets = []

    def expect(self, seq):
        self.arrivals.setdefault(seq, 0)
        return self.complete.setdefault(seq, asyncio.get_running_loop().create_future())

    def arrived(self, seq):
        self.arrivals[seq] = self.arrivals.get(seq, 0) + 1
        waiter = self.complete.get(seq)
        if self.arrivals[seq] == self.count and waiter is not None and not waiter.done():
            waiter.set_result(time.perf_counter())

    async def listen(self, socket):
        async for text in socket:
            # The envelope puts "seq" before the payload: no need to parse kilobytes of JSON per frame.
            start = text.find('"seq": ')
            value = text[start + 7 : text.find(",", start)]
            if value.isdigit():
                self.arrived(int(value))


async def run_round(server, department, dashboard, count, calls, connect_batch):
    from websockets.asyncio.client import connect

    from patients.published import current_sequence

    subscribers = Subscribers(count)
    url = f"{server.ws_url}/ws/queue/{department.pk}/"
    listeners = []
    for first in range(0, count, connect_batch):
        batch = await asyncio.gather(
            *(
                connect(url, origin=server.origin, proxy=None, ping_interval=None, compression=None, open_timeout=60)
                for _ in range(min(connect_batch, count - first))
            )
        )
        for socket in batch:
            await socket.recv()  # the snapshot
            subscribers.sockets.append(socket)
            listeners.append(asyncio.create_task(subscribers.listen(socket)))
    rss_connected = server.rss_kib()

    latencies = []
    for _ in range(calls):
        seq = await asyncio.to_thread(current_sequence, department.pk) + 1
        received = subscribers.expect(seq)
        started = time.perf_counter()
        await asyncio.to_thread(dashboard.press, "call_next")
        latencies.append(await asyncio.wait_for(received, timeout=60) - started)
        # A no-show frees the doctor for the next measured call.
        released = subscribers.expect(seq + 1)
        await asyncio.to_thread(dashboard.press, "skip")
        await asyncio.wait_for(released, timeout=60)

    rss_after = server.rss_kib()
    for socket in subscribers.sockets:
        await socket.close()
    for listener in listeners:
        listener.cancel()
    return latencies, rss_connected, rss_after


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    args = parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (e.g. redis://127.0.0.1:6379/0): the server and this driver share the Redis channel layer.")
    benchmark(args)


def benchmark(args):
    # Each subscriber is a file descriptor here and in the server (which inherits this limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    import django

    django.setup()
    from django.db import connection

    from smartqueue.tests.live_server import throwaway_database

    with throwaway_database("ws_fanout") as database:
        department, doctor = prepare_department()
        register_waiting_patients(department, 2 * args.calls * len(args.subscribers))
        print(f"database: {connection.vendor}; calls per round: {args.calls}")
        print(f"{'subscribers':>11} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'server RSS MiB (idle/connected/after)':>38}")
        measure(args, database, department, doctor)


def measure(args, database, department, doctor):
    from smartqueue.tests.live_server import running_daphne

    with running_daphne(database=database, log_path=args.server_log) as server:
        time.sleep(1)
        dashboard = Dashboard(server, doctor)
        rss_idle = server.rss_kib()
        for count in args.subscribers:
            latencies, rss_connected, rss_after = asyncio.run(
                run_round(server, department, dashboard, count, args.calls, args.connect_batch)
            )
            ms = [latency * 1000 for latency in latencies]
            memory = f"{rss_idle / 1024:.0f} / {rss_connected / 1024:.0f} / {rss_after / 1024:.0f}"
            print(
                f"{count:>11} {statistics.median(ms):>8.1f} {percentile(ms, 0.99):>8.1f} {max(ms):>8.1f} {memory:>38}",
                flush=True,
            )


if __name__ == "__main__":
    main()
