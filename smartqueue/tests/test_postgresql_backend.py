"""The PostgreSQL backend reads timestamps as Django's own loader does, only faster, and prepares the statements
a connection runs again and again."""

from datetime import timezone

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

from conftest import requires_postgresql
from patients.models import Department
from smartqueue.postgresql.base import TIMESTAMPTZ_OID, CompiledTzLoader

pytestmark = [pytest.mark.django_db, requires_postgresql()]

STORED = [
    "2026-12-01 09:30:00.123456+00",
    "2026-03-29 01:30:00+01",
    "1999-12-31 23:59:59.999999+05:30",
    "2026-06-15 12:00:00-07",
]


class DjangosLoader(BaseTzLoader):
    timezone = timezone.utc


def read_with_djangos_loader():
    with connection.connection.cursor() as cursor:
        cursor.adapters.register_loader("timestamptz", DjangosLoader)
        return cursor.execute("SELECT unnest(%s::timestamptz[])", [STORED]).fetchall()


def read_with_the_backend():
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::timestamptz[])", [STORED])
        return cursor.fetchall()


@pytest.mark.parametrize("session_time_zone", ["UTC", "Asia/Kolkata"])
def test_timestamps_read_as_djangos_own_loader_reads_them(session_time_zone):
    # Another session time zone than Django's own takes the loader's other path (Django's replace of tzinfo).
    with connection.cursor() as cursor:
        # SET LOCAL, in a form that takes a bound parameter.
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [session_time_zone])

    ours = read_with_the_backend()

    assert ours == read_with_djangos_loader()
    assert all(value.tzinfo is timezone.utc for (value,) in ours)
    assert issubclass(connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT), CompiledTzLoader)


def prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_a_statement_run_again_and_again_is_prepared_so_postgresql_plans_it_once(department):
    runs = settings.DATABASES["default"]["OPTIONS"].get("prepare_threshold")
    if runs is None:
        pytest.skip("DATABASE_PREPARE_THRESHOLD is off")

    for _ in range(runs):
        assert not Department.objects.filter(code="NONE").exists()
    assert not any('."code" = $' in statement for statement in prepared_statements())

    # Prepared at its next run, and run as prepared with another value.
    assert Department.objects.filter(code=department.code).exists()
    assert any('."code" = $' in statement for statement in prepared_statements())
    assert not Department.objects.filter(code="NONE").exists()
