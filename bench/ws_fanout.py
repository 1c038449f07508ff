"""WebSocket fan-out benchmark: how fast does a called token reach every screen of a department, and how far is
that from the floor any Channels app pays on this machine?

Starts N daphne processes (Redis channel layer) on free loopback ports, spreads the subscribers of one
department's queue socket over them (round robin, as a load balancer without sticky sessions would), calls
patients one by one (each round from a line topped up to the same length), and prints p50/p99 of the time from
the call to its receipt by the LAST subscriber, plus the servers' resident memory. Then, with the same number of
processes on the same layer, the floor: daphne serving bench/floor_asgi.py, a bare consumer that only forwards
its group's messages, and the same frames (SmartQueue's last one, renumbered) sent straight to the group.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/ws_fanout.py --subscribers 100 500 1000 --calls 30 \
        --servers 1 2 4

Calls go over HTTP as the doctor's dashboard sends them (POST /doctors/api/ action=call_next, signed in,
with the CSRF token), to each process in turn: the timer starts before the request, so latency covers the HTTP
request, the database transaction, the after-commit publish to Redis, the servers' fan-out and the clients'
receipt. The floor's timer starts before its group_send: it covers Redis, the servers' fan-out and the
clients' receipt only. It runs on a throwaway database beside DATABASE_URL's (SQLite without it), created and
dropped. All subscribers run in this one process, so its event loop is part of what is measured, for the
floor as for SmartQueue.
"""

import argparse
import asyncio
import contextlib
import os
import re
import resource
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[100, 500, 1000], help="rounds of N sockets")
    parser.add_argument("--calls", type=int, default=30, help="calls measured per round")
    parser.add_argument("--connect-batch", type=int, default=100, help="sockets opened at once")
    parser.add_argument("--servers", type=int, nargs="+", default=[1], help="rounds on N daphne processes")
    parser.add_argument("--server-log", help="keep the first daphne's output in this file")
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


def top_up_line(department, waiting):
    """Register patients until `waiting` wait in the department's line, so that every round (each number of
    processes, each number of subscribers) calls from a line of the same length and sends frames of the same
    size: rounds run one after another, and a round drawn from a line the ones before had shortened would send
    smaller frames, faster."""
    from patients import services
    from patients.models import Queue

    first = Queue.objects.filter(department=department).count()
    missing = waiting - Queue.objects.filter(department=department, status=Queue.Status.WAITING).count()
    for n in range(first, first + missing):
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
        self.sample = None

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
            start = text.find('"seq":') + len('"seq":')
            value = text[start : text.find(",", start)].strip()
            if value.isdigit():
                self.sample = text
                self.arrived(int(value))


async def run_round(urls, origins, count, calls, connect_batch, press, rss):
    """Open count sockets spread over urls, then time calls rounds of press: (latencies, sample frame, rss()
    once connected).

    press(expect) makes one frame and returns when it was started; expect(seq) gives the future its receipt
    by the last subscriber sets.
    """
    subscribers = Subscribers(count)
    listeners = []
    for first in range(0, count, connect_batch):
        batch = await asyncio.gather(
            *(open_subscriber(urls[n % len(urls)], origins[n % len(origins)]) for n in range(first, min(first + connect_batch, count)))
        )
        for socket in batch:
            await socket.recv()  # the snapshot
            subscribers.sockets.append(socket)
            listeners.append(asyncio.create_task(subscribers.listen(socket)))
    rss_connected = rss()

    latencies = []
    for call in range(calls):
        received, started = await press(call, subscribers.expect)
        latencies.append(await asyncio.wait_for(received, timeout=60) - started)

    for socket in subscribers.sockets:
        await socket.close()
    for listener in listeners:
        listener.cancel()
    return latencies, subscribers.sample, rss_connected


