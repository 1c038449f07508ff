"""Every dashboard action through POST /doctors/api/, and what GET /doctors/api/ shows."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from adminpanel.models import AuditLog
from doctors.actions import ALREADY
from doctors.models import Doctor, DoctorAbsence, DoctorSchedule
from patients import services as queue_services
from patients.models import Queue

API = "/doctors/api/"


def post(client, **data):
    return client.post(API, data, content_type="application/json", REMOTE_ADDR="10.1.2.3")


def test_dashboard_lists_the_queue_in_service_order_without_phone_numbers(doctor_client, department, make_token):
    normal = make_token(department)
    emergency = make_token(department, priority="emergency")
    high = make_token(department, priority="high", phone="+15550009999")
    data = doctor_client.get(API).json()
    assert [row["token"] for row in data["waiting"]] == [emergency.token, high.token, normal.token]
    assert "+15550009999" not in str(data)
    assert data["current"] is None
    assert data["department"]["name"] == "Cardiology"


def test_waiting_minutes_grow_with_the_clock(clock, doctor_client, department, make_token):
    make_token(department)
    clock.shift(timedelta(minutes=17))
    assert doctor_client.get(API).json()["waiting"][0]["waiting_minutes"] == 17


def test_the_dashboard_gives_a_long_wait_in_hours_and_minutes(clock, client, doctor, department, make_token):
    make_token(department)
    clock.shift(timedelta(minutes=162))
    client.force_login(doctor.user)  # signed in now: a session idle that long would have ended

    page = client.get(reverse("doctors:dashboard-live")).content.decode()

    assert "<td>2 hours 40 min</td>" in page and "162 min" not in page

def test_a_patient_with_another_departments_doctor_is_marked_so_and_passed_over_by_call_next(
    client, doctor_client, doctor, department, make_department, make_doctor, make_patient
):
    maria = make_patient(name="Maria", phone="+12025550181")
    first = queue_services.allocate_token(department=department, patient=maria)
    second = queue_services.allocate_token(department=department, patient=make_patient(name="Kofi"))
    orthopedics = make_department(name="Orthopedics", code="ORTH", translations={"es": {"name": "Ortopedia"}})
    queue_services.allocate_token(department=orthopedics, patient=maria)
    queue_services.call_next(doctor=make_doctor(department=orthopedics))

    rows = doctor_client.get(API).json()["waiting"]
    page = client.get(reverse("doctors:dashboard-live"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert [(row["token"], row["with_a_doctor_in"]) for row in rows] == [
        (first.token, "Orthopedics"),
        (second.token, ""),
    ]
    assert page.count("data-with-a-doctor-in") == 1 and "Ortopedia" in page
    called = post(doctor_client, action="call_next").json()["dashboard"]["current"]
    assert (called["token"], called["with_a_doctor_in"]) == (second.token, "")


def test_call_next_then_start_then_complete_with_notes(doctor_client, doctor, department, make_token):
    entry = make_token(department)
    response = post(doctor_client, action="call_next")
    assert response.status_code == 200, response.json()
    assert response.json()["dashboard"]["current"]["token"] == entry.token
    assert post(doctor_client, action="start").status_code == 200
    response = post(doctor_client, action="complete", consultation_notes="BP fine; review in a month.")
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.status == Queue.Status.COMPLETED
    assert entry.doctor == doctor
    assert entry.consultation_notes == "BP fine; review in a month."
    assert response.json()["dashboard"]["statistics"]["seen"] == 1
    actions = list(AuditLog.objects.filter(object_id=str(entry.pk)).values_list("action", "actor", "ip_address"))
    assert ("queue.called", doctor.user.pk, "10.1.2.3") in actions
    assert ("queue.completed", doctor.user.pk, "10.1.2.3") in actions


def test_a_doctor_moved_to_another_department_still_counts_the_patients_seen_before_the_move(
    doctor_client, doctor, department, make_department, make_token
):
    make_token(department)
    post(doctor_client, action="call_next")
    post(doctor_client, action="start")
    post(doctor_client, action="complete")
    make_token(department)
    post(doctor_client, action="call_next")
    post(doctor_client, action="skip", entry=Queue.objects.get(status=Queue.Status.CALLED).pk)
    doctor.department = make_department(name="Orthopedics", code="ORTH")
    doctor.save()
    statistics = doctor_client.get(API).json()["statistics"]
    # The no-show was Cardiology's, not the new department's.
    assert (statistics["seen"], statistics["no_shows"]) == (1, 0)


def test_skip_and_recall(doctor_client, department, make_token):
    entry = make_token(department)
    post(doctor_client, action="call_next")
    response = post(doctor_client, action="skip", entry=entry.pk)
    assert response.status_code == 200
    assert [row["token"] for row in response.json()["dashboard"]["skipped"]] == [entry.token]
    assert response.json()["dashboard"]["statistics"]["no_shows"] == 1
    response = post(doctor_client, action="recall", entry=entry.pk)
    assert response.status_code == 200
    assert [row["token"] for row in response.json()["dashboard"]["waiting"]] == [entry.token]


def test_transfer_sends_the_patient_to_the_other_department(doctor_client, department, make_department, make_token):
    dermatology = make_department(name="Dermatology", code="DERM")
    entry = make_token(department)
    post(doctor_client, action="call_next")
    response = post(doctor_client, action="transfer", to_department=dermatology.pk)
    assert response.status_code == 200, response.json()
    new_entry = Queue.objects.get(transferred_from=entry)
    assert new_entry.department == dermatology and new_entry.status == Queue.Status.WAITING
    assert response.json()["dashboard"]["current"] is None


@pytest.mark.parametrize("action", ["transfer", "refer"])
def test_no_patient_is_sent_to_a_department_whose_doctors_have_all_gone_for_the_day(
    clock, doctor_client, department, make_department, make_doctor, make_token, action
):
    # An emergency transferred to General Medicine after its one doctor went off sick waited there for nobody.
    general = make_department(name="General Medicine", code="GEN")
    sick = make_doctor(department=general)
    DoctorSchedule.objects.create(
        doctor=sick, weekday=timezone.localdate().weekday(), starts_at=time(8), ends_at=time(16)
    )
    DoctorAbsence.objects.create(doctor=sick, day=timezone.localdate(), reason="Sick")
    entry = make_token(department, priority="emergency")
    post(doctor_client, action="call_next")
    if action == "refer":
        post(doctor_client, action="start")

    response = post(doctor_client, action=action, to_department=general.pk)

    assert response.status_code == 400
    assert response.json()["errors"]["to_department"] == [
        "No doctor is expected back in General Medicine today: nobody would see the patient there."
    ]
    entry.refresh_from_db()
    assert entry.status != Queue.Status.CANCELLED and entry.status != Queue.Status.COMPLETED
    assert not Queue.objects.filter(department=general).exists()


def test_a_transfer_names_the_department_in_the_doctors_language(doctor_client, department, make_department, make_token):
    """A doctor working in Spanish read "Transferido como DERM-001 a Dermatology" with the Spanish name on file."""
    dermatology = make_department(name="Dermatology", code="DERM", translations={"es": {"name": "Dermatología"}})
    make_token(department)
    post(doctor_client, action="call_next")
    response = doctor_client.post(
        API, {"action": "transfer", "to_department": dermatology.pk}, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert "Dermatología" in response.json()["message"] and "Dermatology" not in response.json()["message"]


def test_set_availability_saves_audits_and_tells_the_department(
    doctor_client, doctor, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr("patients.broadcasts.publish_department_change", lambda **kwargs: published.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(doctor_client, action="set_availability", availability="on_break")
    assert response.status_code == 200
    doctor.refresh_from_db()
    assert doctor.availability == Doctor.Availability.ON_BREAK
    audit = AuditLog.objects.get(action="doctor.availability")
    assert (audit.before, audit.after, audit.ip_address) == (
        {"availability": "available"},
        {"availability": "on_break"},
        "10.1.2.3",
    )
    assert published == [
        {
            "event": "availability",
            "department_id": doctor.department_id,
            "payload": {"doctor_id": doctor.pk, "availability": "on_break"},
        }
    ]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"action": "dance"}, "action"),
        ({}, "action"),
        ({"action": "start"}, "entry"),
        ({"action": "recall"}, "entry"),
        ({"action": "set_availability", "availability": "asleep"}, "availability"),
        ({"action": "set_availability"}, "availability"),
        ({"action": "transfer", "entry": 1}, "to_department"),
        ({"action": "call_next"}, "action"),
    ],
)
def test_bad_requests_get_400_naming_the_field(doctor_client, data, field):
    response = post(doctor_client, **data)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_illegal_transition_is_a_400_and_changes_nothing(doctor_client, department, make_token):
    entry = make_token(department)
    response = post(doctor_client, action="start", entry=entry.pk)
    assert response.status_code == 400
    assert response.json()["errors"]["entry"][0].startswith(f"{entry.token} is waiting in the queue:")
    entry.refresh_from_db()
    assert entry.status == Queue.Status.WAITING


def test_a_token_already_moved_on_is_said_as_what_it_is_now_not_as_statuses(
    doctor_client, doctor, department, make_token
):
    """Another tab started the consultation: the second "Start" says so in words, and what the page does."""
    entry = make_token(department)
    queue_services.call_patient(entry=entry, doctor=doctor)
    post(doctor_client, action="start", entry=entry.pk)

    response = post(doctor_client, action="start", entry=entry.pk)

    assert response.status_code == 400
    assert response.json()["errors"]["entry"] == [
        f"{entry.token} is already in consultation: the page now shows it as it is."
    ]
    assert set(ALREADY) == set(Queue.Status), "every status a token can be in has its words"


def test_a_doctor_cannot_touch_another_departments_tokens(doctor_client, make_department, make_doctor, make_token):
    ent = make_department(name="ENT", code="ENT")
    elsewhere = make_token(ent)
    queue_services.call_patient(entry=elsewhere, doctor=make_doctor(department=ent))
    queue_services.skip(entry=elsewhere)
    response = post(doctor_client, action="recall", entry=elsewhere.pk)
    assert response.status_code == 400
    assert "not in the Cardiology queue" in response.json()["errors"]["entry"][0]
    elsewhere.refresh_from_db()
    assert elsewhere.status == Queue.Status.SKIPPED


def test_a_patient_never_called_cannot_be_marked_a_no_show(doctor_client, department, make_token):
    """A no-show is a called patient who did not come; its message says they were called."""
    waiting = make_token(department, priority="emergency")

    response = post(doctor_client, action="skip", entry=waiting.pk)

    assert response.status_code == 400
    assert response.json()["errors"]["entry"][0].startswith(f"{waiting.token} is waiting in the queue:")
    waiting.refresh_from_db()
    assert waiting.status == Queue.Status.WAITING and waiting.skipped_at is None


def test_a_doctor_cannot_complete_a_colleagues_consultation(doctor_client, department, make_doctor, make_token):
    colleague = make_doctor(department=department)
    make_token(department)
    entry = queue_services.call_next(doctor=colleague)
    queue_services.start_consultation(entry=entry)
    response = post(doctor_client, action="complete", entry=entry.pk)
    assert response.status_code == 400
    assert "with another doctor" in response.json()["errors"]["entry"][0]


def test_dashboard_page_buttons_work_without_javascript(doctor_client, department, make_token):
    entry = make_token(department)
    page = doctor_client.get(reverse("doctors:dashboard"))
    assert entry.token in page.content.decode()
    response = doctor_client.post(reverse("doctors:dashboard"), {"action": "call_next"}, follow=True)
    assert f"Called {entry.token}." in response.content.decode()
    response = doctor_client.post(reverse("doctors:dashboard"), {"action": "call_next"}, follow=True)
    assert f"Finish with token {entry.token}" in response.content.decode()


@pytest.mark.parametrize("body", ["[1, 2]", '"call_next"', "{not json"])
def test_a_body_that_is_not_an_object_of_fields_is_a_400(doctor_client, body):
    response = doctor_client.post(API, body, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_patient_called_on_an_earlier_day_is_shown_as_such_without_a_transfer(
    doctor_client, doctor, department, make_token, make_department
):
    make_department(name="Dermatology", code="DERM")
    make_token(department)
    called = queue_services.call_next(doctor=doctor)
    Queue.objects.filter(pk=called.pk).update(token_date=timezone.localdate() - timedelta(days=1))

    page = doctor_client.get(reverse("doctors:dashboard")).content.decode()
    current = doctor_client.get(API).json()["current"]

    assert current["earlier_day"] == (timezone.localdate() - timedelta(days=1)).isoformat()
    assert 'id="current-earlier-day"' in page and "not today" in page
    assert 'name="action" value="transfer"' not in page


def test_todays_patient_called_carries_no_earlier_day_and_can_be_transferred(
    doctor_client, doctor, department, make_token, make_department
):
    make_department(name="Dermatology", code="DERM")
    make_token(department)
    queue_services.call_next(doctor=doctor)

    page = doctor_client.get(reverse("doctors:dashboard")).content.decode()

    assert doctor_client.get(API).json()["current"]["earlier_day"] is None
    assert 'id="current-earlier-day"' not in page and 'name="action" value="transfer"' in page


@pytest.mark.parametrize("availability", ["on_break", "offline"])
def test_a_doctor_calling_while_marked_away_is_back_at_work(
    doctor_client, doctor, department, make_token, availability
):
    make_token(department)
    away = {"action": "set_availability", "availability": availability}
    doctor_client.post(API, away, content_type="application/json")

    called = doctor_client.post(API, {"action": "call_next"}, content_type="application/json")

    assert called.status_code == 200
    doctor.refresh_from_db()
    assert doctor.availability == "available"
    assert AuditLog.objects.filter(action="doctor.availability", after={"availability": "available"}).exists()


def test_a_doctor_recorded_absent_who_calls_is_here_and_counted_on_duty(doctor_client, doctor, department, make_token):
    from doctors.models import DoctorAbsence
    from doctors.services import record_absence
    from patients.selectors import department_queue_snapshot

    make_token(department)
    make_token(department)
    record_absence(doctor=doctor, day=timezone.localdate(), reason="Leave")

    called = doctor_client.post(API, {"action": "call_next"}, content_type="application/json")

    assert called.status_code == 200
    assert not DoctorAbsence.objects.filter(doctor=doctor).exists()
    assert AuditLog.objects.filter(action="doctor.absence_withdrawn").exists()
    assert department_queue_snapshot(department=department)["doctors_on_duty"] == 1


@pytest.mark.parametrize("availability", ["on_break", "offline"])
def test_a_doctor_with_a_patient_called_cannot_go_away(doctor_client, doctor, department, make_token, availability):
    make_token(department)
    doctor_client.post(API, {"action": "call_next"}, content_type="application/json")

    refused = doctor_client.post(API, {"action": "set_availability", "availability": availability},
                                 content_type="application/json")

    assert refused.status_code == 400 and "availability" in refused.json()["errors"], refused.json()
    assert "CARD-001 is still with you" in refused.json()["errors"]["availability"][0]
    doctor.refresh_from_db()
    assert doctor.availability == "available"


def test_a_call_made_as_a_break_set_from_another_tab_commits_brings_the_doctor_back(doctor, department, make_token):
    from doctors import services

    make_token(department)
    # The calling request read the doctor available; the doctor's other tab set a break just before the call.
    read_by_the_call = Doctor.objects.get(pk=doctor.pk)
    services.set_availability(doctor=doctor, availability="on_break", actor=doctor.user)

    called = services.call_next(doctor=read_by_the_call, actor=doctor.user)

    doctor.refresh_from_db()
    assert called.doctor_id == doctor.pk
    assert doctor.availability == "available"


def test_a_colleagues_no_show_is_the_departments_and_is_not_said_to_be_with_them(
    doctor_client, department, make_doctor, make_token, make_department
):
    """A patient Dr Colleague called and marked a no-show turns up asking for another department: any doctor of the
    department transfers them, as any recalls them. They were refused as 'with another doctor', who had none."""
    ent = make_department(name="ENT", code="ENT")
    make_doctor(department=ent)
    colleague = make_doctor(department=department)
    make_token(department)
    entry = queue_services.call_next(doctor=colleague)
    queue_services.skip(entry=entry)

    start = post(doctor_client, action="start", entry=entry.pk)
    transfer = post(doctor_client, action="transfer", entry=entry.pk, to_department=ent.pk)

    assert start.json()["errors"]["entry"][0].startswith(f"{entry.token} is already marked as a no-show:")
    assert transfer.status_code == 200, transfer.json()
    entry.refresh_from_db()
    assert entry.status == Queue.Status.CANCELLED and entry.transferred_to.department == ent


def test_a_colleagues_completed_consultation_is_refused_as_completed(
    doctor_client, department, make_doctor, make_token
):
    colleague = make_doctor(department=department)
    make_token(department)
    entry = queue_services.call_next(doctor=colleague)
    queue_services.start_consultation(entry=entry)
    queue_services.complete_consultation(entry=entry)

    response = post(doctor_client, action="complete", entry=entry.pk, consultation_notes="Seen")

    assert response.json()["errors"]["entry"][0].startswith(f"The consultation with {entry.token} is already completed")
