"""A doctor completes a consultation and refers the patient on to another department (an X-ray, a specialist): the
consultation counts as any other, and the patient joins that line now, told their new token and link."""

from datetime import timedelta

import pytest
from django.urls import reverse

from adminpanel.models import AuditLog
from notifications.models import Notification, NotificationTemplate
from patients import services as queue_services
from patients.models import Queue
from patients.selectors import consultation_pace, current_visit_status, visit_for_link

API = "/doctors/api/"
TemplateType = NotificationTemplate.TemplateType


@pytest.fixture
def doctor_client(clock, client, doctor):
    """Signed in at the stopped clock's time, so that its minutes moved on stay within the session."""
    client.force_login(doctor.user)
    return client


@pytest.fixture
def radiology(make_department):
    return make_department(name="Radiology", code="XRAY")


@pytest.fixture
def in_consultation(clock, doctor, department, make_token, django_capture_on_commit_callbacks):
    entry = make_token(department, name="Asha Rao", phone="+14155550123")
    with django_capture_on_commit_callbacks(execute=True):
        queue_services.call_next(doctor=doctor)
        queue_services.start_consultation(entry=entry)
    clock.shift(timedelta(minutes=12))
    return entry


def refer(client, entry, to_department, **fields):
    return client.post(
        API,
        {"action": "refer", "entry": entry.pk, "to_department": to_department.pk, **fields},
        content_type="application/json",
    )


def test_a_referral_completes_the_consultation_and_puts_the_patient_at_the_end_of_the_other_line(
    doctor_client, in_consultation, radiology, make_token, django_capture_on_commit_callbacks
):
    already_waiting = make_token(radiology)

    with django_capture_on_commit_callbacks(execute=True):
        answer = refer(
            doctor_client,
            in_consultation,
            radiology,
            consultation_notes="Wrist pain after a fall",
            referral_notes="X-ray of the left wrist",
        )

    assert answer.status_code == 200, answer.json()
    assert answer.json()["message"] == "Consultation completed; referred to Radiology as XRAY-002."
    old = Queue.objects.get(pk=in_consultation.pk)
    new = Queue.objects.get(transferred_from=old)
    assert (old.status, old.consultation_notes) == (Queue.Status.COMPLETED, "Wrist pain after a fall")
    assert (new.department, new.status, new.notes) == (radiology, Queue.Status.WAITING, "X-ray of the left wrist")
    assert new.get_position_in_queue() == already_waiting.get_position_in_queue() + 1
    assert answer.json()["dashboard"]["current"] is None
    # The consultation counts as any other.
    assert consultation_pace(department=old.department).minutes_per_consultation != 10
    rows = AuditLog.objects.filter(action="queue.referred").order_by("id")
    assert [(row.object_id, row.after["status"]) for row in rows] == [(str(old.pk), "completed"), (str(new.pk), "waiting")]


def test_the_patient_is_texted_the_new_token_and_their_old_link_leads_to_it(
    tasks_run_inline, doctor_client, in_consultation, radiology, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refer(doctor_client, in_consultation, radiology)

    new = Queue.objects.get(transferred_from=in_consultation)
    [message] = Notification.objects.filter(queue_entry=new)
    assert message.event == TemplateType.REGISTRATION and "XRAY-001" in message.body
    # Their feedback is asked for at the end of the visit, not as they walk to the next department.
    assert not Notification.objects.filter(queue_entry=in_consultation, event=TemplateType.FEEDBACK_REQUEST).exists()
    assert visit_for_link(in_consultation.public_id) == new
    old = Queue.objects.get(pk=in_consultation.pk)
    assert current_visit_status(entry=old)["transferred_to"] == new.get_absolute_url()


def test_the_status_page_says_who_referred_the_patient(
    client, doctor_client, in_consultation, radiology, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refer(doctor_client, in_consultation, radiology)
    new = Queue.objects.get(transferred_from=in_consultation)

    page = client.get(new.get_absolute_url()).content.decode()

    assert "Your doctor in Cardiology (token CARD-001) referred you to Radiology." in " ".join(page.split())


def test_a_referral_the_other_department_cannot_take_leaves_the_consultation_under_way(
    doctor_client, in_consultation, radiology
):
    queue_services.allocate_token(department=radiology, patient=in_consultation.patient)
    radiology_closed = radiology.__class__.objects.create(name="Closed", code="SHUT", is_active=False)

    held = refer(doctor_client, in_consultation, radiology)
    closed = refer(doctor_client, in_consultation, radiology_closed)
    same = refer(doctor_client, in_consultation, in_consultation.department)

    assert held.status_code == 400 and list(held.json()["errors"]) == ["entry"]
    assert "already" in held.json()["errors"]["entry"][0]
    assert closed.status_code == 400 and list(closed.json()["errors"]) == ["to_department"]
    assert same.status_code == 400 and "already in Cardiology" in same.json()["errors"]["entry"][0]
    assert Queue.objects.get(pk=in_consultation.pk).status == Queue.Status.IN_CONSULTATION
    assert not Queue.objects.filter(transferred_from=in_consultation).exists()


def test_only_a_consultation_under_way_is_referred(doctor_client, doctor, department, make_token, radiology):
    entry = make_token(department)
    queue_services.call_next(doctor=doctor)

    answer = refer(doctor_client, entry, radiology)

    assert answer.status_code == 400 and list(answer.json()["errors"]) == ["entry"]
    assert Queue.objects.get(pk=entry.pk).status == Queue.Status.CALLED


def test_the_dashboard_refers_without_scripts_too(doctor_client, in_consultation, radiology):
    page = doctor_client.get(reverse("doctors:dashboard")).content.decode()
    assert 'name="action" value="refer"' in page and 'name="to_department"' in page

    answer = doctor_client.post(
        reverse("doctors:dashboard"),
        {"action": "refer", "entry": in_consultation.pk, "to_department": radiology.pk, "consultation_notes": ""},
    )

    assert answer.status_code == 302
    assert Queue.objects.get(transferred_from=in_consultation).department == radiology
