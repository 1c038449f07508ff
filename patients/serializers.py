"""Every shape the patient side reads or answers: input validation, and the output that REST answers,
socket frames and the OpenAPI schema share (the selectors build their payloads with these)."""

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from smartqueue.days import DAY_FORMAT_ERROR, DAY_INPUT_FORMATS
from smartqueue.strict_types import StrictSerializer

from . import appointments, hooks, services
from .models import (
    FEEDBACK_RATINGS,
    PATIENT_AGE_MAX,
    Appointment,
    Department,
    Patient,
    PatientFeedback,
    Queue,
    check_text_shown_to_others,
)
from .phone import MAX_TYPED_PHONE_LENGTH, check_self_service_phone, normalise_phone
from .person_names import check_person_name
from .statements import active_department


def model_max_length(model, field_name):
    return model._meta.get_field(field_name).max_length


NAME_MAX_LENGTH = model_max_length(Patient, "name")
NOTES_MAX_LENGTH = model_max_length(Queue, "notes")
FEEDBACK_COMMENT_MAX_LENGTH = model_max_length(PatientFeedback, "comment")


class PhoneField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=MAX_TYPED_PHONE_LENGTH, **kwargs)

    def to_internal_value(self, data):
        return normalise_phone(super().to_internal_value(data))


class ActiveDepartmentField(serializers.PrimaryKeyRelatedField):
    """An active department's id, looked up in a statement compiled once (statements.active_department): every
    registration names one, and building the ORM's statement cost more than running it."""

    default_error_messages = {
        "does_not_exist": _("No active department has id {pk_value}."),
        "incorrect_type": _("Give the department's id number."),
    }

    def __init__(self, **kwargs):
        # The queryset is what the OpenAPI schema and the browsable API read; lookups go through the statement.
        super().__init__(queryset=Department.objects.active(), **kwargs)

    def to_internal_value(self, data):
        try:
            department_id = None if isinstance(data, bool) else Department._meta.pk.to_python(data)
        except ValidationError:
            department_id = None
        if department_id is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        department = active_department(department_id)
        if department is None:
            self.fail("does_not_exist", pk_value=data)
        return department


class SelfServicePhoneMixin:
    """A patient giving a phone by themselves gives one the hospital texts (check_self_service_phone); reception staff
    give any. Needs the request in the context."""

    def validate_phone(self, phone):
        if not hooks.is_reception_staff(self.context["request"].user):
            check_self_service_phone(phone)
        return phone


class RegistrationSerializer(SelfServicePhoneMixin, StrictSerializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, validators=[check_person_name])
    phone = PhoneField(
        help_text="Any common format; stored in E.164. Numbers without +country use the hospital's region."
    )
    age = serializers.IntegerField(min_value=0, max_value=PATIENT_AGE_MAX)
    gender = serializers.ChoiceField(choices=Patient.Gender.choices, default=Patient.Gender.UNDISCLOSED)
    department = ActiveDepartmentField(help_text="Id of an active department (see /patients/api/departments/).")
    notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        validators=[check_text_shown_to_others],
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text=(
            "The patient's messages and pages are in this language. Not given: a new patient's is the request's "
            "(Accept-Language); a known patient's stays as it is."
        ),
    )
    priority = serializers.ChoiceField(
        choices=Queue.Priority.choices,
        default=Queue.Priority.NORMAL,
        help_text="Only logged-in reception staff (doctors, admins) may ask for high or emergency.",
    )

    def validate_priority(self, priority):
        self_service = not hooks.is_reception_staff(self.context["request"].user)
        try:
            services.check_priority_allowed(priority=priority, self_service=self_service)
        except services.PriorityRefused as refusal:
            raise serializers.ValidationError(str(refusal)) from refusal
        return priority


