from django.db import migrations

# The shipped texts that gave the wait as "about {wait} min" (a number, even with no doctor on duty), and what
# they say now: {expected_wait}, the words of the status page ("about 1 h 15 min", "no doctor on duty yet").
# Only texts still as shipped are changed; an admin's own wording keeps {wait}.
REWORDED = {'patients_ahead': {'ar': ('{name}، أمام الرقم {token} في {department} {position} من المرضى (نحو {wait} دقيقة). '
                           'يُرجى البقاء قريبين. {link}',
                           '{name}، أمام الرقم {token} في {department} {position} من المرضى (الانتظار المتوقع: '
                           '{expected_wait}). يُرجى البقاء قريبين. {link}'),
                    'en': ('{name}, {position} patients are ahead of token {token} in {department} (about {wait} '
                           'min). Please stay nearby. {link}',
                           '{name}, {position} patients are ahead of token {token} in {department} (expected wait: '
                           '{expected_wait}). Please stay nearby. {link}'),
                    'es': ('{name}, hay {position} pacientes antes del turno {token} en {department} (unos {wait} '
                           'min). Por favor, permanezca cerca. {link}',
                           '{name}, hay {position} pacientes antes del turno {token} en {department} (espera '
                           'prevista: {expected_wait}). Por favor, permanezca cerca. {link}'),
                    'hi': ('{name}, {department} में टोकन {token} से पहले {position} मरीज़ हैं (लगभग {wait} मिनट)। '
                           'कृपया पास ही रहें। {link}',
                           '{name}, {department} में टोकन {token} से पहले {position} मरीज़ हैं (अनुमानित '
                           'प्रतीक्षा: {expected_wait})। कृपया पास ही रहें। {link}')},
 'registration': {'ar': ('مرحبًا {name}، رقم دوركم {token} في {department}. ترتيبكم {position} في الطابور، '
                         'والانتظار نحو {wait} دقيقة. تابعوا دوركم: {link}',
                         'مرحبًا {name}، رقم دوركم {token} في {department}. ترتيبكم {position} في الطابور؛ '
                         'الانتظار المتوقع: {expected_wait}. تابعوا دوركم: {link}'),
                  'en': ('Hello {name}, your token is {token} for {department}. You are number {position} in line, '
                         'about {wait} min. Follow your place: {link}',
                         'Hello {name}, your token is {token} for {department}. You are number {position} in line; '
                         'expected wait: {expected_wait}. Follow your place: {link}'),
                  'es': ('Hola {name}, su turno es {token} en {department}. Tiene el número {position} en la fila, '
                         'unos {wait} min de espera. Siga su lugar aquí: {link}',
                         'Hola {name}, su turno es {token} en {department}. Tiene el número {position} en la fila; '
                         'espera prevista: {expected_wait}. Siga su lugar aquí: {link}'),
                  'hi': ('नमस्ते {name}, {department} में आपका टोकन {token} है। कतार में आपका नंबर {position} है, '
                         'लगभग {wait} मिनट। अपनी जगह यहाँ देखें: {link}',
                         'नमस्ते {name}, {department} में आपका टोकन {token} है। कतार में आपका नंबर {position} है; '
                         'अनुमानित प्रतीक्षा: {expected_wait}। अपनी जगह यहाँ देखें: {link}')},
 'reply_late': {'ar': ('الرقم {token}: أُرجئ دوركم بضعة أماكن. ترتيبكم الآن {position} في الطابور، والانتظار نحو '
                       '{wait} دقيقة. {link}',
                       'الرقم {token}: أُرجئ دوركم بضعة أماكن. ترتيبكم الآن {position} في الطابور؛ الانتظار '
                       'المتوقع: {expected_wait}. {link}'),
                'en': ('Token {token}: you have been moved back. You are now number {position} in line, about '
                       '{wait} min. {link}',
                       'Token {token}: you have been moved back. You are now number {position} in line; expected '
                       'wait: {expected_wait}. {link}'),
                'es': ('Turno {token}: le hemos pasado unos puestos atrás. Ahora tiene el número {position} en la '
                       'fila, unos {wait} min de espera. {link}',
                       'Turno {token}: le hemos pasado unos puestos atrás. Ahora tiene el número {position} en la '
                       'fila; espera prevista: {expected_wait}. {link}'),
                'hi': ('टोकन {token}: आपको कुछ स्थान पीछे कर दिया गया है। अब कतार में आपका नंबर {position} है, '
                       'लगभग {wait} मिनट। {link}',
                       'टोकन {token}: आपको कुछ स्थान पीछे कर दिया गया है। अब कतार में आपका नंबर {position} है; '
                       'अनुमानित प्रतीक्षा: {expected_wait}। {link}')}}


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


def to_expected_wait(apps, schema_editor):
    reword(apps, forwards=True)


def back_to_minutes(apps, schema_editor):
    reword(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0009_webhook_recall_postpone_priority_events"),
    ]

    operations = [
        migrations.RunPython(to_expected_wait, back_to_minutes),
    ]
