"""Django's PostgreSQL backend, reading timestamps with psycopg's compiled loader, and with a pool (OPTIONS' pool)
that checks the connections it lends without a round trip (smartqueue.postgresql.pool).

Django 5.2 reads every timestamptz through a pure-Python subclass of psycopg's loader, to give it the
connection's time zone (Django ticket #36960; psycopg's compiled loaders cannot be subclassed): about ten
times the cost of psycopg's own, and the largest part of reading a long line (docs/performance.md). This
loader keeps Django's result, the time read in the connection's time zone and given Django's tzinfo, and lets
the compiled loader psycopg has installed (psycopg.adapters) do the parsing.
"""

import functools

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format
from psycopg_pool import ConnectionPool

from .pool import check_before_loan

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid


class CompiledTzLoader(BaseTzLoader):
    compiled = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        parse = self.compiled(oid, context).load
        connection = getattr(context, "connection", None)
        if connection is not None and connection.info.timezone == self.timezone:
            # Read in Django's time zone already (the connection's, which Django sets): nothing to replace.
            self.load = parse
        else:
            self._parse = parse

    def load(self, data):
        return self._parse(data).replace(tzinfo=self.timezone)


@functools.cache
def _adapters(template, timezone):
    adapters = psycopg.adapt.AdaptersMap(template)
    adapters.register_loader(TIMESTAMPTZ_OID, type("ZonedCompiledTzLoader", (CompiledTzLoader,), {"timezone": timezone}))
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["context"] = _adapters(params["context"], self.timezone)
        return params

    @property
    def pool(self):
        """Django 5.2's pool, with check_before_loan as its check when CONN_HEALTH_CHECKS is on (Django's
        passes its own check, a round trip, to the pool's constructor: it cannot be given another in OPTIONS)."""
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            pool = ConnectionPool(
                # Autocommit, as Django's: Django sets the connection's own mode once it has it.
                kwargs={**self.get_connection_params(), "autocommit": True},
                open=False,
                configure=self._configure_connection,
                check=check_before_loan if self.settings_dict["CONN_HEALTH_CHECKS"] else None,
                **({} if pool_options is True else pool_options),
            )
            # As Django's: threads racing to make the first pool keep whichever was stored first.
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]
