"""Shapes of what the notifications app sends out: a webhook event and its data."""

from datetime import UTC

from rest_framework import serializers

from patients.serializers import DepartmentSummarySerializer

PATIENT_FOR_TRUSTED_ENDPOINTS = "Only for an endpoint trusted with patient names and phones."


class WebhookTokenSerializer(serializers.Serializer):
    """A token as hospital systems see it: no name or phone (see WebhookTrustedTokenSerializer), and its visit by
    the record id the REST API's visit_id names, never by its status link's id, which lets whoever holds it
    follow the visit, give its feedback and change its notices."""

    token = serializers.CharField()
    visit_id = serializers.IntegerField(source="pk")
    day = serializers.DateField(source="token_date")
    status = serializers.CharField()
    priority = serializers.CharField()
    department = DepartmentSummarySerializer()
    doctor_id = serializers.IntegerField(allow_null=True)
    transferred_from_visit_id = serializers.IntegerField(
        source="transferred_from_id",
        allow_null=True,
        help_text="The visit this token was transferred or referred from (another department's).",
    )
    checked_in_at = serializers.DateTimeField()
    called_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    skipped_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)


class WebhookPatientSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class WebhookTrustedTokenSerializer(WebhookTokenSerializer):
    """A token as every endpoint gets it (WebhookTokenSerializer), and its patient's name and phone for an endpoint
    trusted with personal data."""

    # Not required: the schema's webhooks declare this shape for every endpoint, the patient only for trusted ones.
    patient = WebhookPatientSerializer(required=False, help_text=PATIENT_FOR_TRUSTED_ENDPOINTS)


class WebhookAppointmentSerializer(serializers.Serializer):
    """A booking as hospital systems see it: neither its booking code nor its manage link (both let whoever
    holds them check in or cancel), no name or phone (see WebhookTrustedAppointmentSerializer)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    department = DepartmentSummarySerializer()
    slot_start = serializers.DateTimeField()
    arrival = serializers.CharField(allow_blank=True, help_text="early, on_time or late once checked in.")
    visit_id = serializers.IntegerField(source="queue_entry_id", allow_null=True)
    token = serializers.CharField(source="queue_entry.token", allow_null=True, default=None)
    checked_in_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    no_show_at = serializers.DateTimeField(allow_null=True)


class WebhookTrustedAppointmentSerializer(WebhookAppointmentSerializer):
    """A booking as every endpoint gets it (WebhookAppointmentSerializer), and its patient's name and phone for an
    endpoint trusted with personal data."""

    patient = WebhookPatientSerializer(required=False, help_text=PATIENT_FOR_TRUSTED_ENDPOINTS)


class WebhookWaitAlertSerializer(serializers.Serializer):
    """A department's long-wait alert, raised or cleared: no patient data, so one shape for every endpoint."""

    id = serializers.IntegerField()
    department = DepartmentSummarySerializer()
    threshold_minutes = serializers.IntegerField()
    peak_wait_minutes = serializers.IntegerField(help_text="The longest wait seen while the alert was open.")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True, help_text="Null while the alert is open.")


class WebhookNoDoctorLeftSerializer(serializers.Serializer):
    """A department none of whose doctors of the day is on duty nor expected back, with patients waiting
    (department.no_doctor_left_today), or the end of that: a doctor on duty or expected again the same day
    (department.doctor_back_today)."""

    department = DepartmentSummarySerializer()
    day = serializers.DateField()
    waiting = serializers.IntegerField(help_text="How many tokens were waiting when the event was sent.")


class WebhookPingSerializer(serializers.Serializer):
    """The test event staff send from the panel (webhook.ping): the endpoint it checks, and what it subscribes to."""

    endpoint_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    event_types = serializers.ListField(child=serializers.CharField())


class WebhookEventSerializer(serializers.Serializer):
    """Every webhook event's body: its data is in the shape its type declares (the serializers above)."""

    id = serializers.UUIDField(help_text="The event's id, sent as X-SmartQueue-Delivery: the same on every retry.")
    type = serializers.CharField(help_text="The event type, sent as X-SmartQueue-Event.")
    # In UTC whatever the hospital's zone, so a receiver ordering a visit's events by it is never misled by an offset.
    occurred_at = serializers.DateTimeField(default_timezone=UTC)
    data = serializers.DictField()
