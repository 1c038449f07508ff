"""One client address holds at most SOCKETS_PER_ADDRESS sockets open, on every server process together
(smartqueue.socket_limits)."""

import random

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.routing import ProtocolTypeRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from smartqueue.asgi import application, websocket_application
from smartqueue.socket_limits import CLOSE_TRY_AGAIN_LATER, SharedSocketCounts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def open_from():
    """Opens a department's queue socket from a client address (on `server`, this process's application unless
    given); whether it stays open (True) or the close code it gets at once. Disconnects every socket after the test."""
    opened = []

    async def open_one(department, address, *, forwarded_for=None, server=application, cookie=None):
        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        if forwarded_for:
            headers.append((b"x-forwarded-for", forwarded_for.encode()))
        communicator = WebsocketCommunicator(server, f"/ws/queue/{department.pk}/", headers=headers)
        communicator.scope["client"] = [address, 50000 + len(opened)]
        opened.append(communicator)
        await communicator.connect(timeout=5)
        first = await communicator.receive_output(timeout=5)  # The snapshot, or the close.
        return communicator, True if first["type"] == "websocket.send" else first.get("code")

    yield open_one
    for communicator in opened:
        if not communicator.future.done():
            await communicator.disconnect()


async def test_an_address_holding_its_sockets_opens_no_more_until_one_closes(make_department, open_from, settings):
    """Sockets were not limited: one client opened 2,000 in 38 s (eleventh attack run), 90 MB more on the process."""
    settings.SOCKETS_PER_ADDRESS = 3
    department = await database_sync_to_async(make_department)()
    held = [await open_from(department, "203.0.113.7") for _ in range(3)]

    _, fourth = await open_from(department, "203.0.113.7")
    _, elsewhere = await open_from(department, "198.51.100.20")
    await held[0][0].disconnect()
    _, after_one_closed = await open_from(department, "203.0.113.7")

    assert all(connected is True for _, connected in held)
    # Closed with a code the live client reads as "too many: poll, and try again later", not a bare failure.
    assert (fourth, elsewhere, after_one_closed) == (CLOSE_TRY_AGAIN_LATER, True, True)


async def test_an_ipv6_client_is_counted_by_its_64_and_a_proxys_clients_each_by_their_own(
    make_department, open_from, settings
):
    settings.SOCKETS_PER_ADDRESS = 1
    department = await database_sync_to_async(make_department)()

    _, first = await open_from(department, "2001:db8:1:2::10")
    _, same_subscriber = await open_from(department, "2001:db8:1:2::99")
    settings.TRUSTED_PROXY_COUNT = 1
    _, behind_the_proxy = await open_from(department, "10.0.0.2", forwarded_for="203.0.113.7")
    _, another_behind_the_proxy = await open_from(department, "10.0.0.2", forwarded_for="203.0.113.8")

    assert (first, same_subscriber, behind_the_proxy, another_behind_the_proxy) == (
        True,
        CLOSE_TRY_AGAIN_LATER,
        True,
        True,
    )


@pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="sockets are counted across processes in Redis: set REDIS_URL"
)
async def test_an_address_holds_its_sockets_on_every_process_together(make_department, open_from, settings):
    """Counted in each process's memory, a client spread over the load balancer's processes held the limit on each."""
    settings.SOCKETS_PER_ADDRESS = 2
    department = await database_sync_to_async(make_department)()
    another_process = ProtocolTypeRouter({"websocket": websocket_application()})
    address = f"203.0.113.{random.randrange(1, 255)}"

    _, here = await open_from(department, address)
    there, on_the_other = await open_from(department, address, server=another_process)
    _, one_more_here = await open_from(department, address)
    _, one_more_there = await open_from(department, address, server=another_process)
    await there.disconnect()
    _, after_one_closed = await open_from(department, address)

    assert (here, on_the_other) == (True, True)
    assert (one_more_here, one_more_there) == (CLOSE_TRY_AGAIN_LATER, CLOSE_TRY_AGAIN_LATER)
    assert after_one_closed is True


@pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="sockets are counted across processes in Redis: set REDIS_URL"
)
def test_an_address_holds_its_sockets_on_processes_whose_clocks_disagree(settings):
    """Entries timed by each process's clock: one running ten minutes behind wrote entries the others took for lapsed
    and dropped, and its address opened as many sockets again there; one running ahead dropped the others' live ones."""
    settings.SOCKETS_PER_ADDRESS = 2
    address = f"203.0.113.{random.randrange(1, 255)}"
    behind, on_time = SharedSocketCounts(), SharedSocketCounts()

    with time_machine.travel(timezone.now() - timezone.timedelta(minutes=10)):
        held = [behind.take_a_place(address, 2) for _ in range(2)]
        behind.push_forward()
    one_more = on_time.take_a_place(address, 2)
    for entry in held:
        behind.give_back(entry)

    assert all(held)
    assert one_more is None


async def test_an_address_is_answered_so_many_snapshots_a_minute_across_its_sockets(
    make_department, open_from, settings
):
    """Each socket was answered a snapshot a second, however many sockets its client held: a thousand sockets of one
    address asking in a loop cost the server a thousand reads of the line a second."""
    settings.SOCKET_SNAPSHOTS_PER_ADDRESS_PER_MINUTE = 2
    department = await database_sync_to_async(make_department)()
    address = f"198.51.100.{random.randrange(1, 255)}"
    sockets = [(await open_from(department, address))[0] for _ in range(3)]

    with time_machine.travel(timezone.now(), tick=False):  # The minute's budget does not start again meanwhile.
        for socket in sockets:
            await socket.send_json_to({"type": "snapshot"})
        answered = [not await socket.receive_nothing(timeout=2) for socket in sockets]
    _, elsewhere = await open_from(department, "192.0.2.10")

    assert answered == [True, True, False]
    assert elsewhere is True  # Another address has a budget of its own.


def signed_in_cookie(username):
    client = Client()
    client.force_login(get_user_model().objects.create_user(username=username, password="unused-password-1"))
    return f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"


async def test_a_signed_in_user_holds_so_many_sockets_from_whichever_addresses(make_department, open_from, settings):
    """Only each address was counted: one staff session (a doctor's socket reads it again before every frame) opened
    from many addresses, or an IPv6 subscriber's many /64s, held as many sockets as it liked."""
    settings.SOCKETS_PER_USER = 2
    department = await database_sync_to_async(make_department)()
    cookie = await database_sync_to_async(signed_in_cookie)("receptionist-of-many-tabs")
    colleague = await database_sync_to_async(signed_in_cookie)("colleague")

    held = [(await open_from(department, f"203.0.113.{n}", cookie=cookie))[1] for n in (1, 2)]
    _, third_address = await open_from(department, "198.51.100.3", cookie=cookie)
    _, colleague_there = await open_from(department, "198.51.100.3", cookie=colleague)
    _, anonymous_there = await open_from(department, "198.51.100.3")

    assert held == [True, True]
    assert third_address == CLOSE_TRY_AGAIN_LATER
    assert (colleague_there, anonymous_there) == (True, True)