async def open_subscriber(url, origin, attempts=3):
    """One socket; a handshake refused with a 5xx (daphne gives up on an application that has not accepted
    within its connect timeout, as a loaded 2-core machine sometimes makes it) is tried again."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    for attempt in range(1, attempts + 1):
        try:
            return await connect(url, origin=origin, proxy=None, ping_interval=None, compression=None, open_timeout=60)
        except InvalidStatus as refusal:
            if refusal.response.status_code < 500 or attempt == attempts:
                raise
            await asyncio.sleep(1)


def smartqueue_press(department, dashboards):
    async def press(call, expect):
        from patients.published import current_sequence

        dashboard = dashboards[call % len(dashboards)]
        seq = await asyncio.to_thread(current_sequence, department.pk) + 1
        received = expect(seq)
        started = time.perf_counter()
        await asyncio.to_thread(dashboard.press, "call_next")
        # A no-show frees the doctor for the next measured call; it is not timed.
        released = expect(seq + 1)
        await received
        await asyncio.to_thread(dashboard.press, "skip")
        await asyncio.wait_for(released, timeout=60)
        return received, started

    return press


def floor_press(group, sample):
    async def press(call, expect):
        from channels.layers import get_channel_layer

        from patients.broadcasts import FORWARD_MESSAGE_TYPE

        seq = call + 1
        text = re.sub(r'"seq":\s*\d+', f'"seq":{seq}', sample, count=1)
        received = expect(seq)
        started = time.perf_counter()
        await get_channel_layer().group_send(group, {"type": FORWARD_MESSAGE_TYPE, "text": text})
        return received, started

    return press


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
        print(f"database: {connection.vendor}; calls per round: {args.calls}")
        print(
            f"{'servers':>7} {'app':>10} {'subscribers':>11} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
            f"{'servers RSS MiB (idle/connected/after)':>40}"
        )
        p99s = {}
        for servers in args.servers:
            p99s.update(measure(args, database, department, doctor, servers))
        report_targets(p99s, max(args.subscribers))


@contextlib.contextmanager
def running_servers(count, *, database, application, log_path=None):
    from smartqueue.tests.live_server import running_daphne

    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(
                running_daphne(
                    database=database,
                    application=application,
                    log_path=log_path if n == 0 else None,
                    # Every subscriber of the bench comes from loopback: one address, held to no hospital's limit.
                    env={"SOCKETS_PER_ADDRESS": "1000000"},
                )
            )
            for n in range(count)
        ]


def rss_mib(servers):
    return sum(server.rss_kib() for server in servers) / 1024


def measure(args, database, department, doctor, count):
    """SmartQueue's rounds on count processes, then the floor's on as many: {(app, count, subscribers): p99 ms}."""
    p99s = {}
    sample = None
    with running_servers(count, database=database, application="smartqueue.asgi:application", log_path=args.server_log) as servers:
        time.sleep(1)
        dashboards = [Dashboard(server, doctor) for server in servers]
        urls = [f"{server.ws_url}/ws/queue/{department.pk}/" for server in servers]
        for subscribers in args.subscribers:
            # Each call is followed by a no-show that frees the doctor: two tokens a call.
            top_up_line(department, 2 * args.calls)
            p99s[("smartqueue", count, subscribers)], sample = report_round(
                "smartqueue", servers, urls, subscribers, args, smartqueue_press(department, dashboards)
            )
    print(f"{'':>7} {'':>10} last frame: {len(sample.encode())} bytes, sent to the floor renumbered", flush=True)
    group = f"bench_floor_{os.getpid()}_{count}"
    with running_servers(count, database=database, application="bench.floor_asgi:application") as servers:
        time.sleep(1)
        urls = [f"{server.ws_url}/ws/floor/{group}/" for server in servers]
        for subscribers in args.subscribers:
            p99s[("floor", count, subscribers)], _ = report_round(
                "floor", servers, urls, subscribers, args, floor_press(group, sample)
            )
    return p99s


def report_round(app, servers, urls, subscribers, args, press):
    rss_idle = rss_mib(servers)
    origins = [server.origin for server in servers]
    latencies, sample, rss_connected = asyncio.run(
        run_round(urls, origins, subscribers, args.calls, args.connect_batch, press, partial(rss_mib, servers))
    )
    ms = [latency * 1000 for latency in latencies]
    memory = f"{rss_idle:.0f} / {rss_connected:.0f} / {rss_mib(servers):.0f}"
    p99 = percentile(ms, 0.99)
    print(
        f"{len(servers):>7} {app:>10} {subscribers:>11} {statistics.median(ms):>8.1f} {p99:>8.1f} {max(ms):>8.1f} "
        f"{memory:>40}",
        flush=True,
    )
    return p99, sample


# Asked for in the issue, for the largest round of subscribers.
FLOOR_FACTOR = 2.0
SCALE_OUT_FACTOR = 0.6


def report_targets(p99s, subscribers):
    print()
    for count in (1, 2):
        smartqueue, floor = p99s.get(("smartqueue", count, subscribers)), p99s.get(("floor", count, subscribers))
        if smartqueue is not None and floor is not None:
            ratio = smartqueue / floor
            print(
                f"target p99 <= {FLOOR_FACTOR:g}x the floor's, {subscribers} subscribers on {count} process(es): "
                f"{smartqueue:.0f} / {floor:.0f} ms = {ratio:.2f}x {'met' if ratio <= FLOOR_FACTOR else 'MISSED'}"
            )
    one, two = p99s.get(("smartqueue", 1, subscribers)), p99s.get(("smartqueue", 2, subscribers))
    if one is not None and two is not None:
        ratio = two / one
        print(
            f"target p99 on 2 processes <= {SCALE_OUT_FACTOR:g}x on 1, {subscribers} subscribers: "
            f"{two:.0f} / {one:.0f} ms = {ratio:.2f}x {'met' if ratio <= SCALE_OUT_FACTOR else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
