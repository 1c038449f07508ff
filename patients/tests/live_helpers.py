"""Opening test sockets against the real ASGI application (origin check and session auth included)."""

import json

from channels.testing import WebsocketCommunicator

from smartqueue.asgi import application

ALLOWED_ORIGIN = b"http://testserver"


async def open_socket(path, *, origin=ALLOWED_ORIGIN, cookie=None):
    headers = [(b"origin", origin)] if origin else []
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, close_code = await communicator.connect(timeout=5)
    return communicator, connected, close_code


async def next_frame(communicator, timeout=5):
    return json.loads(await communicator.receive_from(timeout=timeout))
