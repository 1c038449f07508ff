from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from patients import services as queue_services
from smartqueue.requests import client_ip, submitted_fields
from smartqueue.roles import IsPanelAdmin, role_api_responses

from . import services
from .forms import BroadcastForm, DepartmentForm, PanelActionForm
from .selectors import live_queues


def _bad_request(errors):
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


class PanelAPI(APIView):
    """GET: every department's live queue. POST: a department or queue action named by `action`."""

    permission_classes = [IsPanelAdmin]

    @extend_schema(responses=role_api_responses(OpenApiTypes.OBJECT, role="an admin"))
    def get(self, request):
        return Response({"departments": live_queues(), "generated_at": timezone.now().isoformat()})

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=role_api_responses(OpenApiTypes.OBJECT, role="an admin", validates=True)
    )
    def post(self, request):
        form = PanelActionForm(submitted_fields(request, PanelActionForm, DepartmentForm, BroadcastForm))
        if not form.is_valid():
            return _bad_request(form.errors)
        action = form.cleaned_data["action"]
        who = {"actor": request.user, "ip_address": client_ip(request)}
        try:
            result = getattr(self, action)(request, form.cleaned_data, who)
        except ValidationError as error:
            return _bad_request(error.message_dict)
        except queue_services.QueueError as error:
            return _bad_request({"entry": [str(error)]})
        if isinstance(result, Response):
            return result
        return Response({"message": result, "departments": live_queues()})

    def _save_department(self, request, department, audit_action, who):
        # An edit sends only the fields that change; the others keep their stored values.
        stored = model_to_dict(department, fields=DepartmentForm._meta.fields) if department else {}
        form = DepartmentForm({**stored, **{key: request.data.get(key) for key in request.data}}, instance=department)
        if not form.is_valid():
            return _bad_request(form.errors)
        changes = {field: form.cleaned_data[field] for field in DepartmentForm._meta.fields}
        saved = services.save_with_audit(instance=form.instance, changes=changes, action=audit_action, **who)
        return f"Saved {saved.name} ({saved.code})."

    def create_department(self, request, cleaned, who):
        return self._save_department(request, None, "department.created", who)

    def update_department(self, request, cleaned, who):
        return self._save_department(request, cleaned["department"], "department.updated", who)

    def deactivate_department(self, request, cleaned, who):
        department = services.save_with_audit(
            instance=cleaned["department"], changes={"is_active": False}, action="department.deactivated", **who
        )
        return f"{department.name} is deactivated."

    def cancel_token(self, request, cleaned, who):
        entry = queue_services.cancel(entry=cleaned["entry"], **who)
        return f"{entry.token} is cancelled."

    def change_priority(self, request, cleaned, who):
        entry = queue_services.change_priority(entry=cleaned["entry"], priority=cleaned["priority"], **who)
        return f"{entry.token} is now {entry.get_priority_display().lower()} priority."

    def broadcast(self, request, cleaned, who):
        form = BroadcastForm(request.data)
        if not form.is_valid():
            return _bad_request(form.errors)
        departments = services.broadcast_message(**form.cleaned_data, **who)
        return f"Message sent to the waiting patients of {len(departments)} department(s)."
