from django.urls import path

from . import views

app_name = "kiosk"

urlpatterns = [
    path("<slug:site>/", views.kiosk, name="start"),
    path("<slug:site>/start-over/", views.kiosk_start_over, name="start-over"),
    path("<slug:site>/ticket/<uuid:public_id>/", views.kiosk_ticket, name="ticket"),
    path("<slug:site>/sent/", views.kiosk_sent, name="sent"),
]
