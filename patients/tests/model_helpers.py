"""Helpers for tests that compare model instances read in different ways."""


def as_loaded(instance, seen=()):
    """A model instance's values and those of the relations it holds, all the way down: what reading it loaded.
    A relation back to an instance already described (a doctor's user holds the doctor) is named, not followed."""
    if instance is None:
        return None
    if any(instance is earlier for earlier in seen):
        return ("held by", instance._meta.label, instance.pk)
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    relations = {
        name: as_loaded(related, (*seen, instance)) for name, related in instance._state.fields_cache.items()
    }
    return {"model": instance._meta.label, "values": values, "relations": relations, "adding": instance._state.adding}
