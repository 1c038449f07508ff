"""The patient REST API: thin views over patients.services (writes) and patients.selectors (reads)."""

from django.http import Http404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from smartqueue.parsers import JSONBodyParser
from smartqueue.phone_masks import mask_phone
from smartqueue.requests import client_ip
from smartqueue.throttles import BOOK_SCOPE, ClientAddressThrottle, seconds_to_wait

from . import appointments, hooks, published, services
from .models import Patient, Queue
from .selectors import (
    appointment_by_link,
    current_visit,
    current_visit_status,
    department_overview,
    latest_queue_snapshot,
    patient_visits,
    visit_by_link,
)
from .serializers import (
    AppointmentSerializer,
    BookingCancellationSerializer,
    BookingCodeSerializer,
    BookingSerializer,
    CheckPatientResultSerializer,
    CheckPatientSerializer,
    DepartmentOverviewSerializer,
    FeedbackResultSerializer,
    FeedbackSerializer,
    PatientVisitsSerializer,
    QueueSnapshotSerializer,
    RegistrationResultSerializer,
    RegistrationSentSerializer,
    RegistrationSerializer,
    SlotQuerySerializer,
    SlotSerializer,
    SlotStartSerializer,
    VisitActionSerializer,
    VisitLinkSerializer,
    VisitStatusSerializer,
)
from .views import BOOKING_SENT_TO_PHONE_MESSAGE, REGISTRATION_SENT_TO_PHONE_MESSAGE, SENT_TO_PHONE_MESSAGE

TAGS = ["Patients"]

EXAMPLE_PATIENT_ID = "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a"
EXAMPLE_VISIT = {
    "visit_id": 42,
    "status_path": "/patients/status/9a7e55c2-61f4-4b0e-a3c1-0d2b8f6e4a11/",
    "token": "CARD-007",
    "date": "2026-11-25",
    "department": {
        "id": 1,
        "name": "Cardiology",
        "code": "CARD",
        "room": "Block A, 2nd floor",
        "translations": {"es": {"name": "Cardiología", "room": "Bloque A, 2.º piso"}},
    },
    "priority": "normal",
    "status": "waiting",
    "status_display": "Waiting",
    "expired": False,
    "position": 3,
    "patients_ahead": 2,
    "estimated_wait_minutes": 30,
    "estimated_wait_low_minutes": 20,
    "estimated_wait_high_minutes": 40,
    "maybe_not_today": False,
    "your_turn": False,
    "doctor": None,
    "go_to": None,
    "go_to_translations": {},
    "now_serving": ["CARD-004"],
    "doctors_on_duty": 2,
    "doctors_expected_at": None,
    "no_doctor_left_today": False,
    "hours_end_at": "2026-11-25T17:00:00+05:30",
    "closed_today": False,
    "feedback_given": False,
    "can_give_feedback": False,
    "can_move_back": True,
    "can_leave": True,
    "transferred_to": None,
    "appointment_time": None,
}
EXAMPLE_STATUS_URL = f"https://hospital.example{EXAMPLE_VISIT['status_path']}"


def refused(refusal, *, field=None):
    """The core's refusal (services.QueueError) as the patient API's answer, in one place for every endpoint.

    The input at fault is the one the refusal names (its ``field``, as BookingError's), else the endpoint's own
    (``field``), answered as DRF's validation errors are ({field: [message]}); {"detail": message} when neither names
    one (a refusal whose ``field`` is None, as RegistrationClosed's: nothing the client sent is at fault). 409 for a
    slot someone else took, else 400."""
    name = getattr(refusal, "field", field)
    body = {"detail": str(refusal)} if name is None else {name: [str(refusal)]}
    conflict = isinstance(refusal, appointments.SlotTaken)
    return Response(body, status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST)


def with_link(request, visit):
    """A visit status with its absolute status link, as REST clients get it (VisitLinkSerializer)."""
    return {**visit, "status_url": request.build_absolute_uri(visit["status_path"])}


# Every 4xx of this API has one of two bodies: {"detail": message} when no one field is at fault (throttled, not
# found, unreadable body), else DRF's validation errors, {field: [messages]}, whatever the status (400 or 409).
ERROR_BODY = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
            "additionalProperties": False,
        },
        {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    ]
}


def rejected(description, example_body, name="Invalid input"):
    return OpenApiResponse(ERROR_BODY, description=description, examples=[OpenApiExample(name, value=example_body)])


