import shutil
import subprocess
from pathlib import Path

import pytest

CHECK = Path(__file__).parent / "js" / "live_socket_check.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js on PATH to run the browser client's checks")
def test_live_socket_client_orders_frames_reconnects_and_falls_back_to_polling():
    result = subprocess.run(["node", str(CHECK)], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
