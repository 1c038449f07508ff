from datetime import datetime, timezone

from django.db import migrations, models

# Earlier than any change to a token: a day rolled up before these fields existed reads as changed since.
BEFORE_ANY_CHANGE = datetime(2000, 1, 1, tzinfo=timezone.utc)


def rollups_to_redo(apps, schema_editor):
    """The days rolled up without their priorities and reinstatements: stamped as rolled up before any change, so
    that the hourly roll-up redoes those of the last ANALYTICS_LATE_CHANGE_DAYS days (older ones by the command)."""
    apps.get_model("adminpanel", "DepartmentAnalytics").objects.update(updated_at=BEFORE_ANY_CHANGE)


class Migration(migrations.Migration):

    dependencies = [
        ("adminpanel", "0013_first_calls_from_the_audit_log"),
    ]

    operations = [
        migrations.AddField(
            model_name="departmentanalytics",
            name="emergency_average_wait_minutes",
            field=models.FloatField(blank=True, null=True, verbose_name="emergency average wait (minutes)"),
        ),
        migrations.AddField(
            model_name="departmentanalytics",
            name="emergency_p90_wait_minutes",
            field=models.FloatField(blank=True, null=True, verbose_name="emergency 90th percentile wait (minutes)"),
        ),
        migrations.AddField(
            model_name="departmentanalytics",
            name="emergency_registrations",
            field=models.PositiveIntegerField(default=0, verbose_name="emergency registrations"),
        ),
        migrations.AddField(
            model_name="departmentanalytics",
            name="high_average_wait_minutes",
            field=models.FloatField(blank=True, null=True, verbose_name="high priority average wait (minutes)"),
        ),
        migrations.AddField(
            model_name="departmentanalytics",
            name="high_p90_wait_minutes",
            field=models.FloatField(blank=True, null=True, verbose_name="high priority 90th percentile wait (minutes)"),
        ),
        migrations.AddField(
            model_name="departmentanalytics",
            name="high_registrations",
            field=models.PositiveIntegerField(default=0, verbose_name="high priority registrations"),
        ),
        migrations.AddField(
            model_name="departmentanalytics",
            name="normal_average_wait_minutes",
            field=models.FloatField(blank=True, null=True, verbose_name="normal priority average wait (minutes)"),
        ),
        migrations.AddField(
            model_name="departmentanalytics",
            name="normal_p90_wait_minutes",
            field=models.FloatField(
                blank=True, null=True, verbose_name="normal priority 90th percentile wait (minutes)"
            ),
        ),
        migrations.AddField(
            model_name="departmentanalytics",
            name="normal_registrations",
            field=models.PositiveIntegerField(default=0, verbose_name="normal priority registrations"),
        ),
        migrations.AddField(
            model_name="departmentanalytics",
            name="reinstated",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Cancelled tokens the desk put back in line after a cancellation made by mistake.",
                verbose_name="restored after cancelling",
            ),
        ),
        migrations.RunPython(rollups_to_redo, migrations.RunPython.noop, elidable=True),
    ]
