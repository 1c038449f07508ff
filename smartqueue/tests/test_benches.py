"""Each script of bench/ runs to its end from a fresh machine, as README says, at a tiny size.

They print figures and are not timed here: these tests only keep them working (a bench that cannot start
has no figures) and check what the benches verify themselves, such as gapless tokens.
"""

import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from smartqueue.tests.live_server import BENCH_REDIS_DATABASE_GROUP, bench_environment

pytestmark = [
    pytest.mark.real_services,
    pytest.mark.xdist_group(BENCH_REDIS_DATABASE_GROUP),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="the benches need PostgreSQL and Redis: set DATABASE_URL and REDIS_URL (CI's second pass does)",
    ),
]


def run_bench(script, *arguments):
    result = subprocess.run(
        [sys.executable, f"bench/{script}", *arguments],
        cwd=settings.BASE_DIR,
        env=bench_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_http_load_drives_every_endpoint_without_errors():
    output = run_bench(
        "http_load.py", "--concurrency", "2", "--seconds", "0.5", "--workers", "1", "--pool-size", "2", "--waiting", "2",
        "--warm-seconds", "1", "--interval", "0.5",
    )

    endpoints = ("/healthz", "register", "queue status", "queue short", "queue cold 5", "queue cold 500", "patient status", "call-next")
    for endpoint in endpoints:
        assert any(line.startswith(endpoint) for line in output.splitlines()), output
    assert "target zero errors at the highest concurrency: 0 met" in output
    assert "target warm queue status, no interval below 80% of the phase's mean" in output
    # The cold phases computed queues from the database (kept under the numbers they advanced).
    assert "queue cold 500 at 2:" in output and " 0 queues kept" not in output, output


def cold_read_rows(output, read):
    """{line length: statements} of one read in cold_reads.py's table."""
    rows = [line[len(read) :].split() for line in output.splitlines() if line.startswith(read + " ")]
    return {int(row[0]): int(row[1]) for row in rows}


def test_cold_reads_answer_every_read_of_a_queue():
    output = run_bench("cold_reads.py", "--lines", "2", "3", "--requests", "2")

    for read in ("queue status", "visit status", "patient status", "snapshot"):
        assert list(cold_read_rows(output, read)) == [2, 3], output
    # The pace kept with the change before still holds: only the open tokens are read.
    assert cold_read_rows(output, "queue status") == {2: 1, 3: 1}, output


def test_cold_reads_of_a_department_with_several_doctors_busy_read_the_same_statements():
    output = run_bench("cold_reads.py", "--lines", "2", "--requests", "2", "--doctors", "3")

    assert cold_read_rows(output, "queue status") == {2: 1}, output
    assert list(cold_read_rows(output, "snapshot")) == [2], output


def test_cold_reads_with_nothing_kept_measure_the_pace_too():
    output = run_bench("cold_reads.py", "--lines", "2", "--requests", "2", "--nothing-kept")

    # The department, its tokens of the day, its bookings and its doctors' roster.
    assert cold_read_rows(output, "queue status") == {2: 4}, output


def test_token_alloc_issues_gapless_tokens():
    output = run_bench("token_alloc.py", "--counts", "20", "--workers", "4")

    rounds = [line for line in output.splitlines() if "registrations into" in line]
    assert len(rounds) == 2, output
    assert all("errors=0" in line and "no duplicate and no gap=True" in line for line in rounds), output


def test_sequential_registrations_count_two_messages_each():
    output = run_bench("sequential_registrations.py", "--count", "5")

    assert "5 registrations in" in output
    # The department's and its doctors': nothing follows a token's own group before it is registered.
    assert "channel-layer messages per registration, first: 2; last: 2" in output


def test_ws_fanout_reaches_every_subscriber():
    output = run_bench("ws_fanout.py", "--subscribers", "3", "--calls", "2", "--servers", "2")

    rounds = [line.split()[:3] for line in output.splitlines()]
    assert ["2", "smartqueue", "3"] in rounds and ["2", "floor", "3"] in rounds, output
    assert "target p99 <= 2x the floor's, 3 subscribers on 2 process(es)" in output


def test_ws_fanout_rounds_call_from_lines_of_the_same_length():
    output = run_bench("ws_fanout.py", "--subscribers", "2", "3", "--calls", "2", "--servers", "1", "2")

    frames = [int(line.split()[2]) for line in output.splitlines() if "last frame:" in line]
    # The same line, down to a digit more in a later round's token numbers and times.
    assert len(frames) == 2 and max(frames) <= 1.02 * min(frames), output
