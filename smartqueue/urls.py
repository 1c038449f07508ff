from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from .views import (
    AllDepartmentsDisplayView,
    DepartmentDisplayView,
    DoctorPasswordChangeDoneView,
    DoctorPasswordChangeView,
    HomeView,
    PanelPasswordChangeDoneView,
    PanelPasswordChangeView,
    SchemaView,
    department_display_snapshot,
    healthz,
    javascript_catalog,
    keep_session_alive,
    readyz,
    switch_language,
)

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", switch_language, name="set_language"),
    path("session/keep-alive/", keep_session_alive, name="session-keep-alive"),
    # The JS strings' translations as a script file: the Content-Security-Policy refuses inline scripts.
    path("i18n/<str:language>/catalog.js", javascript_catalog, name="javascript-catalog"),
    path("patients/", include("patients.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, which the Content-Security-Policy allows.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Each role's own password page, under its pages: an anonymous visitor is sent to that role's sign-in, and
    # the page wears that role's navigation. Wired here, the one place the two roles' checks meet.
    path("doctors/password/", DoctorPasswordChangeView.as_view(), name="doctor-password-change"),
    path("doctors/password/changed/", DoctorPasswordChangeDoneView.as_view(), name="doctor-password-changed"),
    path("adminpanel/password/", PanelPasswordChangeView.as_view(), name="panel-password-change"),
    path("adminpanel/password/changed/", PanelPasswordChangeDoneView.as_view(), name="panel-password-changed"),
    path("doctors/", include("doctors.urls")),
    path("adminpanel/", include("adminpanel.urls")),
    path("kiosk/", include("patients.kiosk_urls")),
    path("display/", AllDepartmentsDisplayView.as_view(), name="display-all"),
    path("display/<int:department_id>/", DepartmentDisplayView.as_view(), name="display-department"),
    path(
        "display/<int:department_id>/snapshot.json", department_display_snapshot, name="display-department-snapshot"
    ),
]

# With DEBUG off: the app's own pages (JSON under /api/), never URL patterns or tracebacks.
handler400 = "smartqueue.errors.bad_request"
handler403 = "smartqueue.errors.permission_denied"
handler404 = "smartqueue.errors.page_not_found"
handler500 = "smartqueue.errors.server_error"