THROTTLED = rejected(
    "Too many requests from this address; retry after the Retry-After header's seconds.",
    {"detail": "Request was throttled. Expected available in 60 seconds."},
    name="Throttled",
)
NO_SUCH_DEPARTMENT = rejected(
    "No department has this id.", {"detail": "No department has this id."}, name="Unknown department"
)
NO_SUCH_PATIENT = OpenApiResponse(
    ERROR_BODY,
    description="No patient has this id, or the patient has no visit yet.",
    examples=[
        OpenApiExample("Unknown patient", value={"detail": "No patient has this id."}),
        OpenApiExample("No visit yet", value={"detail": "This patient has no token yet."}),
    ],
)
NO_SUCH_VISIT = rejected("No visit has this link.", {"detail": "No visit has this link."}, name="Unknown link")
NO_SUCH_APPOINTMENT = rejected(
    "No appointment has this link.", {"detail": "No appointment has this link."}, name="Unknown link"
)
# What every PatientSubmissionAPI may answer besides its own outcomes: 415 from its parser (JSON only), 413 from
# Django for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, 403 from session authentication's CSRF check of a signed-in
# caller (reception staff).
SUBMISSION_REFUSALS = {
    403: rejected(
        "Sent from a signed-in session without its CSRF token in the X-CSRFToken header.",
        {"detail": "CSRF Failed: CSRF token missing."},
        name="CSRF token missing",
    ),
    413: rejected(
        "The body is larger than the server reads (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default).",
        {"detail": "What was sent is larger than the 2.5\u00a0MB this site accepts. Send less and try again."},
        name="Too large",
    ),
    415: rejected(
        "The body is not JSON: send it as application/json.",
        {"detail": 'Unsupported media type "text/plain" in request.'},
        name="Not JSON",
    ),
}

# The public reads a display or an integrator polls carry an ETag (django.middleware.http.ConditionalGetMiddleware):
# asked again with it in If-None-Match, an unchanged answer is a 304 with no body.
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag of an earlier answer: 304 with no body while the answer is unchanged.",
)
NOT_MODIFIED = OpenApiResponse(description="Unchanged since the answer whose ETag If-None-Match names; no body.")


# Never stored: the answers carry a private link (a registration's status link, a booking's manage link) or are
# reached by one (running late, leaving the line, a booking's move and cancel), as the pages and answers above are.
@method_decorator(never_cache, name="dispatch")
class PatientSubmissionAPI(APIView):
    """A rate-limited endpoint patients' phones post JSON to."""

    throttle_classes = [ClientAddressThrottle]
    parser_classes = [JSONBodyParser]


