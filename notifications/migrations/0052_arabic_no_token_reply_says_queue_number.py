from django.db import migrations

from notifications.shipped_text_changes import reword_shipped_texts

# The Arabic reply to a patient with no token said "ليس لديكم رقم … فخذوا رقمًا" (you have no number … take a
# number), the bare word that is also their phone's number; it says "رقم دور" (a queue number), as the pages and the
# other texts do (0038). Only a text still as shipped changes.
REWORDED = {
    "reply_no_token": {
        "ar": (
            (
                "{name}، ليس لديكم رقم في الطابور اليوم. إن كان لديكم موعد، فسجّلوا وصولكم في الكشك برمز الحجز؛ "
                "وإلا فخذوا رقمًا من الكشك أو الاستقبال، أو من هنا: {link}"
            ),
            (
                "{name}، ليس لديكم رقم دور في الطابور اليوم. إن كان لديكم موعد، فسجّلوا وصولكم في الكشك برمز "
                "الحجز؛ وإلا فخذوا رقم دور من الكشك أو الاستقبال، أو من هنا: {link}"
            ),
        ),
    },
}


def reword(apps, schema_editor):
    for template_type, reworded in REWORDED.items():
        reword_shipped_texts(apps, template_type, reworded, forwards=True)


def reword_back(apps, schema_editor):
    for template_type, reworded in REWORDED.items():
        reword_shipped_texts(apps, template_type, reworded, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0051_inbound_effect_which_token"),
    ]

    operations = [
        migrations.RunPython(reword, reword_back),
    ]
