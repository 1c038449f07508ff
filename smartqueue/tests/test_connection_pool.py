"""The pooled PostgreSQL connections' check before each loan (smartqueue.postgresql.pool)."""

import select
from unittest import mock

import psycopg
import pytest
from django.db import connection

from conftest import requires_postgresql
from smartqueue.postgresql import pool
from smartqueue.postgresql.pool import check_before_loan
from smartqueue.tests.test_settings import run_in_fresh_process

pytestmark = [requires_postgresql(), pytest.mark.django_db]


def url_of_this_database():
    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def server_connection():
    return psycopg.connect(**{**connection.get_connection_params(), "autocommit": True})


def wait_until_readable(conn, seconds=5):
    readable, _, _ = select.select([conn.fileno()], [], [], seconds)
    assert readable, "the server's closing message never arrived"


def test_a_quiet_connection_lent_moments_ago_is_lent_again_without_a_round_trip():
    with server_connection() as conn:
        with mock.patch.object(conn, "execute", wraps=conn.execute) as execute:
            check_before_loan(conn)
            check_before_loan(conn)

        assert execute.call_count == 0
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_connection_not_lent_for_a_while_gets_the_full_check():
    with server_connection() as conn:
        check_before_loan(conn)
        later = pool.monotonic() + pool.FULL_CHECK_AFTER_SECONDS
        with (
            mock.patch.object(pool, "monotonic", return_value=later),
            mock.patch.object(conn, "execute", wraps=conn.execute) as execute,
        ):
            check_before_loan(conn)

        assert execute.call_args_list == [mock.call("")]


def test_a_connection_the_server_ended_fails_the_check():
    conn = server_connection()
    with server_connection() as other:
        # As a restart or an idle timeout would.
        other.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
    wait_until_readable(conn)

    with pytest.raises(psycopg.OperationalError):
        check_before_loan(conn)
    conn.close()
    with pytest.raises(psycopg.OperationalError, match="closed"):
        check_before_loan(conn)


POOLED_PROBE = """
import django

django.setup()
import psycopg
from django.db import connection


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


first = backend_pid()
connection.close()  # back to the pool, as at the end of a request
with psycopg.connect(**{**connection.get_connection_params(), "autocommit": True}) as other:
    other.execute("SELECT pg_terminate_backend(%s, 5000)", [first])  # returns once the backend has exited
second = backend_pid()
print(first != second)
"""


def test_a_request_after_the_server_ended_a_pooled_connection_gets_a_live_one():
    # A pool of one, so that the next loan is the connection the server ended, not another one.
    result = run_in_fresh_process(POOLED_PROBE, DATABASE_URL=url_of_this_database(), DATABASE_POOL_SIZE="1")

    assert result.returncode == 0, result.stderr
    # Without a check the second query fails on the dead connection (a 500 for the request that borrowed it).
    assert result.stdout.split() == ["True"]


QUIET_LOANS_PROBE = """
import django
from psycopg_pool import ConnectionPool

round_trip_checks = []
full_check = ConnectionPool.check_connection
ConnectionPool.check_connection = staticmethod(lambda conn: round_trip_checks.append(1) or full_check(conn))
django.setup()
from django.db import connection

for _ in range(3):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connection.close()
print(len(round_trip_checks))
"""


def test_requests_borrowing_a_quiet_pooled_connection_send_no_check_to_the_server():
    # Django's own pool check would count 3 here: one empty query per loan.
    result = run_in_fresh_process(QUIET_LOANS_PROBE, DATABASE_URL=url_of_this_database(), DATABASE_POOL_SIZE="2")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0"]
