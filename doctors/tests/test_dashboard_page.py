"""What the dashboard page reads of the doctor's day: its figures, and what it says before there are any."""

import re
from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone

from doctors.models import DoctorAbsence, DoctorSchedule
from patients import services


def statistics_on(page):
    return dict(re.findall(r'data-statistic="(\w+)">([^<]*)<', page))


def test_todays_averages_before_the_first_consultation_say_so_in_words(doctor_client):
    page = doctor_client.get(reverse("doctors:dashboard")).content.decode()

    averages = re.findall(r'data-statistic="average_\w+">([^<]*)<', page)
    assert averages == ["None yet", "None yet"]


def test_a_consultation_an_admin_ended_for_the_doctor_is_a_patient_seen_but_not_a_consultation_time(
    client, doctor, department, make_token, clock
):
    seen = services.start_consultation(entry=services.call_patient(entry=make_token(department), doctor=doctor))
    clock.shift(timedelta(minutes=12))
    services.complete_consultation(entry=seen)
    left = services.start_consultation(entry=services.call_patient(entry=make_token(department), doctor=doctor))
    clock.shift(timedelta(hours=3))
    services.end_consultation(entry=left)

    # Signed in now: the three hours would have signed out a session begun before them.
    client.force_login(doctor.user)
    statistics = statistics_on(client.get(reverse("doctors:dashboard")).content.decode())

    assert (statistics["seen"], statistics["average_consultation_minutes"]) == ("2", "12.0")


def department_choices_of(page, select_id):
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)<', select.group(1))


def test_a_transfer_or_referral_goes_nowhere_until_the_doctor_chooses_the_department(
    doctor_client, doctor, department, make_department, make_token
):
    # A one-click action the doctor cannot take back: a department chosen in advance (the first in the list)
    # sent a patient there whenever Transfer was pressed before choosing.
    make_department(name="Dermatology", code="DERM")
    called = services.call_patient(entry=make_token(department), doctor=doctor)

    transfer = department_choices_of(doctor_client.get(reverse("doctors:dashboard")).content.decode(), "to-department")
    services.start_consultation(entry=called)
    refer = department_choices_of(doctor_client.get(reverse("doctors:dashboard")).content.decode(), "refer-to")

    for choices in (transfer, refer):
        assert choices[0] == ("", "", "Choose a department")
        assert [name for _value, _selected, name in choices[1:]] == ["Dermatology"]
        assert not any(selected for _value, selected, _name in choices[1:])


def test_a_department_nobody_sees_patients_in_today_is_shown_as_such_and_not_offered_for_a_transfer_or_referral(
    clock, doctor_client, doctor, department, make_department, make_doctor, make_token
):
    """General Medicine's one doctor was off sick: the select offered it as any other, and choosing it was refused
    only once Transfer (or Complete and refer) was pressed."""
    general = make_department(name="General Medicine", code="GEN")
    sick = make_doctor(department=general)
    DoctorSchedule.objects.create(
        doctor=sick, weekday=timezone.localdate().weekday(), starts_at=time(8), ends_at=time(16)
    )
    DoctorAbsence.objects.create(doctor=sick, day=timezone.localdate(), reason="Sick")
    make_doctor(department=make_department(name="Dermatology", code="DERM"))
    called = services.call_patient(entry=make_token(department), doctor=doctor)

    transfer = doctor_client.get(reverse("doctors:dashboard")).content.decode()
    services.start_consultation(entry=called)
    refer = doctor_client.get(reverse("doctors:dashboard")).content.decode()

    for page, select_id in ((transfer, "to-department"), (refer, "refer-to")):
        select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
        options = {name: disabled for _value, disabled, name in re.findall(
            r'<option value="(\d+)"( disabled)?>([^<]*)<', select
        )}
        assert options == {"Dermatology": "", "General Medicine (no doctor left today)": " disabled"}


def offline_question_on(page):
    question = re.search(r'id="offline-question"[^>]*?data-confirm-offline="([^"]*)"', page, re.S)
    return question and " ".join(question.group(1).split())


def test_going_offline_with_patients_waiting_is_asked_first_saying_what_the_patients_will_be_told(
    doctor_client, department, make_token
):
    # One click on Offline texted every waiting patient that no doctor was expected back, and coming back
    # available a minute later told them nothing: the page asks before it sends the change.
    assert offline_question_on(doctor_client.get(reverse("doctors:dashboard")).content.decode()) is None
    make_token(department)
    make_token(department)

    question = offline_question_on(doctor_client.get(reverse("doctors:dashboard")).content.decode())

    assert question == (
        f"2 patients are waiting in {department.name}. Go offline for the rest of the day? If no other doctor is on "
        "duty, they will be texted at once that no doctor is expected back today."
    )


def test_the_patient_with_the_doctor_is_named_with_their_age_in_the_pages_language(
    doctor_client, doctor, department, make_token
):
    # "Divya Rao, 39" took the English comma on an Arabic page, where the list's comma is "،".
    services.call_patient(entry=make_token(department, name="Divya Rao", age=39), doctor=doctor)

    said = {
        language: doctor_client.get(reverse("doctors:dashboard"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for language in ["en", "es", "ar"]
    }

    assert "Divya Rao, 39 ·" in said["en"] and "Divya Rao, 39 años ·" in said["es"] and "Divya Rao، 39 ·" in said["ar"]
