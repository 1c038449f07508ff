from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("patients", "0021_queue_patients_ahead_at_registration"),
    ]

    operations = [
        migrations.AddField(
            model_name="queue",
            name="consultation_left_open",
            field=models.BooleanField(
                db_default=False,
                default=False,
                help_text=(
                    "Its doctor never recorded the end of the consultation: it was closed as of the end of its day, "
                    "the patient counted as seen that day and its length left out of the consultation times."
                ),
                verbose_name="consultation left open",
            ),
        ),
    ]
