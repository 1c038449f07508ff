"""What every live socket shares: client message parsing, error frames and forwarding published frames."""

import asyncio
import contextlib
import json
import logging
import re
import time

import redis
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from smartqueue.i18n import socket_language
from smartqueue.parsers import field_with_a_lone_surrogate, field_with_a_repeated_key, load_marking_repeated_keys
from smartqueue.socket_limits import snapshot_wait

from .serializers import frame

MAX_CLIENT_MESSAGE_CHARS = 2000
# A client's {"type": "snapshot"} is answered at most once a second: the requests of that second are answered
# together at its end, so a client asking in a loop costs the server one read a second, not one per request.
SNAPSHOT_REQUEST_INTERVAL_SECONDS = 1.0
# The channel layer drops a group's member a day after it joined (channels' group_expiry, 86,400 s, in memory and on
# Redis alike), whether or not its socket is still open: a board left on for more than a day went on showing "live"
# and heard no call again, only its minute's refresh. A socket joins its groups again when it is asked anything (its
# client's ping, every 25 s, or snapshot) this long after it last joined them.
GROUPS_REJOINED_AFTER_SECONDS = 60 * 60

logger = logging.getLogger(__name__)

# Close codes (4000-4999 is the range WebSocket leaves to applications).
# The channel layer's Redis is unreachable, so the socket would hear no change: WebSocket's 1011 "internal error", sent
# in the applications' range (autobahn lets a server send only 1000 and 3000-4999, as for 4012 and 4013). The client
# takes a socket closed before its snapshot for a failed try: it backs off and polls (live-socket.js).
CLOSE_CHANNEL_LAYER_UNREACHABLE = 4011
CLOSE_BAD_REQUEST = 4400
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# A record's id in a socket's path: ASCII digits, as many as a bigint holds (str.isdigit takes "²", which int()
# refuses, and "١").
RECORD_ID = re.compile(r"[0-9]{1,18}")


def record_id(raw_id):
    """The id a socket's path names, or None when it is not one."""
    return int(raw_id) if RECORD_ID.fullmatch(raw_id) else None


