"""The ninth attack run refused direction controls in the texts strangers type; the same controls in what staff
type for others to read (a doctor's notes, the hospital's name on every page, a text message's words, a webhook's
name) reversed those texts as well. The checks now sit on the model fields, so every way in refuses them: the
panel, the dashboard, the REST API and Django admin."""

import pytest
from django.core.exceptions import ValidationError

from adminpanel.models import AdminUser, SystemConfiguration
from doctors.models import Doctor
from notifications.defaults import install_default_templates
from notifications.models import NotificationTemplate, NotificationTemplateTranslation, TemplateType, WebhookEndpoint
from patients import services as queue_services
from patients.models import Appointment, Department, PatientFeedback, Queue
from smartqueue.tests.test_django_admin import inline_management_forms

OVERRIDE = "Allergy: none \u202e;nillicinep ot cigrella"

TEXTS_ON_SEVERAL_LINES = [
    (Department, "description"),
    (Queue, "notes"),
    (Queue, "consultation_notes"),
    (PatientFeedback, "comment"),
    (Appointment, "notes"),
    (NotificationTemplate, "sms_template"),
    (NotificationTemplate, "whatsapp_template"),
    (NotificationTemplateTranslation, "sms_template"),
    (NotificationTemplateTranslation, "whatsapp_template"),
]
TEXTS_ON_ONE_LINE = [
    (SystemConfiguration, "hospital_name"),
    (AdminUser, "designation"),
    (NotificationTemplate, "name"),
    (WebhookEndpoint, "name"),
    (Doctor, "specialization"),
]

EVERY_TEXT = TEXTS_ON_SEVERAL_LINES + TEXTS_ON_ONE_LINE


def _field_ids(fields):
    return [f"{model.__name__}.{field}" for model, field in fields]


@pytest.mark.parametrize("model, field", EVERY_TEXT, ids=_field_ids(EVERY_TEXT))
def test_every_text_typed_for_others_refuses_a_direction_control(model, field):
    with pytest.raises(ValidationError) as refused:
        model._meta.get_field(field).clean(OVERRIDE, None)

    assert refused.value.error_list[0].code == "direction_control"


@pytest.mark.parametrize("model, field", TEXTS_ON_SEVERAL_LINES, ids=_field_ids(TEXTS_ON_SEVERAL_LINES))
def test_texts_on_several_lines_refuse_a_terminals_escape_and_keep_lines_and_right_to_left_marks(model, field):
    with pytest.raises(ValidationError):
        model._meta.get_field(field).clean("Cough \u001b[31mfor a week", None)

    kept = "Cough for a week\r\nFever\tsince Monday \u200fA4"
    assert model._meta.get_field(field).clean(kept, None) == kept


MESSAGE_TEXTS = TEXTS_ON_SEVERAL_LINES[-4:]


@pytest.mark.parametrize("model, field", MESSAGE_TEXTS, ids=_field_ids(MESSAGE_TEXTS))
@pytest.mark.parametrize(
    "text", ["الرقم \u2066{token}\u2069 في {department}", "\u2067{name}\u2069 \u2068{token}\u2069"]
)
def test_a_message_text_keeps_the_isolates_that_set_a_token_apart_in_right_to_left_words(model, field, text):
    assert model._meta.get_field(field).clean(text, None) == text


@pytest.mark.parametrize("model, field", MESSAGE_TEXTS, ids=_field_ids(MESSAGE_TEXTS))
@pytest.mark.parametrize(
    "text",
    ["الرقم \u2066{token} في {department}", "{token}\u2069 {name}", "\u2066{token}\u2069\u2069", "\u202b{token}\u202c"],
)
def test_a_message_text_refuses_an_isolate_left_open_or_closed_twice_and_any_embedding(model, field, text):
    with pytest.raises(ValidationError) as refused:
        model._meta.get_field(field).clean(text, None)

    assert refused.value.error_list[0].code == "direction_control"


def test_a_doctors_notes_with_a_direction_override_are_refused_and_the_consultation_goes_on(
    client, department, make_doctor, make_token
):
    doctor = make_doctor(department=department)
    entry = make_token(department)
    queue_services.call_patient(entry=entry, doctor=doctor)
    queue_services.start_consultation(entry=entry)
    client.force_login(doctor.user)

    answer = client.post(
        "/doctors/api/",
        {"action": "complete", "entry": entry.pk, "consultation_notes": OVERRIDE},
        content_type="application/json",
    )

    assert answer.status_code == 400
    assert list(answer.json()["errors"]) == ["consultation_notes"]
    entry.refresh_from_db()
    assert (entry.status, entry.consultation_notes) == (Queue.Status.IN_CONSULTATION, "")


@pytest.fixture
def panel_client(client, make_user):
    manager = make_user()
    AdminUser.objects.create(user=manager)
    client.force_login(manager)
    return client


def test_the_hospitals_name_with_a_direction_override_is_refused_in_the_panel(panel_client):
    before = SystemConfiguration.load().hospital_name

    answer = panel_client.post(
        "/adminpanel/configuration/",
        {
            "hospital_name": "St Mary\u202e",
            "notify_when_patients_ahead": "3",
            "clinic_opens_at": "08:00",
            "clinic_closes_at": "17:00",
            "late_moves_back_places": "3",
            "wait_alert_minutes": "45",
            "appointment_early_check_in_minutes": "30",
            "appointment_grace_minutes": "10",
            "appointment_walk_in_share_percent": "30",
            "appointment_booking_days_ahead": "14",
            "board_languages": ["en"],
        },
    )

    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == ["hospital_name"]
    assert SystemConfiguration.load().hospital_name == before


def test_a_text_messages_words_with_a_direction_override_are_refused_in_the_panel(panel_client):
    install_default_templates()
    template = NotificationTemplate.objects.get(template_type=TemplateType.BROADCAST)
    before = template.sms_template

    answer = panel_client.post(
        f"/adminpanel/messages/{template.pk}/en/", {"sms_template": "{message} \u202e{token}", "whatsapp_template": ""}
    )

    assert answer.status_code == 400
    assert list(answer.context["form"].errors) == ["sms_template"]
    template.refresh_from_db()
    assert template.sms_template == before


def test_a_tokens_notes_with_a_direction_override_are_refused_in_django_admin(
    client, make_user, department, make_token
):
    entry = make_token(department)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    change_page = f"/admin/patients/queue/{entry.pk}/change/"
    page = client.get(change_page)

    answer = client.post(
        change_page, {**inline_management_forms(page), "notes": OVERRIDE, "notify_when_patients_ahead": ""}
    )

    assert answer.status_code == 200
    assert "change the direction" in answer.context["adminform"].form.errors["notes"][0]
    entry.refresh_from_db()
    assert entry.notes == ""
