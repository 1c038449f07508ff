"""Migration 0015 masks the phone numbers that Django admin's audit rows kept whole before adminpanel.signals masked
them: every panel administrator reads those rows on the audit log."""

import importlib

from django.apps import apps

from adminpanel.models import AuditLog

migration = importlib.import_module("adminpanel.migrations.0015_django_admin_audit_rows_keep_numbers_masked")


def test_numbers_kept_whole_by_django_admins_earlier_audit_rows_are_masked_and_other_rows_left_as_they_were(db):
    kept_whole = AuditLog.objects.create(
        action="django_admin.deleted",
        object_type="patient",
        object_id="7",
        object_repr="Cy Ruiz (+12125550133)",
        before={"phone": "+12125550133", "translations": {"es": ["+12125550134"]}},
        after={"age": 40},
    )
    the_cores = AuditLog.objects.create(
        action="queue.registered", object_type="queue", object_id="9", object_repr="CARD-009", after={"note": "x"}
    )

    migration.mask_numbers_in_django_admin_rows(apps, None)

    kept_whole.refresh_from_db()
    assert kept_whole.object_repr == "Cy Ruiz (••••••0133)"
    assert kept_whole.before == {"phone": "••••••0133", "translations": {"es": ["••••••0134"]}}
    assert kept_whole.after == {"age": 40}
    assert AuditLog.objects.get(pk=the_cores.pk).after == {"note": "x"}
