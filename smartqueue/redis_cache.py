"""The cache's Redis clients, one per server for the whole process (settings.CACHES' CONNECTION_FACTORY)."""

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
