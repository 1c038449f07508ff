"""The cache's Redis clients, one per server for the whole process (settings.CACHES' CONNECTION_FACTORY), and what
the log says while that Redis is away."""

import logging
import time

from django_redis.pool import ConnectionFactory


class SharedClientConnectionFactory(ConnectionFactory):
    """django-redis's factory, handing every cache object the same Redis client for a server.

    django-redis already keeps one connection pool per server for the process, but wraps it in a new Redis client
    for every cache object, and under ASGI Django makes a cache object for every request that touches the cache.
    Building that client (its table of some 200 response callbacks) cost each such request about a third of a
    millisecond of CPU (docs/performance.md, "One Redis client and no round trip per loan"). A Redis client keeps
    nothing between commands but its pool, and redis-py shares one safely between threads (and resets the pool in
    a forked child).
    """

    _clients = {}

    def connect(self, url):
        client = self._clients.get(url)
        if client is None:
            client = self._clients.setdefault(url, super().connect(url))
        return client


class CacheOutageSaidOnceAMinute(logging.Filter):
    """django-redis logs every cache call that failed while Redis was away as "Exception ignored" with its whole
    traceback: a page reads the cache a score of times, so each page wrote some 3,000 lines saying the same, in
    which an on-call engineer could not find what else had happened. This keeps one line a minute per process,
    saying what the outage means and the error."""

    interval_seconds = 60

    def __init__(self):
        super().__init__()
        self._said_at = None

    def filter(self, record):
        now = time.monotonic()
        if self._said_at is not None and now - self._said_at < self.interval_seconds:
            return False
        self._said_at = now
        error = record.exc_info[1] if record.exc_info else None
        record.msg = (
            "The cache's Redis (CACHE_URL) is unreachable: rate limits are not counted and queues are read from the "
            "database until it is back (%s: %s). Said once a minute while it lasts."
        )
        record.args = (type(error).__name__, error)
        record.exc_info = record.exc_text = None
        return True
