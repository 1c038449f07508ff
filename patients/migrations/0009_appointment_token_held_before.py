from django.db import migrations, models
from django.db.models import F


def mark_tokens_held_before_their_check_in(apps, schema_editor):
    """A token its booking's check-in issued was made after the check-in began; one made earlier was held."""
    Appointment = apps.get_model("patients", "Appointment")
    Appointment.objects.filter(queue_entry__checked_in_at__lt=F("checked_in_at")).update(token_held_before=True)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0008_visits_listed_under_patient"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="token_held_before",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "The patient already held the token the booking was checked in on (a walk-in's): the booking's "
                    "link does not lead to it, as whoever booked may not be whoever registered."
                ),
            ),
        ),
        migrations.RunPython(mark_tokens_held_before_their_check_in, migrations.RunPython.noop),
    ]
