from django.db import migrations

# The shipped "patients ahead" texts put the bare count before a plural ("1 patients are ahead"); they now say
# {patients_ahead}, a clause each language words for its count ("1 patient is ahead of you"). Only texts still as
# shipped are changed; an admin's own wording keeps what it says.
REWORDED = {
    "patients_ahead": {
        "en": (
            "{name}, {position} patients are ahead of token {token} in {department} (expected wait: "
            "{expected_wait}). Please stay nearby. {link}",
            "{name}, {patients_ahead} in {department} (token {token}, expected wait: {expected_wait}). "
            "Please stay nearby. {link}",
        ),
        "es": (
            "{name}, hay {position} pacientes antes del turno {token} en {department} (espera prevista: "
            "{expected_wait}). Por favor, permanezca cerca. {link}",
            "{name}, {patients_ahead} en {department} (turno {token}, espera prevista: {expected_wait}). "
            "Por favor, permanezca cerca. {link}",
        ),
        "hi": (
            "{name}, {department} में टोकन {token} से पहले {position} मरीज़ हैं (अनुमानित प्रतीक्षा: "
            "{expected_wait})। कृपया पास ही रहें। {link}",
            "{name}, {department} में {patients_ahead} (टोकन {token}, अनुमानित प्रतीक्षा: {expected_wait})। "
            "कृपया पास ही रहें। {link}",
        ),
        "ar": (
            "{name}، أمام الرقم {token} في {department} {position} من المرضى (الانتظار المتوقع: "
            "{expected_wait}). يُرجى البقاء قريبين. {link}",
            "{name}، {patients_ahead} في {department} (الرقم {token}، الانتظار المتوقع: {expected_wait}). "
            "يُرجى البقاء قريبين. {link}",
        ),
    },
}


def reword(apps, *, forwards):
    template_model = apps.get_model("notifications", "NotificationTemplate")
    translation_model = apps.get_model("notifications", "NotificationTemplateTranslation")
    for template_type, texts in REWORDED.items():
        for language, (before, after) in texts.items():
            was, becomes = (before, after) if forwards else (after, before)
            if language == "en":
                rows = template_model.objects.filter(template_type=template_type)
            else:
                rows = translation_model.objects.filter(template__template_type=template_type, language=language)
            rows.filter(sms_template=was).update(sms_template=becomes)


def to_patients_ahead(apps, schema_editor):
    reword(apps, forwards=True)


def back_to_position(apps, schema_editor):
    reword(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0015_help_names_stop"),
    ]

    operations = [
        migrations.RunPython(to_patients_ahead, back_to_position),
    ]
