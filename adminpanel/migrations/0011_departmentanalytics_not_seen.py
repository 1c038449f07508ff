from django.db import migrations, models
from django.db.models import Count


def count_not_seen_in_earlier_roll_ups(apps, schema_editor):
    """Days rolled up before the figure existed: their tokens left waiting or called are counted now, as the roll-up
    counts them (a token transferred out is cancelled, so none of them was)."""
    analytics = apps.get_model("adminpanel", "DepartmentAnalytics")
    queue = apps.get_model("patients", "Queue")
    left = (
        queue.objects.filter(status__in=["waiting", "called"])
        .values_list("department_id", "token_date")
        .annotate(count=Count("id"))
        .order_by()
    )
    for department_id, day, count in left:
        analytics.objects.filter(department_id=department_id, date=day).update(not_seen=count)


class Migration(migrations.Migration):

    dependencies = [
        ("adminpanel", "0010_consultations_ended_for_doctors_marked"),
        ("patients", "0020_daily_capacity_at_most_100000"),
    ]

    operations = [
        migrations.AddField(
            model_name="departmentanalytics",
            name="not_seen",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Tokens still waiting or called, never seen, when the day ended.",
                verbose_name="not seen",
            ),
        ),
        migrations.RunPython(count_not_seen_in_earlier_roll_ups, migrations.RunPython.noop),
    ]