class LiveConsumer(AsyncWebsocketConsumer):
    """Subscribes to groups on connect, sends a snapshot, and answers {"type": "snapshot"} / {"type": "ping"}.

    Subclasses implement subscribe() (return the groups to join, or refuse) and snapshot() (the frame, or None
    having refused the socket).

    Public sockets (accept_first) are accepted before subscribe() reads anything: every screen of a hospital
    reconnects at once after a deploy, their reads queue up behind one another, and a handshake held until
    its read is done would outlast the server's handshake timeout (daphne's: 5 s) and be refused. Accepted
    at once, a socket waits for its snapshot instead. Staff sockets refuse at the handshake, before accepting.
    """

    groups_joined = ()
    groups_joined_at = float("-inf")
    accept_first = False
    accepted = False
    refused = False
    snapshot_sent_at = float("-inf")
    requested_snapshot = None

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except redis.RedisError as error:
            # Redis away: every socket of the process ends here, its client retrying with a backoff. daphne closed
            # each with 1011, but logged it as forty lines of traceback, a thousand boards' tries burying the log.
            logger.warning(
                "%s closed: the channel layer's Redis is unreachable (%s: %s)",
                type(self).__name__,
                type(error).__name__,
                error,
            )
            await send({"type": "websocket.close", "code": CLOSE_CHANNEL_LAYER_UNREACHABLE})

    async def connect(self):
        if self.accept_first:
            await self._accept()
        groups = await self.subscribe()
        if groups is None:
            return
        self.groups_joined = list(groups)
        await self._join_groups()
        await self._accept()
        await self.send_snapshot()

    async def _join_groups(self):
        # The layer's clock: it expires members by time.time() (group_expiry).
        self.groups_joined_at = time.time()
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def send_snapshot(self):
        if self.refused:
            return  # A snapshot asked for before the refusal: there is nothing left to show on this socket.
        self.snapshot_sent_at = time.monotonic()
        snapshot = await self.snapshot()
        if snapshot is not None:  # None: the socket was refused instead (see PatientConsumer.snapshot).
            await self.send_frame(snapshot)

    async def answer_snapshot_request(self):
        """Sends the snapshot a client asked for, at once or, within a second of the last, at that second's end; and
        within its address's budget of snapshots (smartqueue.socket_limits.snapshot_wait), else when it has room."""
        if self.requested_snapshot is not None:
            return  # The snapshot on its way answers this request too.
        wait = self.snapshot_sent_at + SNAPSHOT_REQUEST_INTERVAL_SECONDS - time.monotonic()
        if wait <= 0:
            wait = await database_sync_to_async(snapshot_wait)(self.scope)
        if wait <= 0:
            await self.send_snapshot()
            return

        async def after_the_wait():
            await asyncio.sleep(wait)
            self.requested_snapshot = None
            await self.answer_snapshot_request()

        self.requested_snapshot = asyncio.create_task(after_the_wait())

    async def _accept(self):
        if not self.accepted:
            self.accepted = True
            await self.accept()

    async def disconnect(self, code):
        if self.requested_snapshot is not None:
            self.requested_snapshot.cancel()
        # Redis away (and its groups with it, unless it kept its data): the layer drops a member in a day anyway.
        with contextlib.suppress(redis.RedisError):
            for group in self.groups_joined:
                await self.channel_layer.group_discard(group, self.channel_name)

    async def subscribe(self):
        raise NotImplementedError

    async def snapshot(self):
        raise NotImplementedError

    async def frame_forward(self, message):
        """Handles broadcasts.FORWARD_MESSAGE_TYPE ("frame.forward")."""
        # Published frames arrive serialised once for every subscriber; pass them through untouched.
        await self.send(text_data=message["text"])

    async def send_frame(self, envelope):
        await self.send(text_data=json.dumps(envelope))

    def page_language(self):
        """The language of the socket's page; a page with a language of its own (a patient's) says it."""
        return socket_language(self.scope)

    async def send_error(self, *, code, message, values=None, field=None):
        """An error frame whose message (lazy, with its %(...)s values) is in the language of the socket's page."""
        language = await database_sync_to_async(self.page_language)()
        with translation.override(language):
            words = str(message) % (values or {})
        await self.send_frame(
            frame(
                frame_type="error",
                department_id=None,
                seq=None,
                payload={"code": code, "message": words, "field": field},
            )
        )

    async def refuse(self, *, close_code, code, message, values=None):
        """Accept only to explain, then close: a browser sees neither reason nor code of a refused handshake."""
        self.refused = True
        await self._accept()
        await self.send_error(code=code, message=message, values=values)
        await self.close(code=close_code)

    async def receive(self, text_data=None, bytes_data=None):
        if self.refused:
            return  # Sent before the client saw the close: there is nothing on this socket to answer with.
        if not 0 <= time.time() - self.groups_joined_at < GROUPS_REJOINED_AFTER_SECONDS:
            await self._join_groups()
        request = self._parse(text_data)
        if isinstance(request, tuple):
            message, values = request
            await self.send_error(code="bad_message", message=message, values=values, field="type")
        elif request["type"] == "snapshot":
            await self.answer_snapshot_request()
        elif request["type"] == "ping":
            await self.answer_ping()
        else:
            await self.send_error(
                code="unknown_message",
                message=_('Unknown message type "%(type)s"; send "snapshot" or "ping".'),
                values={"type": request["type"][:50]},
                field="type",
            )

    async def answer_ping(self):
        await self.send_frame(frame(frame_type="pong", department_id=None, seq=None, payload={}))

    @staticmethod
    def _parse(text_data):
        """The client's request as a dict with a string "type", or why it is not one: (message, its values)."""
        if text_data is None:
            return _("Send JSON text frames, not binary."), {}
        if len(text_data) > MAX_CLIENT_MESSAGE_CHARS:
            return _("Messages are limited to %(limit)s characters."), {"limit": MAX_CLIENT_MESSAGE_CHARS}
        try:
            request = load_marking_repeated_keys(text_data)
        except (ValueError, RecursionError):
            return _("The message is not valid JSON."), {}
        if field_with_a_lone_surrogate(request) is not None:
            return _("The message holds surrogate characters, which are not allowed."), {}
        _field, repeated_key = field_with_a_repeated_key(request)
        if repeated_key is not None:
            return _('"%(key)s" is given more than once.'), {"key": repeated_key[:50]}
        if not isinstance(request, dict) or not isinstance(request.get("type"), str):
            return _('The message must be a JSON object with a string "type", e.g. {"type": "snapshot"}.'), {}
        return request