class RegisterAPI(PatientSubmissionAPI):
    throttle_scope = "register"

    @extend_schema(
        tags=TAGS,
        summary="Register a patient and issue a token",
        description=(
            "Matches a returning patient by phone (normalised to E.164) and issues today's next token in the "
            "department, or finds the open token the patient already holds there today.\n\n"
            "A new phone gets its token, place and status link in the answer (201). Because anyone can type "
            "anyone's number, a known phone registering itself gets 202 instead: the token is issued (or the open "
            "one kept) and sent with the status link to the phone on file; the answer shows only the number's "
            "last four digits, and the stored name, age and gender are not changed. Logged-in reception staff "
            "always get the token (201, or 200 for the open one) and may correct the patient's details.\n\n"
            "A patient booked in the department today whose check-in is open is checked in for that booking when "
            "staff register them (as `POST /patients/api/appointments/check-in/` would): the token takes the "
            "booking's place in line, and staff get the booking in `appointment` and `detail` says so. Such a phone "
            "registering itself gets a known phone's 202, with no token and nothing checked in: the booking (its "
            "time, code and link) is sent again to the phone on file, checked in by its code only."
        ),
        request=RegistrationSerializer,
        responses={
            201: RegistrationResultSerializer,
            200: RegistrationResultSerializer,
            202: OpenApiResponse(
                RegistrationSentSerializer,
                description=(
                    "A known phone registered itself: its token and status link (or, booked here with check-in "
                    "open, its booking) were sent to that phone."
                ),
                examples=[
                    OpenApiExample(
                        "Token (or booking) sent to the phone on file",
                        value={
                            "detail": REGISTRATION_SENT_TO_PHONE_MESSAGE,
                            "phone": mask_phone("+14155550123"),
                            "sent_by": "sms",
                        },
                    )
                ],
            ),
            400: rejected(
                "A field is missing or invalid, or the department cannot take patients; each error names its field.",
                {"phone": ["Enter a valid phone number, with the country code if it is not a local number."]},
            ),
            429: THROTTLED,
            **SUBMISSION_REFUSALS,
        },
        examples=[
            OpenApiExample(
                "New patient",
                request_only=True,
                value={
                    "name": "Asha Patel",
                    "phone": "+1 415 555 0123",
                    "age": 34,
                    "gender": "female",
                    "department": 1,
                    "notes": "Chest pain on climbing stairs",
                },
            ),
            OpenApiExample(
                "Token issued",
                response_only=True,
                status_codes=["201"],
                value={
                    **EXAMPLE_VISIT,
                    "patient_id": EXAMPLE_PATIENT_ID,
                    "created": True,
                    "status_url": EXAMPLE_STATUS_URL,
                    "appointment": None,
                    "detail": None,
                },
            ),
        ],
    )
    def post(self, request):
        registration_form = RegistrationSerializer(data=request.data, context={"request": request})
        registration_form.is_valid(raise_exception=True)
        try:
            with published.statuses_published() as statuses:
                registration = appointments.register_or_check_in(
                    **registration_form.validated_data,
                    new_patient_language=request.LANGUAGE_CODE,
                    actor=request.user,
                    ip_address=client_ip(request),
                    self_service=not hooks.is_reception_staff(request.user),
                )
        except services.QueueError as refusal:
            return refused(refusal, field="department")
        if registration.sent_to_phone:
            sent = {
                "detail": REGISTRATION_SENT_TO_PHONE_MESSAGE,
                "phone": mask_phone(registration_form.validated_data["phone"]),
                "sent_by": "sms",
            }
            return Response(RegistrationSentSerializer(sent).data, status=status.HTTP_202_ACCEPTED)
        entry, booked = registration.entry, registration.appointment
        visit = statuses.get(entry.pk) or current_visit_status(entry=entry)
        body = {
            **with_link(request, visit),
            "patient_id": str(entry.patient.public_id),
            "created": registration.token_created,
            "appointment": AppointmentSerializer(booked).data if booked else None,
            "detail": appointments.registration_in_words(registration),
        }
        return Response(body, status=status.HTTP_201_CREATED if registration.token_created else status.HTTP_200_OK)


class DepartmentsAPI(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Active departments with their queue length and expected wait",
        parameters=[IF_NONE_MATCH],
        responses={200: DepartmentOverviewSerializer(many=True), 304: NOT_MODIFIED},
        examples=[
            OpenApiExample(
                "Departments",
                response_only=True,
                # One department: drf-spectacular shows a list's example as the list of it.
                value={
                    "id": 1,
                    "name": "Cardiology",
                    "code": "CARD",
                    "room": "Block A, 2nd floor",
                    "translations": EXAMPLE_VISIT["department"]["translations"],
                    "description": "Heart and blood vessels",
                    "queue_length": 6,
                    "doctors_on_duty": 2,
                    "doctors_expected_at": None,
                    "no_doctor_left_today": False,
                    "hours_end_at": "2026-11-25T17:00:00+05:30",
                    "estimated_wait_minutes": 40,
                    "estimated_wait_low_minutes": 30,
                    "estimated_wait_high_minutes": 55,
                    "maybe_not_today": False,
                    "full_today": False,
                    "capacity_today": {"limit": 60, "issued": 41},
                    "closed_today": False,
                },
            )
        ],
    )
    def get(self, request):
        return Response(DepartmentOverviewSerializer(department_overview(), many=True).data)


