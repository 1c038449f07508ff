"""The fan-out floor for bench/ws_fanout.py: a bare Channels consumer that only forwards its group's messages.

    daphne -b 127.0.0.1 -p 0 bench.floor_asgi:application      (from the project folder)

Same channel layer (settings.CHANNEL_LAYERS, i.e. REDIS_URL and CHANNELS_PREFIX) and same message type as
SmartQueue's queue sockets, with nothing else: no origin check, session, database or snapshot. The time a group
message takes to reach every socket through it is what any Channels app pays on this machine.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

# The first frame a SmartQueue queue socket gets is its snapshot; the driver reads one frame after connecting.
CONNECTED_FRAME = '{"type": "snapshot", "seq": null}'


class ForwardingConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = self.scope["url_route"]["kwargs"]["group"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=CONNECTED_FRAME)

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def frame_forward(self, message):
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/floor/<str:group>/", ForwardingConsumer.as_asgi())])})
