"""Once a department's last doctor of the day has left with patients waiting, each waiting patient is texted, once,
that no doctor is expected back today and to ask at the desk."""

from datetime import time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from adminpanel.models import SystemConfiguration
from doctors.models import Doctor, DoctorSchedule
from doctors.services import set_availability
from notifications.models import Notification, NotificationPreference, NotificationTemplate
from notifications.services import tell_no_doctor_left_today
from patients import services as queue
from patients import tasks
from smartqueue.celery import app as celery_app

NO_DOCTOR_LEFT_TODAY = NotificationTemplate.TemplateType.NO_DOCTOR_LEFT_TODAY


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


def forget_the_cache():
    # Only the cache's own keys on Redis, where the channel layer and Celery's broker share its database.
    delete_pattern = getattr(cache, "delete_pattern", None)
    delete_pattern("*") if delete_pattern else cache.clear()


def go(act, doctor, availability):
    act(set_availability, doctor=doctor, availability=availability, actor=doctor.user)


def told(phone, fake_twilio):
    """The "no doctor back today" texts the phone received."""
    texts = set(Notification.objects.filter(event=NO_DOCTOR_LEFT_TODAY).values_list("body", flat=True))
    return [message.body for message in fake_twilio.received if message.to == phone and message.body in texts]


def test_the_last_doctor_going_off_after_their_shift_texts_each_waiting_patient_once_in_their_language(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    register("Ravi", "+14155550101")
    register("Lucía", "+14155550102", language="es")
    quiet = register("Omar", "+14155550103")
    NotificationPreference.objects.create(patient=quiet.patient, opted_out=True)

    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)

    assert told("+14155550101", fake_twilio) == [
        "Ravi, no doctor is expected back in Cardiology today. Please ask at the desk, showing your token CARD-001."
    ]
    assert told("+14155550102", fake_twilio) == [
        "Lucía, hoy no se espera que vuelva ningún médico a Cardiology. Por favor, pregunte en el mostrador "
        "mostrando su turno CARD-002."
    ]
    assert Notification.objects.get(queue_entry=quiet, event=NO_DOCTOR_LEFT_TODAY).status == "skipped"
    assert not told("+14155550103", fake_twilio)


def test_the_queue_published_again_texts_nobody_again(
    clock, fake_twilio, act, register, doctor_until_eleven, department, make_doctor
):
    register("Ravi", "+14155550101")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)

    # Another doctor, who had no shift today, leaves too; the department is saved; the doctor says offline again.
    go(act, make_doctor(department=department), Doctor.Availability.OFFLINE)
    act(department.save)
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    register("Meena", "+14155550102")

    assert len(told("+14155550101", fake_twilio)) == 1
    assert Notification.objects.filter(event=NO_DOCTOR_LEFT_TODAY).count() == 1
    # Who joins the line afterwards is told by their own registration text.
    assert "no doctor is expected back today" in fake_twilio.received[-1].body


def test_a_doctor_on_a_break_before_their_next_shift_texts_nobody_until_they_leave_after_it(
    clock, fake_twilio, act, register, make_doctor, department
):
    doctor = make_doctor(department=department)
    weekday = timezone.localdate().weekday()
    DoctorSchedule.objects.bulk_create(
        DoctorSchedule(doctor=doctor, weekday=weekday, starts_at=start, ends_at=end)
        for start, end in ((time(8), time(11)), (time(13), time(17)))
    )
    register("Ravi", "+14155550101")

    go(act, doctor, Doctor.Availability.ON_BREAK)

    assert not Notification.objects.filter(event=NO_DOCTOR_LEFT_TODAY).exists()

    go(act, doctor, Doctor.Availability.AVAILABLE)
    clock.shift(timedelta(hours=5, minutes=30))
    go(act, doctor, Doctor.Availability.OFFLINE)

    assert len(told("+14155550101", fake_twilio)) == 1


def test_a_doctor_back_before_the_patients_are_told_tells_nobody(
    clock, fake_twilio, act, register, doctor_until_eleven, department
):
    register("Ravi", "+14155550101")
    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)

    # The task of a queue that said no doctor was left, run only now that one is back.
    assert tell_no_doctor_left_today(department_id=department.pk, day=timezone.localdate()) == 0
    assert not Notification.objects.filter(event=NO_DOCTOR_LEFT_TODAY).exists()


def test_a_doctor_back_who_leaves_again_tells_who_joined_meanwhile_and_nobody_twice(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    register("Ravi", "+14155550101")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)
    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)
    register("Meena", "+14155550102")

    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)

    assert len(told("+14155550101", fake_twilio)) == len(told("+14155550102", fake_twilio)) == 1


def test_a_doctor_late_back_from_a_break_is_expected_not_gone(
    clock, fake_twilio, act, register, make_doctor, department
):
    late_back = make_doctor(department=department)
    DoctorSchedule.objects.bulk_create(
        DoctorSchedule(doctor=late_back, weekday=timezone.localdate().weekday(), starts_at=start, ends_at=end)
        for start, end in ((time(8), time(11)), (time(11, 30), time(17)))
    )
    register("Ravi", "+14155550101")

    # At noon they are half an hour late back for their afternoon.
    go(act, late_back, Doctor.Availability.ON_BREAK)
    register("Meena", "+14155550102")

    assert not Notification.objects.filter(event=NO_DOCTOR_LEFT_TODAY).exists()
    assert "no doctor on duty yet" in fake_twilio.received[-1].body
    assert act(tasks.publish_doctors_gone_by_the_clock) == []


