from .models import AuditLog


def record_audit(*, actor, action, target, before=None, after=None, ip_address=None):
    """Write one AuditLog row: who did what to which object, with its values before and after."""
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=target._meta.model_name,
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        before=before or {},
        after=after or {},
        ip_address=ip_address,
    )
