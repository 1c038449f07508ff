import json
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
