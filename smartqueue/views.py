from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from patients.models import Department
from patients.selectors import department_snapshot_frame


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        # Each open department's board is linked, so a TV can be pointed at it from here.
        return super().get_context_data(departments=Department.objects.filter(is_active=True), **kwargs)


class DepartmentDisplayView(TemplateView):
    """The waiting-room TV of one department: now serving, next tokens, a chime and a spoken call."""

    template_name = "display/department.html"

    def get_context_data(self, **kwargs):
        department = get_object_or_404(Department, pk=self.kwargs["department_id"])
        return super().get_context_data(boards=[department_snapshot_frame(department)], single=True, **kwargs)


class AllDepartmentsDisplayView(TemplateView):
    """The main hall TV: every open department's now-serving and next tokens."""

    template_name = "display/department.html"

    def get_context_data(self, **kwargs):
        boards = [department_snapshot_frame(department) for department in Department.objects.filter(is_active=True)]
        return super().get_context_data(boards=boards, single=False, **kwargs)


@never_cache
def department_display_snapshot(request, department_id):
    """The queue socket's snapshot frame over HTTP, for display boards whose socket cannot open."""
    department = get_object_or_404(Department, pk=department_id)
    return JsonResponse(department_snapshot_frame(department))


@never_cache
@require_safe
def healthz(request):
    """Liveness probe for load balancers: answers without touching the database, Redis or the session."""
    return JsonResponse({"status": "ok"})
