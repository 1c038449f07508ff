import uuid

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Max


def give_each_token_a_link(apps, schema_editor):
    Queue = apps.get_model("patients", "Queue")
    for entry in Queue.objects.filter(public_id__isnull=True).only("pk"):
        entry.public_id = uuid.uuid4()
        entry.save(update_fields=["public_id"])


def count_issued_tokens(apps, schema_editor):
    Queue = apps.get_model("patients", "Queue")
    DailyTokenCounter = apps.get_model("patients", "DailyTokenCounter")
    issued = Queue.objects.values("department_id", "token_date").annotate(last=Max("token_number"))
    DailyTokenCounter.objects.bulk_create(
        DailyTokenCounter(department_id=row["department_id"], day=row["token_date"], last_number=row["last"])
        for row in issued
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="queue",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_each_token_a_link, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="queue",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                help_text="The token's status link: follows this visit only.",
                unique=True,
            ),
        ),
        migrations.CreateModel(
            name="DailyTokenCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("last_number", models.PositiveIntegerField()),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="token_counters",
                        to="patients.department",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("department", "day"), name="token_counter_one_per_department_day"
                    )
                ],
            },
        ),
        migrations.RunPython(count_issued_tokens, migrations.RunPython.noop),
    ]
