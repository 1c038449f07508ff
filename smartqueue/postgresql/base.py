"""Django's PostgreSQL backend, reading timestamps with psycopg's compiled loader.

Django 5.2 reads every timestamptz through a pure-Python subclass of psycopg's loader, to give it the
connection's time zone (Django ticket #36960; psycopg's compiled loaders cannot be subclassed): about ten
times the cost of psycopg's own, and the largest part of reading a long line (docs/performance.md). This
loader keeps Django's result, the time read in the connection's time zone and given Django's tzinfo, and lets
the compiled loader psycopg has installed (psycopg.adapters) do the parsing.
"""

import functools

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

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
