"""A message found too long for the WhatsApp template kept its reason with the limit written in, in English; it is kept
as the reason's msgid now (models.TOO_LONG_FOR_WHATSAPP_TEMPLATE_REASON), worded with the limit when read, in the
reader's language."""

from django.db import migrations

TOO_LONG_FOR_WHATSAPP_TEMPLATE = "template-length"
REASON = (
    "Too long for the approved WhatsApp template (WhatsApp takes %(limit)s characters with the template's own words): "
    "not sent on WhatsApp, sent by SMS instead."
)
WRITTEN_IN = REASON % {"limit": 1024}


def keep_the_msgid(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(error_code=TOO_LONG_FOR_WHATSAPP_TEMPLATE, error_message=WRITTEN_IN).update(
        error_message=REASON
    )


def write_the_limit_in(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(error_code=TOO_LONG_FOR_WHATSAPP_TEMPLATE, error_message=REASON).update(
        error_message=WRITTEN_IN
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0045_webhook_failure_kinds")]

    operations = [migrations.RunPython(keep_the_msgid, write_the_limit_in)]
