import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartqueue.settings")
# As django.core.asgi.get_asgi_application, with the handler that keeps its threads between requests.
django.setup(set_prefix=False)

# Django must be set up before the handler, the consumers and their models are imported.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from .handlers import PooledThreadsASGIHandler  # noqa: E402
from .routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": PooledThreadsASGIHandler(),
        # Browsers always send Origin; only pages served from ALLOWED_HOSTS may open the sockets.
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
