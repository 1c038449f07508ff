"""HTTP load on the production stack, against the stack's own ceiling measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartqueue REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/http_load.py [--concurrency 10 50 100] [--seconds 5] [--workers 4]

Creates a throwaway PostgreSQL database (dropped at the end), seeds departments and doctors, starts
gunicorn with uvicorn workers on a free loopback port (DEBUG off, generated SECRET_KEY), and drives it from
this separate process with an asyncio client (aiohttp). At each concurrency, every endpoint is loaded for a
fixed number of seconds: /healthz (no database: the ceiling), registration, queue status (ten departments,
as published), queue status of a short line (5 waiting), the same line and a long one (500 waiting) cold,
patient status and the doctors' call-next. The ten departments read and called from hold --waiting patients
each (40 by default: a busy outpatient line), seeded before the server starts; registrations go to ten
departments of their own, so how fast a commit registers does not lengthen the lines its reads return.
Prints requests/s, p50, p99 and errors per endpoint, and its throughput as a share of /healthz's. Then one long warm phase of queue status beside /healthz, in intervals:
no interval's share of /healthz may fall below 80% of the phase's (a cliff when kept queues expire would show
there; the share, rather than the raw rate, keeps the machine's other loads out of it).

Cold means that before each request the client advances the department's change number (as a change whose
kept queue was evicted would), so the request finds nothing kept for the current number and computes the
queue from PostgreSQL. Requests in flight together may read the same number, and then only the first computes:
the bench prints how many queues were kept under the phase's numbers. Doctors sign in through /doctors/login/ (CSRF token and session cookie) like a browser; each
doctor calls the next patient, marks them a no-show, and recalls them to their place, so the line never runs
dry: all three are dashboard POSTs changing one token, and all count in the call-next row.
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")

DEPARTMENTS = 10
SHORT_LINE, LONG_LINE = 5, 500
DOCTOR_PASSWORD = "bench-" + secrets.token_urlsafe(12)
GUNICORN_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
# Asked for in the issues: each endpoint's throughput as a share of the trivial view's, at the concurrencies named
# (None: at every concurrency of the run).
TARGETS = [
    ("queue status", 0.5, None),
    ("queue cold 5", 0.4, None),
    ("queue cold 500", 0.2, None),
    ("register", 0.12, (10, 50)),
]
# The warm phase: no interval's share of /healthz below this share of the phase's.
NO_CLIFF_SHARE = 0.8


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[10, 50, 100], help="clients in flight")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--waiting", type=int, default=40, help="patients waiting in each department read")
    parser.add_argument("--pool-size", type=int, default=8, help="PostgreSQL connections per worker (DATABASE_POOL_SIZE)")
    parser.add_argument("--server-log", help="keep the server's output in this file")
    parser.add_argument(
        "--warm-seconds", type=float, default=40.0,
        help="length of the warm queue-status phase (longer than the 30 s expiry kept queues once had)",
    )
    parser.add_argument("--interval", type=float, default=5.0, help="interval of the warm phase's throughput")
    return parser.parse_args()


def require_services():
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server and REDIS_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartqueue REDIS_URL=redis://127.0.0.1:6379/0"
        )


def seed(doctor_count, waiting):
    """Departments, and doctors on duty spread over them (they share the password DOCTOR_PASSWORD), each with
    `waiting` patients waiting; and as many departments for registrations, with a doctor on duty each.
    Returns the ids of both and the doctors' usernames."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from doctors.models import Doctor
    from patients.models import Department

    departments = [
        Department.objects.create(name=f"Bench department {n}", code=f"BD{n}", average_consultation_minutes=10)
        for n in range(DEPARTMENTS)
    ]
    password_hash = make_password(DOCTOR_PASSWORD)
    usernames = []
    for n in range(doctor_count):
        user = get_user_model().objects.create(username=f"bench.doctor{n}", password=password_hash)
        Doctor.objects.create(
            user=user, department=departments[n % DEPARTMENTS], room=f"Room {n}", availability=Doctor.Availability.AVAILABLE
        )
        usernames.append(user.username)
    for index, department in enumerate(departments):
        register_waiting(department, waiting, first_phone=9000000 + index * 1000)
    registration_departments = [department_with_a_doctor(f"Registrations {n}", f"BR{n}").pk for n in range(DEPARTMENTS)]
    return [department.pk for department in departments], registration_departments, usernames


