import gc
import sys

import django
from django.urls import get_resolver

from smartqueue.startup import settings_or_exit

# `daphne`, `uvicorn` or `gunicorn -k uvicorn.workers.UvicornWorker` load this module first: a refused setting is
# said in one line here, not as the server's traceback.
settings_or_exit()
# As django.core.asgi.get_asgi_application, with the handler that keeps its threads between requests.
django.setup(set_prefix=False)

# Django must be set up before the handler, the consumers and their models are imported.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from .handlers import PooledThreadsASGIHandler  # noqa: E402
from .routing import websocket_urlpatterns  # noqa: E402
from .socket_limits import SocketsPerAddress, SocketsPerUser  # noqa: E402
from .socket_origins import SameOriginSockets  # noqa: E402



def websocket_application():
    """The sockets' application, as each server process makes it once."""
    # Browsers always send Origin; only the app's own pages (ALLOWED_HOSTS, same port) may open the sockets, and each
    # client address and each signed-in user only so many at once.
    return SameOriginSockets(
        SocketsPerAddress(AuthMiddlewareStack(SocketsPerUser(URLRouter(websocket_urlpatterns))))
    )


application = ProtocolTypeRouter({"http": PooledThreadsASGIHandler(), "websocket": websocket_application()})

# `daphne smartqueue.asgi:application` by hand: daphne's command line loads the application before it makes its server,
# which is then `make run`'s (smartqueue.server: no DEBUG pages or published SECRET_KEY beyond this machine, masked
# access log, graceful stop). Started by smartqueue.server itself, daphne already has it.
daphne_command_line = sys.modules.get("daphne.cli")
if daphne_command_line and daphne_command_line.CommandLineInterface.server_class is daphne_command_line.Server:
    import smartqueue.server  # noqa: E402, F401

# Every view's module is imported now rather than at the first request, and all that start-up made is then frozen
# out of the garbage collector's way: each full collection otherwise walks those ~160,000 objects again, which
# cost a cold read of a long line a tenth of its CPU (docs/performance.md, "Start-up frozen").
get_resolver().url_patterns
gc.collect()
gc.freeze()
