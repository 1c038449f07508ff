"""WebSocket routes of the brief: ws/queue/<department_id>/, ws/patient/<patient_id>/, ws/doctor/<doctor_id>/."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path, re_path

from doctors.consumers import DoctorConsumer
from patients.consumers import PatientConsumer, QueueConsumer
from patients.live import CLOSE_NOT_FOUND


class UnknownRouteConsumer(AsyncWebsocketConsumer):
    """Refuses sockets on any other path with a close code instead of an unhandled routing error."""

    async def connect(self):
        await self.close(code=CLOSE_NOT_FOUND)


# Ids are matched loosely and validated by the consumers, which answer a bad one with an error frame.
websocket_urlpatterns = [
    path("ws/queue/<str:department_id>/", QueueConsumer.as_asgi()),
    path("ws/patient/<str:patient_id>/", PatientConsumer.as_asgi()),
    path("ws/doctor/<str:doctor_id>/", DoctorConsumer.as_asgi()),
    re_path(r"", UnknownRouteConsumer.as_asgi()),
]
