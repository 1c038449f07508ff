"""The outbound webhooks in the OpenAPI schema (3.1's `webhooks`): one POST per event type, its body the event with
the data its type is sent with (webhooks.EVENT_DATA_SHAPES), and what the receiver's answer does."""

from functools import cache

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema

from .models import WEBHOOK_DELIVERY_EVENTS
from .serializers import WebhookEventSerializer
from .webhooks import EVENT_DATA_SHAPES, SIGNATURE_HEADER

DELIVERY = (
    f"Headers: X-SmartQueue-Event (the event type), X-SmartQueue-Delivery (the event's id, the same on every retry: "
    f"de-duplicate on it) and {SIGNATURE_HEADER}: t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<raw body>' with the "
    "endpoint's secret>, one v1 per secret while a replaced secret still signs; accept the event when any v1 matches. "
    "Every time in the body is in UTC. docs/notifications.md, 'Outbound webhooks'."
)
RECEIVER_ANSWERS = {
    200: OpenApiResponse(description="Any 2xx answer, whatever its body: delivered."),
    301: OpenApiResponse(
        description="Moved Permanently: the delivery fails at once, its log naming the new address; no redirect is "
        "followed. Give the endpoint that address and redeliver."
    ),
    308: OpenApiResponse(description="Permanent Redirect: as 301."),
    410: OpenApiResponse(
        description="Gone: the address takes no more events. The delivery fails at once, without retries."
    ),
}
RETRIED = (
    " An answer other than those below (any 2xx, 301, 308, 410), a temporary redirect included, or none within "
    "WEBHOOK_TIMEOUT_SECONDS, is retried with exponential backoff until WEBHOOK_RETRY_FOR_SECONDS after the event."
)


@cache
def event_body(data_shape):
    """The event's envelope with its data in data_shape, one component per shape (WebhookTokenEvent, ...)."""
    shape = data_shape.__name__.removesuffix("Serializer")
    subject = shape.removeprefix("Webhook").removeprefix("Trusted")
    return type(
        f"Webhook{subject}EventSerializer",
        (WebhookEventSerializer,),
        {"__module__": __name__, "__doc__": f"A webhook event's body, its data a {shape}.", "data": data_shape()},
    )


def event_webhook(event_type, label):
    # The trusted shape: the other's fields and the patient, which only trusted endpoints get.
    data_shape = EVENT_DATA_SHAPES[event_type][True]
    return OpenApiWebhook(
        name=event_type,
        decorator=extend_schema(
            summary=str(label),
            description=f"{DELIVERY}{RETRIED}",
            request={"application/json": event_body(data_shape)},
            responses=RECEIVER_ANSWERS,
        ),
    )


WEBHOOKS = [event_webhook(event_type, label) for event_type, label in WEBHOOK_DELIVERY_EVENTS]
