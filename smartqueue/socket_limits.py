"""How many sockets one client address may hold open, SOCKETS_PER_ADDRESS, and one signed-in user, SOCKETS_PER_USER,
across every server process.

Every page that follows the queue opens a socket, and a socket costs its process memory (about 45 KB) and a copy of
every frame of its department. Sockets were not limited at all: one client opening them in a loop (2,000 in 38 s in
the eleventh attack run) grew the process by 90 MB and, since a frame goes to each of its department's sockets one
after the other, slowed every board's and dashboard's update in step. Counted by the address rate limits count against
(an IPv6 one by its /64).

With REDIS_URL the count is shared by every process: counted in each process's memory, a client spread over N
processes behind the load balancer held N times the limit. Each open socket is an entry of its address's sorted set
in Redis, which holds it until a moment its process pushes forward every SHARED_COUNT_REFRESH_SECONDS while the socket
is open: a process that dies (killed, its machine lost) takes its sockets' entries with it within
SHARED_ENTRY_LIFETIME_SECONDS, as a count in its memory did at once. Without Redis there is one process (the in-memory
channel layer), and the count is in its memory.

One more socket is accepted, then closed with CLOSE_TRY_AGAIN_LATER (WebSocket's 1013 "try again later", sent in
the 4000-4999 range left to applications, as 4012 for a restart): refused at the handshake, a browser saw a bare
failure (1006), and the live client retried it as it would a server down, then again at once each time a socket
opened and closed. The client now says why, polls meanwhile and tries again only at its longest delay.

A signed-in user is held to SOCKETS_PER_USER as well, wherever they connect from: a staff session (a doctor's socket
reads the session again before every frame it forwards) opened from many addresses, or from an IPv6 subscriber's
many /64s, was held to nothing, each address counted on its own. Counted as an address is, in Redis or in memory.
"""

import asyncio
import collections
import functools
import logging
import uuid
from types import SimpleNamespace

import redis
from django.conf import settings
from django_ratelimit.core import get_usage

from .requests import limited_address

logger = logging.getLogger(__name__)

CLOSE_TRY_AGAIN_LATER = 4013
SHARED_COUNT_REFRESH_SECONDS = 60
SHARED_ENTRY_LIFETIME_SECONDS = 3 * SHARED_COUNT_REFRESH_SECONDS

# Drop the entries no process pushed forward, then take a place if one is left (atomic: sockets of one address
# opening at once on several processes cannot all find the last place free). Timed by Redis's clock, not the process's:
# a process whose clock ran minutes behind wrote entries the others took for lapsed and dropped (its sockets then not
# counted), and one whose clock ran ahead dropped the others' live entries.
TAKE_A_PLACE = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""

# Keep the entries (ARGV[2:]) of one address counted for another lifetime (ARGV[1]), by Redis's clock as above.
PUSH_FORWARD = """
local until = tonumber(redis.call('TIME')[1]) + tonumber(ARGV[1])
for index = 2, #ARGV do
    redis.call('ZADD', KEYS[1], 'XX', until, ARGV[index])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
"""


def socket_address(scope):
    """The client address of a socket, read as a request's is (smartqueue.requests.client_ip)."""
    headers = dict(scope.get("headers", []))
    peer = scope.get("client")
    meta = {
        "REMOTE_ADDR": peer[0] if peer else None,
        "HTTP_X_FORWARDED_FOR": headers.get(b"x-forwarded-for", b"").decode("latin1"),
    }
    return limited_address(SimpleNamespace(META=meta))


@functools.cache
def _redis(url):
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _sockets_key(address):
    return f"{settings.REDIS_KEY_PREFIX}:sockets-of:{address}"


