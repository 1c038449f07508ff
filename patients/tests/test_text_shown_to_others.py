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


# Thirteenth attack run: accents piled on one letter ("Zalgo" text) are drawn over the lines above and below it. A
# stranger's name of "Eve Ng", each letter under eighteen accents, covered the token and the buttons beside it on the
# doctor's dashboard and the panel's live queues. A joiner or a spacing vowel sign between them does not end the pile.
PILED_ON_ONE_LETTER = [
    "Eve" + "\u0301\u0300\u0302\u0303\u0308" + " Ng",
    "Eve" + "\u0301\u0300" + "\u200d" + "\u0302\u0303\u0308" + " Ng",
    "E" + "\u0301\u0300\u0302\u0303" + "\u093e" + "\u0301" + "ve",
    "Eve Ng" + "\u20dd" * 5,
]
# What scripts write on one letter: Vietnamese typed with its accents apart, Hebrew with its vowel points, Tibetan's
# stacked letters (four marks), Burmese, Hindi, Bengali.
NAMES_WITH_THEIR_MARKS = [
    "Nguye\u0302\u0303n Va\u0306n",
    "שָׁלוֹם כֹּהֵן",
    "ཧྨྱཱཾ བསྒྲུབས",
    "မြှောက်",
    "ज़ीनत",
    "লক্ষ্মী",
]


@pytest.mark.parametrize("name", PILED_ON_ONE_LETTER)
def test_a_name_with_accents_piled_on_a_letter_is_refused_naming_name(department, name):
    registration = {**_registration(department, ""), "name": name}

    api = APIClient().post("/patients/api/register/", registration, format="json")
    page = Client().post("/patients/register/", registration)
    booking = APIClient().post(
        "/patients/api/appointments/", {**registration, "slot": "2099-01-01T09:00:00Z"}, format="json"
    )

    assert api.status_code == 400 and list(api.json()) == ["name"], api.json()
    assert "piled on one letter" in api.json()["name"][0]
    assert page.status_code == 400 and list(page.context["form"].errors) == ["name"]
    assert booking.status_code == 400 and "name" in booking.json(), booking.json()
    assert not Queue.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize("name", NAMES_WITH_THEIR_MARKS)
def test_names_with_the_marks_their_script_writes_are_taken(department, name):
    api = APIClient().post(
        "/patients/api/register/", {**_registration(department, ""), "name": name}, format="json"
    )

    assert api.status_code == 201, api.json()


@pytest.mark.parametrize("notes", PILED_ON_ONE_LETTER)
def test_notes_and_comments_with_accents_piled_on_a_letter_are_refused_naming_the_field(
    department, register, complete_visit, notes
):
    api = APIClient().post("/patients/api/register/", _registration(department, notes), format="json")
    entry = complete_visit(register())
    feedback = APIClient().post(
        "/patients/api/feedback/",
        {"patient_id": str(entry.patient.public_id), "rating": 5, "comment": notes},
        format="json",
    )

    assert api.status_code == 400 and list(api.json()) == ["notes"], api.json()
    assert feedback.status_code == 400 and list(feedback.json()) == ["comment"], feedback.json()
    assert Queue.objects.count() == 1 and not PatientFeedback.objects.exists()
