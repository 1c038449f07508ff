from django import forms

from .inbound import WHATSAPP_PREFIX
from .models import InboundMessage


def _max_length(field):
    return InboundMessage._meta.get_field(field).max_length


class InboundMessageForm(forms.Form):
    """The fields of Twilio's incoming-message webhook that we read, named as Twilio posts them."""

    MessageSid = forms.CharField(max_length=_max_length("message_sid"))
    From = forms.CharField(max_length=len(WHATSAPP_PREFIX) + _max_length("from_phone"))
    Body = forms.CharField(required=False, strip=False, max_length=1600)

    def first_error(self):
        field, errors = next(iter(self.errors.items()))
        return f"{field}: {errors[0]}"