class SlotQuerySerializer(StrictSerializer):
    department = ActiveDepartmentField(help_text="Id of an active department.")
    day = serializers.DateField(
        input_formats=DAY_INPUT_FORMATS,
        error_messages={"invalid": DAY_FORMAT_ERROR},
        help_text="The hospital-local day, YYYY-MM-DD, from today to the last day open to booking.",
    )

    def validate_day(self, day):
        days = appointments.booking_days()
        if day not in days:
            raise serializers.ValidationError(
                gettext("Choose a day from %(first)s to %(last)s.")
                % {"first": days[0].isoformat(), "last": days[-1].isoformat()}
            )
        return day


class SlotField(serializers.DateTimeField):
    """A slot's start. DRF checks a time given without an offset, made the hospital's, by converting it to UTC, which
    overflows at the calendar's end ("9999-12-31T23:59" behind UTC): a 500. It is out of range, as DRF says of a time
    past the end in the hospital's zone."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


class VisitActionSerializer(StrictSerializer):
    """The body of a patient's change to their own token by its link (running late, leaving the line): nothing to
    give, so an empty JSON object or no body; the link says which token, and the hospital how far back."""

    def to_internal_value(self, data):
        # A field sent here was meant to change something ({"confirm": false}): refused, not ignored while the token
        # is cancelled anyway.
        if isinstance(data, dict) and data:
            raise serializers.ValidationError(
                {name: [gettext("This request takes no fields: send an empty JSON object.")] for name in data}
            )
        return super().to_internal_value(data)


class BookingCancellationSerializer(VisitActionSerializer):
    """The body of a booking's cancellation by its manage link: nothing to give, as for a token's actions. A field
    sent ({"confirm": false}) was meant to change something: the booking was cancelled all the same."""


class SlotStartSerializer(StrictSerializer):
    slot = SlotField(help_text="The slot's start, as listed by the slots endpoint.")


class BookingSerializer(RegistrationSerializer):
    """A booking: the patient's details as a registration's, the department, and one of its free slots."""

    priority = None
    slot = SlotField(help_text="The slot's start, as listed by the slots endpoint.")


class BookingCodeSerializer(StrictSerializer):
    code = serializers.CharField(
        max_length=appointments.BOOKING_CODE_MAX_LENGTH,
        help_text="The booking code from the patient's message, or the scanned QR code's link.",
    )


class CheckPatientSerializer(SelfServicePhoneMixin, StrictSerializer):
    """Refuses what registering refuses before looking the number up: a stranger learns nothing registering would not
    tell them (a number from abroad the desk registered is some patient's)."""

    phone = PhoneField()


class FeedbackSerializer(StrictSerializer):
    patient_id = serializers.UUIDField(help_text="The patient's public id, from registration or the status link.")
    visit_id = serializers.IntegerField(
        min_value=1, required=False, help_text="Which visit; defaults to the patient's latest one."
    )
    rating = serializers.IntegerField(min_value=FEEDBACK_RATINGS[0], max_value=FEEDBACK_RATINGS[-1])
    comment = serializers.CharField(
        max_length=FEEDBACK_COMMENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        validators=[check_text_shown_to_others],
    )

    def validate_patient_id(self, public_id):
        patient = Patient.objects.filter(public_id=public_id).first()
        if patient is None:
            raise serializers.ValidationError(_("No patient has this id."))
        return patient


# Output shapes.


class DepartmentTranslationsField(serializers.DictField):
    """A department's name and room in the site's other languages, where admins gave them."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", 'By language, where given: {"es": {"name": "Cardiología", "room": "Sala 2"}}.')
        super().__init__(child=serializers.DictField(child=serializers.CharField()), **kwargs)


PLACE_TRANSLATIONS_HELP = (
    'The room in the site\'s other languages where admins translated it, e.g. {"es": "Consultorio 4"}; a reader in '
    "a language missing here shows it as written."
)


class PlaceTranslationsField(serializers.DictField):
    """Where a called patient goes, by language: shared frames carry every language, each reader shows its own."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), **kwargs)


class DepartmentSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="As written, in the site's language.")
    code = serializers.CharField()
    room = serializers.CharField()
    translations = DepartmentTranslationsField()


