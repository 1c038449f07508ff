from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiRequest, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from smartqueue.actions import api_response, flat_field_errors
from smartqueue.requests import client_ip, submitted_fields
from smartqueue.roles import role_api_responses
from smartqueue.shapes import represent

from . import services
from .access import IsDoctor, active_doctor
from .actions import DOCTOR_ACTIONS
from .selectors import dashboard_data
from .serializers import DashboardActionAnswerSerializer, DashboardSerializer, WeeklyScheduleSerializer


class DoctorAPIView(APIView):
    permission_classes = [IsDoctor]
    field_errors_key = "errors"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.doctor = active_doctor(request.user)


class DashboardAPI(DoctorAPIView):
    """GET: the dashboard's data. POST: one dashboard action, named by `action` (see doctors.actions)."""

    def dashboard(self):
        return represent(DashboardSerializer, dashboard_data(doctor=self.doctor))

    @extend_schema(responses=role_api_responses(DashboardSerializer, role="a doctor"))
    def get(self, request):
        return Response(self.dashboard())

    @extend_schema(
        request=OpenApiRequest(DOCTOR_ACTIONS.request_schema()),
        description="Fields: `action` (one of "
        + ", ".join(f"`{name}`" for name, _ in DOCTOR_ACTIONS.choices())
        + "), `entry`, `consultation_notes`, `to_department`, `availability`, as the action needs.",
        responses=role_api_responses(DashboardActionAnswerSerializer, role="a doctor", validates=True),
    )
    def post(self, request):
        outcome = DOCTOR_ACTIONS.submit(
            submitted_fields(request), doctor=self.doctor, actor=request.user, ip_address=client_ip(request)
        )
        return api_response(outcome, self.answer)

    def answer(self, message):
        self.doctor.refresh_from_db()
        return represent(
            DashboardActionAnswerSerializer,
            {"message": message, "dashboard": dashboard_data(doctor=self.doctor)}
        )


class ScheduleAPI(DoctorAPIView):
    """GET: the doctor's weekly working hours. POST {"schedule": [{weekday, starts_at, ends_at}, ...]}: replace them."""

    @extend_schema(responses=role_api_responses(WeeklyScheduleSerializer, role="a doctor"))
    def get(self, request):
        return Response(WeeklyScheduleSerializer({"schedule": self.doctor.schedule.all()}).data)

    @extend_schema(
        request=WeeklyScheduleSerializer,
        responses=role_api_responses(WeeklyScheduleSerializer, role="a doctor", validates=True),
    )
    def post(self, request):
        serializer = WeeklyScheduleSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": flat_field_errors(serializer.errors)}, status=status.HTTP_400_BAD_REQUEST)
        intervals = [
            (interval["weekday"], interval["starts_at"], interval["ends_at"])
            for interval in serializer.validated_data["schedule"]
        ]
        try:
            saved = services.replace_weekly_schedule(
                doctor=self.doctor, intervals=intervals, actor=request.user, ip_address=client_ip(request)
            )
        except ValidationError as error:
            return Response({"errors": error.message_dict}, status=status.HTTP_400_BAD_REQUEST)
        return Response(WeeklyScheduleSerializer({"schedule": saved}).data)
