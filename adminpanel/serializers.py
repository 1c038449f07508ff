"""The live queues' shape: GET /adminpanel/api/, the answer to a panel action, and the OpenAPI schema.
static/js/live-queues.js draws the admin panel's department cards from it."""

from rest_framework import serializers

from doctors.models import Doctor
from patients.models import Queue
from patients.serializers import DepartmentTranslationsField


class VisitWithDoctorSerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    token = serializers.CharField()
    patient = serializers.CharField(help_text="The patient's name.")
    doctor = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=Queue.Status.choices)
    status_label = serializers.CharField()


class DepartmentDoctorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    availability = serializers.ChoiceField(choices=Doctor.Availability.choices)


class LiveQueueSerializer(serializers.Serializer):
    """One department today (see selectors.live_queues)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    translations = DepartmentTranslationsField()
    code = serializers.CharField()
    is_active = serializers.BooleanField()
    waiting = serializers.IntegerField()
    longest_wait_minutes = serializers.IntegerField(allow_null=True)
    with_doctors = VisitWithDoctorSerializer(many=True, help_text="Tokens called or in consultation.")
    doctors = DepartmentDoctorSerializer(many=True)


class LiveQueuesSerializer(serializers.Serializer):
    departments = LiveQueueSerializer(many=True)
    generated_at = serializers.DateTimeField()


class PanelActionAnswerSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="What happened, in words, for the admin.")
    departments = LiveQueueSerializer(many=True)
