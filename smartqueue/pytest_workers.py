"""pytest plugin (pytest.ini: -p smartqueue.pytest_workers): each pytest-xdist worker gets a Redis database of its own.

`make test` runs the suite in parallel workers (pytest-xdist). Each worker has a test database of its own
(pytest-django), so department ids repeat across workers; in one shared Redis database one worker's channel
groups, published queues, throttle counts and Celery tasks would reach another's, and its cache clearing between
tests would empty another's in the middle of a test. A plugin rather than conftest.py: pytest-django reads the
settings before any conftest.py is imported, and the settings read REDIS_URL.
"""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_URL_SETTINGS = ("REDIS_URL", "CACHE_URL")


def redis_url_for_worker(redis_url, worker):
    """The URL's database number moved up by the worker's number ("gw1": one up); gw0 keeps the URL's own."""
    parts = urlsplit(redis_url)
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{database}"))


def give_this_worker_its_own_redis_databases(environ):
    worker = environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    for name in REDIS_URL_SETTINGS:
        if environ.get(name):
            environ[name] = redis_url_for_worker(environ[name], worker)


give_this_worker_its_own_redis_databases(os.environ)
