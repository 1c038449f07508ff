from django.db import migrations, models
from django.db.models import F


def first_calls_of_tokens_called_so_far(apps, schema_editor):
    # A token put back in line after a call kept no trace of its first call here: its latest stands in for it, until
    # adminpanel 0013 reads the first from the audit log (patients imports no other app).
    Queue = apps.get_model("patients", "Queue")
    Queue.objects.filter(called_at__isnull=False).update(first_called_at=F("called_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("patients", "0023_queue_patient_with_a_doctor"),
    ]

    operations = [
        migrations.AddField(
            model_name="queue",
            name="first_called_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="first called at"),
        ),
        migrations.RunPython(first_calls_of_tokens_called_so_far, migrations.RunPython.noop, elidable=True),
    ]
