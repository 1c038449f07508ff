"""Queue events, through the token engine's after-commit hook, become the right patient messages."""

from datetime import UTC, datetime

import pytest

from adminpanel.models import SystemConfiguration
from notifications.models import Notification, NotificationTemplate
from notifications.services import REPEAT_WINDOW_SECONDS, notify_broadcast
from notifications.tasks import send_queue_message
from patients import services as queue
from patients.models import Queue
from patients.selectors import visit_status

TemplateType = NotificationTemplate.TemplateType


@pytest.fixture
def doctor(make_doctor, department, make_user):
    return make_doctor(
        department=department, user=make_user(username="dr.smith", password=None, first_name="Jane", last_name="Smith"), room="Room 4"
    )


@pytest.fixture
def register(department, make_patient, django_capture_on_commit_callbacks):
    def register(name, phone, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return queue.allocate_token(department=department, patient=make_patient(name=name, phone=phone), **fields)

    return register


def bodies_to(fake_twilio, phone):
    return [message.body for message in fake_twilio.received if message.to == phone]


def test_registration_confirms_token_place_wait_and_link(fake_twilio, register):
    register("Ravi", "+14155550101")
    entry = register("Meena", "+14155550102")

    [body] = bodies_to(fake_twilio, "+14155550102")
    assert "your token is CARD-002 for Cardiology. You are number 2 in line; expected wait: no doctor on duty yet." in body
    assert f"http://127.0.0.1:8000/patients/status/{entry.public_id}/" in body


def test_a_long_wait_is_texted_in_hours_as_the_status_page_shows_it(fake_twilio, register, doctor, department):
    department.average_consultation_minutes = 30
    department.save()
    for n in range(5):
        register(f"Patient {chr(ord('A') + n)}", f"+1415555030{n}")

    entry = register("Meena", "+14155550102")

    [body] = bodies_to(fake_twilio, "+14155550102")
    # Five half-hour consultations ahead, of uncertain lengths: the status page's range, in the GSM alphabet (plain
    # spaces, a hyphen: services.sms_text), not its middle "about 2 h 30 min" alone.
    visit = visit_status(entry=entry)
    assert (visit["estimated_wait_low_minutes"], visit["estimated_wait_high_minutes"]) == (100, 200)
    assert "You are number 6 in line; expected wait: about 1 hour 40 min to 3 hours." in body


def test_a_short_sure_wait_is_texted_as_one_figure_and_a_wide_one_as_the_status_pages_range(
    fake_twilio, register, doctor
):
    register("Ravi", "+14155550101")
    for n in range(3):
        register(f"Patient {chr(ord('A') + n)}", f"+1415555030{n}")

    entry = register("Meena", "+14155550102")

    [ravi] = bodies_to(fake_twilio, "+14155550101")
    [meena] = bodies_to(fake_twilio, "+14155550102")
    assert "expected wait: any moment now." in ravi
    visit = visit_status(entry=entry)
    assert (visit["estimated_wait_low_minutes"], visit["estimated_wait_high_minutes"]) == (25, 55)
    assert "expected wait: about 25 to 55 min." in meena


def test_call_tells_the_patient_where_to_go(fake_twilio, register, act, doctor):
    register("Ravi", "+14155550101")

    act(queue.call_next, doctor=doctor)

    assert bodies_to(fake_twilio, "+14155550101")[-1] == (
        "Ravi, it is your turn: token CARD-001, please go to Dr. Jane Smith in Room 4 now."
    )


def test_patient_with_n_ahead_is_told_once(fake_twilio, register, act, doctor):
    SystemConfiguration.objects.update_or_create(pk=1, defaults={"notify_when_patients_ahead": 2})
    entries = [register(f"Patient {n}", f"+1415555020{n}") for n in range(1, 6)]

    act(queue.call_next, doctor=doctor)  # CARD-003 now has 1 ahead, CARD-004 2
    first_ahead = bodies_to(fake_twilio, "+14155550204")[1:]
    act(queue.skip, entry=entries[0])  # nothing moves for waiting patients: no one is told again
    act(queue.cancel, entry=entries[1])  # CARD-005 now has 2 ahead

    assert first_ahead == [
        "Patient 4, 2 patients are ahead of you in Cardiology (token CARD-004, expected wait: about 20 to 40 min). "
        f"Please stay nearby. http://127.0.0.1:8000/patients/status/{entries[3].public_id}/"
    ]
    assert bodies_to(fake_twilio, "+14155550204")[1:] == first_ahead
    assert len(bodies_to(fake_twilio, "+14155550203")) == 2
    assert "1 patient is ahead of you in Cardiology (token CARD-003" in bodies_to(fake_twilio, "+14155550203")[1]
    assert len(bodies_to(fake_twilio, "+14155550205")) == 2
    assert "2 patients are ahead of you in Cardiology (token CARD-005" in bodies_to(fake_twilio, "+14155550205")[1]
    assert Notification.objects.filter(event=TemplateType.PATIENTS_AHEAD).count() == 3


def test_a_patient_told_their_place_on_registering_is_not_told_it_again_until_the_line_moves_them_up(
    fake_twilio, register, act, doctor
):
    """Cy joined third (2 ahead, within the hospital's 3) and was texted "You are number 3 in line"; the patient
    behind her leaving the line a minute later texted her "2 patients are ahead of you": the same place again."""
    register("Amy", "+14155550201")
    register("Bob", "+14155550202")
    register("Cy", "+14155550203")
    behind = register("Di", "+14155550204")

    act(queue.cancel, entry=behind)

    assert len(bodies_to(fake_twilio, "+14155550203")) == 1
    act(queue.call_next, doctor=doctor)
    assert bodies_to(fake_twilio, "+14155550203")[1].startswith(
        "Cy, 1 patient is ahead of you in Cardiology (token CARD-003"
    )
    assert len(bodies_to(fake_twilio, "+14155550202")) == 1  # Bob is next: his turn's text comes next


def test_a_transferred_patient_told_their_place_is_not_told_it_again_by_a_change_behind_them(
    fake_twilio, register, act, doctor, make_department, make_doctor, make_patient, django_capture_on_commit_callbacks
):
    register("Ravi", "+14155550101")
    general = make_department(name="General Medicine", code="GEN")
    make_doctor(department=general)
    with django_capture_on_commit_callbacks(execute=True):
        moving = queue.allocate_token(department=general, patient=make_patient(name="Emma", phone="+14155550301"))
    act(queue.transfer, entry=moving, to_department=doctor.department)
    behind = register("Kofi", "+14155550302")

    act(queue.cancel, entry=behind)

    [_registered, transferred] = bodies_to(fake_twilio, "+14155550301")
    assert "your token is CARD-002 for Cardiology. You are number 2 in line" in transferred
    act(queue.call_next, doctor=doctor)
    assert len(bodies_to(fake_twilio, "+14155550301")) == 2  # next in line: her turn's text comes next


def test_patients_the_line_moves_past_their_n_at_once_are_told_how_many_are_ahead(
    fake_twilio, register, act, doctor, make_doctor, department, django_capture_on_commit_callbacks
):
    entries = [register(f"Patient {n}", f"+1415555020{n}") for n in range(1, 9)]
    act(queue.call_next, doctor=doctor)  # CARD-005 has 3 ahead (the hospital's setting) and is told

    # Two doctors call at once (or the check runs late): CARD-006 goes from 4 ahead to 2.
    with django_capture_on_commit_callbacks(execute=True):
        queue.call_next(doctor=make_doctor(department=department))
        queue.call_next(doctor=make_doctor(department=department))

    assert len(bodies_to(fake_twilio, "+14155550206")) == 2
    assert bodies_to(fake_twilio, "+14155550206")[1].startswith(
        "Patient 6, 2 patients are ahead of you in Cardiology (token CARD-006"
    )
    told = Notification.objects.filter(event=TemplateType.PATIENTS_AHEAD).values_list("queue_entry", flat=True)
    assert sorted(told) == [entry.pk for entry in entries[2:7]]  # CARD-003 to CARD-007, each once


def test_a_token_no_longer_waiting_is_not_told_how_close_it_was(
    fake_twilio, register, act, doctor, django_capture_on_commit_callbacks
):
    entries = [register(f"Patient {n}", f"+1415555020{n}") for n in range(1, 5)]

    with django_capture_on_commit_callbacks(execute=True):
        queue.call_next(doctor=doctor)
        queue.cancel(entry=entries[2])  # within 3 ahead when called, cancelled before the check ran

    assert len(bodies_to(fake_twilio, "+14155550203")) == 1  # its registration only
    assert "1 patient is ahead of you in Cardiology (token CARD-004" in bodies_to(fake_twilio, "+14155550204")[1]


def test_skip_and_completion_messages(fake_twilio, register, act, doctor):
    entry = register("Ravi", "+14155550101")
    act(queue.call_next, doctor=doctor)
    act(queue.skip, entry=entry)
    act(queue.recall, entry=entry)
    act(queue.call_next, doctor=doctor)
    act(queue.start_consultation, entry=entry)
    act(queue.complete_consultation, entry=entry)

    events = list(Notification.objects.filter(queue_entry=entry).order_by("id").values_list("event", flat=True))
    # Called twice (before and after the recall): each call is its own "your turn".
    assert events == ["registration", "your_turn", "skipped", "your_turn", "feedback_request"]
    skipped, feedback = bodies_to(fake_twilio, "+14155550101")[2], bodies_to(fake_twilio, "+14155550101")[-1]
    assert "token CARD-001 was called at" in skipped and "Please see the Cardiology desk" in skipped
    assert feedback.startswith("Thank you for visiting Cardiology, Ravi. How was it?")


def test_a_patient_whose_token_staff_cancel_is_told_and_one_who_cancelled_is_not_told_again(
    fake_twilio, register, act, make_user
):
    # Cancelled from the panel, a patient still waiting in the lobby heard nothing, and waited for a call.
    by_staff = register("Ravi", "+14155550101")
    by_themselves = register("Meena", "+14155550102")

    act(queue.cancel, entry=by_staff, actor=make_user(username="desk"))
    act(queue.cancel, entry=by_themselves)  # their CANCEL, YES by text: the reply to it says so

    assert list(Notification.objects.filter(queue_entry=by_staff).values_list("event", flat=True).order_by("id")) == [
        "registration",
        "cancelled_by_staff",
    ]
    assert bodies_to(fake_twilio, "+14155550101")[-1] == (
        "Ravi, token CARD-001 for Cardiology has been cancelled by the hospital staff. If you still need to be seen, "
        "please ask at the reception desk."
    )
    assert list(Notification.objects.filter(queue_entry=by_themselves).values_list("event", flat=True)) == [
        "registration"
    ]


def test_a_patient_returned_to_the_line_is_told_their_doctor_was_called_away_and_they_keep_their_place(
    fake_twilio, register, act, doctor
):
    entry = register("Ravi", "+14155550101")
    register("Meena", "+14155550102")
    act(queue.call_next, doctor=doctor)
    act(queue.return_to_line, entry=entry)
    act(queue.call_next, doctor=doctor)
    act(queue.return_to_line, entry=entry)  # The doctor called away again: told again.

    events = list(Notification.objects.filter(queue_entry=entry).order_by("id").values_list("event", flat=True))
    assert events == ["registration", "your_turn", "returned_to_line", "your_turn", "returned_to_line"]
    told = bodies_to(fake_twilio, "+14155550101")[2]
    assert told.startswith("Ravi, your doctor was called away before your consultation could start.")
    assert "You keep your place" in told
    assert "token CARD-001 is number 1 in line for Cardiology" in told
    assert "was called at" not in told and "desk" not in told


def test_a_patient_returned_to_the_line_is_told_in_their_language(fake_twilio, register, act, doctor):
    entry = register("Ravi", "+14155550101")
    entry.patient.language = "es"
    entry.patient.save()
    act(queue.call_next, doctor=doctor)
    act(queue.return_to_line, entry=entry)

    assert "su médico tuvo que ausentarse" in bodies_to(fake_twilio, "+14155550101")[-1]


def test_a_consultation_ended_by_an_admin_thanks_the_patient_without_the_no_show_text(
    fake_twilio, register, act, doctor
):
    entry = register("Ravi", "+14155550101")
    act(queue.call_next, doctor=doctor)
    act(queue.start_consultation, entry=entry)
    act(queue.end_consultation, entry=entry)

    events = list(Notification.objects.filter(queue_entry=entry).order_by("id").values_list("event", flat=True))
    assert events == ["registration", "your_turn", "feedback_request"]
    ended = bodies_to(fake_twilio, "+14155550101")[-1]
    assert ended.startswith("Thank you for visiting Cardiology, Ravi. How was it?")
    assert "you were not there" not in ended


def test_stale_message_is_not_sent(fake_twilio, register, act, doctor):
    entry = register("Ravi", "+14155550101")
    act(queue.call_next, doctor=doctor)
    act(queue.skip, entry=entry)
    sent_before = len(fake_twilio.received)

    # A "your turn" delivered late, after the patient was already skipped, would mislead them.
    Notification.objects.filter(queue_entry=entry, event=TemplateType.YOUR_TURN).delete()
    send_queue_message.apply(kwargs={"entry_id": entry.pk, "template_type": TemplateType.YOUR_TURN})

    assert len(fake_twilio.received) == sent_before
    assert not Notification.objects.filter(queue_entry=entry, event=TemplateType.YOUR_TURN).exists()


def test_switched_off_template_sends_nothing_for_that_event(fake_twilio, register):
    NotificationTemplate.objects.create(
        name="Registration", template_type=TemplateType.REGISTRATION, sms_template="{token}", is_active=False
    )

    register("Ravi", "+14155550101")

    assert fake_twilio.received == []


def test_admin_text_and_whatsapp_text_are_used(fake_twilio, register):
    NotificationTemplate.objects.create(
        name="Registration", template_type=TemplateType.REGISTRATION, sms_template="Token {token}, place {position}."
    )

    register("Ravi", "+14155550101")

    assert bodies_to(fake_twilio, "+14155550101") == ["Token CARD-001, place 1."]


def test_broadcast_reaches_waiting_patients_of_the_department_only(
    fake_twilio, register, act, doctor, make_department, make_patient, django_capture_on_commit_callbacks
):
    register("Ravi", "+14155550101")
    register("Meena", "+14155550102")
    act(queue.call_next, doctor=doctor)  # Ravi is no longer waiting
    with django_capture_on_commit_callbacks(execute=True):
        queue.allocate_token(department=make_department(name="Radiology"), patient=make_patient(phone="+14155550103"))
    received_before = len(fake_twilio.received)

    act(notify_broadcast, message="The clinic closes at 4pm today.", department_id=doctor.department_id)

    assert [(m.to, m.body) for m in fake_twilio.received[received_before:]] == [
        ("+14155550102", "Cardiology (token CARD-002): The clinic closes at 4pm today.")
    ]


def test_broadcast_to_all_departments(
    fake_twilio, register, act, make_department, make_patient, django_capture_on_commit_callbacks
):
    register("Ravi", "+14155550101")
    with django_capture_on_commit_callbacks(execute=True):
        queue.allocate_token(department=make_department(name="Radiology"), patient=make_patient(phone="+14155550103"))
    received_before = len(fake_twilio.received)

    act(notify_broadcast, message="Fire drill at noon.")

    assert sorted(m.to for m in fake_twilio.received[received_before:]) == ["+14155550101", "+14155550103"]
    assert Queue.objects.waiting().count() == 2


def test_a_patient_waiting_in_two_departments_gets_a_broadcast_to_all_departments_once(
    fake_twilio, register, act, make_department, django_capture_on_commit_callbacks
):
    ravi = register("Ravi", "+14155550101")
    with django_capture_on_commit_callbacks(execute=True):
        queue.allocate_token(department=make_department(name="Radiology"), patient=ravi.patient)
    received_before = len(fake_twilio.received)

    act(notify_broadcast, message="Fire drill at noon.")

    assert [m.to for m in fake_twilio.received[received_before:]] == ["+14155550101"]


def test_a_patient_is_texted_a_days_broadcasts_and_the_screens_show_the_rest(
    fake_twilio, register, act, settings, make_department, make_patient, django_capture_on_commit_callbacks
):
    settings.BROADCAST_TEXTS_PER_PATIENT_PER_DAY = 3
    register("Ravi", "+14155550101")
    received_before = len(fake_twilio.received)

    for number in range(1, 7):
        act(notify_broadcast, message=f"Update {number}: the doctor is running late.", broadcast_id=f"b{number}")
    # The same broadcast's task run again (its worker died) is not a new broadcast.
    act(notify_broadcast, message="Update 3: the doctor is running late.", broadcast_id="b3")
    # A patient who joins later gets the day's first broadcasts of theirs all the same.
    with django_capture_on_commit_callbacks(execute=True):
        queue.allocate_token(department=make_department(name="Radiology"), patient=make_patient(phone="+14155550103"))
    act(notify_broadcast, message="Update 7: the doctor is here.", broadcast_id="b7")

    assert [m.body[-37:] for m in fake_twilio.received[received_before:] if m.to == "+14155550101"] == [
        f"Update {number}: the doctor is running late." for number in range(1, 4)
    ]
    assert bodies_to(fake_twilio, "+14155550103")[-1].endswith("Update 7: the doctor is here.")


def test_a_broadcast_reaches_each_patient_in_their_language_else_as_written(
    fake_twilio, act, department, make_patient, django_capture_on_commit_callbacks
):
    for phone, language in [("+14155550101", "es"), ("+14155550102", "en"), ("+14155550103", "hi")]:
        with django_capture_on_commit_callbacks(execute=True):
            queue.allocate_token(department=department, patient=make_patient(phone=phone, language=language))
    received_before = len(fake_twilio.received)

    # Hindi left empty: its readers get the message as written.
    act(
        notify_broadcast,
        message="Dr. Rao is delayed 30 minutes.",
        translations={"es": "El Dr. Rao llega con 30 minutos de retraso."},
    )

    assert sorted((m.to, m.body) for m in fake_twilio.received[received_before:]) == [
        ("+14155550101", "Cardiology (turno CARD-001): El Dr. Rao llega con 30 minutos de retraso."),
        ("+14155550102", "Cardiology (token CARD-002): Dr. Rao is delayed 30 minutes."),
        ("+14155550103", "Cardiology (टोकन CARD-003): Dr. Rao is delayed 30 minutes."),
    ]


def test_a_repeated_online_registration_sends_the_open_token_again_at_most_once_per_window(
    fake_twilio, department, act, time_machine
):
    # Two minutes into a window, so the repeats below share it whatever the wall clock says.
    time_machine.move_to(datetime(2026, 11, 25, 9, 2, tzinfo=UTC), tick=False)
    details = {"department": department, "name": "Meena", "phone": "+14155550102", "age": 40, "gender": "female"}
    act(queue.register_visit, self_service=True, **details)

    act(queue.register_visit, self_service=True, **details)
    act(queue.register_visit, self_service=True, **details)
    time_machine.shift(REPEAT_WINDOW_SECONDS)
    act(queue.register_visit, self_service=True, **details)

    entry = Queue.objects.get()
    bodies = bodies_to(fake_twilio, "+14155550102")
    assert len(bodies) == 3, "the first confirmation, then one repeat per window"
    assert all("your token is CARD-001" in body and entry.get_absolute_url() in body for body in bodies)


def test_patients_still_waiting_when_the_days_line_closed_are_told_once(fake_twilio, register, act, doctor, clock):
    from datetime import timedelta

    from notifications.tasks import tell_patients_left_in_line

    register("Ravi", "+14155550101")
    register("Meena", "+14155550102")
    act(queue.call_next, doctor=doctor)  # Ravi is seen; Meena is still waiting at midnight
    clock.shift(timedelta(hours=12, minutes=1))

    act(tell_patients_left_in_line)
    act(tell_patients_left_in_line)

    told = [body for body in bodies_to(fake_twilio, "+14155550102") if "line closed" in body]
    assert told == [
        "Meena, token CARD-002 for Cardiology was not called before the day's line closed at midnight. If you "
        "still need to be seen, please register again or ask at the reception desk."
    ]
    assert not [body for body in bodies_to(fake_twilio, "+14155550101") if "line closed" in body]


def test_a_patient_called_and_never_seen_is_told_with_those_left_in_line_once_the_call_closed(
    fake_twilio, register, act, doctor, clock
):
    from datetime import timedelta

    from notifications.tasks import tell_patients_left_in_line
    from patients.tasks import close_days_over

    register("Ravi", "+14155550101")
    act(queue.call_next, doctor=doctor)  # Ravi never comes in, and no one marks him a no-show
    clock.shift(timedelta(hours=18, minutes=1))  # 06:01 the next morning: the day's calls left open are closed

    act(close_days_over)
    act(tell_patients_left_in_line)

    assert [body for body in bodies_to(fake_twilio, "+14155550101") if "line closed" in body] == [
        "Ravi, token CARD-001 for Cardiology was not called before the day's line closed at midnight. If you "
        "still need to be seen, please register again or ask at the reception desk."
    ]


def test_patients_left_in_line_are_texted_in_the_hospitals_morning_not_at_night(settings):
    beat = settings.CELERY_BEAT_SCHEDULE["tell-patients-left-in-line"]

    assert beat["task"] == "notifications.tasks.tell_patients_left_in_line"
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
    assert beat["schedule"].hour <= set(range(7, 21))


def test_a_transferred_patient_is_told_their_place_once_and_the_line_they_left_moves_up(
    fake_twilio, register, act, doctor, make_department, make_doctor, make_patient, django_capture_on_commit_callbacks
):
    register("Ravi", "+14155550101")
    general = make_department(name="General Medicine", code="GEN")
    make_doctor(department=general)
    with django_capture_on_commit_callbacks(execute=True):
        leaving = queue.allocate_token(department=general, patient=make_patient(name="Emma", phone="+14155550301"))
        for name, phone in (("Ana", "+14155550302"), ("Kofi", "+14155550303")):
            queue.allocate_token(department=general, patient=make_patient(name=name, phone=phone))

    act(queue.transfer, entry=leaving, to_department=doctor.department)

    # Told "number 2 in line" and, the same second, "1 patient is ahead of you": one thing said twice.
    [registered, transferred] = bodies_to(fake_twilio, "+14155550301")
    assert "your token is CARD-002 for Cardiology. You are number 2 in line" in transferred
    assert bodies_to(fake_twilio, "+14155550303")[1].startswith(
        "Kofi, 1 patient is ahead of you in General Medicine (token GEN-003"
    )
    told = Notification.objects.filter(event=TemplateType.PATIENTS_AHEAD).values_list("patient__name", flat=True)
    assert list(told) == ["Kofi"]
