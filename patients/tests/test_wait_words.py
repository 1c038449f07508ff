import gettext
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from patients.templatetags.waits import expected_wait_words, unbroken, wait_duration, wait_units
from smartqueue.views import board_words

WAITS = [0, 1, 59, 60, 62, 63, 64, 65, 75, 89, 117, 118, 119, 120, 177, 178, 179, 180, 209, 210, 250, 269, 270, 600]


def render(source, **context):
    return Template("{% load waits %}" + source).render(Context(context))


def test_a_wait_under_an_hour_reads_in_minutes_and_a_longer_one_in_hours():
    assert render("{% wait_words minutes %}", minutes=25) == "about 25 min"
    assert render("{% wait_words minutes %}", minutes=60) == "about 1 hour"
    assert render("{% wait_words minutes %}", minutes=77) == "about 1 hour 15 min"
    assert render("{% wait_words minutes %}", minutes=250) == "about 4 hours"
    assert render("{% wait_range_words low high %}", low=20, high=35) == "about 20 to 35 min"
    assert render("{% wait_range_words low high %}", low=250, high=370) == "about 4\u00a0hours to 6\u00a0hours"
    assert render("{% wait_range_words low high %}", low=45, high=70) == "about 45\u00a0min to 1\u00a0hour\u00a010\u00a0min"


ROOT = Path(__file__).resolve().parents[2]
# A dash between a range's ends, or beside an end: "20–35", "45 min – 1 h", "20 - 35".
DASH_IN_A_RANGE = re.compile(r"[\d)s][\s\u00a0]*[-\u2012-\u2015][\s\u00a0]*[\d%]")


def test_a_range_says_a_word_between_its_ends_not_a_dash_that_a_screen_reader_skips(db):
    # "about 20–35 min" was read "about twenty thirty-five min" (eSpeak, NVDA's voice; likewise in Hindi and Arabic),
    # and "about 45 min – 1 h 30 min" without its "to": a dash is punctuation that screen readers leave out.
    said = []
    for language in ["en", "es", "hi", "ar"]:
        with translation.override(language):
            said += [render("{% wait_range_words low high %}", low=low, high=high) for low, high in [(20, 35), (45, 90)]]
            board = board_words(language)[0]
            said += [board["about_range"] % {"low": 20, "high": 35}, board["about_long_range"] % {"low": 1, "high": 2}]
        for domain in ["django", "djangojs"]:
            catalogue = gettext.translation(domain, ROOT / "locale", [language], fallback=True)
            said += [words for words in getattr(catalogue, "_catalog", {}).values() if "%(high)s" in words]
    # The live pages' own words for a range (their catalogue's msgids).
    for script in (ROOT / "static" / "js").glob("*.js"):
        said += [words for words in re.findall(r'gettext\("([^"]*)"\)', script.read_text()) if "%(high)s" in words]
    assert said and not [words for words in said if DASH_IN_A_RANGE.search(words)]



@pytest.mark.parametrize("language", ["en", "es", "hi", "ar"])
def test_a_waits_units_are_words_not_letters_that_a_screen_reader_spells(language):
    # "about 1 h 15 min" was read "about one aitch fifteen min", Arabic's "15 د" and "2 س" "fifteen dal", "two seen":
    # a letter's name, not hours or minutes.
    with translation.override(language):
        said = [wait_duration(minutes) for minutes in WAITS]
        said += [render("{% wait_range_words low high %}", low=low, high=high) for low, high in [(20, 35), (45, 200)]]
    # Words of one letter that are words: Spanish "a" and "y" ("unos 20 a 35 min", "entre 45 min y 3 horas").
    letters = [
        words for words in said
        if any(len(word.lstrip("و")) == 1 and word not in {"a", "y"} for word in re.split(r"[\s\u00a0\d]+", words))
    ]
    assert not letters


def test_a_wide_range_breaks_a_line_only_between_its_ends_in_each_language():
    # The status page's figure wrapped "نحو 50 د – 1" above "س 35 د": the hour's number parted from its unit.
    for language in ["en", "es", "hi", "ar"]:
        with translation.override(language):
            words = render("{% wait_range_words low high %}", low=50, high=95)
            ends = [wait_duration(50), wait_duration(95)]
        assert all(end.replace(" ", "\u00a0") in words and end not in words for end in ends), (language, words)


def test_a_text_gives_the_range_the_status_page_gives_in_each_language_with_plain_spaces():
    # The page's "about 1 h 40 min – 3 h" was texted "about 2 h 30 min": a patient deciding from the text whether to
    # step out was told the wait was surer than it was.
    on_duty = {"doctors_on_duty": 1, "doctors_expected_at": None, "no_doctor_left_today": False}
    texted = {}
    for language in ["en", "es", "hi", "ar"]:
        with translation.override(language):
            page = render("{% estimated_wait_words 150 100 200 doctors %}", doctors=on_duty)
            texted[language] = expected_wait_words(150, doctors=on_duty, low=100, high=200)
            assert texted[language] == unbroken_to_plain(page), language
            assert expected_wait_words(30, doctors=on_duty, low=20, high=40) == render(
                "{% wait_range_words 20 40 %}"
            )
    assert texted == {
        "en": "about 1 hour 40 min to 3 hours",
        "es": "entre 1 hora 40 min y 3 horas",
        "hi": "लगभग 1 घंटा 40 मिनट से 3 घंटे",
        "ar": "نحو ساعة و40 دقيقة إلى 3 ساعات",
    }