def department_with_a_doctor(name, code):
    """A department (10 minutes a consultation) with one doctor on duty."""
    from django.contrib.auth import get_user_model

    from doctors.models import Doctor
    from patients.models import Department

    department = Department.objects.create(name=name, code=code, average_consultation_minutes=10)
    user = get_user_model().objects.create(username=f"bench.{code.lower()}")
    Doctor.objects.create(user=user, department=department, room="Room 1", availability=Doctor.Availability.AVAILABLE)
    return department


def register_waiting(department, count, *, first_phone):
    """`count` patients registered through register_visit, with San Francisco numbers from first_phone on."""
    from patients import services

    for n in range(count):
        services.register_visit(
            department=department, name="Bench Patient", phone=f"+1415{first_phone + n:07d}", age=40, gender="undisclosed"
        )


def seed_lines():
    """Two more departments with one doctor on duty each and a line of SHORT_LINE and LONG_LINE waiting."""
    lines = {}
    for length in (SHORT_LINE, LONG_LINE):
        department = department_with_a_doctor(f"Line of {length}", f"L{length}")
        register_waiting(department, length, first_phone=8000000 + length * 1000)
        lines[length] = department.pk
    return lines


@contextmanager
def running_gunicorn(*, database, workers, pool_size, log_path):
    """The README's production HTTP server, DEBUG off, on a port the kernel picks."""
    from django.conf import settings

    from smartqueue.tests.live_server import database_url, running_server

    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "THROTTLE_REGISTER": "1000000/hour",
        "LOG_LEVEL": "WARNING",
        # Bounded per worker, so that 100 clients cannot open more connections than PostgreSQL allows.
        "DATABASE_POOL_SIZE": str(pool_size),
        # As README's production path: several workers share one cache (rate limits, queue snapshots).
        "CACHE_URL": os.environ.get("CACHE_URL") or settings.REDIS_URL,
    }
    # DEBUG off serves static files from the collected manifest, which the sign-in page needs.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "smartqueue.asgi:application",
        "-k", "uvicorn.workers.UvicornWorker",
        "-w", str(workers),
        "-b", "127.0.0.1:0",
        "--log-level", "info",
    ]
    server = running_server(command=command, env=env, listening=GUNICORN_LISTENING, startup_timeout=60, log_path=log_path)
    with server as (_, port):
        yield f"http://127.0.0.1:{port}"


