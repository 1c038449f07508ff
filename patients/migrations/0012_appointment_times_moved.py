from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0011_daily_capacity_spares_bookings'),
    ]

    operations = [
        migrations.AddField(
            model_name='appointment',
            name='times_moved',
            field=models.PositiveSmallIntegerField(default=0, help_text='How many times the booking was moved to another time.'),
        ),
    ]
