from django.urls import path

from . import api, views

app_name = "patients"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("register/", views.register, name="register"),
    path("register/sent/", views.registration_sent, name="registration-sent"),
    path("registered/<uuid:public_id>/", views.registered, name="registered"),
    path("status/<uuid:public_id>/", views.status, name="status"),
    path("appointments/", views.book, name="book"),
    path("appointments/<uuid:public_id>/", views.appointment, name="appointment"),
    path("appointments/<uuid:public_id>/calendar.ics", views.appointment_calendar, name="appointment-calendar"),
    path("api/register/", api.RegisterAPI.as_view(), name="api-register"),
    path("api/departments/", api.DepartmentsAPI.as_view(), name="api-departments"),
    path("api/queue/<int:dept_id>/", api.QueueStatusAPI.as_view(), name="api-queue"),
    path("api/patient/<uuid:patient_id>/status/", api.PatientStatusAPI.as_view(), name="api-patient-status"),
    path("api/visit/<uuid:public_id>/status/", api.VisitStatusAPI.as_view(), name="api-visit-status"),
    path("api/visit/<uuid:public_id>/late/", api.RunningLateAPI.as_view(), name="api-visit-late"),
    path("api/visit/<uuid:public_id>/cancel/", api.LeaveLineAPI.as_view(), name="api-visit-cancel"),
    path("api/check-patient/", api.CheckPatientAPI.as_view(), name="api-check-patient"),
    path("api/feedback/", api.FeedbackAPI.as_view(), name="api-feedback"),
    path("api/appointments/slots/", api.SlotsAPI.as_view(), name="api-slots"),
    path("api/appointments/", api.BookAPI.as_view(), name="api-book"),
    path("api/appointments/check-in/", api.CheckInAPI.as_view(), name="api-check-in"),
    path("api/appointments/<uuid:public_id>/", api.AppointmentAPI.as_view(), name="api-appointment"),
    path("api/appointments/<uuid:public_id>/reschedule/", api.RescheduleAPI.as_view(), name="api-reschedule"),
    path("api/appointments/<uuid:public_id>/cancel/", api.CancelAppointmentAPI.as_view(), name="api-cancel"),
]
