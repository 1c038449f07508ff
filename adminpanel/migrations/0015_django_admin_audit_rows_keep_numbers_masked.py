"""Django admin's audit rows written before they kept phone numbers masked (adminpanel.signals): each number in their
record's name and values cut to its last four digits, as the rows written since keep them."""

from django.db import migrations

from smartqueue.log_masking import mask_phone_numbers


def _masked(value):
    if isinstance(value, str):
        return mask_phone_numbers(value)
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    return value


def mask_numbers_in_django_admin_rows(apps, schema_editor):
    AuditLog = apps.get_model("adminpanel", "AuditLog")
    for row in AuditLog.objects.filter(action__startswith="django_admin.").iterator():
        masked = (mask_phone_numbers(row.object_repr), _masked(row.before), _masked(row.after))
        if masked != (row.object_repr, row.before, row.after):
            row.object_repr, row.before, row.after = masked
            row.save(update_fields=["object_repr", "before", "after"])


class Migration(migrations.Migration):
    dependencies = [("adminpanel", "0014_departmentanalytics_priorities_and_reinstated")]

    operations = [migrations.RunPython(mask_numbers_in_django_admin_rows, migrations.RunPython.noop)]
