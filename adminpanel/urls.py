from django.contrib.auth.views import LogoutView
from django.urls import path

from doctors.models import Doctor
from patients.models import Department

from . import api, services, views

app_name = "adminpanel"

urlpatterns = [
    path("login/", views.PanelLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="adminpanel:login"), name="logout"),
    path("", views.LiveQueuesView.as_view(), name="queues"),
    path("live/", views.LiveQueuesFragmentView.as_view(), name="queues-live"),
    path("bookings/today/", views.TodaysBookingsView.as_view(), name="todays-bookings"),
    path("visits/find/", views.FindTokenView.as_view(), name="find-token"),
    path("visits/<int:pk>/", views.VisitView.as_view(), name="visit"),
    path("visits/<int:pk>/move/", views.VisitActionView.as_view(action_name="move_token"), name="visit-move"),
    path(
        "visits/<int:pk>/priority/",
        views.VisitActionView.as_view(action_name="change_priority"),
        name="visit-priority",
    ),
    path("visits/<int:pk>/cancel/", views.CancelTokenView.as_view(), name="visit-cancel"),
    path("visits/<int:pk>/restore/", views.ReinstateTokenView.as_view(), name="visit-reinstate"),
    path("visits/<int:pk>/return-to-line/", views.ReturnToLineView.as_view(), name="visit-return-to-line"),
    path("correct-phone/", views.FindTokenForPhoneView.as_view(), name="correct-phone"),
    path("visits/<int:pk>/correct-phone/", views.CorrectPhoneView.as_view(), name="visit-correct-phone"),
    path("visits/<int:pk>/end-consultation/", views.EndConsultationView.as_view(), name="visit-end-consultation"),
    path("departments/", views.DepartmentListView.as_view(), name="departments"),
    path("departments/new/", views.DepartmentCreateView.as_view(), name="department-create"),
    path("departments/<int:pk>/edit/", views.DepartmentUpdateView.as_view(), name="department-edit"),
    path(
        "departments/<int:pk>/deactivate/",
        views.DepartmentDeactivateView.as_view(),
        name="department-deactivate",
    ),
    path(
        "departments/<int:pk>/reactivate/",
        views.ReactivateView.as_view(
            model=Department, audit_action="department.reactivated", success_url="adminpanel:departments"
        ),
        name="department-reactivate",
    ),
    path("doctors/", views.DoctorListView.as_view(), name="doctors"),
    path("doctors/new/", views.DoctorCreateView.as_view(), name="doctor-create"),
    path("doctors/<int:pk>/edit/", views.DoctorUpdateView.as_view(), name="doctor-edit"),
    path("doctors/<int:pk>/hours/", views.DoctorHoursView.as_view(), name="doctor-hours"),
    path("doctors/<int:pk>/password/", views.DoctorPasswordView.as_view(), name="doctor-password"),
    path(
        "doctors/<int:pk>/deactivate/",
        views.DeactivateView.as_view(
            model=Doctor, save=services.save_doctor, audit_action="doctor.deactivated", success_url="adminpanel:doctors"
        ),
        name="doctor-deactivate",
    ),
    path(
        "doctors/<int:pk>/reactivate/",
        views.ReactivateView.as_view(
            model=Doctor, save=services.save_doctor, audit_action="doctor.reactivated", success_url="adminpanel:doctors"
        ),
        name="doctor-reactivate",
    ),
    path("configuration/", views.ConfigurationView.as_view(), name="configuration"),
    path("messages/", views.MessageTemplatesView.as_view(), name="message-templates"),
    path("messages/<int:pk>/<str:language>/", views.MessageTextView.as_view(), name="message-text"),
    path("broadcast/", views.BroadcastView.as_view(), name="broadcast"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/new/", views.WebhookCreateView.as_view(), name="webhook-create"),
    path("webhooks/<int:pk>/edit/", views.WebhookUpdateView.as_view(), name="webhook-edit"),
    path("webhooks/<int:pk>/secret/", views.WebhookSecretView.as_view(), name="webhook-secret"),
    path("webhooks/<int:pk>/test/", views.WebhookTestView.as_view(), name="webhook-test"),
    path(
        "webhooks/deliveries/<int:pk>/redeliver/", views.WebhookRedeliverView.as_view(), name="webhook-redeliver"
    ),
    path("audit/", views.AuditLogView.as_view(), name="audit"),
    path("appointments/", views.AppointmentsView.as_view(), name="appointments"),
    path("appointments/close-day/", views.CloseDayView.as_view(), name="close-day"),
    path("appointments/absence/", views.DoctorAbsenceView.as_view(), name="doctor-absence"),
    path("appointments/closed-days/<int:pk>/reopen/", views.ReopenDayView.as_view(), name="reopen-day"),
    path("appointments/absences/<int:pk>/withdraw/", views.WithdrawAbsenceView.as_view(), name="withdraw-absence"),
    path("reports/", views.ReportsView.as_view(), name="reports"),
    path("reports/export.csv", views.ReportsCSVView.as_view(), name="reports-csv"),
    path("api/", api.PanelAPI.as_view(), name="api"),
]
