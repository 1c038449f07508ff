from django.db import migrations
from django.db.models import Min
from django.db.models.functions import Now

# The changes that put a called token back in line, clearing its call (patients.services).
BACK_IN_LINE = ["queue.recalled", "queue.returned_to_line", "queue.reinstated"]


def first_calls_from_the_audit_log(apps, schema_editor):
    """Tokens put back in line after a call before the token kept its first call (patients 0024 took their latest call
    for it): their audit rows tell the first, so the reports' estimate errors run to it for these days too."""
    audit_log = apps.get_model("adminpanel", "AuditLog")
    queue = apps.get_model("patients", "Queue")
    back_in_line = audit_log.objects.filter(object_type="queue", action__in=BACK_IN_LINE)
    entry_ids = {object_id for object_id in back_in_line.values_list("object_id", flat=True) if object_id.isdigit()}
    first_calls = (
        audit_log.objects.filter(object_type="queue", action="queue.called", object_id__in=entry_ids)
        .values("object_id")
        .annotate(first=Min("created_at"))
        .order_by()
    )
    for first_call in first_calls:
        # Stamped as changed, so that the hourly roll-up redoes the days of the last week that had one.
        queue.objects.filter(pk=int(first_call["object_id"])).update(
            first_called_at=first_call["first"], updated_at=Now()
        )


class Migration(migrations.Migration):

    dependencies = [
        ("adminpanel", "0012_departmentanalytics_consultations_left_open"),
        ("patients", "0024_queue_first_called_at"),
    ]

    operations = [
        migrations.RunPython(first_calls_from_the_audit_log, migrations.RunPython.noop, elidable=True),
    ]
