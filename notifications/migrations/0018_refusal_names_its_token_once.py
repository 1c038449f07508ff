from django.db import migrations

# A refused reply began "Token {token}:" before the refusal's reason, which names the token itself ("Token CARD-018:
# Token CARD-018 cannot be moved back"), or another one ("Token CARD-001: You have no open token CARD-009 today").
# The shipped texts now start with the reason. Only texts still as shipped are changed.
REWORDED = {
    "en": ("Token {token}: {message} Reply HELP for what you can do.", "{message} Reply HELP for what you can do."),
    "es": (
        "Turno {token}: {message} Responda AYUDA para saber qué puede hacer.",
        "{message} Responda AYUDA para saber qué puede hacer.",
    ),
    "hi": (
        "टोकन {token}: {message} आप क्या कर सकते हैं, यह जानने के लिए मदद लिखकर भेजें।",
        "{message} आप क्या कर सकते हैं, यह जानने के लिए मदद लिखकर भेजें।",
    ),
    "ar": (
        "الرقم {token}: {message} أرسلوا مساعدة لمعرفة ما يمكنكم فعله.",
        "{message} أرسلوا مساعدة لمعرفة ما يمكنكم فعله.",
    ),
}


def reword(apps, *, forwards):
    template_model = apps.get_model("notifications", "NotificationTemplate")
    translation_model = apps.get_model("notifications", "NotificationTemplateTranslation")
    for language, (before, after) in REWORDED.items():
        was, becomes = (before, after) if forwards else (after, before)
        if language == "en":
            rows = template_model.objects.filter(template_type="reply_refused")
        else:
            rows = translation_model.objects.filter(template__template_type="reply_refused", language=language)
        rows.filter(sms_template=was).update(sms_template=becomes)


def to_the_reason_first(apps, schema_editor):
    reword(apps, forwards=True)


def back_to_the_token_first(apps, schema_editor):
    reword(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0017_message_texts_checked"),
    ]

    operations = [
        migrations.RunPython(to_the_reason_first, back_to_the_token_first),
    ]
