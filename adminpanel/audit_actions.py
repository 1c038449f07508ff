"""What each audit action was, in words: the audit log's pages and its rows' names alike."""

from django.utils.translation import gettext_lazy as _


AUDIT_ACTIONS = {
    "queue.registered": _("Token issued"),
    "queue.checked_in": _("Booked patient checked in"),
    "queue.registration_repeated": _("Token sent again"),
    "queue.called": _("Patient called"),
    "queue.started": _("Consultation started"),
    "queue.completed": _("Consultation completed"),
    "queue.skipped": _("Marked as no-show"),
    "queue.recalled": _("Recalled to the line"),
    "queue.returned_to_line": _("Returned to the line (doctor called away)"),
    "queue.consultation_ended": _("Consultation ended for the doctor"),
    "queue.cancelled": _("Token cancelled"),
    "queue.postponed": _("Moved back (patient running late)"),
    "queue.notice_chosen": _("Text notice chosen"),
    "queue.notes_added": _("Notes added for the doctor"),
    "queue.priority_changed": _("Priority changed"),
    "queue.phone_corrected": _("Phone number corrected"),
    "queue.transferred": _("Transferred"),
    "queue.referred": _("Referred to another department"),
    "appointment.booked": _("Appointment booked"),
    "appointment.booking_repeated": _("Booking sent again"),
    "appointment.rescheduled": _("Appointment moved"),
    "appointment.cancelled": _("Appointment cancelled"),
    "appointment.closed": _("Appointment cancelled by the hospital"),
    "appointment.checked_in": _("Appointment checked in"),
    "appointment.no_show": _("Appointment missed (no-show)"),
    "appointments.day_closed": _("Day closed to bookings"),
    "appointments.day_reopened": _("Closed day reopened"),
    "doctor.absence_recorded": _("Absence recorded"),
    "doctor.absence_withdrawn": _("Absence withdrawn"),
    "inbound.received": _("Text from a patient"),
    "message_template.updated": _("Message text changed"),
    "webhook_endpoint.created": _("Webhook added"),
    "webhook_endpoint.updated": _("Webhook edited"),
    "webhook_endpoint.secret_replaced": _("Webhook secret replaced"),
    "webhook.redelivered": _("Webhook sent again"),
    "webhook.test_sent": _("Webhook test event sent"),
    "feedback.submitted": _("Feedback given"),
    "doctor.availability": _("Availability changed"),
    "doctor.schedule": _("Weekly hours changed"),
    "doctor.created": _("Doctor added"),
    "doctor.updated": _("Doctor edited"),
    "doctor.deactivated": _("Doctor deactivated"),
    "doctor.reactivated": _("Doctor reactivated"),
    "department.created": _("Department added"),
    "department.updated": _("Department edited"),
    "department.deactivated": _("Department deactivated"),
    "department.reactivated": _("Department reactivated"),
    "configuration.updated": _("Configuration changed"),
    "broadcast.sent": _("Broadcast sent"),
    "auth.signed_in": _("Signed in"),
    "auth.signed_out": _("Signed out"),
    "auth.password_changed": _("Password changed"),
}


def audit_action_label(action):
    """An audit action code (queue.called) in words (Patient called)."""
    return AUDIT_ACTIONS.get(action) or action.replace(".", ": ").replace("_", " ").capitalize()
