from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.translation import check_for_language
from django.views.i18n import JavaScriptCatalog, set_language
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from patients.models import Department
from patients.selectors import department_snapshot_frame

from .i18n import STAFF_LANGUAGE_SESSION_KEY, staff_profiles


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


def switch_language(request):
    """The language switcher: Django's set_language (a cookie), and for signed-in staff their profile's language."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and check_for_language(language) and request.user.is_authenticated:
        for profile in staff_profiles(request.user):
            profile.language = language
            profile.save(update_fields=["language"])
        request.session[STAFF_LANGUAGE_SESSION_KEY] = language
    return response


def javascript_catalog(request, language):
    """The JS strings of one language, named in the URL: a patient's page may speak their language, not the
    browser's, and its script must follow the page."""
    if language not in dict(settings.LANGUAGES):
        raise Http404("SmartQueue does not speak this language.")
    with translation.override(language):
        return JavaScriptCatalog.as_view()(request)
