"""The message texts installed by setup_smartqueue; admins edit them afterwards as NotificationTemplate rows."""

from .models import NotificationTemplate

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


def install_default_templates():
    """Create the default template for every event that has none; never overwrites an admin's edits."""
    created = 0
    for template_type, (name, text) in DEFAULT_TEMPLATES.items():
        _, was_created = NotificationTemplate.objects.get_or_create(
            template_type=template_type, defaults={"name": name, "sms_template": text}
        )
        created += was_created
    return created