class QueueStatusAPI(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A department's queue: tokens, priorities and states (no names or phones)",
        parameters=[IF_NONE_MATCH],
        responses={200: QueueSnapshotSerializer, 304: NOT_MODIFIED, 404: NO_SUCH_DEPARTMENT},
        examples=[
            OpenApiExample(
                "Queue",
                response_only=True,
                value={
                    "department": {**EXAMPLE_VISIT["department"], "is_active": True},
                    "date": "2026-11-25",
                    "now_serving": [
                        {"token": "CARD-004", "status": "in_consultation", "priority": "normal",
                         "called_at": "2026-11-25T09:41:00+05:30", "doctor_id": 3, "doctor": "Dr. Meera Shah",
                         "doctor_name": "Meera Shah", "room": "Room 4", "room_translations": {"es": "Consultorio 4"}}
                    ],
                    "waiting": [
                        {"token": "CARD-009", "priority": "emergency", "status": "waiting", "position": 1,
                         "estimated_wait_minutes": 10, "estimated_wait_low_minutes": None,
                         "estimated_wait_high_minutes": None, "maybe_not_today": False,
                         "with_a_doctor_elsewhere": False},
                        {"token": "CARD-005", "priority": "normal", "status": "waiting", "position": 2,
                         "estimated_wait_minutes": 20, "estimated_wait_low_minutes": 10,
                         "estimated_wait_high_minutes": 30, "maybe_not_today": False,
                         "with_a_doctor_elsewhere": False},
                    ],
                    "queue_length": 2,
                    "doctors_on_duty": 1,
                    "doctors_expected_at": None,
                    "no_doctor_left_today": False,
                    "hours_end_at": "2026-11-25T17:00:00+05:30",
                    "minutes_per_consultation": 9.5,
                    "estimated_wait_minutes": 30,
                    "estimated_wait_low_minutes": 20,
                    "estimated_wait_high_minutes": 40,
                    "maybe_not_today": False,
                    "full_today": True,
                    "capacity_today": {"limit": 9, "issued": 9},
                    "closed_today": False,
                },
            )
        ],
    )
    def get(self, request, dept_id):
        snapshot = latest_queue_snapshot(department_id=dept_id)
        if snapshot is None:
            raise Http404(gettext("No department has this id."))
        return Response(snapshot)


@method_decorator(never_cache, name="dispatch")
class PatientStatusAPI(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A patient's open visits, each with its own status link",
        description=(
            "Only this patient's own visits; the id is the patient's public id. Each open visit (a token in a "
            "department's line) is listed with its own link; when none is open, the latest visit alone."
        ),
        responses={200: PatientVisitsSerializer, 404: NO_SUCH_PATIENT},
        examples=[
            OpenApiExample(
                "Waiting",
                response_only=True,
                value={
                    "patient_id": EXAMPLE_PATIENT_ID,
                    "visits": [{**EXAMPLE_VISIT, "status_url": EXAMPLE_STATUS_URL}],
                },
            )
        ],
    )
    def get(self, request, patient_id):
        visits = patient_visits(patient_public_id=patient_id)
        if not visits:
            if not Patient.objects.filter(public_id=patient_id).exists():
                raise Http404(gettext("No patient has this id."))
            return Response({"detail": gettext("This patient has no token yet.")}, status=status.HTTP_404_NOT_FOUND)
        return Response(
            {
                "patient_id": str(patient_id),
                "visits": [with_link(request, current_visit_status(entry=entry)) for entry in visits],
            }
        )


def _visit_or_404(public_id):
    entry = visit_by_link(public_id)
    if entry is None:
        raise Http404(gettext("No visit has this link."))
    return entry


@method_decorator(never_cache, name="dispatch")
class VisitStatusAPI(APIView):
    @extend_schema(
        tags=TAGS,
        summary="One token's status: position, wait, now serving (what its status page shows)",
        description="The id is the token's own public id, from its status link.",
        responses={200: VisitStatusSerializer, 404: NO_SUCH_VISIT},
        examples=[OpenApiExample("Waiting", response_only=True, value=EXAMPLE_VISIT)],
    )
    def get(self, request, public_id):
        return Response(current_visit_status(entry=_visit_or_404(public_id)))


class VisitActionAPI(PatientSubmissionAPI):
    """A patient's change to their own waiting token by its link (the access key, as a booking's manage link is):
    the status page's "I'm running late" and "Leave the line". A refusal names public_id, the token it is about."""

    # Counted with the status page's forms, which post under this scope.
    throttle_scope = "feedback"

    def act(self, entry, ip_address):
        raise NotImplementedError

    def post(self, request, public_id):
        entry = _visit_or_404(public_id)
        VisitActionSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            with published.statuses_published() as statuses:
                entry = self.act(entry, client_ip(request))
        except services.QueueError as refusal:
            return refused(refusal, field="public_id")
        return Response(statuses.get(entry.pk) or current_visit_status(entry=entry))


