"""How one registration's cost grows with its department's line: registrations one after another.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/smartqueue REDIS_URL=redis://127.0.0.1:6379/0 \
    .venv/bin/python bench/sequential_registrations.py [--count 200]
Runs against a throwaway test database (created and dropped), never the real one. Each registration
publishes after commit in the calling thread, as a request does; the channel-layer messages are counted.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")

import django  # noqa: E402

django.setup()

from channels.layers import get_channel_layer  # noqa: E402
from django.db import connection  # noqa: E402

from patients import services  # noqa: E402
from patients.models import Department  # noqa: E402
from smartqueue.tests.live_server import throwaway_database  # noqa: E402


def count_group_sends():
    """Wraps the channel layer's group_send so every published message is counted."""
    layer = get_channel_layer()
    sent = [0]
    original = layer.group_send

    async def counting(group, message):
        sent[0] += 1
        await original(group, message)

    layer.group_send = counting
    return sent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    options = parser.parse_args()

    with throwaway_database("sequential_registrations"):
        department = Department.objects.create(name="Bench One", code="BONE")
        sent = count_group_sends()
        timings, messages = [], []
        started = time.perf_counter()
        for index in range(options.count):
            before, sent_before = time.perf_counter(), sent[0]
            services.register_visit(
                department=department, name=f"Bench {index}", phone=f"+1555{index:07d}", age=40, gender="undisclosed"
            )
            timings.append((time.perf_counter() - before) * 1000)
            messages.append(sent[0] - sent_before)
        elapsed = time.perf_counter() - started
        tenth = max(options.count // 10, 1)
        print(f"database: {connection.vendor}, channel layer: {type(get_channel_layer()).__name__}")
        print(f"{options.count} registrations in {elapsed:.2f} s ({options.count / elapsed:.1f}/s)")
        print(
            f"median ms, first {tenth}: {statistics.median(timings[:tenth]):.1f}; "
            f"last {tenth}: {statistics.median(timings[-tenth:]):.1f}"
        )
        print(f"channel-layer messages per registration, first: {messages[0]}; last: {messages[-1]}")


if __name__ == "__main__":
    main()
