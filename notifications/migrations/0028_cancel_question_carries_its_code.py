from django.db import migrations

from notifications.shipped_text_changes import reword_shipped_texts

# A YES cancelled a token whatever it carried, and an SMS sender can be spoofed: whoever knew a waiting patient's
# number could send CANCEL then YES from it. The question now carries a one-time code ({code}) that the YES must
# repeat. Only texts still as shipped are changed; an admin's own wording without {code} has the code added when
# it is sent (notifications.inbound).
REWORDED = {
    "en": (
        "Reply YES within 10 minutes to cancel token {token} for {department}. Anything else keeps your place.",
        "Reply YES {code} within 10 minutes to cancel token {token} for {department}. Anything else keeps your place.",
    ),
    "es": (
        "Responda SÍ en los próximos 10 minutos para cancelar el turno {token} de {department}. "
        "Cualquier otra respuesta mantiene su lugar.",
        "Responda SÍ {code} en los próximos 10 minutos para cancelar el turno {token} de {department}. "
        "Cualquier otra respuesta mantiene su lugar.",
    ),
    "hi": (
        "{department} का टोकन {token} रद्द करने के लिए 10 मिनट के भीतर हाँ लिखकर भेजें। "
        "कुछ और भेजने पर आपकी जगह बनी रहेगी।",
        "{department} का टोकन {token} रद्द करने के लिए 10 मिनट के भीतर हाँ {code} लिखकर भेजें। "
        "कुछ और भेजने पर आपकी जगह बनी रहेगी।",
    ),
    "ar": (
        "أرسلوا نعم خلال 10 دقائق لإلغاء الرقم {token} في {department}. أي رد آخر يُبقي دوركم كما هو.",
        "أرسلوا نعم {code} خلال 10 دقائق لإلغاء الرقم {token} في {department}. أي رد آخر يُبقي دوركم كما هو.",
    ),
}


def with_the_code(apps, schema_editor):
    reword_shipped_texts(apps, "reply_cancel_ask", REWORDED, forwards=True)


def without_the_code(apps, schema_editor):
    reword_shipped_texts(apps, "reply_cancel_ask", REWORDED, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0027_cancel_confirmation_code"),
    ]

    operations = [
        migrations.RunPython(with_the_code, without_the_code),
    ]
