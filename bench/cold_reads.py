"""What one cold read of a department's queue costs in-process: SQL statements and CPU time per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartqueue REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/cold_reads.py [--requests 200] [--lines 5 500] [--profile "queue status" 5] \
        [--nothing-kept] [--doctors 1]

Runs against a throwaway database (created and dropped), never the real one. Seeds a department per line
length, each with --doctors doctors on duty (one by default), that many patients waiting and one more called
by each doctor, then asks Django's test client for the four reads of a queue (queue status, visit status,
patient status, the display board's snapshot). Cold, as in bench/http_load.py: before each request the
department's change number is advanced (and anything kept under the new number dropped), so the request finds
nothing kept and reads the queue from PostgreSQL, taking the department's kept pace where it still holds
(patients/published.py); with --nothing-kept the kept pace is dropped too, as after an eviction, so the pace
is measured as well. Prints the statements of one cold request and the median, mean and fastest CPU
milliseconds (time.process_time) of each read (on a machine shared with other work the fastest request is the
one least slowed by it); --profile prints cProfile's top functions of one read and line instead.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from doctors.models import Doctor  # noqa: E402
from patients import published, services  # noqa: E402
from patients.models import Department  # noqa: E402
from smartqueue.tests.live_server import throwaway_database  # noqa: E402

def seed_line(length, doctors):
    """A department with `doctors` doctors on duty, each with a patient called, and `length` patients waiting;
    its last registration."""
    department = Department.objects.create(name=f"Line of {length}", code=f"L{length}", room="Hall B")
    on_duty = [
        Doctor.objects.create(
            user=get_user_model().objects.create(
                username=f"bench.line{length}.{n}", first_name="Ada", last_name="Lovelace"
            ),
            department=department,
            room=f"Room {n + 1}",
            availability=Doctor.Availability.AVAILABLE,
        )
        for n in range(doctors)
    ]
    for n in range(length + doctors):
        entry = services.register_visit(
            department=department, name="Bench Patient", phone=f"+1415{8000000 + length * 1000 + n:07d}",
            age=40, gender="undisclosed",
        ).entry
    for doctor in on_duty:
        services.call_next(doctor=doctor)
    return department, entry


def reads(department, entry):
    """The four reads of one department's queue, by name: the paths a client asks for."""
    return {
        "queue status": f"/patients/api/queue/{department.pk}/",
        "visit status": f"/patients/api/visit/{entry.public_id}/status/",
        "patient status": f"/patients/api/patient/{entry.patient.public_id}/status/",
        "snapshot": f"/display/{department.pk}/snapshot.json",
    }


@contextmanager
def statements_run():
    """The SQL of every statement run inside, in order (a request's start clears Django's own query log)."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def make_cold(department, nothing_kept):
    """Advance the department's change number and drop whatever is kept under the new one (a bench run before
    this one, on the same Redis database, may have kept a queue of a department with this id); with
    --nothing-kept, the department's kept pace too."""
    seq = published.next_sequence(department.pk)
    published.forget_snapshot(department.pk, seq)
    if nothing_kept:
        published.forget_pace(department.pk)


def cold_get(client, department, path, nothing_kept):
    make_cold(department, nothing_kept)
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


def cpu_ms(client, department, path, requests, nothing_kept):
    timings = []
    for _ in range(requests):
        make_cold(department, nothing_kept)
        started = time.process_time()
        response = client.get(path)
        timings.append((time.process_time() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def statements_after_warming(client, department, path, requests, nothing_kept):
    """The statements one cold read runs, once the process has warmed up on a few of them."""
    for _ in range(min(requests, 20)):
        cold_get(client, department, path, nothing_kept)
    with statements_run() as queries:
        cold_get(client, department, path, nothing_kept)
    return queries


def measure(lines, requests, nothing_kept):
    client = Client()
    header = f"{'read':<16}{'line':>5}{'queries':>9}{'CPU-ms median':>15}{'mean':>7}{'fastest':>9}"
    print(header)
    print("-" * len(header))
    for name in reads(*next(iter(lines.values()))):
        for length in lines:
            department, entry = lines[length]
            path = reads(department, entry)[name]
            queries = statements_after_warming(client, department, path, requests, nothing_kept)
            timings = cpu_ms(client, department, path, requests, nothing_kept)
            print(
                f"{name:<16}{length:>5}{len(queries):>9}{statistics.median(timings):>15.2f}"
                f"{statistics.fmean(timings):>7.2f}{min(timings):>9.2f}",
                flush=True,
            )


def profile(lines, name, length, requests, nothing_kept):
    client = Client()
    department, entry = lines[length]
    path = reads(department, entry)[name]
    for query in statements_after_warming(client, department, path, requests, nothing_kept):
        print(query[:300])
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        cold_get(client, department, path, nothing_kept)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="cold requests per read and line")
    parser.add_argument("--lines", type=int, nargs="+", default=[5, 500], help="waiting patients per department")
    parser.add_argument("--profile", nargs=2, metavar=("READ", "LINE"), help='e.g. "queue status" 5')
    parser.add_argument("--nothing-kept", action="store_true", help="drop the kept pace too")
    parser.add_argument(
        "--doctors", type=int, default=1, help="doctors on duty per department, each with a patient called"
    )
    options = parser.parse_args()
    if options.doctors < 1:
        parser.error("--doctors: at least 1")
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("Set DATABASE_URL to a PostgreSQL server and REDIS_URL, as bench/http_load.py needs.")
    with throwaway_database("cold_reads"):
        # As in production: no query log kept per request.
        settings.DEBUG = False
        lines = {length: seed_line(length, options.doctors) for length in options.lines}
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        if options.profile:
            name, length = options.profile
            profile(lines, name, int(length), options.requests, options.nothing_kept)
        else:
            measure(lines, options.requests, options.nothing_kept)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
