"""Ninth attack run: text typed by one person and read by another carries no control that changes how the text
around it reads (a direction override, a terminal's escape sequence).

A stranger's registration notes reached the doctor's dashboard with "\u202e" in them, and a department named
"ENT\u202e" turned the rest of every text message sent for it, its status link too, back to front.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import Notification
from patients.models import PatientFeedback, Queue

from .conftest import valid_phone

OVERRIDES_AND_CONTROLS = [
    "Allergy: none \u202e;nillicinep ot cigrella",  # shown as "Allergy: none allergic to penicillin;"
    "Cough\u202b for a week",  # right-to-left embedding
    "Cough \u2067for\u2069 a week",  # right-to-left isolate
    "Cough \u001b[31mfor a week",  # a terminal's escape sequence
    "Cough\u0007",  # a bell
    "Cough\u0085for a week",  # a C1 control
]
# Lines, tabs and the direction marks typed in right-to-left text are kept.
PLAIN_TEXT = ["Cough for a week\r\nFever\tsince Monday", "سعال منذ أسبوع \u200fA4", "खांसी, एक हफ़्ता"]


def _registration(department, notes):
    return {
        "name": "Asha Patel",
        "phone": valid_phone(),
        "age": 34,
        "gender": "female",
        "department": department.pk,
        "notes": notes,
    }


@pytest.mark.parametrize("notes", OVERRIDES_AND_CONTROLS)
def test_registration_notes_with_a_direction_override_or_a_control_are_refused_naming_notes(department, notes):
    api = APIClient().post("/patients/api/register/", _registration(department, notes), format="json")
    page = Client().post("/patients/register/", _registration(department, notes))
    booking = APIClient().post(
        "/patients/api/appointments/", {**_registration(department, notes), "slot": "2099-01-01T09:00:00Z"},
        format="json",
    )

    assert api.status_code == 400 and list(api.json()) == ["notes"], api.json()
    assert page.status_code == 400 and list(page.context["form"].errors) == ["notes"]
    assert booking.status_code == 400 and "notes" in booking.json(), booking.json()
    assert not Queue.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize("notes", PLAIN_TEXT)
def test_notes_on_several_lines_and_in_right_to_left_scripts_are_kept(department, notes):
    api = APIClient().post("/patients/api/register/", _registration(department, notes), format="json")

    assert api.status_code == 201, api.json()
    assert Queue.objects.get().notes == notes


@pytest.mark.parametrize("comment", OVERRIDES_AND_CONTROLS)
def test_a_feedback_comment_with_a_direction_override_or_a_control_is_refused_naming_comment(
    register, complete_visit, comment
):
    entry = complete_visit(register())

    api = APIClient().post(
        "/patients/api/feedback/",
        {"patient_id": str(entry.patient.public_id), "rating": 5, "comment": comment},
        format="json",
    )
    page = Client().post(entry.get_absolute_url(), {"rating": "5", "comment": comment})

    assert api.status_code == 400 and list(api.json()) == ["comment"], api.json()
    assert page.status_code == 400 and list(page.context["feedback_form"].errors) == ["comment"]
    assert not PatientFeedback.objects.exists()
