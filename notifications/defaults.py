"""The message texts installed by setup_smartqueue; admins edit them afterwards as NotificationTemplate rows
(English) and their NotificationTemplateTranslation rows (every other language)."""

from .models import NotificationTemplate, NotificationTemplateTranslation

TemplateType = NotificationTemplate.TemplateType

DEFAULT_TEMPLATES = {
    TemplateType.REGISTRATION: (
        "Registration confirmation",
        "Hello {name}, your token is {token} for {department}. You are number {position} in line; "
        "expected wait: {expected_wait}. Follow your place: {link}",
    ),
    TemplateType.PATIENTS_AHEAD: (
        "Patients ahead",
        "{name}, {patients_ahead} in {department} (token {token}, expected wait: {expected_wait}). "
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
    TemplateType.RETURNED_TO_LINE: (
        "Back in line: the doctor was called away",
        "{name}, your doctor was called away before your consultation could start. You keep your place: token "
        "{token} is number {position} in line for {department}; expected wait: {expected_wait}. Follow your place: "
        "{link}",
    ),
    TemplateType.NO_DOCTOR_LEFT_TODAY: (
        "No doctor expected back today",
        "{name}, no doctor is expected back in {department} today. Please ask at the desk, showing your token "
        "{token}.",
    ),
    TemplateType.DOCTOR_BACK_TODAY: (
        "A doctor is back today",
        "{name}, a doctor will see patients in {department} today after all. Token {token} is number {position} in "
        "line; expected wait: {expected_wait}. Follow your place: {link}",
    ),
    TemplateType.CANCELLED_BY_STAFF: (
        "Token cancelled by staff",
        "{name}, token {token} for {department} has been cancelled by the hospital staff. If you still need to be "
        "seen, please ask at the reception desk.",
    ),
    TemplateType.REINSTATED: (
        "Cancelled token restored",
        "{name}, token {token} for {department} should not have been cancelled: it is back in line at your place, "
        "number {position}; expected wait: {expected_wait}. Follow your place: {link}",
    ),
    TemplateType.PHONE_CORRECTED: (
        "Phone number corrected",
        "Hello {name}, the reception desk corrected your phone number for token {token} ({department}). Follow "
        "your place with this new link (an earlier one no longer works): {link}",
    ),
    TemplateType.CLOSED_TODAY: (
        "Department closed today",
        "{name}, {department} is closed today. Please ask at the reception desk about your token {token}.",
    ),
    TemplateType.OPEN_AGAIN_TODAY: (
        "Department open again today",
        "{name}, {department} is open again today after all: your token {token} stands. Follow your place: {link}",
    ),
    TemplateType.LINE_CLOSED: (
        "Not called before the line closed",
        "{name}, token {token} for {department} was not called before the day's line closed at midnight. If you "
        "still need to be seen, please register again or ask at the reception desk.",
    ),
    TemplateType.REPLY_STATUS: (
        "Reply: place and wait",
        "Token {token} ({department}): {message} Follow your place: {link}",
    ),
    TemplateType.REPLY_LATE_ASK: (
        "Reply: confirm moving back",
        "Reply YES {code} within 10 minutes to move token {token} for {department} back a few places. "
        "Anything else keeps your place.",
    ),
    TemplateType.REPLY_LATE: (
        "Reply: moved back",
        "Token {token}: you have been moved back. You are now number {position} in line; "
        "expected wait: {expected_wait}. {link}",
    ),
    TemplateType.REPLY_CANCEL_ASK: (
        "Reply: confirm cancelling",
        "Reply YES {code} within 10 minutes to cancel token {token} for {department}. Anything else keeps your place.",
    ),
    TemplateType.REPLY_CANCELLED: (
        "Reply: cancelled",
        "Token {token} for {department} is cancelled. We hope to see you another time.",
    ),
    TemplateType.REPLY_REFUSED: (
        "Reply: not possible",
        "{message} Reply HELP for what you can do.",
    ),
    TemplateType.REPLY_HELP: (
        "Reply: keywords",
        "Token {token}. Reply STATUS for your place and wait, LATE to be moved back a few places (once), "
        "CANCEL to leave the line, STOP for no more messages. {link}",
    ),
    TemplateType.REPLY_OPTED_OUT: (
        "Reply: messages stopped",
        "You are unsubscribed and will get no more messages from us. Reply START to get them again.",
    ),
    TemplateType.REPLY_OPTED_IN: (
        "Reply: messages resumed",
        "You will get our messages again. Reply STOP to stop them, HELP for what you can do.",
    ),
    TemplateType.REPLY_NO_TOKEN: (
        "Reply: no token in line",
        "{name}, you have no token in line today. With a booking, check in at the kiosk with its code; otherwise "
        "take a token at the kiosk or the desk, or here: {link}",
    ),
    TemplateType.REPLY_ABOUT_NUMBER: (
        "Reply: what this number is",
        "This is the hospital's number for tokens in line. To get a token, take one at the kiosk or the reception "
        "desk, or here: {link} Reply STOP for no more messages.",
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
        "{name}, we missed you at your {department} appointment on {time}. Still coming today? Check in at the kiosk "
        "or the desk and you join the line. Or book a new one: {link}",
    ),
}

# Token codes, links and names are placeholders, so they reach the patient exactly as they are.
DEFAULT_TRANSLATIONS = {
    TemplateType.REGISTRATION: {
        "es": "Hola {name}, su turno es {token} en {department}. Tiene el número {position} en la fila; "
        "espera prevista: {expected_wait}. Siga su lugar aquí: {link}",
        "hi": "नमस्ते {name}, {department} में आपका टोकन {token} है। कतार में आपका नंबर {position} है; "
        "अनुमानित प्रतीक्षा: {expected_wait}। अपनी जगह यहाँ देखें: {link}",
        "ar": "مرحبًا {name}، رقم دوركم {token} في {department}. ترتيبكم {position} في الطابور؛ "
        "الانتظار المتوقع: {expected_wait}. تابعوا دوركم: {link}",
    },
    TemplateType.PATIENTS_AHEAD: {
        "es": "{name}, {patients_ahead} en {department} (turno {token}, espera prevista: {expected_wait}). "
        "Por favor, permanezca cerca. {link}",
        "hi": "{name}, {department} में {patients_ahead} (टोकन {token}, अनुमानित प्रतीक्षा: {expected_wait})। "
        "कृपया पास ही रहें। {link}",
        "ar": "{name}، {patients_ahead} في {department} (رقم الدور {token}، الانتظار المتوقع: {expected_wait}). "
        "يُرجى البقاء قريبين. {link}",
    },
    TemplateType.RETURNED_TO_LINE: {
        "es": "{name}, su médico tuvo que ausentarse antes de empezar su consulta. Conserva su lugar: el turno "
        "{token} tiene el número {position} en la fila de {department}; espera prevista: {expected_wait}. "
        "Siga su lugar aquí: {link}",
        "hi": "{name}, आपकी जाँच शुरू होने से पहले आपके डॉक्टर को कहीं और जाना पड़ा। आपकी जगह बनी रहेगी: "
        "{department} की कतार में टोकन {token} का नंबर {position} है; अनुमानित प्रतीक्षा: {expected_wait}। "
        "अपनी जगह यहाँ देखें: {link}",
        "ar": "{name}، اضطُر طبيبكم إلى الانصراف قبل بدء الكشف. تحتفظون بدوركم: رقم الدور {token} ترتيبه {position} "
        "في طابور {department}؛ الانتظار المتوقع: {expected_wait}. تابعوا دوركم: {link}",
    },
    TemplateType.NO_DOCTOR_LEFT_TODAY: {
        "es": "{name}, hoy no se espera que vuelva ningún médico a {department}. Por favor, pregunte en el mostrador "
        "mostrando su turno {token}.",
        "hi": "{name}, आज {department} में किसी डॉक्टर के वापस आने की उम्मीद नहीं है। कृपया अपना टोकन {token} "
        "दिखाकर रिसेप्शन डेस्क पर पूछें।",
        "ar": "{name}، لا يُتوقع عودة أي طبيب إلى {department} اليوم. يُرجى السؤال في مكتب الاستقبال مع إبراز "
        "رقم الدور {token}.",
    },
    TemplateType.DOCTOR_BACK_TODAY: {
        "es": "{name}, al final hoy sí habrá un médico atendiendo en {department}. El turno {token} tiene el número "
        "{position} en la fila; espera prevista: {expected_wait}. Siga su lugar aquí: {link}",
        "hi": "{name}, अब आज {department} में एक डॉक्टर मरीज़ों को देखेंगे। कतार में टोकन {token} का नंबर {position} "
        "है; अनुमानित प्रतीक्षा: {expected_wait}। अपनी जगह यहाँ देखें: {link}",
        "ar": "{name}، سيعود طبيب لاستقبال المرضى في {department} اليوم. رقم الدور {token} ترتيبه {position} في "
        "الطابور؛ الانتظار المتوقع: {expected_wait}. تابعوا دوركم: {link}",
    },
    TemplateType.CANCELLED_BY_STAFF: {
        "es": "{name}, el personal del hospital ha cancelado el turno {token} de {department}. Si aún necesita "
        "atención, por favor pregunte en la recepción.",
        "hi": "{name}, {department} का टोकन {token} अस्पताल के कर्मचारियों ने रद्द कर दिया है। अगर आपको अब भी "
        "दिखाना है, तो कृपया रिसेप्शन डेस्क पर पूछें।",
        "ar": "{name}، ألغى موظفو المستشفى رقم الدور {token} في {department}. إن كنتم ما زلتم بحاجة إلى الكشف، يُرجى "
        "السؤال في مكتب الاستقبال.",
    },
    TemplateType.REINSTATED: {
        "es": "{name}, el turno {token} de {department} no debió cancelarse: vuelve a estar en la fila en su lugar, "
        "con el número {position}; espera prevista: {expected_wait}. Siga su lugar aquí: {link}",
        "hi": "{name}, {department} का टोकन {token} रद्द नहीं होना चाहिए था: वह अपनी जगह पर फिर से कतार में है, "
        "नंबर {position}; अनुमानित प्रतीक्षा: {expected_wait}। अपनी जगह यहाँ देखें: {link}",
        "ar": "{name}، ما كان ينبغي إلغاء رقم الدور {token} في {department}: عاد إلى الطابور في مكانه، ترتيبه "
        "{position}؛ الانتظار المتوقع: {expected_wait}. تابعوا دوركم: {link}",
    },
    TemplateType.PHONE_CORRECTED: {
        "es": "Hola {name}, la recepción ha corregido su número de teléfono para el turno {token} ({department}). "
        "Siga su lugar con este nuevo enlace (uno anterior ya no funciona): {link}",
        "hi": "नमस्ते {name}, रिसेप्शन डेस्क ने टोकन {token} ({department}) के लिए आपका फ़ोन नंबर ठीक कर दिया है। "
        "इस नए लिंक से अपनी जगह देखें (पहले वाला लिंक अब काम नहीं करता): {link}",
        "ar": "مرحبًا {name}، صحّح مكتب الاستقبال رقم هاتفكم لرقم الدور {token} ({department}). تابعوا دوركم عبر "
        "هذا الرابط الجديد (الرابط السابق لم يعد يعمل): {link}",
    },
    TemplateType.CLOSED_TODAY: {
        "es": "{name}, {department} está cerrado hoy. Por favor, pregunte en la recepción por su turno {token}.",
        "hi": "{name}, {department} आज बंद है। कृपया अपने टोकन {token} के बारे में रिसेप्शन डेस्क पर पूछें।",
        "ar": "{name}، {department} مغلق اليوم. يُرجى السؤال في مكتب الاستقبال عن رقم الدور {token}.",
    },
    TemplateType.OPEN_AGAIN_TODAY: {
        "es": "{name}, al final {department} vuelve a abrir hoy: su turno {token} sigue en pie. Siga su lugar aquí: "
        "{link}",
        "hi": "{name}, {department} आज फिर से खुल गया है: आपका टोकन {token} बना रहेगा। अपनी जगह यहाँ देखें: {link}",
        "ar": "{name}، عاد {department} إلى العمل اليوم: رقم الدور {token} ما زال قائمًا. تابعوا دوركم: {link}",
    },
    TemplateType.LINE_CLOSED: {
        "es": "{name}, el turno {token} de {department} no fue llamado antes de que la fila del día cerrara a "
        "medianoche. Si aún necesita atención, regístrese de nuevo o pregunte en la recepción.",
        "hi": "{name}, {department} का टोकन {token} आधी रात को दिन की कतार बंद होने से पहले नहीं बुलाया गया। अगर आपको "
        "अब भी दिखाना है, तो कृपया फिर से पंजीकरण करें या रिसेप्शन डेस्क पर पूछें।",
        "ar": "{name}، لم يُنادَ رقم الدور {token} في {department} قبل إغلاق طابور اليوم عند منتصف الليل. إن كنتم "
        "ما زلتم بحاجة إلى الكشف، يُرجى التسجيل من جديد أو السؤال في مكتب الاستقبال.",
    },
    TemplateType.YOUR_TURN: {
        "es": "{name}, es su turno: {token}, por favor pase ahora con {doctor}.",
        "hi": "{name}, आपकी बारी आ गई है: टोकन {token}, कृपया अभी {doctor} के पास जाएँ।",
        "ar": "{name}، حان دوركم: رقم الدور {token}، يُرجى التوجه الآن إلى {doctor}.",
    },
    TemplateType.SKIPPED: {
        "es": "{name}, el turno {token} fue llamado a las {time} pero usted no estaba. Acuda al mostrador de "
        "{department} para que le llamen de nuevo.",
        "hi": "{name}, टोकन {token} को {time} बजे बुलाया गया था, पर आप वहाँ नहीं थे। दोबारा बुलाए जाने के लिए "
        "कृपया {department} काउंटर पर मिलें।",
        "ar": "{name}، نودي على رقم الدور {token} الساعة {time} ولم تكونوا موجودين. يُرجى مراجعة مكتب {department} "
        "ليُنادى عليكم مجددًا.",
    },
    TemplateType.BROADCAST: {
        "es": "{department} (turno {token}): {message}",
        "hi": "{department} (टोकन {token}): {message}",
        "ar": "{department} (رقم الدور {token}): {message}",
    },
    TemplateType.FEEDBACK_REQUEST: {
        "es": "Gracias por su visita a {department}, {name}. ¿Cómo le fue? Valore su visita: {link}",
        "hi": "{department} में आने के लिए धन्यवाद, {name}। आपका अनुभव कैसा रहा? अपनी विज़िट को रेट करें: {link}",
        "ar": "شكرًا لزيارتكم، {name}. كيف كانت زيارتكم في {department}؟ قيّموها هنا: {link}",
    },
    # The keywords named in replies are each language's own words of notifications.inbound.KEYWORDS.
    TemplateType.REPLY_STATUS: {
        "es": "Turno {token} ({department}): {message} Siga su lugar aquí: {link}",
        "hi": "टोकन {token} ({department}): {message} अपनी जगह यहाँ देखें: {link}",
        "ar": "رقم الدور {token} ({department}): {message} تابعوا دوركم: {link}",
    },
    TemplateType.REPLY_LATE_ASK: {
        "es": "Responda SÍ {code} en los próximos 10 minutos para pasar el turno {token} de {department} unos puestos "
        "atrás. Cualquier otra respuesta mantiene su lugar.",
        "hi": "{department} के टोकन {token} को कुछ स्थान पीछे करने के लिए 10 मिनट के भीतर हाँ {code} लिखकर भेजें। "
        "कुछ और भेजने पर आपकी जगह बनी रहेगी।",
        "ar": "أرسلوا نعم {code} خلال 10 دقائق لإرجاء رقم الدور {token} في {department} بضعة أماكن. "
        "أي رد آخر يُبقي دوركم كما هو.",
    },
    TemplateType.REPLY_LATE: {
        "es": "Turno {token}: le hemos pasado unos puestos atrás. Ahora tiene el número {position} en la fila; "
        "espera prevista: {expected_wait}. {link}",
        "hi": "टोकन {token}: आपको कुछ स्थान पीछे कर दिया गया है। अब कतार में आपका नंबर {position} है; "
        "अनुमानित प्रतीक्षा: {expected_wait}। {link}",
        "ar": "رقم الدور {token}: أُرجئ دوركم بضعة أماكن. ترتيبكم الآن {position} في الطابور؛ "
        "الانتظار المتوقع: {expected_wait}. {link}",
    },
    TemplateType.REPLY_CANCEL_ASK: {
        "es": "Responda SÍ {code} en los próximos 10 minutos para cancelar el turno {token} de {department}. "
        "Cualquier otra respuesta mantiene su lugar.",
        "hi": "{department} का टोकन {token} रद्द करने के लिए 10 मिनट के भीतर हाँ {code} लिखकर भेजें। "
        "कुछ और भेजने पर आपकी जगह बनी रहेगी।",
        "ar": "أرسلوا نعم {code} خلال 10 دقائق لإلغاء رقم الدور {token} في {department}. أي رد آخر يُبقي دوركم كما هو.",
    },
    TemplateType.REPLY_CANCELLED: {
        "es": "El turno {token} de {department} está cancelado. Esperamos verle en otra ocasión.",
        "hi": "{department} का टोकन {token} रद्द कर दिया गया है। आशा है आपसे फिर मिलेंगे।",
        "ar": "أُلغي رقم الدور {token} في {department}. نأمل أن نراكم في وقت آخر.",
    },
    TemplateType.REPLY_REFUSED: {
        "es": "{message} Responda AYUDA para saber qué puede hacer.",
        "hi": "{message} आप क्या कर सकते हैं, यह जानने के लिए मदद लिखकर भेजें।",
        "ar": "{message} أرسلوا مساعدة لمعرفة ما يمكنكم فعله.",
    },
    TemplateType.REPLY_HELP: {
        "es": "Turno {token}. Responda ESTADO para saber su lugar y espera, TARDE para pasar unos puestos atrás "
        "(una vez), CANCELAR para salir de la fila, BAJA para no recibir más mensajes. {link}",
        "hi": "टोकन {token}। अपनी जगह और प्रतीक्षा जानने के लिए स्थिति, कुछ स्थान पीछे जाने के लिए (एक बार) देर, "
        "कतार छोड़ने के लिए रद्द, और हमारे संदेश रोकने के लिए बंद लिखकर भेजें। {link}",
        "ar": "رقم الدور {token}. أرسلوا حالة لمعرفة ترتيبكم ومدة الانتظار، أو تأخير لتأجيل دوركم بضعة أماكن "
        "(مرة واحدة)، أو إلغاء لمغادرة الطابور، أو إيقاف لإيقاف رسائلنا. {link}",
    },
    TemplateType.REPLY_OPTED_OUT: {
        "es": "Se ha dado de baja y no recibirá más mensajes nuestros. Responda ALTA para recibirlos de nuevo.",
        "hi": "आपकी सदस्यता समाप्त कर दी गई है, अब आपको हमारे संदेश नहीं मिलेंगे। इन्हें फिर से पाने के लिए "
        "शुरू लिखकर भेजें।",
        "ar": "أُلغي اشتراككم ولن تصلكم رسائل منا بعد الآن. أرسلوا بدء لتلقيها مجددًا.",
    },
    TemplateType.REPLY_OPTED_IN: {
        "es": "Volverá a recibir nuestros mensajes. Responda BAJA para dejar de recibirlos, AYUDA para saber qué "
        "puede hacer.",
        "hi": "अब आपको हमारे संदेश फिर से मिलेंगे। इन्हें रोकने के लिए बंद, और आप क्या कर सकते हैं यह जानने के लिए "
        "मदद लिखकर भेजें।",
        "ar": "ستصلكم رسائلنا مجددًا. أرسلوا إيقاف لإيقافها، أو مساعدة لمعرفة ما يمكنكم فعله.",
    },
    TemplateType.REPLY_NO_TOKEN: {
        "es": "{name}, no tiene ningún turno en la fila hoy. Si tiene cita, regístrese en el quiosco con su código; "
        "si no, pida un turno en el quiosco o en recepción, o aquí: {link}",
        "hi": "{name}, आज कतार में आपका कोई टोकन नहीं है। अपॉइंटमेंट हो तो कियोस्क पर उसके कोड से चेक-इन करें; नहीं तो "
        "कियोस्क या रिसेप्शन डेस्क पर टोकन लें, या यहाँ: {link}",
        "ar": "{name}، ليس لديكم رقم دور في الطابور اليوم. إن كان لديكم موعد، فسجّلوا وصولكم في الكشك برمز الحجز؛ "
        "وإلا فخذوا رقم دور من الكشك أو الاستقبال، أو من هنا: {link}",
    },
    TemplateType.REPLY_ABOUT_NUMBER: {
        "es": "Este es el número del hospital para los turnos de la fila. Para obtener un turno, pídalo en el quiosco "
        "o en recepción, o aquí: {link} Responda BAJA para no recibir más mensajes.",
        "hi": "यह अस्पताल की कतार के टोकन का नंबर है। टोकन लेने के लिए कियोस्क या रिसेप्शन डेस्क पर जाएँ, या "
        "यहाँ: {link} हमारे संदेश रोकने के लिए बंद लिखकर भेजें।",
        "ar": "هذا رقم المستشفى لأرقام الدور في الطابور. للحصول على رقم الدور، خذوه من الكشك أو الاستقبال، أو من هنا: "
        "{link} أرسلوا إيقاف لإيقاف رسائلنا.",
    },
    TemplateType.BOOKING_CONFIRMED: {
        "es": "Hola {name}, su cita de {department} es el {time}, código de reserva {code}. Regístrese en el "
        "quiosco con el código; consulte, cambie o cancele la cita aquí: {link}",
        "hi": "नमस्ते {name}, {department} में आपका अपॉइंटमेंट {time} को है, बुकिंग कोड {code}। कियोस्क पर इस कोड "
        "से चेक-इन करें; अपॉइंटमेंट देखने, बदलने या रद्द करने के लिए: {link}",
        "ar": "مرحبًا {name}، موعدكم في {department} يوم {time}، ورمز الحجز {code}. سجّلوا وصولكم في الكشك "
        "بهذا الرمز؛ ولعرض الموعد أو تغييره أو إلغائه: {link}",
    },
    TemplateType.BOOKING_REMINDER: {
        "es": "Recordatorio, {name}: su cita de {department} es el {time} (código {code}). Gestiónela aquí: {link}",
        "hi": "याद दिला दें, {name}: {department} में आपका अपॉइंटमेंट {time} को है (कोड {code})। "
        "इसे यहाँ देखें या बदलें: {link}",
        "ar": "تذكير، {name}: موعدكم في {department} يوم {time} (الرمز {code}). لإدارته: {link}",
    },
    TemplateType.BOOKING_CANCELLED: {
        "es": "{name}, su cita de {department} del {time} está cancelada. {message} Reserve otra: {link}",
        "hi": "{name}, {time} को {department} में आपका अपॉइंटमेंट रद्द कर दिया गया है। {message} "
        "फिर से बुक करें: {link}",
        "ar": "{name}، أُلغي موعدكم في {department} يوم {time}. {message} احجزوا موعدًا آخر: {link}",
    },
    TemplateType.BOOKING_NO_SHOW: {
        "es": (
            "{name}, no le vimos en su cita de {department} del {time}. ¿Aún viene hoy? Regístrese en el quiosco "
            "o en recepción y entrará en la fila. O reserve una nueva: {link}"
        ),
        "hi": (
            "{name}, {time} को {department} में आपके अपॉइंटमेंट पर आप नहीं आए। क्या आप आज अब भी आ रहे हैं? "
            "कियोस्क या रिसेप्शन पर चेक-इन करें, आप कतार में जुड़ जाएँगे। या नया अपॉइंटमेंट बुक करें: {link}"
        ),
        "ar": (
            "{name}، لم تحضروا موعدكم في {department} يوم {time}. هل ما زلتم قادمين اليوم؟ سجّلوا "
            "وصولكم في الكشك أو لدى الاستقبال لتنضموا إلى الطابور، أو احجزوا موعدًا جديدًا: {link}"
        ),
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
    install_default_translations(NotificationTemplate, NotificationTemplateTranslation)
    return created


def install_default_translations(template_model, translation_model, template_types=DEFAULT_TRANSLATIONS):
    """Add the shipped texts of these events' templates in every language they lack, for templates whose English
    is still the shipped one (an admin's rewording keeps its own translations). Data migrations pass their models."""
    for template_type in template_types:
        templates = template_model.objects.filter(
            template_type=template_type, sms_template=DEFAULT_TEMPLATES[template_type][1]
        )
        for template in templates:
            for language, translated in DEFAULT_TRANSLATIONS.get(template_type, {}).items():
                translation_model.objects.get_or_create(
                    template=template, language=language, defaults={"sms_template": translated}
                )
