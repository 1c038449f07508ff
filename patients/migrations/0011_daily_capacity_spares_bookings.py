from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0010_department_translations'),
    ]

    operations = [
        migrations.AlterField(
            model_name='department',
            name='daily_capacity',
            field=models.PositiveIntegerField(blank=True, help_text="Registrations are refused once this many tokens were issued today; a booked patient's check-in never is. Blank for no limit.", null=True),
        ),
    ]
