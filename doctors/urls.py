from django.contrib.auth.views import LogoutView
from django.urls import path

from . import api, views

app_name = "doctors"

urlpatterns = [
    path("login/", views.DoctorLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="doctors:login"), name="logout"),
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("live/", views.DashboardLiveView.as_view(), name="dashboard-live"),
    path("schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("api/", api.DashboardAPI.as_view(), name="api"),
    path("api/schedule/", api.ScheduleAPI.as_view(), name="api-schedule"),
]
