"""A patient chooses on the status page how many patients ahead the "you are close" text comes at."""

import pytest

from adminpanel.models import AuditLog
from notifications.models import Notification, NotificationTemplate
from patients import services
from patients.views import NOTICE_FORM

PATIENTS_AHEAD = NotificationTemplate.TemplateType.PATIENTS_AHEAD


@pytest.fixture
def line(department, make_token):
    return [make_token(department, phone=f"+1415555030{number}", name=f"P{number}") for number in range(6)]


def choose(client, entry, patients_ahead):
    return client.post(entry.get_absolute_url(), {"form": NOTICE_FORM, "patients_ahead": patients_ahead})


def told_close(entry):
    return Notification.objects.filter(queue_entry=entry, event=PATIENTS_AHEAD).exists()


def test_the_patients_choice_replaces_the_hospital_setting(
    client, line, make_doctor, department, django_capture_on_commit_callbacks
):
    doctor = make_doctor(department=department)
    last = line[-1]  # 5 ahead; the hospital's setting is 3
    with django_capture_on_commit_callbacks(execute=True):
        assert choose(client, last, 1).status_code == 302

    last.refresh_from_db()
    assert last.notify_when_patients_ahead == 1
    assert AuditLog.objects.filter(action="queue.notice_chosen", object_id=str(last.pk)).exists()
    for expected_told in (False, False, False, True):  # 4, 3, 2 then 1 ahead
        with django_capture_on_commit_callbacks(execute=True):
            services.complete_consultation(entry=services.start_consultation(entry=services.call_next(doctor=doctor)))
        assert told_close(last) is expected_told
    body = Notification.objects.get(queue_entry=last, event=PATIENTS_AHEAD).body
    assert body.startswith("P5, 1 patient is ahead of you in Cardiology (token")


def test_choosing_the_number_already_reached_texts_at_once(client, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        choose(client, line[2], 2)

    assert told_close(line[2])


def test_choosing_more_than_are_ahead_texts_at_once_how_many_are(client, line, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        choose(client, line[-1], 15)  # 5 ahead

    assert Notification.objects.get(queue_entry=line[-1], event=PATIENTS_AHEAD).body.startswith(
        "P5, 5 patients are ahead of you in Cardiology (token"
    )


def test_a_new_choice_after_the_text_does_not_send_it_again(client, line, django_capture_on_commit_callbacks):
    for patients_ahead in (5, 2, 8):  # 5 ahead
        with django_capture_on_commit_callbacks(execute=True):
            choose(client, line[-1], patients_ahead)

    assert Notification.objects.filter(queue_entry=line[-1], event=PATIENTS_AHEAD).count() == 1


@pytest.mark.parametrize("patients_ahead", ["0", "21", "many", ""])
def test_a_choice_out_of_limits_is_refused_and_changes_nothing(client, line, patients_ahead):
    response = choose(client, line[-1], patients_ahead)

    assert response.status_code == 400
    assert "patients_ahead" in response.context["notice_form"].errors
    line[-1].refresh_from_db()
    assert line[-1].notify_when_patients_ahead is None


def test_the_choice_is_offered_on_the_status_page(client, line):
    page = client.get(line[-1].get_absolute_url()).content.decode()

    assert "Text me when this many patients are ahead of me" in page
    assert '<option value="3" selected>3</option>' in page
