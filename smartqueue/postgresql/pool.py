"""How the connection pool checks a connection before lending it (smartqueue.postgresql's DatabaseWrapper.pool)."""

import select
import weakref
from time import monotonic

import psycopg
from psycopg_pool import ConnectionPool

# A connection last lent longer ago than this gets the full check: a load balancer or firewall may have dropped
# the idle link without a word (AWS's after 350 s), and only a round trip finds that out before a request does.
FULL_CHECK_AFTER_SECONDS = 5

_last_lent = weakref.WeakKeyDictionary()


def check_before_loan(connection):
    """Lend a pooled connection in use moments ago without a round trip, unless the server has spoken since.

    Django's check (CONN_HEALTH_CHECKS with a pool) sends an empty query before every loan: a round trip per
    request, which doubled the CPU a loan costs the server process (docs/performance.md, "One Redis client and no
    round trip per loan"). Under load every connection is lent again within milliseconds, and one resting in the
    pool has nothing to read unless the server spoke: most often to close it (a restart, a terminated backend, an
    idle timeout), which leaves the socket readable. The full check runs then, and for a connection not lent for
    FULL_CHECK_AFTER_SECONDS (as HikariCP skips its check for connections used within the last half second); a
    connection it finds dead is replaced before any request sees it.
    """
    if connection.closed:
        raise psycopg.OperationalError("the pooled connection is closed")
    now = monotonic()
    lent_before = _last_lent.get(connection, now)
    _last_lent[connection] = now
    # poll rather than select: a server process holding a thousand sockets has descriptors beyond select's reach.
    waiting = select.poll()
    waiting.register(connection.fileno(), select.POLLIN)
    if now - lent_before >= FULL_CHECK_AFTER_SECONDS or waiting.poll(0):
        ConnectionPool.check_connection(connection)
