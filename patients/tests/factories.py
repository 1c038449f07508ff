"""Test helpers that act through the real services."""

from django.conf import settings

from patients import services

# What reading a department's change number costs a read of its queue: a query without Redis (the number is then a
# row of the database, patients.models.DepartmentChangeCount, which every process shares), none with it.
CHANGE_NUMBER_QUERIES = 0 if settings.REDIS_URL else 1


def register_patient(**registration):
    """services.register_visit, answering (entry, token_created) as most tests need."""
    result = services.register_visit(**registration)
    return result.entry, result.token_created
