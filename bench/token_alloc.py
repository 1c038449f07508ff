"""Token allocation throughput under concurrency, with a no-duplicate/no-gap check.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartqueue .venv/bin/python bench/token_alloc.py [--counts 200 1000]
Runs against a throwaway test database (created and dropped), never the real one.
"""

import argparse
import os
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402

from patients import services  # noqa: E402
from patients.models import Department, Queue  # noqa: E402
from smartqueue.tests.live_server import throwaway_database  # noqa: E402


def run(count, departments, workers):
    Queue.objects.all().delete()
    start_gate = threading.Event()

    def register(index):
        start_gate.wait()
        try:
            services.register_visit(
                department=departments[index % len(departments)],
                name=f"Bench {index}",
                phone=f"+1555{len(departments):02d}{index:05d}",
                age=40,
                gender="undisclosed",
            )
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(register, index) for index in range(count)]
        started = time.perf_counter()
        start_gate.set()
        errors = [future.exception() for future in futures if future.exception()]
        elapsed = time.perf_counter() - started

    numbers = defaultdict(list)
    for department_id, number in Queue.objects.values_list("department_id", "token_number"):
        numbers[department_id].append(number)
    valid = all(sorted(found) == list(range(1, len(found) + 1)) for found in numbers.values())
    total = sum(len(found) for found in numbers.values())
    print(
        f"{count:>5} registrations into {len(departments):>2} department(s), {workers} threads: "
        f"{count / elapsed:8.1f}/s, {elapsed:6.2f} s, errors={len(errors)}, "
        f"tokens={total}, no duplicate and no gap={valid and total == count}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--workers", type=int, default=50, help="concurrent connections (PostgreSQL allows 100 here)")
    options = parser.parse_args()

    with throwaway_database("token_alloc"):
        print(f"database: {connection.vendor}")
        one = [Department.objects.create(name="Bench One", code="BONE")]
        ten = [Department.objects.create(name=f"Bench {n}", code=f"BEN{n}") for n in range(10)]
        for count in options.counts:
            run(count, one, options.workers)
            run(count, ten, options.workers)


if __name__ == "__main__":
    main()
