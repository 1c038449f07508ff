from django.db import migrations

from notifications.shipped_text_changes import reword_shipped_texts

# The Hindi and Arabic feedback requests thanked the patient for visiting the department's name as if it were a
# place's ("हृदय रोग आने के लिए", "لزيارتكم أمراض القلب": "for coming heart diseases"); they now say "in" it, as
# their other texts do. Only texts still as shipped are changed.
REWORDED = {
    "hi": (
        "{department} आने के लिए धन्यवाद, {name}। आपका अनुभव कैसा रहा? अपनी विज़िट को रेट करें: {link}",
        "{department} में आने के लिए धन्यवाद, {name}। आपका अनुभव कैसा रहा? अपनी विज़िट को रेट करें: {link}",
    ),
    "ar": (
        "شكرًا لزيارتكم {department}، {name}. كيف كانت زيارتكم؟ قيّموها هنا: {link}",
        "شكرًا لزيارتكم، {name}. كيف كانت زيارتكم في {department}؟ قيّموها هنا: {link}",
    ),
}


def reword(apps, schema_editor):
    reword_shipped_texts(apps, "feedback_request", REWORDED, forwards=True)


def reword_back(apps, schema_editor):
    reword_shipped_texts(apps, "feedback_request", REWORDED, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0030_doctor_back_today_message"),
    ]

    operations = [
        migrations.RunPython(reword, reword_back),
    ]
