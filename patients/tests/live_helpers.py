"""Opening test sockets against the real ASGI application (origin check and session auth included)."""

import json

import pytest
from channels.testing import WebsocketCommunicator

from smartqueue.asgi import application

ALLOWED_ORIGIN = b"http://testserver"


@pytest.fixture
async def open_socket():
    """Opens sockets for a test and disconnects them all afterwards, so no consumer outlives its test."""
    opened = []

    async def open_one(path, *, origin=ALLOWED_ORIGIN, cookie=None, accept_language=None):
        headers = [(b"origin", origin)] if origin else []
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        if accept_language:
            headers.append((b"accept-language", accept_language.encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        opened.append(communicator)
        connected, close_code = await communicator.connect(timeout=5)
        return communicator, connected, close_code

    yield open_one
    for communicator in opened:
        if not communicator.future.done():
            await communicator.disconnect()


async def next_frame(communicator, timeout=5):
    return json.loads(await communicator.receive_from(timeout=timeout))
