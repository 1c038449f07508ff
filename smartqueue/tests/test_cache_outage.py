"""What the log says while the cache's Redis is away: the app carries on (reads miss, writes are dropped), and the
on-call engineer reads one line saying so, not a traceback per cache call."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_a_cache_redis_that_is_down_is_said_in_one_line_not_a_traceback_per_call():
    """A page read the cache a score of times while Redis was down, and django-redis logged each miss with a
    traceback of some sixty lines: one registration page wrote 3,000 lines."""
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "REDIS_URL", "CACHE_URL"}}
    calls = (
        "import django; django.setup(); from django.core.cache import cache\n"
        "for n in range(20): cache.set(f'key-{n}', n); assert cache.get(f'key-{n}') is None\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", calls],
        cwd=BASE_DIR,
        env={
            **environ,
            "DJANGO_SETTINGS_MODULE": "smartqueue.settings",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "CACHE_URL": "redis://127.0.0.1:1/2",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "The cache's Redis (CACHE_URL) is unreachable: rate limits are not counted" in lines[0]
    assert "Connection refused" in lines[0]
