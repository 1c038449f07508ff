from django.contrib import admin
from django.urls import path

from .views import AllDepartmentsDisplayView, DepartmentDisplayView, HomeView, department_display_snapshot

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("admin/", admin.site.urls),
    path("display/", AllDepartmentsDisplayView.as_view(), name="display-all"),
    path("display/<int:department_id>/", DepartmentDisplayView.as_view(), name="display-department"),
    path(
        "display/<int:department_id>/snapshot.json", department_display_snapshot, name="display-department-snapshot"
    ),
]
