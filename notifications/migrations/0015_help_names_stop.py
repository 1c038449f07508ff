from django.db import migrations

# The shipped HELP replies listed STATUS, LATE and CANCEL only; they now also say how to opt out, with each
# language's own STOP word. Only texts still as shipped are changed; an admin's own wording is kept.
REWORDED = {
    "reply_help": {
        "en": (
            "Token {token}. Reply STATUS for your place and wait, LATE to be moved back a few places (once), "
            "CANCEL to leave the line. {link}",
            "Token {token}. Reply STATUS for your place and wait, LATE to be moved back a few places (once), "
            "CANCEL to leave the line, STOP for no more messages. {link}",
        ),
        "es": (
            "Turno {token}. Responda ESTADO para saber su lugar y espera, TARDE para pasar unos puestos atrás "
            "(una vez), CANCELAR para salir de la fila. {link}",
            "Turno {token}. Responda ESTADO para saber su lugar y espera, TARDE para pasar unos puestos atrás "
            "(una vez), CANCELAR para salir de la fila, BAJA para no recibir más mensajes. {link}",
        ),
        "hi": (
            "टोकन {token}। अपनी जगह और प्रतीक्षा जानने के लिए स्थिति, कुछ स्थान पीछे जाने के लिए (एक बार) देर, "
            "कतार छोड़ने के लिए रद्द लिखकर भेजें। {link}",
            "टोकन {token}। अपनी जगह और प्रतीक्षा जानने के लिए स्थिति, कुछ स्थान पीछे जाने के लिए (एक बार) देर, "
            "कतार छोड़ने के लिए रद्द, और हमारे संदेश रोकने के लिए बंद लिखकर भेजें। {link}",
        ),
        "ar": (
            "الرقم {token}. أرسلوا حالة لمعرفة ترتيبكم ومدة الانتظار، أو تأخير لتأجيل دوركم بضعة أماكن "
            "(مرة واحدة)، أو إلغاء لمغادرة الطابور. {link}",
            "الرقم {token}. أرسلوا حالة لمعرفة ترتيبكم ومدة الانتظار، أو تأخير لتأجيل دوركم بضعة أماكن "
            "(مرة واحدة)، أو إلغاء لمغادرة الطابور، أو إيقاف لإيقاف رسائلنا. {link}",
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


def name_stop(apps, schema_editor):
    reword(apps, forwards=True)


def without_stop(apps, schema_editor):
    reword(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0014_inbound_body_length"),
    ]

    operations = [
        migrations.RunPython(name_stop, without_stop),
    ]
