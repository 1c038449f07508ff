"""Once a doctor is back in a department whose waiting patients were texted that no doctor is expected back today,
each of them still waiting is texted, once, that a doctor will see patients after all, with their place and wait."""

from datetime import time, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from doctors.models import Doctor, DoctorAbsence, DoctorSchedule
from doctors.services import call_next, record_absence, set_availability, withdraw_absence
from notifications import tasks
from notifications.models import Notification, NotificationPreference, NotificationTemplate
from notifications.services import tell_doctor_back_today
from patients import services as queue

TemplateType = NotificationTemplate.TemplateType


@pytest.fixture
def register(act, department, make_patient):
    def register(name, phone, language="en"):
        patient = make_patient(name=name, phone=phone, language=language)
        return act(queue.allocate_token, department=department, patient=patient)

    return register


@pytest.fixture
def doctor_until_eleven(make_doctor, department):
    """The clock stands at noon: the doctor's only shift of the day ended at eleven, and they are still on duty."""
    doctor = make_doctor(department=department)
    DoctorSchedule.objects.create(
        doctor=doctor, weekday=timezone.localdate().weekday(), starts_at=time(8), ends_at=time(11)
    )
    return doctor


def go(act, doctor, availability):
    act(set_availability, doctor=doctor, availability=availability, actor=doctor.user)


def texts(phone, fake_twilio, event):
    """The texts of that event the phone received, in order."""
    bodies = set(Notification.objects.filter(event=event).values_list("body", flat=True))
    return [message.body for message in fake_twilio.received if message.to == phone and message.body in bodies]


def back(phone, fake_twilio):
    return texts(phone, fake_twilio, TemplateType.DOCTOR_BACK_TODAY)


def test_the_patients_told_no_doctor_is_left_are_told_once_in_their_language_when_one_is_back(
    clock, fake_twilio, act, register, doctor_until_eleven, settings
):
    ravi = register("Ravi", "+14155550101")
    register("Lucía", "+14155550102", language="es")
    register("Anil", "+14155550103", language="hi")
    register("Omar", "+14155550104", language="ar")
    leaving = register("Meena", "+14155550105")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    # Joined after the news (their own text said it), and left the line after it: neither is told a doctor is back.
    register("Kumar", "+14155550106")
    act(queue.cancel, entry=leaving)

    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)

    link = settings.SITE_URL + ravi.get_absolute_url()
    assert back("+14155550101", fake_twilio) == [
        "Ravi, a doctor will see patients in Cardiology today after all. Token CARD-001 is number 1 in line; "
        f"expected wait: any moment now. Follow your place: {link}"
    ]
    assert back("+14155550102", fake_twilio)[0].startswith(
        "Lucía, al final hoy sí habrá un médico atendiendo en Cardiology. El turno CARD-002 tiene el número 2 en la "
        "fila; espera prevista: alrededor de 10 min."
    )
    assert back("+14155550103", fake_twilio)[0].startswith("Anil, अब आज Cardiology में एक डॉक्टर मरीज़ों को देखेंगे।")
    # Opened by a right-to-left mark: the text's words are Arabic, its first letters the patient's Latin name.
    assert back("+14155550104", fake_twilio)[0].startswith(
        "\u200fOmar، سيعود طبيب لاستقبال المرضى في Cardiology اليوم."
    )
    assert not back("+14155550105", fake_twilio)
    assert not back("+14155550106", fake_twilio)
    assert Notification.objects.filter(event=TemplateType.DOCTOR_BACK_TODAY).count() == 4


def test_a_doctor_flapping_between_offline_and_available_tells_each_patient_once(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    register("Ravi", "+14155550101")
    for _ in range(3):
        go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
        go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)

    assert len(texts("+14155550101", fake_twilio, TemplateType.NO_DOCTOR_LEFT_TODAY)) == 1
    assert len(back("+14155550101", fake_twilio)) == 1
    # The task of an episode's end run again (redelivered, redispatched) records nothing more.
    assert tell_doctor_back_today(department_id=doctor_until_eleven.department_id, day=timezone.localdate()) == 0


def test_a_patient_told_in_a_later_episode_is_told_when_it_ends(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    register("Ravi", "+14155550101")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)
    register("Meena", "+14155550102")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)

    # Calling the next patient from offline is being back at work: Ravi is called, Meena is told.
    doctor_until_eleven.refresh_from_db()
    act(call_next, doctor=doctor_until_eleven, actor=doctor_until_eleven.user)

    assert len(back("+14155550101", fake_twilio)) == 1
    assert len(back("+14155550102", fake_twilio)) == 1


def test_an_absence_recorded_by_mistake_and_withdrawn_tells_the_patients_a_doctor_is_back(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    register("Ravi", "+14155550101")
    act(record_absence, doctor=doctor_until_eleven, day=timezone.localdate(), actor=doctor_until_eleven.user)

    act(withdraw_absence, absence=DoctorAbsence.objects.get(), actor=doctor_until_eleven.user)

    assert len(texts("+14155550101", fake_twilio, TemplateType.NO_DOCTOR_LEFT_TODAY)) == 1
    assert len(back("+14155550101", fake_twilio)) == 1


def test_a_patient_who_sent_stop_after_the_news_is_not_told(clock, fake_twilio, act, register, doctor_until_eleven):
    ravi = register("Ravi", "+14155550101")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    NotificationPreference.objects.create(patient=ravi.patient, opted_out=True)

    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)

    assert not back("+14155550101", fake_twilio)
    assert Notification.objects.get(queue_entry=ravi, event=TemplateType.DOCTOR_BACK_TODAY).status == "skipped"


