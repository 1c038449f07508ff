"""Shaping data through declared serializers on the hot paths."""

import functools


@functools.cache
def _shaper(serializer_class):
    return serializer_class()


def represent(serializer_class, instance):
    """The instance in the serializer's shape, through one kept instance of the serializer.

    A new serializer deep-copies and binds its fields on first use, which costs more than the shaping itself;
    the hot paths (every queue change rebuilds a snapshot and statuses; dashboards answer every action) shape
    through a kept one.
    """
    return _shaper(serializer_class).to_representation(instance)
