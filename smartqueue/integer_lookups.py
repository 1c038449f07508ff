"""An `__in` lookup of integers leaves out a number past its column's range, which no row can hold, as Django's own
`exact`, `gt`, `gte`, `lt` and `lte` already do, instead of handing it to the driver.

Django 5.2 bounds those five (`IntegerFieldOverflow`) but not `in`, and SQLite's driver cannot bind an integer past
64 bits: Django admin's many-to-many choices, which check the chosen ids with one `pk__in`, answered a group's
permission 99999999999999999999 with a 500 instead of "Select a valid choice" (fifth input fuzz run). Registered on
integer fields and on relations (a foreign key's `__in` is a lookup of its own), so every integer column, primary
and foreign key has it; imported by the project package, so every process (web, worker, commands, tests) does.
"""

from django.core.exceptions import FieldError
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def integer_column(field):
    """The integer field whose values the lookup compares (a relation's target), or None."""
    try:
        field = field.target_field
    except AttributeError:
        pass  # Not a relation.
    except FieldError:
        return None  # A relation over several columns: its values are tuples.
    return field if isinstance(field, IntegerField) else None


class LeavesOutNumbersPastTheRange:
    def process_rhs(self, compiler, connection):
        column = integer_column(self.lhs.output_field)
        if column is not None and self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(column.get_internal_type())
            # Left with none, `in` matches nothing (EmptyResultSet), as an `exact` past the range does. Expressions
            # and None (which `in` drops itself) are not numbers to bind.
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


@IntegerField.register_lookup
class IntegerFieldIn(LeavesOutNumbersPastTheRange, In):
    pass


@ForeignObject.register_lookup
class RelatedIntegerIn(LeavesOutNumbersPastTheRange, RelatedIn):
    pass
