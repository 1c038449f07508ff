from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("adminpanel", "0011_departmentanalytics_not_seen"),
        ("patients", "0022_consultation_left_open"),
    ]

    operations = [
        migrations.AddField(
            model_name="departmentanalytics",
            name="consultations_left_open",
            field=models.PositiveIntegerField(
                default=0,
                help_text=(
                    "Consultations their doctor never finished, closed when the day ended (counted as completed too)."
                ),
                verbose_name="consultations left open",
            ),
        ),
    ]
