from django.db import migrations

from notifications.shipped_text_changes import reword_shipped_texts

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


def to_the_reason_first(apps, schema_editor):
    reword_shipped_texts(apps, "reply_refused", REWORDED, forwards=True)


def back_to_the_token_first(apps, schema_editor):
    reword_shipped_texts(apps, "reply_refused", REWORDED, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0017_message_texts_checked"),
    ]

    operations = [
        migrations.RunPython(to_the_reason_first, back_to_the_token_first),
    ]
