from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("twilio/status/", views.twilio_status_callback, name="twilio-status"),
    path("twilio/inbound/", views.twilio_inbound_message, name="twilio-inbound"),
]
