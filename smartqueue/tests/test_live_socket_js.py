import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from smartqueue.views import board_words

CHECKS = Path(__file__).parent / "js"

needs_node = pytest.mark.skipif(
    shutil.which("node") is None, reason="needs Node.js on PATH to run the browser client's checks"
)


def run_check(name, *arguments):
    result = subprocess.run(["node", str(CHECKS / name), *arguments], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@needs_node
def test_live_socket_client_orders_frames_reconnects_and_falls_back_to_polling():
    run_check("live_socket_check.js")


@needs_node
def test_patient_status_page_follows_its_visit_live_and_polls_the_status_api_as_fallback():
    run_check("live_pages_check.js")


@needs_node
def test_a_staff_pages_own_refresh_says_so_and_a_refused_one_goes_to_sign_in():
    run_check("live_fragment_check.js")


@needs_node
def test_a_staff_page_counts_typing_warns_before_the_idle_sign_out_and_signs_itself_out():
    run_check("staff_session_check.js")


@needs_node
@pytest.mark.django_db
def test_a_waiting_room_board_words_each_lines_wait_in_the_boards_languages(tmp_path):
    words = tmp_path / "board_words.json"
    words.write_text(json.dumps({language: board_words(language) for language in ("en", "ar")}))
    run_check("display_board_check.js", str(words))


@pytest.mark.django_db
def test_the_boards_live_badge_words_are_those_of_every_other_live_page():
    """live-socket.js words its badge for the pages (STATUS_TEXT, BACK_TEXT) and the board's words carry the same
    texts for the board's language cycle: a status worded in one and not the other would leave a board's badge
    empty, or in the page's language."""
    script = (Path(__file__).resolve().parents[2] / "static/js/live-socket.js").read_text()
    status_block = re.search(r"var STATUS_TEXT = \{(.*?)\};", script, re.S).group(1)
    page_statuses = dict(re.findall(r'(\w+): gettext\(\s*"([^"]*)"', status_block))
    back_text = re.search(r'var BACK_TEXT = gettext\("([^"]*)"\)', script).group(1)

    [words] = [words for words in board_words("en") if words["language"] == "en"]

    assert words["live_status"] == page_statuses
    assert words["live_again"] == back_text