def test_a_range_whose_ends_read_alike_in_whole_hours_is_one_figure_in_each_language():
    # 180-200 minutes read "about 3 h – 3 h" (the first patients of a doctor due in just under three hours).
    on_duty = {"doctors_on_duty": 1, "doctors_expected_at": None, "no_doctor_left_today": False}
    for language in ["en", "es", "hi", "ar"]:
        with translation.override(language):
            one_figure = render("{% wait_words 190 %}")
            assert unbroken_to_plain(render("{% wait_range_words 180 200 %}")) == one_figure, language
            assert expected_wait_words(190, doctors=on_duty, low=180, high=200) == one_figure, language
    assert render("{% wait_range_words 180 200 %}") == "about 3\u00a0hours"


def unbroken_to_plain(words):
    return words.replace("\u00a0", " ")


def words_in_the_browser(*arguments):
    """static/js/wait-words.js's words for WAITS in the active language, given the server's words for a duration."""
    script = Path(__file__).resolve().parents[2] / "smartqueue" / "tests" / "js" / "wait_words_print.js"
    result = subprocess.run(
        ["node", str(script), json.dumps(wait_units()), *arguments, *map(str, WAITS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js on PATH to run the live pages' script")
def test_the_live_status_page_keeps_a_ranges_ends_whole_as_the_server_does():
    with translation.override("en"):
        assert {str(minutes): unbroken(wait_duration(minutes)) for minutes in WAITS} == words_in_the_browser("--unbroken")


def test_a_wait_so_far_reads_in_hours_and_minutes_for_staff():
    assert render("{{ minutes|wait_duration }}", minutes=25) == "25 min"
    assert render("{{ minutes|wait_duration }}", minutes=162) == "2 hours 40 min"
    assert render("{{ minutes|wait_duration }}", minutes=250) == "4 hours"

def test_a_long_wait_reads_in_the_pages_language():
    with translation.override("es"):
        assert render("{% wait_words minutes %}", minutes=130) == "alrededor de 2 horas 10 min"


def test_an_hour_agrees_with_its_number_in_hindi():
    with translation.override("hi"):
        assert render("{% wait_words minutes %}", minutes=60) == "लगभग 1 घंटा"
        assert [wait_duration(minutes) for minutes in (60, 75, 120, 130, 250)] == [
            "1 घंटा",
            "1 घंटा 15 मिनट",
            "2 घंटे",
            "2 घंटे 10 मिनट",
            "4 घंटे",
        ]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js on PATH to run the live pages' script")
@pytest.mark.parametrize("language", ["en", "es", "hi", "ar"])
def test_wait_words_read_alike_on_the_server_and_in_the_browser(language):
    with translation.override(language):
        assert {str(minutes): wait_duration(minutes) for minutes in WAITS} == words_in_the_browser()


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js on PATH to run the live pages' script")
def test_a_browser_without_plural_rules_still_says_one_hour_in_hindi():
    # A board's older TV browser has no Intl.PluralRules: the board must still draw, and "1 घंटा" for one hour.
    with translation.override("hi"):
        in_the_browser = words_in_the_browser("--without-plural-rules")
        assert {str(minutes): wait_duration(minutes) for minutes in WAITS} == in_the_browser
    assert in_the_browser["60"] == "1 घंटा"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js on PATH to run the live pages' script")
def test_the_live_pages_say_a_time_on_the_server_pages_clock_and_digits():
    """A browser's Hindi writes "9:05 pm" and its Arabic "9:05 م" (older ones "٩:٠٥ م") where the server says 21:05;
    its English "6:00 PM" and "12:00 AM" where the server says "6 p.m." and "midnight"."""
    script = Path(__file__).resolve().parents[2] / "smartqueue" / "tests" / "js" / "clock_time_print.js"
    languages = ["en", "es", "hi", "ar"]
    result = subprocess.run(["node", str(script), *languages], capture_output=True, text=True, timeout=60, check=True)
    in_the_browser = json.loads(result.stdout)
    times = [(9, 5), (21, 5), (0, 0), (12, 0), (18, 0), (0, 30), (12, 30)]  # as clock_time_print.js's TIMES
    for language in languages:
        with translation.override(language):
            on_the_server = [formats.time_format(datetime(2026, 12, 8, *time, tzinfo=UTC)) for time in times]
        assert in_the_browser[language] == on_the_server, language