DOCTORS_EXPECTED_AT_HELP = (
    "While no doctor is on duty: when the first is expected, by the doctors' schedules (a shift's start, a break's"
    " end; the moment the queue was read for one who is late). Null while one is on duty, or when none is expected."
)
WAIT_LOW_HELP = "Low end of the likely wait (20th percentile, rounded down to 5 min); null when the range is narrow."
WAIT_HIGH_HELP = "High end of the likely wait (80th percentile, rounded up to 5 min); null when the range is narrow."
HOURS_END_AT_HELP = (
    "When the department's hours end today: the end of the last shift of its doctors on duty or expected while it is"
    " ahead, else midnight, when the day's line closes (a doctor without scheduled hours may work until then, and"
    " doctors on duty after their last shift are seeing the line out)."
)
MAYBE_NOT_TODAY_HELP = (
    "The likely wait (its 80th percentile) runs past hours_end_at: the patient may not be called today, and every"
    " page, board and text says so beside the wait."
)
NO_DOCTOR_LEFT_TODAY_HELP = (
    "No doctor is on duty nor expected for the rest of the day, though the department had doctors today (with a"
    " shift, or recorded absent): the waiting patients cannot be promised a wait and are asked to see the desk."
)


class DoctorsOnHandMixin(serializers.Serializer):
    """What a reader is told of the department's doctors (selectors.DOCTORS_FIELDS)."""

    doctors_on_duty = serializers.IntegerField(
        help_text="Doctors seeing patients in the department now; 0 means no wait can be promised yet."
    )
    doctors_expected_at = serializers.DateTimeField(allow_null=True, help_text=DOCTORS_EXPECTED_AT_HELP)
    no_doctor_left_today = serializers.BooleanField(help_text=NO_DOCTOR_LEFT_TODAY_HELP)
    hours_end_at = serializers.DateTimeField(allow_null=True, help_text=HOURS_END_AT_HELP)


class NewcomerWaitMixin(serializers.Serializer):
    """The wait of a patient registering now (selectors.NEWCOMER_WAIT_FIELDS), drawn as each waiting token's."""

    estimated_wait_minutes = serializers.IntegerField(help_text="Wait for a patient registering now.")
    estimated_wait_low_minutes = serializers.IntegerField(allow_null=True, help_text=WAIT_LOW_HELP)
    estimated_wait_high_minutes = serializers.IntegerField(allow_null=True, help_text=WAIT_HIGH_HELP)
    maybe_not_today = serializers.BooleanField(help_text=MAYBE_NOT_TODAY_HELP)


class DailyCapacitySerializer(serializers.Serializer):
    """How a department's daily capacity stands (models.DailyCapacity)."""

    limit = serializers.IntegerField(help_text="Tokens the department gives a day.")
    issued = serializers.IntegerField(
        help_text="Tokens given so far today and not cancelled (a cancelled token gives its place back), booked "
        "patients' check-ins and emergencies included."
    )


FULL_TODAY_HELP = (
    "The daily capacity is reached: no more walk-ins are registered today (estimated_wait_minutes is then no wait"
    " anyone can register for). A booked patient's check-in and an emergency at the desk are still taken."
)
CAPACITY_TODAY_HELP = "How the daily capacity stands today; null when the department has no daily limit."


class DailyCapacityMixin(serializers.Serializer):
    """Whether a newcomer can still be registered today (selectors.CAPACITY_FIELDS)."""

    full_today = serializers.BooleanField(help_text=FULL_TODAY_HELP)
    capacity_today = DailyCapacitySerializer(allow_null=True, help_text=CAPACITY_TODAY_HELP)


CLOSED_TODAY_HELP = (
    "Closed for today by the hospital (a closed day): patients cannot take a token there themselves, only the desk"
    " registers someone; estimated_wait_minutes is then no newcomer's, and those in line are asked to see the desk."
)


class DepartmentOverviewSerializer(
    NewcomerWaitMixin, DailyCapacityMixin, DoctorsOnHandMixin, DepartmentSummarySerializer
):
    """An active department, its line now and whether it still takes patients today."""

    closed_today = serializers.BooleanField(help_text=CLOSED_TODAY_HELP)
    description = serializers.CharField()
    queue_length = serializers.IntegerField(source="waiting_count", help_text="Tokens waiting now.")


