from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .views import AllDepartmentsDisplayView, DepartmentDisplayView, HomeView, department_display_snapshot, healthz

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("patients/", include("patients.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("doctors/", include("doctors.urls")),
    path("adminpanel/", include("adminpanel.urls")),
    path("display/", AllDepartmentsDisplayView.as_view(), name="display-all"),
    path("display/<int:department_id>/", DepartmentDisplayView.as_view(), name="display-department"),
    path(
        "display/<int:department_id>/snapshot.json", department_display_snapshot, name="display-department-snapshot"
    ),
]
