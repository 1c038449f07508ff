"""A department (or the whole hospital) closed for today, from the panel or Django admin, texts each patient still in
its line today (waiting, or skipped and recallable) once that it is closed and to ask at the desk; reopened the same
day, those told so hear that their token stands; closed again, they are told again, never twice in a row."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from notifications import services as messages
from notifications.defaults import DEFAULT_TEMPLATES, DEFAULT_TRANSLATIONS
from notifications.models import Notification, NotificationTemplate
from patients import appointments
from patients import services as queue
from patients.models import ClosedDay, Queue

TemplateType = NotificationTemplate.TemplateType
migration = importlib.import_module("notifications.migrations.0043_closed_today_messages")

CLOSED = {
    "en": "Cardiology is closed today. Please ask at the reception desk about your token",
    "es": "Cardiology está cerrado hoy. Por favor, pregunte en la recepción por su turno",
    "hi": "Cardiology आज बंद है। कृपया अपने टोकन",
    "ar": "Cardiology مغلق اليوم. يُرجى السؤال في مكتب الاستقبال عن رقم الدور",
}


@pytest.fixture
def line(department, make_department, make_token, django_capture_on_commit_callbacks):
    """In Cardiology: one waiting, one skipped, one cancelled; one waiting in another department."""
    with django_capture_on_commit_callbacks(execute=True):
        waiting = make_token(department, phone="+14155550401")
        skipped = make_token(department, phone="+14155550402")
        cancelled = make_token(department, phone="+14155550403")
        queue.cancel(entry=cancelled)
        elsewhere = make_token(make_department(name="Dermatology", code="DERM"), phone="+14155550404")
    Queue.objects.filter(pk=skipped.pk).update(status=Queue.Status.SKIPPED, skipped_at=timezone.now())
    return waiting, skipped, cancelled, elsewhere


def told(fake_twilio, entry):
    return [message.body for message in fake_twilio.received if message.to == entry.patient.phone][1:]


def close(department, act):
    return act(appointments.close_day, day=timezone.localdate(), department=department)


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    def act(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return act


@pytest.mark.parametrize("language", CLOSED)
def test_closing_a_department_today_texts_the_patients_still_in_its_line_once(
    fake_twilio, department, line, act, language
):
    waiting, skipped, cancelled, elsewhere = line
    waiting.patient.language = language
    waiting.patient.save(update_fields=["language"])

    close(department, act)

    [to_waiting], [to_skipped] = told(fake_twilio, waiting), told(fake_twilio, skipped)
    assert CLOSED[language] in to_waiting and waiting.token in to_waiting
    assert CLOSED["en"] in to_skipped and skipped.token in to_skipped
    assert told(fake_twilio, cancelled) == told(fake_twilio, elsewhere) == []


def test_reopening_tells_them_their_token_stands_and_closing_again_tells_them_again_never_twice_in_a_row(
    fake_twilio, department, line, act
):
    waiting = line[0]
    closed = close(department, act)
    act(messages.tell_closing_of_today, department_id=department.pk, day=timezone.localdate(), closed=True)
    act(appointments.reopen_day, closed=closed)
    act(messages.tell_closing_of_today, department_id=department.pk, day=timezone.localdate(), closed=False)
    close(department, act)

    bodies = told(fake_twilio, waiting)
    assert [body.split(",")[1].split(".")[0].strip() for body in bodies] == [
        "Cardiology is closed today",
        "Cardiology is open again today after all: your token " + waiting.token + " stands",
        "Cardiology is closed today",
    ]
    assert "/patients/status/" in bodies[1]


def test_the_whole_hospital_closed_from_django_admin_texts_every_line_and_a_department_closed_too_no_one_again(
    fake_twilio, department, line, act
):
    waiting, skipped, cancelled, elsewhere = line
    act(ClosedDay.objects.create, day=timezone.localdate(), department=None, reason="Power cut")
    act(ClosedDay.objects.create, day=timezone.localdate(), department=department)

    assert [len(told(fake_twilio, entry)) for entry in line] == [1, 1, 0, 1]

    # Cardiology reopened while the whole hospital stays closed: no one hears it is open.
    act(ClosedDay.objects.get(department=department).delete)
    assert [len(told(fake_twilio, entry)) for entry in line] == [1, 1, 0, 1]


def test_a_closing_of_another_day_or_a_reason_edited_texts_no_one(fake_twilio, department, line, act):
    act(appointments.close_day, day=timezone.localdate() + timedelta(days=1), department=department)
    closed = close(department, act)
    closed.reason = "Water leak"
    act(closed.save)

    assert [len(told(fake_twilio, entry)) for entry in line] == [1, 1, 0, 0]
    assert Notification.objects.filter(event=TemplateType.CLOSED_TODAY).count() == 2


def test_a_closed_text_not_sent_before_the_reopening_is_not_sent_after_it(fake_twilio, department, line, act):
    closed = close(department, act)
    Notification.objects.filter(event=TemplateType.CLOSED_TODAY).delete()
    act(appointments.reopen_day, closed=closed)

    sent = act(messages.prepare_queue_notification, entry_id=line[0].pk, template_type=TemplateType.CLOSED_TODAY)

    assert sent is None


def test_a_hospital_with_its_templates_installed_gets_the_new_ones_to_edit(db):
    name, text = DEFAULT_TEMPLATES[TemplateType.YOUR_TURN]
    NotificationTemplate.objects.create(template_type=TemplateType.YOUR_TURN, name=name, sms_template=text)

    migration.install_templates(apps, None)

    for template_type in (TemplateType.CLOSED_TODAY, TemplateType.OPEN_AGAIN_TODAY):
        installed = NotificationTemplate.objects.get(template_type=template_type)
        assert installed.sms_template == DEFAULT_TEMPLATES[template_type][1]
        assert dict(installed.translations.values_list("language", "sms_template")) == DEFAULT_TRANSLATIONS[
            template_type
        ]
    migration.remove_templates(apps, None)
    assert list(NotificationTemplate.objects.values_list("template_type", flat=True)) == [TemplateType.YOUR_TURN]


def test_a_hospital_without_templates_keeps_sending_the_default_texts(db):
    migration.install_templates(apps, None)

    assert not NotificationTemplate.objects.exists()


def test_a_patient_told_the_department_is_closed_today_is_not_then_asked_to_stay_nearby(
    fake_twilio, department, make_token, make_doctor, act
):
    doctor = make_doctor(department=department)
    line = [act(make_token, department=department, phone=f"+1415555041{number}") for number in range(3)]
    close(department, act)

    act(queue.call_next, doctor=doctor)  # the desk sees one more patient: the last is now 1 ahead, within its 3
    act(messages.announce_patients_ahead, entry_id=line[-1].pk)

    [closed] = told(fake_twilio, line[-1])
    assert CLOSED["en"] in closed
    assert not Notification.objects.filter(queue_entry=line[-1], event=TemplateType.PATIENTS_AHEAD).exists()


def test_a_patients_ahead_text_not_yet_gone_when_the_department_closes_is_withdrawn(
    department, make_token, act, broker_down
):
    entry = make_token(department, phone="+14155550420")
    text = messages.prepare_queue_notification(entry_id=entry.pk, template_type=TemplateType.PATIENTS_AHEAD)

    close(department, act)

    text.refresh_from_db()
    assert text.status == Notification.Status.OUTDATED


def test_a_patient_told_the_department_closed_today_is_not_texted_again_when_its_line_closes_at_midnight(
    fake_twilio, department, line, act, clock
):
    from notifications.tasks import tell_patients_left_in_line

    waiting = line[0]
    close(department, act)
    clock.shift(timedelta(hours=19))  # 07:00 the next morning

    act(tell_patients_left_in_line)

    [closed] = told(fake_twilio, waiting)
    assert CLOSED["en"] in closed
