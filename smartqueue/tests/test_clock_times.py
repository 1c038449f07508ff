"""A time of day reads alike everywhere a person sees one: on the clock of the page's language (its TIME_FORMAT,
"9:05 a.m." in English, 21:05 in the others), as the status page, the texts and the live scripts write it."""

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from patients.appointments import checked_in_in_words
from patients.forms import SlotChoiceField

EVENING = datetime(2026, 12, 8, 21, 5, tzinfo=UTC)
# Django's date or time filter given hours and minutes of its own, not the language's TIME_FORMAT. A time input's
# value is the browser's HH:MM, not words; the webhooks' next attempt keeps its seconds (retries 30 s apart).
HARD_CODED_CLOCK = re.compile(r"""\|(?:date|time):["'][^"']*[HGgh]:i["']""")


@pytest.fixture(autouse=True)
def utc(settings):
    settings.TIME_ZONE = "UTC"


@pytest.mark.parametrize(("language", "said"), [("en", "9:05 p.m."), ("es", "21:05"), ("ar", "21:05")])
def test_the_kiosk_ticket_and_the_wait_alert_say_a_time_on_the_pages_clock(language, said):
    department = SimpleNamespace(name="Cardiology", room="", translations={})
    entry = SimpleNamespace(
        appointment=True, due_at=EVENING, checked_in_at=EVENING, token="CARD-007", department=department
    )
    alert = SimpleNamespace(id=1, peak_wait_minutes=50, threshold_minutes=45, started_at=EVENING)
    with translation.override(language):
        ticket = render_to_string("patients/kiosk_ticket.html", {"entry": entry})
        warning = render_to_string("patients/_wait_alert.html", {"alert": alert})
    assert re.search(rf"\b{re.escape(said)}", ticket)
    assert re.search(rf"\b{re.escape(said)}", warning)


def test_the_desk_and_the_booking_page_say_a_booked_time_on_the_pages_clock():
    appointment = SimpleNamespace(slot_start=EVENING, token_held_before=False, arrival="on_time")
    field = SlotChoiceField()
    with translation.override("en"):
        assert "the 9:05 p.m. booking" in checked_in_in_words(appointment)
        field.offer([SimpleNamespace(start=EVENING, free=True)])
    assert field.choices == [(EVENING.isoformat(), "9:05 p.m.")]


def test_no_template_writes_a_time_of_day_in_a_format_of_its_own():
    """A translated date format ("D j M, H:i", context "date format") is each language's own; a literal one is not."""
    written_out = [
        f"{path.relative_to(settings.BASE_DIR)}: {line.strip()[:80]}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for line in path.read_text().splitlines()
        if HARD_CODED_CLOCK.search(line) and 'type="time"' not in line
    ]
    assert written_out == []
