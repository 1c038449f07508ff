"""A booking as an iCalendar file (RFC 5545), for the patient's phone calendar."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event


def calendar_file(appointment, *, manage_url):
    """The .ics bytes of one appointment; its UID stays the same when the appointment moves and its SEQUENCE grows,
    so calendars update."""
    cancelled = appointment.status == appointment.Status.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//SmartQueue//Appointments//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{appointment.public_id}@smartqueue")
    # Calendars replace their copy of the UID only with a higher SEQUENCE (RFC 5545): each move and the
    # cancellation are revisions.
    event.add("sequence", appointment.times_moved + (1 if cancelled else 0))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.slot_start)
    event.add("dtend", appointment.slot_start + timedelta(minutes=appointment.department.average_consultation_minutes))
    event.add("summary", _("%(department)s appointment") % {"department": appointment.department.translated("name")})
    event.add("location", appointment.department.translated("room") or appointment.department.translated("name"))
    event.add(
        "description",
        _("Booking code %(code)s. Check in at the kiosk with it. Manage: %(link)s")
        % {"code": appointment.booking_code, "link": manage_url},
    )
    event.add("url", manage_url)
    if cancelled:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()