def test_a_doctor_seeing_the_line_out_after_their_shift_who_takes_a_break_tells_nobody_they_are_gone(
    clock, fake_twilio, act, register, doctor_until_eleven, department
):
    ravi, meena = register("Ravi", "+14155550101"), register("Meena", "+14155550102")
    # At noon, an hour past their shift, they see Ravi and take a short break before Meena.
    act(queue.call_next, doctor=doctor_until_eleven)
    act(queue.start_consultation, entry=ravi)
    act(queue.complete_consultation, entry=ravi)
    go(act, doctor_until_eleven, Doctor.Availability.ON_BREAK)

    assert act(tasks.publish_doctors_gone_by_the_clock) == []
    assert not told("+14155550102", fake_twilio)
    go(act, doctor_until_eleven, Doctor.Availability.AVAILABLE)
    assert act(queue.call_next, doctor=doctor_until_eleven) == meena
    assert not Notification.objects.filter(event__in=[NO_DOCTOR_LEFT_TODAY, "doctor_back_today"]).exists()


@pytest.mark.parametrize("availability", [Doctor.Availability.OFFLINE, Doctor.Availability.ON_BREAK])
def test_the_end_of_the_last_shift_of_a_doctor_on_a_break_or_who_never_came_tells_the_waiting_within_a_minute(
    availability, clock, fake_twilio, act, register, make_doctor, department, make_department, make_patient
):
    doctor = make_doctor(department=department, availability=availability)
    DoctorSchedule.objects.create(
        doctor=doctor, weekday=timezone.localdate().weekday(), starts_at=time(8), ends_at=time(13)
    )
    staffed = make_department(name="Dermatology", code="DERM")
    make_doctor(department=staffed)
    register("Ravi", "+14155550101")
    act(queue.allocate_token, department=staffed, patient=make_patient())

    assert act(tasks.publish_doctors_gone_by_the_clock) == []

    clock.shift(timedelta(hours=1, minutes=1))

    assert act(tasks.publish_doctors_gone_by_the_clock) == [department.pk]
    assert told("+14155550101", fake_twilio) == [
        "Ravi, no doctor is expected back in Cardiology today. Please ask at the desk, showing your token CARD-001."
    ]
    assert act(tasks.publish_doctors_gone_by_the_clock) == []
    assert len(told("+14155550101", fake_twilio)) == 1


def test_celery_beat_looks_for_doctors_gone_by_the_clock_each_minute(settings):
    beat = settings.CELERY_BEAT_SCHEDULE["patients-doctors-gone-by-the-clock"]

    assert beat["task"] == tasks.publish_doctors_gone_by_the_clock.name
    assert beat["task"] in celery_app.tasks
    assert beat["schedule"] == 60


def test_the_first_patient_to_join_an_empty_line_nothing_published_since_the_last_doctor_left_is_texted_once(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    # Nothing was published since the doctor left with the line empty (the embedded defaults run no beat to find a
    # doctor gone by the clock; a cache restart forgets the claim): the registration's queue was the first to say it,
    # and its patient got both their registration text saying so and "no doctor is expected back".
    Doctor.objects.filter(pk=doctor_until_eleven.pk).update(availability=Doctor.Availability.OFFLINE)

    register("Ravi", "+14155550101")

    received = [message.body for message in fake_twilio.received if message.to == "+14155550101"]
    assert len(received) == 1 and "no doctor is expected back today" in received[0]
    register("Meena", "+14155550102")
    assert not Notification.objects.filter(event=NO_DOCTOR_LEFT_TODAY).exists()


def test_the_patient_whose_registration_first_says_no_doctor_is_left_is_not_told_again_with_those_waiting(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    # The doctor left with nothing published since (the cache restarted, forgetting the kept queue and its pace):
    # Meena's registration publishes the first queue to say it, and her own text says it already.
    register("Ravi", "+14155550101")
    Doctor.objects.filter(pk=doctor_until_eleven.pk).update(availability=Doctor.Availability.OFFLINE)
    forget_the_cache()

    register("Meena", "+14155550102")

    assert len(told("+14155550101", fake_twilio)) == 1
    received = [message.body for message in fake_twilio.received if message.to == "+14155550102"]
    assert len(received) == 1 and "no doctor is expected back today" in received[0]


def test_a_patient_told_no_doctor_is_expected_back_is_not_then_asked_to_stay_nearby(
    clock, fake_twilio, act, register, doctor_until_eleven
):
    SystemConfiguration.objects.update_or_create(pk=1, defaults={"notify_when_patients_ahead": 1})
    first = register("Ravi", "+14155550101")
    register("Meena", "+14155550102")
    last = register("Lucía", "+14155550103")
    go(act, doctor_until_eleven, Doctor.Availability.OFFLINE)

    act(queue.cancel, entry=first)  # the line moves up: Lucía is now 1 ahead, within her N

    assert told(last.patient.phone, fake_twilio)
    assert not Notification.objects.filter(
        queue_entry=last, event=NotificationTemplate.TemplateType.PATIENTS_AHEAD
    ).exists()
