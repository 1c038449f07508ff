from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from patients.forms import FieldsSayWhatToEnterMixin
from smartqueue.form_input import OneValuePerFieldMixin, ReadableTextMixin
from patients.phone import is_e164

from .inbound import WHATSAPP_PREFIX, split_sender
from .models import WEBHOOK_SECRET_MIN_LENGTH, InboundMessage, Notification, WebhookEndpoint, WebhookEventType


# The largest count a PositiveSmallIntegerField holds on every database the app runs on.
MOST_SEGMENTS = 32767


def _max_length(field):
    return InboundMessage._meta.get_field(field).max_length


class TwilioRequestForm(forms.Form):
    """Fields of a request Twilio makes (a webhook): one that cannot be read is a 400 naming its first wrong field."""

    def first_error(self):
        field, errors = next(iter(self.errors.items()))
        return f"{field}: {errors[0]}"


class InboundMessageForm(TwilioRequestForm):
    """The fields of Twilio's incoming-message webhook that we read, named as Twilio posts them."""

    # A message's id as Twilio makes it, and nothing longer: the signature runs each field's name and value together
    # with nothing between them, so a captured text with its next field (NumMedia, 0) moved into the end of its id
    # ("SM…NumMedia0") was a new message under the same signature, a replay acted on again.
    MessageSid = forms.RegexField(
        r"\A(?:SM|MM)[0-9a-fA-F]{32}\Z",
        error_messages={"invalid": _("Not a Twilio message id (SM or MM and 32 hexadecimal digits).")},
    )
    From = forms.CharField(max_length=len(WHATSAPP_PREFIX) + _max_length("from_phone"))
    # Never refused for its length: a long text may still be a STOP. Stored cut to the column's length.
    Body = forms.CharField(required=False, strip=False)

    def clean_From(self):
        # The number alone must fit the column, with or without the channel's prefix.
        _channel, phone = split_sender(self.cleaned_data["From"])
        if len(phone) > _max_length("from_phone"):
            raise forms.ValidationError(_("Not a phone number: longer than %(limit)s characters.") % {
                "limit": _max_length("from_phone")
            })
        # Twilio sends a patient's number as E.164; anything else would be stored and shown as a sender.
        if not is_e164(phone):
            raise forms.ValidationError(_("Not a phone number in international form (e.g. +14155550123)."))
        return self.cleaned_data["From"]

    def clean_Body(self):
        return self.cleaned_data["Body"][: _max_length("body")]

    # How many SMS parts the text came in (1 on WhatsApp), as Twilio counted and bills them. Never refused, as a STOP
    # must not be for it: a value that is not a count a column can hold is stored as unknown.
    NumSegments = forms.CharField(required=False)

    def clean_NumSegments(self):
        value = self.cleaned_data["NumSegments"]
        return int(value) if value.isascii() and value.isdecimal() and int(value) <= MOST_SEGMENTS else None

    # Sent when Twilio's Advanced Opt-Out handled the text (STOP, START or HELP); other values are ignored.
    OptOutType = forms.CharField(required=False)


class StatusCallbackAddressForm(OneValuePerFieldMixin, TwilioRequestForm):
    """The query of the status callback URL the sending worker gave Twilio (services.status_callback_url): the message
    it reports on. Absent from the callbacks of messages sent before the URL named it, found by MessageSid instead."""

    notification = forms.IntegerField(required=False, min_value=1)


class DeliveryReportForm(TwilioRequestForm):
    """The fields of Twilio's status callback that we read, named as Twilio posts them. Checked before any query:
    PostgreSQL refuses a NUL character in a query's text and an error code longer than its column (a 500)."""

    MessageSid = forms.CharField(max_length=Notification._meta.get_field("twilio_sid").max_length)
    MessageStatus = forms.CharField(required=False)
    ErrorCode = forms.CharField(required=False, max_length=Notification._meta.get_field("error_code").max_length)
    ErrorMessage = forms.CharField(required=False, strip=False)


class WebhookEndpointForm(FieldsSayWhatToEnterMixin, ReadableTextMixin, OneValuePerFieldMixin, forms.ModelForm):
    """An endpoint as admins edit it (admin panel and Django admin): event types as tick boxes; refusals in words
    (Django's "This field is required." is no one's words, in Arabic not even the panel's polite ones). Without the
    secret, which is write-only: shown when the endpoint is created or its secret replaced (webhooks.replace_secret),
    never on an edit, which leaves it as it is."""

    url = forms.URLField(
        label=_("URL"),
        max_length=WebhookEndpoint._meta.get_field("url").max_length,
        assume_scheme="https",
        error_messages={"invalid": _("Enter the receiver's full web address, e.g. https://records.example/hook.")},
    )
    event_types = forms.MultipleChoiceField(
        label=_("Event types"), choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "event_types", "is_active", "trusted_for_pii"]


class NewWebhookEndpointForm(WebhookEndpointForm):
    """A new endpoint, with its secret (generated, or the receiver's own typed in): the one time it is shown."""

    # Kept as typed: the receiver checks signatures with the secret as it has it, so padding is refused, not cut.
    secret = WebhookEndpoint._meta.get_field("secret").formfield(
        strip=False,
        help_text=format_lazy(
            _(
                "At least {length} characters. Copy it to the receiver, which checks X-SmartQueue-Signature with it: "
                "once saved, only its last 4 characters are shown."
            ),
            length=WEBHOOK_SECRET_MIN_LENGTH,
        ),
    )

    class Meta(WebhookEndpointForm.Meta):
        fields = ["name", "url", "secret", "event_types", "is_active", "trusted_for_pii"]