def visit_action_schema(summary, description, refusal):
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=description,
        request=VisitActionSerializer,
        responses={
            200: VisitStatusSerializer,
            400: rejected(
                "The token, as it is now, does not allow it (said in words, under public_id), or the body was not an "
                "empty JSON object (under each field sent).",
                {"public_id": [refusal]},
            ),
            404: NO_SUCH_VISIT,
            429: THROTTLED,
            **SUBMISSION_REFUSALS,
        },
        examples=[OpenApiExample("Nothing to give", request_only=True, value={})],
    )


class RunningLateAPI(VisitActionAPI):
    @visit_action_schema(
        "Running late: move the waiting token back a few places, once per visit",
        "As the text LATE: back by the hospital's late_moves_back_places among its priority (fewer when fewer are "
        "behind). Answers the visit's status after the move; can_move_back says beforehand whether it is allowed.",
        "Token CARD-007 has already been moved back once today.",
    )
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, entry, ip_address):
        return services.postpone_running_late(entry=entry, ip_address=ip_address)


class LeaveLineAPI(VisitActionAPI):
    @visit_action_schema(
        "Leave the line: cancel the waiting token",
        "As the text CANCEL, for a token still waiting on its own day; the caller confirms with its patient first. "
        "Answers the visit's status, now cancelled; can_leave says beforehand whether it is allowed.",
        "Token CARD-007 cannot be cancelled. It is in consultation now.",
    )
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, entry, ip_address):
        return services.leave_line(entry=entry, ip_address=ip_address)


class CheckPatientAPI(PatientSubmissionAPI):
    throttle_scope = "check_patient"

    @extend_schema(
        tags=TAGS,
        summary="Whether a phone number belongs to a registered patient",
        description=(
            "Says only whether the number is known, which registering with it shows anyway; never who it is, "
            "nor whether or where that patient has a token today. A number registering refuses (another region, "
            "premium-rate) is refused here too, naming phone, unless reception staff ask."
        ),
        request=CheckPatientSerializer,
        responses={
            200: CheckPatientResultSerializer,
            400: rejected("The phone number is missing or invalid.", {"phone": ["Enter a phone number."]}),
            429: THROTTLED,
            **SUBMISSION_REFUSALS,
        },
        examples=[
            OpenApiExample("Check", request_only=True, value={"phone": "(415) 555-0123"}),
            OpenApiExample("Known patient", response_only=True, value={"phone": "+14155550123", "exists": True}),
        ],
    )
    def post(self, request):
        check = CheckPatientSerializer(data=request.data, context={"request": request})
        check.is_valid(raise_exception=True)
        phone = check.validated_data["phone"]
        known = Patient.objects.filter(phone=phone).exists()
        return Response(CheckPatientResultSerializer({"phone": phone, "exists": known}).data)


