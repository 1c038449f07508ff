"""The message texts installed by setup_smartqueue; admins edit them afterwards as NotificationTemplate rows
(English) and their NotificationTemplateTranslation rows (every other language)."""

from .models import NotificationTemplate, NotificationTemplateTranslation

TemplateType = NotificationTemplate.TemplateType

DEFAULT_TEMPLATES = {
    TemplateType.REGISTRATION: (
        "Registration confirmation",
        "Hello {name}, your token is {token} for {department}. You are number {position} in line, "
        "about {wait} min. Follow your place: {link}",
    ),
    TemplateType.PATIENTS_AHEAD: (
        "Patients ahead",
        "{name}, {position} patients are ahead of token {token} in {department} (about {wait} min). "
        "Please stay nearby. {link}",
    ),
    TemplateType.YOUR_TURN: (
        "Your turn",
        "{name}, it is your turn: token {token}, please go to {doctor} now.",
    ),
    TemplateType.SKIPPED: (
        "Skipped / no-show",
        "{name}, token {token} was called at {time} but you were not there. Please see the {department} desk "
        "to be called again.",
    ),
    TemplateType.BROADCAST: (
        "Broadcast",
        "{department} (token {token}): {message}",
    ),
    TemplateType.FEEDBACK_REQUEST: (
        "Feedback request",
        "Thank you for visiting {department}, {name}. How was it? Rate your visit: {link}",
    ),
    TemplateType.REPLY_STATUS: (
        "Reply: place and wait",
        "Token {token} ({department}): {message} Follow your place: {link}",
    ),
    TemplateType.REPLY_LATE: (
        "Reply: moved back",
        "Token {token}: you have been moved back. You are now number {position} in line, about {wait} min. {link}",
    ),
    TemplateType.REPLY_CANCEL_ASK: (
        "Reply: confirm cancelling",
        "Reply YES within 10 minutes to cancel token {token} for {department}. Anything else keeps your place.",
    ),
    TemplateType.REPLY_CANCELLED: (
        "Reply: cancelled",
        "Token {token} for {department} is cancelled. We hope to see you another time.",
    ),
    TemplateType.REPLY_REFUSED: (
        "Reply: not possible",
        "Token {token}: {message} Reply HELP for what you can do.",
    ),
    TemplateType.REPLY_HELP: (
        "Reply: keywords",
        "Token {token}. Reply STATUS for your place and wait, LATE to be moved back a few places (once), "
        "CANCEL to leave the line. {link}",
    ),
    TemplateType.BOOKING_CONFIRMED: (
        "Appointment booked",
        "Hello {name}, your {department} appointment is on {time}, booking code {code}. "
        "Check in at the kiosk with the code; view, move or cancel it here: {link}",
    ),
    TemplateType.BOOKING_REMINDER: (
        "Appointment reminder",
        "Reminder, {name}: your {department} appointment is on {time} (code {code}). Manage it: {link}",
    ),
    TemplateType.BOOKING_CANCELLED: (
        "Appointment cancelled",
        "{name}, your {department} appointment on {time} is cancelled. {message} Book again: {link}",
    ),
    TemplateType.BOOKING_NO_SHOW: (
        "Appointment missed",
        "{name}, we missed you at your {department} appointment on {time}. Book a new one: {link}",
    ),
}

# Token codes, links and names are placeholders, so they reach the patient exactly as they are.
DEFAULT_TRANSLATIONS = {
    TemplateType.REGISTRATION: {
        "es": "Hola {name}, su turno es {token} en {department}. Tiene el número {position} en la fila, "
        "unos {wait} min de espera. Siga su lugar aquí: {link}",
        "hi": "नमस्ते {name}, {department} में आपका टोकन {token} है। कतार में आपका नंबर {position} है, "
        "लगभग {wait} मिनट। अपनी जगह यहाँ देखें: {link}",
        "ar": "مرحبًا {name}، رقم دوركم {token} في {department}. ترتيبكم {position} في الطابور، "
        "والانتظار نحو {wait} دقيقة. تابعوا دوركم: {link}",
    },
    TemplateType.PATIENTS_AHEAD: {
        "es": "{name}, hay {position} pacientes antes del turno {token} en {department} (unos {wait} min). "
        "Por favor, permanezca cerca. {link}",
        "hi": "{name}, {department} में टोकन {token} से पहले {position} मरीज़ हैं (लगभग {wait} मिनट)। "
        "कृपया पास ही रहें। {link}",
        "ar": "{name}، أمام الرقم {token} في {department} {position} من المرضى (نحو {wait} دقيقة). "
        "يُرجى البقاء قريبين. {link}",
    },
    TemplateType.YOUR_TURN: {
        "es": "{name}, es su turno: {token}, por favor pase ahora con {doctor}.",
        "hi": "{name}, आपकी बारी आ गई है: टोकन {token}, कृपया अभी {doctor} के पास जाएँ।",
        "ar": "{name}، حان دوركم: الرقم {token}، يُرجى التوجه الآن إلى {doctor}.",
    },
    TemplateType.SKIPPED: {
        "es": "{name}, el turno {token} fue llamado a las {time} pero usted no estaba. Acuda al mostrador de "
        "{department} para que le llamen de nuevo.",
        "hi": "{name}, टोकन {token} को {time} बजे बुलाया गया था, पर आप वहाँ नहीं थे। दोबारा बुलाए जाने के लिए "
        "कृपया {department} काउंटर पर मिलें।",
        "ar": "{name}، نودي على الرقم {token} الساعة {time} ولم تكونوا موجودين. يُرجى مراجعة مكتب {department} "
        "ليُنادى عليكم مجددًا.",
    },
    TemplateType.BROADCAST: {
        "es": "{department} (turno {token}): {message}",
        "hi": "{department} (टोकन {token}): {message}",
        "ar": "{department} (الرقم {token}): {message}",
    },
    TemplateType.FEEDBACK_REQUEST: {
        "es": "Gracias por su visita a {department}, {name}. ¿Cómo le fue? Valore su visita: {link}",
        "hi": "{department} आने के लिए धन्यवाद, {name}। आपका अनुभव कैसा रहा? अपनी विज़िट को रेट करें: {link}",
        "ar": "شكرًا لزيارتكم {department}، {name}. كيف كانت زيارتكم؟ قيّموها هنا: {link}",
    },
}


def default_text(template_type, language):
    """The installed text of an event in a language, English where none is written."""
    return DEFAULT_TRANSLATIONS.get(template_type, {}).get(language) or DEFAULT_TEMPLATES[template_type][1]


def install_default_templates():
    """Create the default template, and its translations, for every event that has none; never overwrites an
    admin's edits, and translates only a template whose English text is still the default."""
    created = 0
    for template_type, (name, text) in DEFAULT_TEMPLATES.items():
        template, was_created = NotificationTemplate.objects.get_or_create(
            template_type=template_type, defaults={"name": name, "sms_template": text}
        )
        created += was_created
        if template.sms_template == text:
            for language, translated in DEFAULT_TRANSLATIONS.get(template_type, {}).items():
                NotificationTemplateTranslation.objects.get_or_create(
                    template=template, language=language, defaults={"sms_template": translated}
                )
    return created
