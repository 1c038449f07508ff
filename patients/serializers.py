"""Input validation for the patient API, and the response shapes its OpenAPI schema documents."""

from rest_framework import serializers

from smartqueue.strict_types import StrictSerializer

from .forms import NAME_MAX_LENGTH, NOTES_MAX_LENGTH
from .models import Department, Patient, Queue
from .phone import MAX_TYPED_PHONE_LENGTH, normalise_phone
from .selectors import current_visit, is_reception_staff
from .services import FEEDBACK_COMMENT_MAX_LENGTH


class PhoneField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=MAX_TYPED_PHONE_LENGTH, **kwargs)

    def to_internal_value(self, data):
        return normalise_phone(super().to_internal_value(data))


class RegistrationSerializer(StrictSerializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    phone = PhoneField(
        help_text="Any common format; stored in E.164. Numbers without +country use the hospital's region."
    )
    age = serializers.IntegerField(min_value=0, max_value=130)
    gender = serializers.ChoiceField(choices=Patient.Gender.choices, default=Patient.Gender.UNDISCLOSED)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(is_active=True),
        help_text="Id of an active department (see /patients/api/departments/).",
        error_messages={
            "does_not_exist": "No active department has id {pk_value}.",
            "incorrect_type": "Give the department's id number.",
        },
    )
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(
        choices=Queue.Priority.choices,
        default=Queue.Priority.NORMAL,
        help_text="Only logged-in reception staff (doctors, admins) may ask for high or emergency.",
    )

    def validate_priority(self, priority):
        if priority != Queue.Priority.NORMAL and not is_reception_staff(self.context["request"].user):
            raise serializers.ValidationError("Only reception staff can set a priority.")
        return priority


class CheckPatientSerializer(StrictSerializer):
    phone = PhoneField()


class FeedbackSerializer(StrictSerializer):
    patient_id = serializers.UUIDField(help_text="The patient's public id, from registration or the status link.")
    visit_id = serializers.IntegerField(
        min_value=1, required=False, help_text="Which visit; defaults to the patient's current one."
    )
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        max_length=FEEDBACK_COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs):
        patient = Patient.objects.filter(public_id=attrs["patient_id"]).first()
        if patient is None:
            raise serializers.ValidationError({"patient_id": "No patient has this id."})
        if "visit_id" in attrs:
            entry = Queue.objects.filter(pk=attrs["visit_id"], patient=patient).first()
        else:
            entry = current_visit(patient=patient)
        if entry is None:
            raise serializers.ValidationError({"visit_id": "This patient has no such visit."})
        attrs["entry"] = entry
        return attrs


# Response shapes, for the schema: the views return the selectors' dicts as they are.


class DepartmentSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    room = serializers.CharField()


class DepartmentOverviewSerializer(DepartmentSummarySerializer):
    description = serializers.CharField()
    queue_length = serializers.IntegerField(help_text="Tokens waiting now.")
    doctors_on_duty = serializers.IntegerField()
    estimated_wait_minutes = serializers.IntegerField(help_text="Wait for a patient registering now.")


class ServingTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    status = serializers.ChoiceField(choices=Queue.Status.choices)
    priority = serializers.ChoiceField(choices=Queue.Priority.choices)


class WaitingTokenSerializer(ServingTokenSerializer):
    position = serializers.IntegerField()
    estimated_wait_minutes = serializers.IntegerField()


class QueueSnapshotSerializer(serializers.Serializer):
    department = DepartmentSummarySerializer()
    date = serializers.DateField()
    now_serving = ServingTokenSerializer(many=True)
    waiting = WaitingTokenSerializer(many=True, help_text="In the order they will be called.")
    queue_length = serializers.IntegerField()
    doctors_on_duty = serializers.IntegerField()
    minutes_per_consultation = serializers.FloatField()
    estimated_wait_minutes = serializers.IntegerField(help_text="Wait for a patient registering now.")


class VisitStatusSerializer(serializers.Serializer):
    patient_id = serializers.UUIDField()
    visit_id = serializers.IntegerField()
    token = serializers.CharField()
    date = serializers.DateField()
    department = DepartmentSummarySerializer()
    priority = serializers.ChoiceField(choices=Queue.Priority.choices)
    status = serializers.ChoiceField(choices=Queue.Status.choices)
    status_display = serializers.CharField()
    position = serializers.IntegerField(allow_null=True, help_text="1 = next; null once no longer waiting.")
    patients_ahead = serializers.IntegerField(allow_null=True)
    estimated_wait_minutes = serializers.IntegerField(allow_null=True)
    go_to = serializers.CharField(allow_null=True, help_text="Room to go to once called.")
    now_serving = serializers.ListField(child=serializers.CharField())
    feedback_given = serializers.BooleanField()
    can_give_feedback = serializers.BooleanField()


class RegistrationResultSerializer(VisitStatusSerializer):
    created = serializers.BooleanField(help_text="False when the patient already held an open token here today.")
    status_url = serializers.URLField()


class RegistrationSentSerializer(serializers.Serializer):
    detail = serializers.CharField()
    phone = serializers.CharField(help_text="The number the token was sent to, masked to its last four digits.")
    sent_by = serializers.ChoiceField(choices=["sms"], help_text="How the token and status link were sent.")


class CheckPatientResultSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The number in E.164.")
    exists = serializers.BooleanField(help_text="Whether this number has registered before.")


class FeedbackResultSerializer(serializers.Serializer):
    visit_id = serializers.IntegerField()
    token = serializers.CharField()
    rating = serializers.IntegerField()
    comment = serializers.CharField()
