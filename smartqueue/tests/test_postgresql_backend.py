"""The PostgreSQL backend reads timestamps as Django's own loader does, only faster."""

from datetime import timezone

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

from conftest import requires_postgresql
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
        cursor.execute("SET LOCAL TIME ZONE %s", [session_time_zone])

    ours = read_with_the_backend()

    assert ours == read_with_djangos_loader()
    assert all(value.tzinfo is timezone.utc for (value,) in ours)
    assert issubclass(connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT), CompiledTzLoader)
