"""The doctors' API shapes: the dashboard (GET /doctors/api/, the answer to a dashboard action, the doctor socket's
snapshot) and the weekly hours (/doctors/api/schedule/), as the answers and the OpenAPI schema declare them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from patients.models import Appointment, Queue
from patients.serializers import (
    DepartmentTranslationsField,
    QueueSnapshotSerializer,
    StaffEntrySerializer,
    WaitAlertSerializer,
)
from smartqueue.strict_types import StrictSerializer

from .models import Doctor, DoctorSchedule


class DashboardDoctorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    availability = serializers.ChoiceField(choices=Doctor.Availability.choices)
    availability_label = serializers.CharField()


class DashboardDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    translations = DepartmentTranslationsField()


class TokenRowSerializer(serializers.Serializer):
    """A token in the doctor's department (no phone number: the dashboard is on a consulting-room screen)."""

    id = serializers.IntegerField()
    token = serializers.CharField()
    priority = serializers.ChoiceField(choices=Queue.Priority.choices)
    priority_label = serializers.CharField()
    status = serializers.ChoiceField(choices=Queue.Status.choices)
    status_label = serializers.CharField()
    waiting_minutes = serializers.IntegerField()
    notes = serializers.CharField(allow_blank=True)
    slot_time = serializers.DateTimeField(allow_null=True, help_text="A booked patient's slot; null for a walk-in.")
    arrival = serializers.ChoiceField(
        choices=Appointment.Arrival.choices,
        allow_blank=True,
        help_text="A booked patient's arrival; blank for a walk-in.",
    )
    arrival_label = serializers.CharField(allow_blank=True)
    with_a_doctor_in = serializers.CharField(
        allow_blank=True,
        help_text="The department whose doctor has this patient just now (called there or in consultation), whom "
        "Call next passes over until then; blank otherwise.",
    )


class ExpectedAppointmentSerializer(serializers.Serializer):
    slot_time = serializers.DateTimeField()
    patient_name = serializers.CharField()


class CurrentPatientSerializer(TokenRowSerializer):
    """The token called to or in the doctor's room (a TokenRow) with its patient's name and age."""

    patient_name = serializers.CharField()
    age = serializers.IntegerField()
    earlier_day = serializers.DateField(
        allow_null=True,
        help_text="The day of a token left from an earlier day (it can be finished or marked a no-show, not "
        "transferred); null for today's.",
    )


class TodayStatisticsSerializer(serializers.Serializer):
    seen = serializers.IntegerField()
    average_consultation_minutes = serializers.FloatField(allow_null=True)
    average_wait_minutes = serializers.FloatField(allow_null=True)
    no_shows = serializers.IntegerField()


class TransferDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    translations = DepartmentTranslationsField()
    no_doctor_left_today = serializers.BooleanField(
        help_text="Its doctors have all gone for the day: a transfer or referral there is refused."
    )


class DashboardSerializer(serializers.Serializer):
    doctor = DashboardDoctorSerializer()
    department = DashboardDepartmentSerializer()
    wait_alert = WaitAlertSerializer(allow_null=True, help_text="The department's long-wait alert while it is open.")
    current = CurrentPatientSerializer(allow_null=True, help_text="The patient called to or in the room, if any.")
    waiting = TokenRowSerializer(many=True, help_text="In call order: emergency first.")
    skipped = TokenRowSerializer(many=True)
    expected_appointments = ExpectedAppointmentSerializer(many=True, help_text="Today's bookings not checked in yet.")
    statistics = TodayStatisticsSerializer()
    transfer_departments = TransferDepartmentSerializer(many=True)
    generated_at = serializers.DateTimeField()


class DashboardActionAnswerSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="What happened, in words, for the doctor.")
    dashboard = DashboardSerializer()



class SocketDoctorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()
    availability = serializers.ChoiceField(choices=Doctor.Availability.choices)
    room = serializers.CharField(source="location", help_text="Where the doctor's patients go when called.")

    def get_name(self, doctor) -> str:
        return str(doctor)


class DoctorSnapshotPayloadSerializer(serializers.Serializer):
    """The doctor socket's snapshot frame: who is listening, the patient with them, and the department's queue."""

    doctor = SocketDoctorSerializer()
    current = StaffEntrySerializer(allow_null=True)
    queue = QueueSnapshotSerializer()


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"})
class HourMinuteField(serializers.TimeField):
    """A time of day as "HH:MM", both ways: OpenAPI's "time" format would promise seconds and a zone."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class WorkingIntervalSerializer(StrictSerializer):
    weekday = serializers.ChoiceField(choices=DoctorSchedule.Weekday.choices)
    starts_at = HourMinuteField()
    ends_at = HourMinuteField()


class WeeklyScheduleSerializer(StrictSerializer):
    schedule = WorkingIntervalSerializer(many=True, allow_empty=True)
