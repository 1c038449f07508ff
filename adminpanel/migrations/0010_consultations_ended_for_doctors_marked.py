from django.db import migrations
from django.db.models.functions import Now


def mark_consultations_ended_for_doctors(apps, schema_editor):
    """Consultations an admin ended for a doctor called away before the token recorded it (patients 0016): their
    audit rows say which, so the wait estimates' earlier days and the reports leave them out as well."""
    audit_log = apps.get_model("adminpanel", "AuditLog")
    queue = apps.get_model("patients", "Queue")
    ended = audit_log.objects.filter(action="queue.consultation_ended", object_type="queue")
    entry_ids = {int(object_id) for object_id in ended.values_list("object_id", flat=True) if object_id.isdigit()}
    # Stamped as changed, so that the hourly roll-up redoes the days of the last week that had one.
    queue.objects.filter(pk__in=entry_ids, status="completed").update(
        consultation_ended_for_doctor=True, updated_at=Now()
    )


class Migration(migrations.Migration):

    dependencies = [
        ('adminpanel', '0009_translated_verbose_names'),
        ('patients', '0016_consultation_ended_for_doctor'),
    ]

    operations = [
        migrations.RunPython(mark_consultations_ended_for_doctors, migrations.RunPython.noop),
    ]
