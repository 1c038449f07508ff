import functools

import segno
from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from smartqueue.requests import client_ip
from smartqueue.throttles import throttle_posts

from . import hooks, services
from .forms import FeedbackForm, RegistrationForm
from .phone import mask_phone
from .selectors import current_visit_status, department_overview, visit_for_link
from .serializers import DepartmentOverviewSerializer

# The masked number a matched registration's token was sent to travels, signed, in the redirect's query
# rather than the session: writing the session would add a cookie that a new phone's answer lacks.
SENT_TO_PHONE_SALT = "patients.registration-sent"
SENT_TO_PHONE_MAX_AGE_SECONDS = 15 * 60
SENT_TO_PHONE_MESSAGE = _(
    "This phone number is already registered with us. "
    "We have sent your token and a link to follow your place to that phone."
)


def landing(request):
    departments = DepartmentOverviewSerializer(department_overview(), many=True).data
    return render(request, "patients/landing.html", {"departments": departments})


@require_http_methods(["GET", "POST"])
@throttle_posts("register")
def register(request):
    reception_staff = hooks.is_reception_staff(request.user)
    form = RegistrationForm(request.POST or None, reception_staff=reception_staff)
    if request.method == "POST" and form.is_valid():
        details = form.cleaned_data
        try:
            registration = services.register_visit(
                department=details["department"],
                name=details["name"],
                phone=details["phone"],
                age=details["age"],
                gender=details["gender"],
                language=details.get("language") or request.LANGUAGE_CODE,
                priority=details.get("priority", "normal"),
                notes=details["notes"],
                actor=request.user,
                ip_address=client_ip(request),
                self_service=not reception_staff,
            )
        except services.RegistrationClosed as refusal:
            form.add_error(None, str(refusal))
        except services.QueueError as refusal:
            form.add_error("department", str(refusal))
        else:
            if registration.sent_to_phone:
                sent_to = signing.dumps(mask_phone(details["phone"]), salt=SENT_TO_PHONE_SALT)
                return redirect(f"{reverse('patients:registration-sent')}?to={sent_to}")
            return redirect("patients:registered", public_id=registration.entry.public_id)
    return render(request, "patients/register.html", {"form": form, "reception_staff": reception_staff})


@require_http_methods(["GET"])
def registration_sent(request):
    """Where a self-service registration that matched a known phone ends: the token went to that phone."""
    try:
        masked_phone = signing.loads(
            request.GET.get("to", ""), salt=SENT_TO_PHONE_SALT, max_age=SENT_TO_PHONE_MAX_AGE_SECONDS
        )
    except signing.BadSignature:
        return redirect("patients:register")
    return render(
        request, "patients/registration_sent.html", {"message": SENT_TO_PHONE_MESSAGE, "masked_phone": masked_phone}
    )


def _visit_or_404(public_id):
    entry = visit_for_link(public_id)
    if entry is None:
        raise Http404(_("No visit has this link."))
    return entry


def in_patients_language(view):
    """A token's own page speaks its patient's language, unless this browser picked one with the switcher
    (someone helping the patient may read another)."""

    @functools.wraps(view)
    def wrapper(request, public_id):
        if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return view(request, public_id)
        entry = visit_for_link(public_id)
        language = entry.patient.language if entry is not None else translation.get_language()
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, public_id)
        response.headers["Content-Language"] = language
        return response

    return wrapper


@in_patients_language
def registered(request, public_id):
    entry = _visit_or_404(public_id)
    if entry.public_id != public_id:
        return redirect("patients:registered", public_id=entry.public_id)
    status_url = request.build_absolute_uri(entry.get_absolute_url())
    return render(
        request,
        "patients/registered.html",
        {
            "visit": current_visit_status(entry=entry),
            "status_url": status_url,
            "status_qr_svg": segno.make(status_url, error="m").svg_inline(scale=5, title=_("Your status page")),
        },
    )


@require_http_methods(["GET", "POST"])
@throttle_posts("feedback")
@in_patients_language
def status(request, public_id):
    """One token's live status page; a link issued for the patient leads to their latest token's page."""
    entry = _visit_or_404(public_id)
    if entry.public_id != public_id:
        return redirect(entry.get_absolute_url())
    feedback_form = FeedbackForm(request.POST or None)
    if request.method == "POST" and feedback_form.is_valid():
        try:
            services.submit_feedback(
                entry=entry,
                rating=feedback_form.cleaned_data["rating"],
                comment=feedback_form.cleaned_data["comment"],
                ip_address=client_ip(request),
            )
        except services.QueueError as refusal:
            feedback_form.add_error(None, str(refusal))
        else:
            # The page itself thanks the patient once the visit shows feedback given.
            return redirect(entry.get_absolute_url())
    return render(
        request,
        "patients/status.html",
        {
            "visit": current_visit_status(entry=entry),
            "feedback_form": feedback_form,
            "status_api_url": reverse("patients:api-visit-status", kwargs={"public_id": entry.public_id}),
            "socket_path": f"/ws/patient/{entry.public_id}/",
        },
    )