class SnapshotDepartmentSerializer(DepartmentSummarySerializer):
    is_active = serializers.BooleanField()


class ServingTokenSerializer(serializers.Serializer):
    """A token a doctor has called or is seeing, as the public may see it: no patient details.

    Always shared (kept queues, department and staff frames, read by everyone whatever their language), so its
    words are in the site's language (LANGUAGE_CODE), not in that of whoever's request built it; a reader that
    shows them in another language titles doctor_name itself, as the display boards do in each of theirs."""

    token = serializers.CharField()
    priority = serializers.ChoiceField(choices=Queue.Priority.choices)
    status = serializers.ChoiceField(choices=Queue.Status.choices)
    called_at = serializers.DateTimeField(allow_null=True)
    doctor_id = serializers.IntegerField(allow_null=True)
    doctor = serializers.SerializerMethodField(help_text="The calling doctor's name, titled in the site's language.")
    doctor_name = serializers.CharField(
        source="doctor.display_name", allow_null=True, help_text="The calling doctor's name, without a title."
    )
    room = serializers.CharField(source="place.as_written", help_text="Where the patient goes, as written.")
    room_translations = PlaceTranslationsField(source="place.translations", help_text=PLACE_TRANSLATIONS_HELP)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_doctor(self, entry):
        if entry.doctor is None:
            return None
        with translation.override(settings.LANGUAGE_CODE):
            return str(entry.doctor)


class PlainValuesSerializer(serializers.Serializer):
    """A shape whose values are already plain JSON (text, numbers): read as they are, attribute by attribute.

    DRF's field-by-field conversion costs ten times more, and a line's snapshot holds a row per waiting
    token, rebuilt on every change of the line.
    """

    def to_representation(self, instance):
        return {name: getattr(instance, source) for name, source in self._sources}

    @functools.cached_property
    def _sources(self):
        # Walking self.fields (a mapping view) per row cost as much as the row itself.
        return tuple((name, field.source) for name, field in self.fields.items())




class WaitingTokenSerializer(PlainValuesSerializer):
    token = serializers.CharField()
    priority = serializers.ChoiceField(choices=Queue.Priority.choices)
    status = serializers.ChoiceField(choices=Queue.Status.choices)
    position = serializers.IntegerField(help_text="1 = next.")
    estimated_wait_minutes = serializers.IntegerField()
    estimated_wait_low_minutes = serializers.IntegerField(allow_null=True, help_text=WAIT_LOW_HELP)
    estimated_wait_high_minutes = serializers.IntegerField(allow_null=True, help_text=WAIT_HIGH_HELP)
    maybe_not_today = serializers.BooleanField(help_text=MAYBE_NOT_TODAY_HELP)
    with_a_doctor_elsewhere = serializers.BooleanField(
        help_text="Its patient is with a doctor of another department just now (called there or in consultation): "
        "passed over by Call next until free, keeping this place; the boards say so beside the token."
    )


class QueueSnapshotSerializer(NewcomerWaitMixin, DailyCapacityMixin, DoctorsOnHandMixin, serializers.Serializer):
    """A department's line today, as the public boards show it: no names or phones."""

    department = SnapshotDepartmentSerializer()
    date = serializers.DateField()
    closed_today = serializers.BooleanField(help_text=CLOSED_TODAY_HELP)
    now_serving = ServingTokenSerializer(many=True)
    waiting = WaitingTokenSerializer(many=True, help_text="In the order they will be called.")
    queue_length = serializers.IntegerField()
    minutes_per_consultation = serializers.FloatField()


class PatientSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    age = serializers.IntegerField()


class StaffEntrySerializer(ServingTokenSerializer):
    """A token as the department's doctors see it: the public view plus who the patient is."""

    patient = PatientSummarySerializer()
    notes = serializers.CharField()


def patients_ahead(position):
    return position - 1 if position else None


def _allowed(check, entry):
    """Whether the service's check lets the token, as it is now, through."""
    try:
        check(entry)
    except services.QueueError:
        return False
    return True


