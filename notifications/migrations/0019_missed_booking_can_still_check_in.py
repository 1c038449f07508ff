from django.db import migrations

from notifications.shipped_text_changes import reword_shipped_texts

# A missed booking's text only offered a new booking, though the patient can still check in that day (and join the
# line as a late arrival). Only texts still as shipped are changed.
REWORDED = {
    "en": (
        "{name}, we missed you at your {department} appointment on {time}. Book a new one: {link}",
        "{name}, we missed you at your {department} appointment on {time}. Still coming today? Check in at the "
        "kiosk or the desk and you join the line. Or book a new one: {link}",
    ),
    "es": (
        "{name}, no le vimos en su cita de {department} del {time}. Reserve una nueva: {link}",
        "{name}, no le vimos en su cita de {department} del {time}. ¿Aún viene hoy? Regístrese en el quiosco o en "
        "recepción y entrará en la fila. O reserve una nueva: {link}",
    ),
    "hi": (
        "{name}, {time} को {department} में आपके अपॉइंटमेंट पर आप नहीं आए। नया अपॉइंटमेंट बुक करें: {link}",
        "{name}, {time} को {department} में आपके अपॉइंटमेंट पर आप नहीं आए। क्या आप आज अब भी आ रहे हैं? कियोस्क या "
        "रिसेप्शन पर चेक-इन करें, आप कतार में जुड़ जाएँगे। या नया अपॉइंटमेंट बुक करें: {link}",
    ),
    "ar": (
        "{name}، لم تحضروا موعدكم في {department} يوم {time}. احجزوا موعدًا جديدًا: {link}",
        "{name}، لم تحضروا موعدكم في {department} يوم {time}. هل ما زلتم قادمين اليوم؟ سجّلوا وصولكم في الكشك أو "
        "لدى الاستقبال لتنضموا إلى الطابور، أو احجزوا موعدًا جديدًا: {link}",
    ),
}


def to_checking_in_still(apps, schema_editor):
    reword_shipped_texts(apps, "booking_no_show", REWORDED, forwards=True)


def back_to_booking_only(apps, schema_editor):
    reword_shipped_texts(apps, "booking_no_show", REWORDED, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0018_refusal_names_its_token_once"),
    ]

    operations = [
        migrations.RunPython(to_checking_in_still, back_to_booking_only),
    ]
