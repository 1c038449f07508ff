"""Test helpers that act through the real services."""

from patients import services


def register_patient(**registration):
    """services.register_visit, answering (entry, token_created) as most tests need."""
    result = services.register_visit(**registration)
    return result.entry, result.token_created