class Measurement:
    def __init__(self, name):
        self.name = name
        self.latencies = []
        self.errors = 0
        self.first_error = None
        self.elapsed = 0.0

        self.finished = []

    def record(self, started, ok, detail):
        self.finished.append(time.perf_counter())
        self.latencies.append(self.finished[-1] - started)
        if not ok:
            self.errors += 1
            self.first_error = self.first_error or detail

    @property
    def rate(self):
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, fraction):
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    def interval_rates(self, started, interval):
        """Requests/s finished in each whole interval from started."""
        counts = [0] * int(self.elapsed // interval)
        for finished in self.finished:
            slot = int((finished - started) // interval)
            if slot < len(counts):
                counts[slot] += 1
        return [count / interval for count in counts]


class Site:
    """The server as seen by patients' phones and doctors' browsers, over one pool of keep-alive connections."""

    def __init__(self, http, base_url, lines, registration_departments):
        self.http = http
        self.base_url = base_url
        self.lines = lines
        self.registration_departments = registration_departments
        self.phones = iter(range(10**6))
        self.patient_ids = deque(maxlen=5000)

    async def request(self, method, path, expected, **options):
        async with self.http.request(method, self.base_url + path, **options) as response:
            body = await response.read()
            detail = None if response.status == expected else f"{method} {path}: {response.status} {body[:200]!r}"
            return detail, body, response

    async def healthz(self, client):
        return (await self.request("GET", "/healthz", 200))[0]

    async def register(self, client):
        number = next(self.phones)
        registration = {
            "name": "Bench Patient",
            # San Francisco numbers from exchange 200 up: valid, and distinct for each registration.
            "phone": f"+1415{2000000 + number:07d}",
            "age": 40,
            "gender": "undisclosed",
            "department": self.registration_departments[number % DEPARTMENTS],
        }
        detail, body, _ = await self.request("POST", "/patients/api/register/", 201, json=registration)
        if detail is None:
            self.patient_ids.append(json.loads(body)["patient_id"])
        return detail

    async def queue_status(self, client):
        client.turn += 1
        department = client.departments[client.turn % len(client.departments)]
        return (await self.request("GET", f"/patients/api/queue/{department}/", 200))[0]

    async def short_line(self, client):
        return (await self.request("GET", f"/patients/api/queue/{self.lines[SHORT_LINE]}/", 200))[0]

    async def cold_short_line(self, client):
        return await self.cold_queue_status(self.lines[SHORT_LINE])

    async def cold_long_line(self, client):
        return await self.cold_queue_status(self.lines[LONG_LINE])

    async def cold_queue_status(self, department_id):
        from patients.published import next_sequence

        next_sequence(department_id)  # One Redis INCR: too short to be worth a thread.
        return (await self.request("GET", f"/patients/api/queue/{department_id}/", 200))[0]

    async def patient_status(self, client):
        client.turn += 1
        patient_id = self.patient_ids[client.turn * 7919 % len(self.patient_ids)]
        return (await self.request("GET", f"/patients/api/patient/{patient_id}/status/", 200))[0]

    async def call_next(self, client):
        """Call the next patient, mark them a no-show, recall them to their place: the doctor can call again."""
        if client.called_entry is None:
            action = {"action": "call_next"}
        elif not client.skipped:
            action = {"action": "skip"}
        else:
            action = {"action": "recall", "entry": client.called_entry}
        detail, body, _ = await self.request("POST", "/doctors/api/", 200, json=action, headers=client.doctor_headers)
        if detail is None:
            if action["action"] == "call_next":
                client.called_entry = json.loads(body)["dashboard"]["current"]["id"]
            elif action["action"] == "skip":
                client.skipped = True
            else:
                client.called_entry, client.skipped = None, False
        return detail

    async def sign_in(self, username):
        """A doctor's browser: fetch the sign-in form (CSRF cookie), post it, keep the session cookie."""
        cookies = {}
        _, _, form = await self.request("GET", "/doctors/login/", 200)
        cookies.update({name: morsel.value for name, morsel in form.cookies.items()})
        detail, _, signed_in = await self.request(
            "POST",
            "/doctors/login/",
            302,
            data={"username": username, "password": DOCTOR_PASSWORD, "csrfmiddlewaretoken": cookies["csrftoken"]},
            headers={"Cookie": cookie_header(cookies)},
            allow_redirects=False,
        )
        if detail:
            raise RuntimeError(f"{username} could not sign in: {detail}")
        # Signing in rotates the CSRF token and issues the session cookie.
        cookies.update({name: morsel.value for name, morsel in signed_in.cookies.items()})
        return {"Cookie": cookie_header(cookies), "X-CSRFToken": cookies["csrftoken"]}


def cookie_header(cookies):
    # The server marks its cookies Secure (DEBUG off); the bench speaks plain HTTP on loopback, so it sends them itself.
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class Client:
    def __init__(self, departments, doctor_headers=None):
        self.departments = departments
        self.doctor_headers = doctor_headers
        self.called_entry = None
        self.skipped = False
        self.turn = 0


async def measure(name, action, clients, seconds):
    result = Measurement(name)
    deadline = time.perf_counter() + seconds

    async def loop(client):
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                detail = await action(client)
            except Exception as failure:  # a refused or dropped connection is an error of the endpoint
                detail = f"{type(failure).__name__}: {failure}"
            result.record(started, detail is None, detail)

    started = time.perf_counter()
    await asyncio.gather(*(loop(client) for client in clients))
    result.elapsed = time.perf_counter() - started
    return result


async def drive(base_url, departments, registration_departments, lines, usernames, options):
    import aiohttp

    from patients.published import current_sequence

    largest = max(options.concurrency)
    connector = aiohttp.TCPConnector(limit=largest, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
        site = Site(http, base_url, lines, registration_departments)
        await site.healthz(None)
        started = time.perf_counter()
        signing_in = asyncio.Semaphore(2 * options.workers)

        async def sign_in(username):
            async with signing_in:
                return await site.sign_in(username)

        doctor_headers = await asyncio.gather(*(sign_in(username) for username in usernames))
        print(f"{len(usernames)} doctors signed in through /doctors/login/ in {time.perf_counter() - started:.1f} s")
        # The workers' first requests (imports, connections) out of the measurements; the registrations go to
        # their own departments, so the lines read and called from stay as seeded.
        await measure("warm-up", site.register, [Client(departments) for _ in range(10)], options.seconds)

        header = f"{'endpoint':<15}{'conc':>5}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'vs /healthz':>13}"
        print(header)
        print("-" * len(header))
        every = []
        computed = []
        for concurrency in options.concurrency:
            patients = [Client(departments) for _ in range(concurrency)]
            doctors = [Client(departments, headers) for headers in doctor_headers[:concurrency]]
            rounds = [
                ("/healthz", site.healthz, patients),
                ("register", site.register, patients),
                ("queue status", site.queue_status, patients),
                ("queue short", site.short_line, patients),
                ("queue cold 5", site.cold_short_line, patients),
                ("queue cold 500", site.cold_long_line, patients),
                ("patient status", site.patient_status, patients),
                ("call-next", site.call_next, doctors),
            ]
            results = []
            for name, action, clients in rounds:
                first_numbers = {length: current_sequence(department) + 1 for length, department in lines.items()}
                results.append(await measure(name, action, clients, options.seconds))
                if name.startswith("queue cold"):
                    department = lines[int(name.split()[-1])]
                    kept = kept_since(department, first_numbers[int(name.split()[-1])])
                    computed.append(f"{name} at {concurrency}: {len(results[-1].latencies)} requests, {kept} queues kept")
            ceiling = results[0].rate
            for result in results:
                ratio = result.rate / ceiling if ceiling else 0.0
                print(
                    f"{result.name:<15}{concurrency:>5}{result.rate:>9.1f}{result.percentile_ms(0.5):>9.1f}"
                    f"{result.percentile_ms(0.99):>9.1f}{result.errors:>8}{ratio:>12.0%}",
                    flush=True,
                )
                every.append((concurrency, result, ratio))
            # Doctors part-way through a call finish it, so the next round starts with every doctor free.
            for _ in range(2):
                await asyncio.gather(
                    *(site.call_next(doctor) for doctor in doctors if doctor.called_entry), return_exceptions=True
                )
        print()
        print("\n".join(computed))
        warm = await measure_warm(site, departments, lines, options)
        report_targets(every, warm)


async def measure_warm(site, departments, lines, options):
    """Queue status over every department's published queue for one long phase, in intervals, with /healthz
    loaded beside it: the interval's share of /healthz shows a cliff of the app's own, where the machine's
    other loads move both alike."""
    concurrency = min(options.concurrency)
    readers = [Client([*departments, *lines.values()]) for _ in range(concurrency)]
    pingers = [Client(departments) for _ in range(max(1, concurrency // 2))]
    started = time.perf_counter()
    result, ceiling = await asyncio.gather(
        measure("queue warm", site.queue_status, readers, options.warm_seconds),
        measure("/healthz", site.healthz, pingers, options.warm_seconds),
    )
    shares = [
        rate / healthz if healthz else 0.0
        for rate, healthz in zip(result.interval_rates(started, options.interval), ceiling.interval_rates(started, options.interval))
    ]
    print(
        f"\nwarm queue status, {concurrency} clients beside {len(pingers)} on /healthz, {options.warm_seconds:g} s: "
        f"{result.rate:.1f} req/s (/healthz {ceiling.rate:.1f}), errors {result.errors}; per {options.interval:g} s "
        f"interval, queue status req/s: " + " ".join(f"{rate:.0f}" for rate in result.interval_rates(started, options.interval))
        + "; as a share of /healthz's: " + " ".join(f"{share:.0%}" for share in shares)
    )
    return result, ceiling, shares


def kept_since(department_id, first_number):
    """How many queues are kept for the department under change numbers from first_number on."""
    from patients.published import current_sequence, kept_snapshot

    return sum(
        kept_snapshot(department_id, number) is not None
        for number in range(first_number, current_sequence(department_id) + 1)
    )


def report_targets(every, warm):
    print()
    for concurrency, result, ratio in every:
        if result.first_error:
            print(f"first error, {result.name} at {concurrency}: {result.first_error}")
    for name, share, concurrencies in TARGETS:
        ratios = [ratio for c, result, ratio in every if result.name == name and (concurrencies is None or c in concurrencies)]
        if not ratios:
            continue
        where = "" if concurrencies is None else " at concurrency " + "/".join(map(str, concurrencies))
        worst = min(ratios)
        print(f"target {name} >= {share:.0%} of /healthz{where}: worst {worst:.1%} {'met' if worst >= share else 'MISSED'}")
    result, ceiling, shares = warm
    mean_share = result.rate / ceiling.rate if ceiling.rate else 0.0
    lowest = min(shares) / mean_share if shares and mean_share else 0.0
    print(
        f"target warm queue status, no interval below {NO_CLIFF_SHARE:.0%} of the phase's mean (as shares of "
        f"/healthz): lowest {lowest:.0%} {'met' if lowest >= NO_CLIFF_SHARE and not result.errors else 'MISSED'}"
    )
    errors_at_top = sum(result.errors for concurrency, result, _ in every if concurrency == max(c for c, _, _ in every))
    print(f"target zero errors at the highest concurrency: {errors_at_top} {'met' if errors_at_top == 0 else 'MISSED'}")


def main():
    options = parse_args()
    require_services()
    # This process reads the queues the server keeps (and the cold phases' numbers) from the server's cache.
    os.environ.setdefault("CACHE_URL", os.environ["REDIS_URL"])
    import django

    django.setup()
    from patients.models import Queue
    from smartqueue.tests.live_server import throwaway_database

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, gunicorn workers: {options.workers}, "
          f"{options.seconds:g} s per measurement")
    with throwaway_database("http_load") as database:
        departments, registration_departments, usernames = seed(max(options.concurrency), options.waiting)
        lines = seed_lines()
        with running_gunicorn(
            database=database, workers=options.workers, pool_size=options.pool_size, log_path=options.server_log
        ) as base_url:
            asyncio.run(drive(base_url, departments, registration_departments, lines, usernames, options))
        print(
            f"tokens issued: {Queue.objects.count()} over {2 * DEPARTMENTS + len(lines)} departments, "
            f"still waiting at the end: {Queue.objects.waiting().count()}"
        )


if __name__ == "__main__":
    main()