class FeedbackAPI(PatientSubmissionAPI):
    throttle_scope = "feedback"

    @extend_schema(
        tags=TAGS,
        summary="Rate a completed visit (once per visit)",
        request=FeedbackSerializer,
        responses={
            201: FeedbackResultSerializer,
            400: rejected(
                "Invalid field, unknown patient or visit, visit not completed yet, or feedback already given.",
                {"visit_id": ["Feedback for token CARD-007 has already been given. Thank you!"]},
            ),
            429: THROTTLED,
            **SUBMISSION_REFUSALS,
        },
        examples=[
            OpenApiExample(
                "Feedback",
                request_only=True,
                value={"patient_id": EXAMPLE_PATIENT_ID, "rating": 5, "comment": "Quick and kind."},
            ),
            OpenApiExample(
                "Recorded",
                response_only=True,
                status_codes=["201"],
                value={"visit_id": 42, "token": "CARD-007", "rating": 5, "comment": "Quick and kind."},
            ),
        ],
    )
    def post(self, request):
        feedback_form = FeedbackSerializer(data=request.data)
        feedback_form.is_valid(raise_exception=True)
        details = feedback_form.validated_data
        patient = details["patient_id"]
        if "visit_id" in details:
            entry = Queue.objects.filter(pk=details["visit_id"], patient=patient, listed_under_patient=True).first()
        else:
            entry = current_visit(patient=patient)
        if entry is None:
            return Response(
                {"visit_id": [gettext("This patient has no such visit.")]}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            feedback = services.submit_feedback(
                entry=entry,
                rating=details["rating"],
                comment=details["comment"],
                ip_address=client_ip(request),
            )
        except services.QueueError as refusal:
            return refused(refusal, field="visit_id")
        return Response(FeedbackResultSerializer(feedback).data, status=status.HTTP_201_CREATED)


# Appointments.

APPOINTMENT_TAGS = ["Appointments"]
EXAMPLE_APPOINTMENT = {
    "id": "5b0f7f5e-7c55-4b0b-9d7a-6b1e0d7b9a11",
    "booking_code": "K7MQ2XPA",
    "department": EXAMPLE_VISIT["department"],
    "slot_start": "2026-11-26T10:30:00+05:30",
    "status": "booked",
    "arrival": "",
    "manage_path": "/patients/appointments/5b0f7f5e-7c55-4b0b-9d7a-6b1e0d7b9a11/",
    "status_path": None,
}
SLOT_TAKEN = rejected(
    "Every seat of the slot was booked by others (perhaps a moment ago): choose another time.",
    {"slot": ["This slot has just been booked by someone else; please choose another time."]},
    name="Slot taken",
)


def _appointment_or_404(public_id):
    booking = appointment_by_link(public_id)
    if booking is None:
        raise Http404(gettext("No appointment has this link."))
    return booking


class SlotsAPI(APIView):
    @extend_schema(
        tags=APPOINTMENT_TAGS,
        summary="A department's bookable slots on a day, with their free seats",
        parameters=[SlotQuerySerializer, IF_NONE_MATCH],
        responses={
            200: SlotSerializer(many=True),
            304: NOT_MODIFIED,
            400: rejected(
                "Unknown department, or a day not written YYYY-MM-DD or outside the days open to booking.",
                {"day": ["Choose a day from 2026-12-03 to 2026-12-17."]},
            ),
        },
    )
    def get(self, request):
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = appointments.available_slots(**query.validated_data)
        return Response(SlotSerializer(slots, many=True).data)


class BookAPI(PatientSubmissionAPI):
    throttle_scope = "register"

    @extend_schema(
        tags=APPOINTMENT_TAGS,
        summary="Book a slot",
        description=(
            "Matches the patient by phone as registration does. A new phone gets the booking (201) with its manage "
            "link; a known phone booking itself gets 202 and the booking is sent to the phone on file. Two bookers "
            "of the last free seat: one gets it, the other 409."
        ),
        request=BookingSerializer,
        responses={
            201: AppointmentSerializer,
            202: RegistrationSentSerializer,
            400: rejected(
                "A field is missing or invalid, or the time is not a bookable slot.",
                {"slot": ["This time is not a bookable slot of Cardiology."]},
            ),
            409: SLOT_TAKEN,
            429: THROTTLED,
            **SUBMISSION_REFUSALS,
        },
        examples=[OpenApiExample("Booked", response_only=True, status_codes=["201"], value=EXAMPLE_APPOINTMENT)],
    )
    def post(self, request):
        booking_form = BookingSerializer(data=request.data, context={"request": request})
        booking_form.is_valid(raise_exception=True)
        details = dict(booking_form.validated_data)
        if (wait := seconds_to_wait(request, BOOK_SCOPE)) is not None:
            self.throttled(request, wait)
        try:
            booking = appointments.book_appointment(
                slot_start=details.pop("slot"),
                **details,
                new_patient_language=request.LANGUAGE_CODE,
                actor=request.user,
                ip_address=client_ip(request),
                self_service=not hooks.is_reception_staff(request.user),
            )
        except services.QueueError as refusal:
            return refused(refusal)
        if booking.sent_to_phone:
            sent = {"detail": BOOKING_SENT_TO_PHONE_MESSAGE, "phone": mask_phone(details["phone"]), "sent_by": "sms"}
            return Response(RegistrationSentSerializer(sent).data, status=status.HTTP_202_ACCEPTED)
        return Response(AppointmentSerializer(booking.appointment).data, status=status.HTTP_201_CREATED)


@method_decorator(never_cache, name="dispatch")
class AppointmentAPI(APIView):
    @extend_schema(
        tags=APPOINTMENT_TAGS,
        summary="A booking, by its manage link's id",
        responses={200: AppointmentSerializer, 404: NO_SUCH_APPOINTMENT},
        examples=[OpenApiExample("Booked", response_only=True, value=EXAMPLE_APPOINTMENT)],
    )
    def get(self, request, public_id):
        return Response(AppointmentSerializer(_appointment_or_404(public_id)).data)


class RescheduleAPI(PatientSubmissionAPI):
    throttle_scope = "register"

    @extend_schema(
        tags=APPOINTMENT_TAGS,
        summary="Move a booking to another slot of its department on the same day",
        request=SlotStartSerializer,
        responses={
            200: AppointmentSerializer,
            400: rejected(
                "Not a bookable slot of the booking's day, the booking can no longer change, or it was moved as many "
                "times as its manage link may move it (BOOKING_MAX_MOVES; reception staff are not limited).",
                {"slot": ["This time is not a bookable slot of Cardiology."]},
            ),
            404: NO_SUCH_APPOINTMENT,
            409: SLOT_TAKEN,
            429: THROTTLED,
            **SUBMISSION_REFUSALS,
        },
    )
    def post(self, request, public_id):
        booking = _appointment_or_404(public_id)
        move = SlotStartSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        try:
            booking = appointments.reschedule_appointment(
                appointment=booking,
                slot_start=move.validated_data["slot"],
                actor=request.user,
                ip_address=client_ip(request),
                self_service=not hooks.is_reception_staff(request.user),
            )
        except services.QueueError as refusal:
            return refused(refusal)
        return Response(AppointmentSerializer(booking).data)


class CancelAppointmentAPI(PatientSubmissionAPI):
    throttle_scope = "register"

    @extend_schema(
        tags=APPOINTMENT_TAGS,
        summary="Cancel a booking, freeing its slot",
        request=BookingCancellationSerializer,
        responses={
            200: AppointmentSerializer,
            400: rejected(
                "The booking is no longer booked (under slot), a body was sent that is not JSON, or one that is not an "
                "empty JSON object (under each field sent).",
                {"slot": ["This appointment is cancelled and can no longer change."]},
            ),
            404: NO_SUCH_APPOINTMENT,
            429: THROTTLED,
            **SUBMISSION_REFUSALS,
        },
    )
    def post(self, request, public_id):
        booking = _appointment_or_404(public_id)
        # A body that is not JSON (400, or 415 for another type) or that sends a field is refused before the booking
        # is cancelled: its sender did not send what they meant.
        BookingCancellationSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            booking = appointments.cancel_appointment(
                appointment=booking, actor=request.user, ip_address=client_ip(request)
            )
        except services.QueueError as refusal:
            return refused(refusal)
        return Response(AppointmentSerializer(booking).data)


class CheckInAPI(PatientSubmissionAPI):
    throttle_scope = "register"

    @extend_schema(
        tags=APPOINTMENT_TAGS,
        summary="Check in a booking by its code or QR link (a kiosk, the desk): its token in the line",
        description=(
            "From the configured minutes before the slot. On time or early, the token's place in line is the slot "
            "time; after the grace window the patient joins as a walk-in (docs/appointments.md). A patient who "
            "already holds a token in the department is checked in on it; checking in themselves, they are sent "
            "it on their phone (202) rather than shown it."
        ),
        request=BookingCodeSerializer,
        responses={
            201: VisitLinkSerializer,
            202: RegistrationSentSerializer,
            400: rejected(
                "Unknown code, too early, another day, or already checked in.",
                {"code": ["This appointment is already checked in: your token was sent to your phone. ..."]},
            ),
            429: THROTTLED,
            **SUBMISSION_REFUSALS,
        },
    )
    def post(self, request):
        reading = BookingCodeSerializer(data=request.data)
        reading.is_valid(raise_exception=True)
        try:
            with published.statuses_published() as statuses:
                checked_in = appointments.check_in_by_code(
                    code_or_link=reading.validated_data["code"],
                    actor=request.user,
                    ip_address=client_ip(request),
                    self_service=not hooks.is_reception_staff(request.user),
                )
        except services.QueueError as refusal:
            return refused(refusal)
        entry = checked_in.entry
        if checked_in.sent_to_phone:
            sent = {"detail": SENT_TO_PHONE_MESSAGE, "phone": mask_phone(entry.patient.phone), "sent_by": "sms"}
            return Response(RegistrationSentSerializer(sent).data, status=status.HTTP_202_ACCEPTED)
        visit = statuses.get(entry.pk) or current_visit_status(entry=entry)
        return Response(with_link(request, visit), status=status.HTTP_201_CREATED)