class VisitStatusSerializer(serializers.Serializer):
    """One visit as its patient follows it (selectors.VisitView): the status page, its socket and SMS link.

    Nothing in it leads past this token: whoever holds its link (a ticket left in the lobby, a shared message)
    must not reach the patient's other or later visits, so the patient's own id is not in it."""

    visit_id = serializers.IntegerField(source="entry.pk")
    status_path = serializers.SerializerMethodField(help_text="This token's own status page; it never shows another visit.")
    token = serializers.CharField(source="entry.token")
    date = serializers.DateField(source="entry.token_date")
    department = DepartmentSummarySerializer(source="entry.department")
    priority = serializers.ChoiceField(source="entry.priority", choices=Queue.Priority.choices)
    status = serializers.ChoiceField(source="entry.status", choices=Queue.Status.choices)
    status_display = serializers.SerializerMethodField()
    expired = serializers.BooleanField(
        source="entry.expired",
        help_text="Still open after its day (date) ended: no longer in line and never called; no place nor wait.",
    )
    position = serializers.IntegerField(allow_null=True, help_text="1 = next; null once no longer waiting.")
    patients_ahead = serializers.SerializerMethodField()
    estimated_wait_minutes = serializers.SerializerMethodField()
    estimated_wait_low_minutes = serializers.SerializerMethodField(help_text=WAIT_LOW_HELP)
    estimated_wait_high_minutes = serializers.SerializerMethodField(help_text=WAIT_HIGH_HELP)
    maybe_not_today = serializers.SerializerMethodField(help_text=MAYBE_NOT_TODAY_HELP)
    your_turn = serializers.SerializerMethodField(help_text="Called: go to the room now.")
    doctor = serializers.SerializerMethodField(help_text="The doctor who called the patient, while being served.")
    go_to = serializers.SerializerMethodField(help_text="Room to go to once called, as written.")
    go_to_translations = serializers.SerializerMethodField(help_text=PLACE_TRANSLATIONS_HELP)
    now_serving = serializers.ListField(child=serializers.CharField())
    doctors_on_duty = serializers.IntegerField(
        source="doctors.doctors_on_duty",
        help_text="Doctors seeing patients in the department now; 0 means no wait can be promised yet.",
    )
    doctors_expected_at = serializers.DateTimeField(
        source="doctors.doctors_expected_at", allow_null=True, help_text=DOCTORS_EXPECTED_AT_HELP
    )
    no_doctor_left_today = serializers.BooleanField(
        source="doctors.no_doctor_left_today", help_text=NO_DOCTOR_LEFT_TODAY_HELP
    )
    hours_end_at = serializers.DateTimeField(
        source="doctors.hours_end_at", allow_null=True, help_text=HOURS_END_AT_HELP
    )
    closed_today = serializers.BooleanField(
        help_text="The department is closed for today (a closed day): the patient is asked to see the reception desk "
        "rather than shown a wait."
    )
    feedback_given = serializers.SerializerMethodField()
    can_give_feedback = serializers.SerializerMethodField()
    can_move_back = serializers.SerializerMethodField(
        help_text="The token may still be moved back, once, as running late (POST late/; the text LATE)."
    )
    can_leave = serializers.SerializerMethodField(help_text="The patient may still leave the line (POST cancel/).")
    transferred_to = serializers.SerializerMethodField(
        help_text="Status page of the token this visit was transferred or referred to, if it was."
    )
    appointment_time = serializers.DateTimeField(
        allow_null=True,
        read_only=True,
        help_text="While waiting, a booked patient's slot when it is their place in line (checked in on time or early, "
        "at normal priority, not moved back): patients who arrived before it go first, though they came later. Null "
        "for a walk-in, a booked patient checked in late, an urgent token or one moved back.",
    )

    @staticmethod
    def place_fields(place):
        """The fields that follow from a waiting visit's place in line (its row of a queue snapshot)."""
        return {
            "position": place["position"],
            "patients_ahead": patients_ahead(place["position"]),
            "estimated_wait_minutes": place["estimated_wait_minutes"],
            "estimated_wait_low_minutes": place["estimated_wait_low_minutes"],
            "estimated_wait_high_minutes": place["estimated_wait_high_minutes"],
            "maybe_not_today": place.get("maybe_not_today", False),
        }

    # Methods rather than sources naming model methods: DRF inspects a callable source's signature on every call.
    def get_status_path(self, visit) -> str:
        return visit.entry.get_absolute_url()

    def get_status_display(self, visit) -> str:
        # An expired token is still "waiting" (or "called") in the database, but it will never be called.
        return gettext("No longer in line") if visit.entry.expired else visit.entry.get_status_display()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_patients_ahead(self, visit):
        return patients_ahead(visit.position)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_estimated_wait_minutes(self, visit):
        return visit.estimated_wait_minutes if visit.position else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_estimated_wait_low_minutes(self, visit):
        return visit.estimated_wait_low_minutes if visit.position else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_estimated_wait_high_minutes(self, visit):
        return visit.estimated_wait_high_minutes if visit.position else None

    def get_maybe_not_today(self, visit) -> bool:
        return bool(visit.position and visit.maybe_not_today)

    def get_your_turn(self, visit) -> bool:
        return visit.entry.status == Queue.Status.CALLED and not visit.entry.expired

    @staticmethod
    def _serving_doctor(visit):
        entry = visit.entry
        serving = entry.status in Queue.SERVING_STATUSES and not entry.expired
        return entry.doctor if serving else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_doctor(self, visit):
        doctor = self._serving_doctor(visit)
        return str(doctor) if doctor else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_go_to(self, visit):
        return visit.entry.place.as_written if self._serving_doctor(visit) else None

    @extend_schema_field(PlaceTranslationsField())
    def get_go_to_translations(self, visit):
        return visit.entry.place.translations if self._serving_doctor(visit) else {}

    def get_feedback_given(self, visit) -> bool:
        return visit.entry.feedback_given

    def get_can_give_feedback(self, visit) -> bool:
        return visit.entry.status == Queue.Status.COMPLETED and not visit.entry.feedback_given

    # The services' own checks: the page offers an action exactly when the service would take it.
    def get_can_move_back(self, visit) -> bool:
        return _allowed(services.check_postponable, visit.entry)

    def get_can_leave(self, visit) -> bool:
        return _allowed(services.check_leavable, visit.entry)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_transferred_to(self, visit):
        successor = visit.entry.successor
        return successor.get_absolute_url() if successor else None


