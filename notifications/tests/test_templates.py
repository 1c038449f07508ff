import pytest
from django.core.exceptions import ValidationError

from notifications.models import NotificationTemplate
from notifications.services import render_message, template_text

TemplateType = NotificationTemplate.TemplateType


@pytest.mark.django_db
def test_template_with_unknown_placeholder_is_rejected_naming_it():
    template = NotificationTemplate(
        name="Reminder", template_type=TemplateType.CUSTOM, sms_template="Hi {name}, room {room} at {time}."
    )

    with pytest.raises(ValidationError, match=r"Unknown placeholder \{room\}; allowed: "):
        template.save()
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "sms_template" in error.value.message_dict
    assert not NotificationTemplate.objects.exists()


@pytest.mark.django_db
def test_malformed_whatsapp_text_is_rejected():
    with pytest.raises(ValidationError, match="Malformed template"):
        NotificationTemplate.objects.create(
            name="Turn", template_type=TemplateType.YOUR_TURN, sms_template="{token}", whatsapp_template="{token"
        )


def test_render_fills_every_placeholder_and_leaves_unknown_values_blank():
    text = "{name} {token} {department} {position} {wait} {doctor} {time} {link} {message}"

    assert render_message(text, name="Asha", token="CARD-001", message="Hi") == "Asha CARD-001 Hi"


def test_render_applies_no_format_code_a_template_saved_before_they_were_refused_holds():
    assert render_message("{name:d} {token!r}", name="Asha", token="CARD-001") == "Asha CARD-001"


@pytest.mark.django_db
def test_default_text_is_used_until_admins_add_one():
    assert template_text(TemplateType.YOUR_TURN, "sms").startswith("{name}, it is your turn")

    NotificationTemplate.objects.create(
        name="Turn", template_type=TemplateType.YOUR_TURN, sms_template="SMS {token}", whatsapp_template="WA {token}"
    )

    assert template_text(TemplateType.YOUR_TURN, "sms") == "SMS {token}"
    assert template_text(TemplateType.YOUR_TURN, "whatsapp") == "WA {token}"