def test_a_patient_never_told_no_doctor_is_left_is_not_told_one_is_back(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    quiet = register("Omar", "+14155550103")
    NotificationPreference.objects.create(patient=quiet.patient, opted_out=True)
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    NotificationPreference.objects.filter(patient=quiet.patient).update(opted_out=False)

    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)

    assert not Notification.objects.filter(event=TemplateType.DOCTOR_BACK_TODAY).exists()


def test_a_doctor_gone_again_before_the_task_runs_tells_nobody(clock, fake_twilio, act, register, doctor_until_eleven):
    register("Ravi", "+14155550101")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    with mock.patch("patients.hooks.announce_doctor_back_today"):
        go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)

    # The task of the queue that had the doctor back, run only now that they are gone again.
    assert tell_doctor_back_today(department_id=doctor_until_eleven.department_id, day=timezone.localdate()) == 0
    assert not Notification.objects.filter(event=TemplateType.DOCTOR_BACK_TODAY).exists()


def test_a_doctor_back_before_seven_in_the_morning_is_told_at_seven(clock, settings):
    clock.move_to(timezone.localtime().replace(hour=5, minute=30))
    seven = timezone.localtime().replace(hour=settings.REMINDERS_NOT_BEFORE_HOUR, minute=0)
    kwargs = {"department_id": 1, "day": timezone.localdate().isoformat()}

    with (
        mock.patch.object(tasks.tell_doctor_back_today, "apply_async") as later,
        mock.patch("notifications.services.tell_doctor_back_today") as now,
    ):
        tasks.tell_doctor_back_today(**kwargs)
        clock.shift(timedelta(hours=1, minutes=30))
        tasks.tell_doctor_back_today(**kwargs)

    later.assert_called_once_with(kwargs=kwargs, eta=seven)
    now.assert_called_once()


def test_a_no_doctor_text_not_yet_written_when_a_doctor_is_back_is_not_sent(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    ravi = register("Ravi", "+14155550101")
    with mock.patch("patients.hooks.announce_no_doctor_left_today"):
        go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)

    # Ravi's "no doctor" message, its task run only now (a busy worker, a broker outage), after the doctor is back.
    act(tasks.send_queue_message, entry_id=ravi.pk, template_type=TemplateType.NO_DOCTOR_LEFT_TODAY)

    assert not Notification.objects.filter(queue_entry=ravi, event=TemplateType.NO_DOCTOR_LEFT_TODAY).exists()


def test_copies_of_the_task_run_at_once_text_each_patient_once(
    clock, fake_twilio, act, register, doctor_until_eleven, django_capture_on_commit_callbacks
):
    """A "doctor back" decided before 07:00 waits in Redis with an ETA longer than the broker's visibility timeout,
    which hands it out again each hour: at 07:00 several copies run at once, none seeing what the others record."""
    register("Ravi", "+14155550101")
    register("Lucía", "+14155550102", language="es")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    with mock.patch("patients.hooks.announce_doctor_back_today"):
        go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)
    department_id, today = doctor_until_eleven.department_id, timezone.localdate()

    with django_capture_on_commit_callbacks() as left_for_after_commit:
        copies = [tell_doctor_back_today(department_id=department_id, day=today) for _ in range(3)]
    for callback in left_for_after_commit:
        callback()

    assert copies == [2, 2, 2]  # each copy saw nobody told yet
    assert len(back("+14155550101", fake_twilio)) == 1
    assert len(back("+14155550102", fake_twilio)) == 1
    assert Notification.objects.filter(event=TemplateType.DOCTOR_BACK_TODAY).count() == 2


def test_a_no_doctor_text_waiting_for_its_retry_when_one_is_back_is_withdrawn_and_no_return_is_announced(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    ravi = register("Ravi", "+14155550101")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    # Refused by Twilio's rate limit: back in the outbox for a retry.
    Notification.objects.filter(event=TemplateType.NO_DOCTOR_LEFT_TODAY).update(
        status=Notification.Status.QUEUED, twilio_sid=""
    )
    sent_before = len(fake_twilio.received)

    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)
    [no_doctor] = Notification.objects.filter(queue_entry=ravi, event=TemplateType.NO_DOCTOR_LEFT_TODAY)
    tasks.resume_notification.apply(kwargs={"notification_id": no_doctor.pk})

    no_doctor.refresh_from_db()
    assert no_doctor.status == Notification.Status.OUTDATED
    # Never told no doctor was left, Ravi is not told one is back either.
    assert not Notification.objects.filter(event=TemplateType.DOCTOR_BACK_TODAY).exists()
    assert len(fake_twilio.received) == sent_before


def test_a_patient_whose_no_doctor_text_was_withdrawn_is_told_when_no_doctor_is_left_again(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    ravi = register("Ravi", "+14155550101")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    Notification.objects.filter(event=TemplateType.NO_DOCTOR_LEFT_TODAY).update(status=Notification.Status.QUEUED)
    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)

    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)

    statuses = Notification.objects.filter(queue_entry=ravi, event=TemplateType.NO_DOCTOR_LEFT_TODAY).order_by("pk")
    assert list(statuses.values_list("status", flat=True)) == [Notification.Status.OUTDATED, Notification.Status.SENT]