class VisitLinkSerializer(VisitStatusSerializer):
    """One visit's status (VisitStatus) with its absolute status link."""

    status_url = serializers.URLField(help_text="The absolute status link of this token.")


class PatientVisitsSerializer(serializers.Serializer):
    patient_id = serializers.UUIDField()
    visits = VisitLinkSerializer(many=True, help_text="Open visits, each with its own link; else the latest visit.")


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    free = serializers.IntegerField(help_text="Seats still free; 0 when the slot is fully booked.")


class AppointmentSerializer(serializers.Serializer):
    """A booking as its patient (the holder of its manage link) sees it."""

    id = serializers.UUIDField(source="public_id", help_text="The manage link's id.")
    booking_code = serializers.CharField(help_text="Typed at the kiosk or read out at the desk to check in.")
    department = DepartmentSummarySerializer()
    slot_start = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Appointment.Status.choices)
    arrival = serializers.CharField(help_text="early, on_time or late once checked in; empty before.")
    manage_path = serializers.CharField(source="get_absolute_url")
    status_path = serializers.SerializerMethodField(
        help_text="The status page of the token its check-in issued, else null (also when the patient already held one)."
    )

    def get_status_path(self, appointment) -> str | None:
        entry = appointment.followed_token
        return entry.get_absolute_url() if entry else None