class SharedSocketCounts:
    """The open sockets of each address (or user), counted in Redis for every process (see the module's docstring)."""

    def __init__(self):
        self.entries = {}  # This process's open sockets: entry -> address.
        self.refresher = None

    def take_a_place(self, address, limit):
        """The socket's entry, or None when its address holds `limit` already. Redis unreachable, the socket is let in
        (a lost count must not keep every screen dark) and logged."""
        entry = uuid.uuid4().hex
        client = _redis(settings.REDIS_URL)
        try:
            taken = client.eval(TAKE_A_PLACE, 1, _sockets_key(address), entry, limit, SHARED_ENTRY_LIFETIME_SECONDS)
        except redis.RedisError as error:
            # One line: every socket opening while Redis is away comes here, and a traceback each buried the log.
            logger.warning(
                "Sockets of %s not counted: Redis unreachable (%s: %s)", address, type(error).__name__, error
            )
            return entry
        if not taken:
            return None
        self.entries[entry] = address
        return entry

    def give_back(self, entry):
        address = self.entries.pop(entry, None)
        if address is None:
            return
        try:
            _redis(settings.REDIS_URL).zrem(_sockets_key(address), entry)
        except redis.RedisError as error:
            logger.warning(
                "Socket of %s not uncounted: Redis unreachable (%s: %s)", address, type(error).__name__, error
            )

    def push_forward(self):
        """Keep this process's open sockets counted for another SHARED_ENTRY_LIFETIME_SECONDS."""
        entries_of = collections.defaultdict(list)
        for entry, address in list(self.entries.items()):
            entries_of[address].append(entry)
        pipeline = _redis(settings.REDIS_URL).pipeline(transaction=False)
        for address, entries in entries_of.items():
            pipeline.eval(PUSH_FORWARD, 1, _sockets_key(address), SHARED_ENTRY_LIFETIME_SECONDS, *entries)
        try:
            pipeline.execute()
        except redis.RedisError as error:
            logger.warning("Open sockets not pushed forward: Redis unreachable (%s: %s)", type(error).__name__, error)

    def keep_pushing_forward(self):
        """Start the loop pushing this process's entries forward, unless it runs (it ends when no socket is open)."""
        loop = asyncio.get_running_loop()
        if self.refresher is None or self.refresher.done() or self.refresher.get_loop() is not loop:
            self.refresher = loop.create_task(self._push_forward_while_open())

    async def _push_forward_while_open(self):
        while self.entries:
            await asyncio.sleep(SHARED_COUNT_REFRESH_SECONDS)
            await asyncio.to_thread(self.push_forward)


class SocketsPerAddress:
    """Closes a socket with CLOSE_TRY_AGAIN_LATER when its address already holds SOCKETS_PER_ADDRESS: on every process
    with REDIS_URL (SharedSocketCounts), else on this one."""

    def __init__(self, application):
        self.application = application
        self.open_sockets = collections.Counter()
        self.shared = SharedSocketCounts()

    def counted_as(self, scope):
        """What the socket is counted by, and how many that one may hold; None when it is not counted here."""
        return socket_address(scope), settings.SOCKETS_PER_ADDRESS

    async def __call__(self, scope, receive, send):
        counted = self.counted_as(scope)
        if counted is None:
            return await self.application(scope, receive, send)
        address, limit = counted
        if settings.REDIS_URL:
            return await self._counted_in_redis(address, limit, scope, receive, send)
        if self.open_sockets[address] >= limit:
            return await try_again_later(receive, send)
        self.open_sockets[address] += 1
        try:
            # A consumer's call lasts as long as its socket.
            return await self.application(scope, receive, send)
        finally:
            self.open_sockets[address] -= 1
            if not self.open_sockets[address]:
                del self.open_sockets[address]

    async def _counted_in_redis(self, address, limit, scope, receive, send):
        entry = await asyncio.to_thread(self.shared.take_a_place, address, limit)
        if entry is None:
            return await try_again_later(receive, send)
        self.shared.keep_pushing_forward()
        try:
            return await self.application(scope, receive, send)
        finally:
            await asyncio.to_thread(self.shared.give_back, entry)


class SocketsPerUser(SocketsPerAddress):
    """Closes a signed-in user's socket with CLOSE_TRY_AGAIN_LATER when they hold SOCKETS_PER_USER already, from
    whichever addresses. Inside AuthMiddlewareStack, which has read the session's user; anonymous sockets pass."""

    def counted_as(self, scope):
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        return f"user:{user.pk}", settings.SOCKETS_PER_USER


def snapshot_wait(scope):
    """0 when the socket's address may be answered one more snapshot it asked for, counted against
    SOCKET_SNAPSHOTS_PER_ADDRESS_PER_MINUTE in the shared cache (as the rate limits are); else the seconds left until
    its minute ends. One client holding many sockets, each answered a snapshot a second, cost the server one read of
    the line a second per socket (1,000 a second from one address)."""
    # A socket without an address (no peer named) counts with the others without one, as SocketsPerAddress counts it.
    address = str(socket_address(scope))
    usage = get_usage(
        SimpleNamespace(method="GET"),
        group="socket-snapshots",
        key=lambda group, request: address,
        rate=f"{settings.SOCKET_SNAPSHOTS_PER_ADDRESS_PER_MINUTE}/m",
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return 0
    return max(usage["time_left"], 1)


async def try_again_later(receive, send):
    """Accept the socket only to close it with CLOSE_TRY_AGAIN_LATER: a refused handshake reaches a browser as a
    bare failure, without the code."""
    if (await receive())["type"] != "websocket.connect":
        return  # Gone before its handshake.
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})
