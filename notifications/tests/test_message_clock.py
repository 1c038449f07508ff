"""A text says a time on the clock the patient's pages use, and in Hindi and Arabic one that tells 9:05 from 21:05."""

from datetime import UTC, datetime

import pytest
from django.utils import formats, translation

from notifications.models import NotificationTemplate
from notifications.services import message_values
from patients import services as queue

EVENING = datetime(2026, 12, 8, 21, 5, tzinfo=UTC)
MORNING = datetime(2026, 12, 8, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "said"), [("en", "9:05 p.m."), ("es", "21:05"), ("hi", "21:05"), ("ar", "21:05")]
)
@pytest.mark.django_db
def test_a_skipped_text_says_the_call_on_the_clock_of_the_patients_pages(
    settings, department, make_patient, language, said
):
    settings.TIME_ZONE = "UTC"
    entry = queue.allocate_token(department=department, patient=make_patient(name="Ravi", phone="+14155550101"))
    entry.called_at = EVENING
    with translation.override(language):
        assert message_values(entry, NotificationTemplate.TemplateType.SKIPPED, "")["time"] == said
        assert formats.time_format(EVENING) == said


@pytest.mark.parametrize("language", ["hi", "ar"])
def test_hindi_and_arabic_pages_tell_morning_from_evening_and_put_the_day_first(language):
    with translation.override(language):
        assert formats.time_format(MORNING) != formats.time_format(EVENING)
        assert formats.date_format(EVENING, "DATETIME_FORMAT").startswith("8 ")
        assert formats.date_format(EVENING, "DATETIME_FORMAT").endswith("21:05")


def test_hindi_month_names_are_spelt_as_hindi_writes_them():
    """Django's own Hindi catalogue spells some months wrongly in its standalone names (सितमबर, नवमबर, दिसमबर)."""
    with translation.override("hi"):
        for month, spelt in [(9, "सितंबर"), (11, "नवंबर"), (12, "दिसंबर")]:
            day = datetime(2026, month, 8, 9, 5, tzinfo=UTC)
            assert spelt in formats.date_format(day)
            in_a_text = translation.pgettext("date format in a text message", "D j M, H:i")
            assert spelt in formats.date_format(day, in_a_text)
