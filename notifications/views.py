from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from . import inbound, services
from .forms import DeliveryReportForm, InboundMessageForm, StatusCallbackAddressForm
from .models import Notification


def signed_by_twilio(request):
    """True when X-Twilio-Signature matches this callback, signed with our auth token over its public URL."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not (settings.TWILIO_AUTH_TOKEN and signature):
        return False
    # Twilio signs the URL it was given (SITE_URL based, see services.status_callback_url), which a
    # proxy in front of the app may not pass through unchanged.
    url = settings.SITE_URL + request.get_full_path()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature)


@csrf_exempt
@require_POST
def twilio_status_callback(request):
    """Twilio's delivery report for a message we sent (queued, sent, delivered, failed, undelivered)."""
    if not signed_by_twilio(request):
        return HttpResponseForbidden("Invalid or missing X-Twilio-Signature.")
    address, form = StatusCallbackAddressForm(request.GET), DeliveryReportForm(request.POST)
    for checked in (address, form):
        if not checked.is_valid():
            return HttpResponseBadRequest(checked.first_error())
    data, notification_id = form.cleaned_data, address.cleaned_data["notification"]
    try:
        services.record_delivery_status(
            message_sid=data["MessageSid"],
            twilio_status=data["MessageStatus"],
            error_code=data["ErrorCode"],
            error_message=data["ErrorMessage"],
            notification_id=notification_id,
        )
    except services.UnknownDeliveryStatus as error:
        return HttpResponseBadRequest(f"MessageStatus: {error}")
    except services.NotTheReportedMessage as error:
        return HttpResponseBadRequest(f"notification: {error}")
    except Notification.DoesNotExist:
        if notification_id is None:
            return HttpResponseNotFound("No message with this MessageSid.")
        return HttpResponseNotFound("notification: No message with this id.")
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound_message(request):
    """A text a patient sent to our number (SMS or WhatsApp), forwarded by Twilio; answered by a queued reply."""
    if not signed_by_twilio(request):
        return HttpResponseForbidden("Invalid or missing X-Twilio-Signature.")
    form = InboundMessageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.first_error())
    data = form.cleaned_data
    inbound.receive_text(
        message_sid=data["MessageSid"],
        from_address=data["From"],
        body=data["Body"],
        segments=data["NumSegments"],
        opt_out_type=data["OptOutType"],
    )
    # The reply goes out through the outbox (retried, recorded), so Twilio is answered with no message.
    return HttpResponse(str(MessagingResponse()), content_type="text/xml")
