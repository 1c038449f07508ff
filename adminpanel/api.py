from django.utils import timezone
from drf_spectacular.utils import OpenApiRequest, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from smartqueue.actions import api_response
from smartqueue.requests import client_ip, submitted_fields
from smartqueue.roles import role_api_responses
from smartqueue.shapes import represent

from .access import IsPanelAdmin
from .actions import PANEL_ACTIONS
from .selectors import live_queues
from .serializers import LiveQueuesSerializer, PanelActionAnswerSerializer


class PanelAPI(APIView):
    """GET: every department's live queue. POST: a department or queue action named by `action` (see actions)."""

    permission_classes = [IsPanelAdmin]
    field_errors_key = "errors"

    @extend_schema(responses=role_api_responses(LiveQueuesSerializer, role="an admin"))
    def get(self, request):
        return Response(represent(LiveQueuesSerializer, {"departments": live_queues(), "generated_at": timezone.now()}))

    @extend_schema(
        request=OpenApiRequest(PANEL_ACTIONS.request_schema()),
        description="Fields: `action` (one of "
        + ", ".join(f"`{name}`" for name, _ in PANEL_ACTIONS.choices())
        + "), and what the action needs: `department`, the department's fields (an edit sends only those that"
        " change), `entry`, `priority`, `message`.",
        responses=role_api_responses(PanelActionAnswerSerializer, role="an admin", validates=True),
    )
    def post(self, request):
        outcome = PANEL_ACTIONS.submit(
            submitted_fields(request), actor=request.user, ip_address=client_ip(request), partial=True
        )
        return api_response(outcome, self.answer)

    def answer(self, message):
        return represent(PanelActionAnswerSerializer, {"message": message, "departments": live_queues()})
