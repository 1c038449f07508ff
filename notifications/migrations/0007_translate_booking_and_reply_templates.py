from django.db import migrations

# Templates made before their Spanish, Hindi and Arabic texts shipped (appointments and replies).
TRANSLATED_LATER = [
    "booking_confirmed",
    "booking_reminder",
    "booking_cancelled",
    "booking_no_show",
    "reply_status",
    "reply_late",
    "reply_cancel_ask",
    "reply_cancelled",
    "reply_refused",
    "reply_help",
]


def translate_booking_and_reply_templates(apps, schema_editor):
    """Their shipped translations, for templates whose English is still the shipped one; never overwrites."""
    from notifications.defaults import install_default_translations

    install_default_translations(
        apps.get_model("notifications", "NotificationTemplate"),
        apps.get_model("notifications", "NotificationTemplateTranslation"),
        TRANSLATED_LATER,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0006_merge_languages"),
    ]

    operations = [
        migrations.RunPython(translate_booking_and_reply_templates, migrations.RunPython.noop),
    ]
