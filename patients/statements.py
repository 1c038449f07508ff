"""Reads whose statement is compiled to SQL once per process and run with each read's own values.

On a short read, building and compiling the statement cost more than running it (docs/performance.md): the
line of a department with five waiting, the department a registration names, and, with their relations
joined, a status link's visit, a patient's open visits and the signed-in doctor (where building and compiling
cost five times the rest of the read). A compiled statement keeps the compiler for its backend's conversions
of the rows and its description of the model instances and relations a row holds, as iterating the queryset
applies them, and runs on the database it was compiled for (the one database; these reads come right after
writes, so a read replica would not do for them).
"""

import functools
import uuid
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models.query import get_related_populators

from .models import Department

# Values no real read passes, standing for a read's own values while its statement is compiled, so that their
# places among the statement's parameters can be found.
ANY_DEPARTMENT_ID = -7919
ANY_USER_ID = -7907
ANY_DAY = date(1, 1, 2)
# A UUID of version 0: uuid4() never makes one.
ANY_PUBLIC_ID = uuid.UUID(int=7919)


@dataclass(frozen=True)
class CompiledStatement:
    """A queryset compiled once: rows(**values) runs a values() one with each placeholder's read value in its
    place, instances(**values) a queryset of model instances."""

    compiler: object
    sql: str
    params: tuple
    slots: dict
    names: tuple

    @classmethod
    def compile(cls, rows, **placeholders):
        """rows: a queryset filtering on the placeholders (ANY_DEPARTMENT_ID, ANY_USER_ID, ANY_DAY, ANY_PUBLIC_ID),
        named as rows() or instances() will be given their values."""
        query = rows.query
        compiler = query.get_compiler(rows.db)
        sql, params = compiler.as_sql()
        slots = {}
        for name, placeholder in placeholders.items():
            found = [slot for slot, param in enumerate(params) if param == _as_parameter(compiler, placeholder)]
            if len(found) != 1:
                raise ImproperlyConfigured(f"The statement must take its {name} once: {sql}")
            slots[name] = found[0]
        return cls(
            compiler=compiler,
            sql=sql,
            params=tuple(params),
            slots=slots,
            # As QuerySet.values() names a row's columns.
            names=tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select)),
        )

    def rows(self, **values):
        return [dict(zip(self.names, row)) for row in self._results(values)]

    def instances(self, **values):
        """The model instances, with the relations the queryset selects, as iterating the queryset builds them."""
        compiler = self.compiler
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, compiler.using)
        instances = []
        for row in self._results(values):
            instance = klass_info["model"].from_db(compiler.using, names, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            instances.append(instance)
        return instances

    def _results(self, values):
        params = list(self.params)
        for name, value in values.items():
            params[self.slots[name]] = _as_parameter(self.compiler, value)
        with connections[self.compiler.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        return self.compiler.results_iter(results=[fetched])


def _as_parameter(compiler, value):
    # As the compiler puts a value among the parameters: a day or a UUID as the backend stores it, an id as it is.
    if isinstance(value, date):
        return compiler.connection.ops.adapt_datefield_value(value)
    if isinstance(value, uuid.UUID):
        return models.UUIDField().get_db_prep_value(value, compiler.connection)
    return value


_DEPARTMENT_FIELDS = tuple(field.attname for field in Department._meta.concrete_fields)


@functools.cache
def _compiled_active_department():
    return CompiledStatement.compile(
        Department.objects.active().filter(pk=ANY_DEPARTMENT_ID).values(*_DEPARTMENT_FIELDS),
        department_id=ANY_DEPARTMENT_ID,
    )


def active_department(department_id):
    """The active department with this id (a whole number), or None."""
    statement = _compiled_active_department()
    # A number the key's column cannot hold names no department (the ORM's lookups answer so too).
    lowest, highest = statement.compiler.connection.ops.integer_field_range(Department._meta.pk.get_internal_type())
    if not lowest <= department_id <= highest:
        return None
    found = statement.rows(department_id=department_id)
    if not found:
        return None
    return Department.from_db(statement.compiler.using, _DEPARTMENT_FIELDS, [found[0][name] for name in _DEPARTMENT_FIELDS])