class RegistrationResultSerializer(VisitLinkSerializer):
    """The token a registration issued or found (VisitLink), the patient's id and what the desk is told."""

    patient_id = serializers.UUIDField(help_text="The patient's public id: GET /patients/api/patient/{id}/status/.")
    created = serializers.BooleanField(help_text="False when the patient already held an open token here today.")
    appointment = AppointmentSerializer(
        allow_null=True,
        help_text="The patient's booking here today that this registration checked in (its token takes the "
        "booking's place in line), else null.",
    )
    detail = serializers.CharField(
        allow_null=True,
        help_text="What the desk is told when no new token was issued or a booking was checked in (which booking, "
        "the token kept or recalled to its place), else null.",
    )


class RegistrationSentSerializer(serializers.Serializer):
    detail = serializers.CharField()
    phone = serializers.CharField(help_text="The number the token was sent to, masked to its last four digits.")
    sent_by = serializers.ChoiceField(choices=["sms"], help_text="How the token and status link were sent.")


class CheckPatientResultSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The number in E.164.")
    exists = serializers.BooleanField(help_text="Whether this number has registered before.")


class FeedbackResultSerializer(serializers.Serializer):
    visit_id = serializers.IntegerField(source="queue_entry_id")
    token = serializers.CharField(source="queue_entry.token")
    rating = serializers.IntegerField()
    comment = serializers.CharField()


# Socket frames: every server-to-client message is one envelope; docs/realtime.md describes each type.

FRAME_VERSION = 1


class FrameSerializer(serializers.Serializer):
    type = serializers.CharField()
    version = serializers.IntegerField()
    department = serializers.IntegerField(allow_null=True)
    seq = serializers.IntegerField(allow_null=True, help_text="The department's change number; null when unnumbered.")
    payload = serializers.DictField()


def frame(*, frame_type, department_id, seq, payload):
    """The envelope of every server-to-client message (FrameSerializer's shape)."""
    return {"type": frame_type, "version": FRAME_VERSION, "department": department_id, "seq": seq, "payload": payload}


class QueueFramePayloadSerializer(serializers.Serializer):
    """queue.changed / department.changed on the public and staff groups."""

    event = serializers.CharField()
    queue = QueueSnapshotSerializer()
    entry = ServingTokenSerializer(required=False, help_text="The changed token (queue.changed only).")
    detail = serializers.DictField(required=False, help_text="department.changed: what changed (no patient data).")


class StaffFramePayloadSerializer(QueueFramePayloadSerializer):
    entry = StaffEntrySerializer(required=False)


class PatientFramePayloadSerializer(serializers.Serializer):
    event = serializers.CharField()
    visit = VisitStatusSerializer()
    detail = serializers.DictField(required=False)


class BroadcastSerializer(serializers.Serializer):
    """An admin's broadcast as department.changed frames carry it (their detail): no patient data, it goes to public
    sockets too. Each reader shows the text of their language, else the message."""

    message = serializers.CharField(help_text="In the site's language (LANGUAGE_CODE).")
    translations = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="The texts the admin gave in the site's other languages, by language code (es, hi, ...); left out "
        "when none was given.",
    )
    shown_until = serializers.DateTimeField(
        required=False, help_text="When the screens stop showing it (set as it is published: 30 minutes on)."
    )


LATEST_BROADCAST_HELP = "The department's broadcast while its screens show it (a page opened after it), else null."


class QueueSnapshotPayloadSerializer(serializers.Serializer):
    queue = QueueSnapshotSerializer(allow_null=True)
    broadcast = BroadcastSerializer(allow_null=True, required=False, help_text=LATEST_BROADCAST_HELP)


class PatientSnapshotPayloadSerializer(serializers.Serializer):
    visit = VisitStatusSerializer(allow_null=True)
    sequences = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    broadcast = BroadcastSerializer(allow_null=True, required=False, help_text=LATEST_BROADCAST_HELP)


class ErrorPayloadSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)


class WaitAlertSerializer(serializers.Serializer):
    """A department's long-wait alert, as staff screens show it (no patient data: it goes to public sockets too)."""

    id = serializers.IntegerField()
    department_id = serializers.IntegerField()
    threshold_minutes = serializers.IntegerField()
    peak_wait_minutes = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
