"""DEBUG's pages, and the development SECRET_KEY's signatures, for this machine only, however the app is served."""

import logging

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .requests import from_this_machine

logger = logging.getLogger(__name__)

DEBUG_PAGES_FOR_THIS_MACHINE = _("This server is in development mode and answers the computer it runs on only.")


class DebugPagesForThisMachineMiddleware:
    """With DEBUG on, unless DEBUG_ON_NETWORK is on and SECRET_KEY is not the development one the source publishes,
    answers 403 to any client but this machine. The servers refuse to listen beyond it then (smartqueue.server), but
    not gunicorn or uvicorn started by hand (README: Production), nor a proxy on this machine passing the network's
    requests on: DEBUG's error pages would show them tracebacks with the request's data, the settings and every URL,
    and anyone could forge what the app signs with the published key. First in MIDDLEWARE, so that no error of
    another middleware reaches them; in production (DEBUG off) it is not in the chain at all."""

    def __init__(self, get_response):
        # With DEBUG off the key is one set by hand: the servers' start-up refusal is the one that holds it.
        if not settings.DEBUG or (settings.DEBUG_ON_NETWORK and settings.SECRET_KEY != settings.DEVELOPMENT_SECRET_KEY):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if from_this_machine(request):
            return self.get_response(request)
        logger.warning(
            "Refused a request from %s: with DEBUG on the app answers this machine only; for a server others use "
            "set DEBUG=False, for a demo on a network you trust DEBUG_ON_NETWORK=True, with a SECRET_KEY of your "
            "own either way (`make run` makes one).",
            request.META.get("REMOTE_ADDR"),
        )
        with translation.override(translation.get_language_from_request(request)):
            refusal = str(DEBUG_PAGES_FOR_THIS_MACHINE)
        return HttpResponse(refusal, status=403, content_type="text/plain; charset=utf-8")
