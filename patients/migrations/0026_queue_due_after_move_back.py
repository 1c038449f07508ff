from django.db import migrations, models
from django.db.models import F


def moves_back_so_far(apps, schema_editor):
    # A move back was written over due_at: it is where those tokens are due while their move stands.
    Queue = apps.get_model("patients", "Queue")
    Queue.objects.filter(postponed_at__isnull=False).update(due_after_move_back=F("due_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("patients", "0025_department_change_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="queue",
            name="due_after_move_back",
            field=models.DateTimeField(
                blank=True,
                help_text="While the move back stands, its place: just after the last token it let go first.",
                null=True,
                verbose_name="due after moving back",
            ),
        ),
        migrations.RunPython(moves_back_so_far, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="queue",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("due_after_move_back__isnull", True), ("postponed_at__isnull", True)),
                    models.Q(("due_after_move_back__isnull", False), ("postponed_at__isnull", False)),
                    _connector="OR",
                ),
                name="queue_moved_back_with_its_due",
            ),
        ),
    ]
