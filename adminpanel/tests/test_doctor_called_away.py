"""An admin acts for a doctor called away: from the live queues (a confirmation page, then POST) or through
POST /adminpanel/api/, a called patient goes back in line and a consultation is ended for its doctor."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from adminpanel.models import AdminUser, AuditLog
from doctors.tests.test_consumers import session_cookie
from patients import services as queue_services
from patients.models import Queue
from patients.tests.live_helpers import next_frame, open_socket  # noqa: F401  (open_socket is a fixture)

API = "/adminpanel/api/"
Status = Queue.Status


@pytest.fixture
def doctor(make_doctor, make_user, department):
    return make_doctor(department=department, user=make_user(first_name="Jane", last_name="Smith"))


@pytest.fixture
def called(department, make_token, doctor):
    return queue_services.call_patient(entry=make_token(department, name="Ravi Kumar"), doctor=doctor)


@pytest.fixture
def colleague(make_doctor, make_user, department):
    return make_doctor(department=department, user=make_user(first_name="Omar", last_name="Haddad"))


@pytest.fixture
def in_consultation(department, make_token, colleague):
    entry = queue_services.call_patient(entry=make_token(department, name="Meena Rao"), doctor=colleague)
    return queue_services.start_consultation(entry=entry)


def return_page(entry):
    return reverse("adminpanel:visit-return-to-line", args=[entry.pk])


def end_page(entry):
    return reverse("adminpanel:visit-end-consultation", args=[entry.pk])


def test_the_live_queues_offer_each_action_for_the_patient_it_fits(admin_client, called, in_consultation):
    page = admin_client.get(reverse("adminpanel:queues-live")).content.decode()

    assert f'href="{return_page(called)}"' in page and f'href="{end_page(called)}"' not in page
    assert f'href="{end_page(in_consultation)}"' in page and f'href="{return_page(in_consultation)}"' not in page


def test_returning_a_called_patient_asks_first_then_frees_the_doctor(admin_client, called, doctor):
    confirm = admin_client.get(return_page(called))
    assert confirm.status_code == 200
    assert "Dr. Jane Smith called CARD-001 (Ravi Kumar)" in confirm.content.decode()
    assert Queue.objects.get(pk=called.pk).status == Status.CALLED

    response = admin_client.post(return_page(called), follow=True)

    assert response.redirect_chain == [(reverse("adminpanel:queues"), 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "CARD-001 is back in line at their place; the patient is told."
    ]
    entry = Queue.objects.get(pk=called.pk)
    assert (entry.status, entry.doctor_id) == (Status.WAITING, None)
    assert queue_services.current_patient_of(doctor) is None
    row = AuditLog.objects.get(action="queue.returned_to_line")
    assert row.actor.username == "manager" and row.before["doctor_id"] == doctor.pk


def test_ending_a_consultation_is_recorded_as_the_admins_for_the_doctor(admin_client, in_consultation, colleague):
    confirm = admin_client.get(end_page(in_consultation)).content.decode()
    assert "CARD-001 (Meena Rao) is in consultation with Dr. Omar Haddad." in confirm
    assert "Its length is not counted as a consultation&#x27;s" in confirm

    admin_client.post(end_page(in_consultation))

    entry = Queue.objects.get(pk=in_consultation.pk)
    assert (entry.status, entry.doctor_id) == (Status.COMPLETED, colleague.pk)
    assert entry.consultation_ended_for_doctor
    row = AuditLog.objects.get(action="queue.consultation_ended")
    assert row.actor.username == "manager"
    rows = admin_client.get(reverse("adminpanel:audit")).context["rows"]
    [shown] = [shown for shown in rows if shown["entry"] == row]
    assert shown["action"] == "Consultation ended for the doctor"
    assert {"field": "Doctor", "before": None, "after": "Dr. Omar Haddad"} in shown["changes"]


def test_a_patient_someone_else_acted_on_first_is_said_so_and_left_as_it_is(admin_client, called, doctor):
    queue_services.start_consultation(entry=called)  # The doctor came back a moment before.

    confirm = admin_client.get(return_page(called)).content.decode()
    response = admin_client.post(return_page(called), follow=True)

    said = "CARD-001 is already in consultation: the page now shows it as it is."
    assert said in confirm and 'name="confirmed"' not in confirm
    assert [str(message) for message in response.context["messages"]] == [said]
    assert Queue.objects.get(pk=called.pk).status == Status.IN_CONSULTATION
    assert not AuditLog.objects.filter(action="queue.returned_to_line").exists()


def test_a_patient_called_on_an_earlier_day_is_not_offered_back_in_line(admin_client, called):
    # The service returns a token to the line only on its own day: the page says so before the admin confirms.
    Queue.objects.filter(pk=called.pk).update(token_date=called.token_date - timedelta(days=1))

    confirm = admin_client.get(return_page(called)).content.decode()

    assert "a token can be put back in line only on its own day." in confirm
    assert 'name="confirmed"' not in confirm
    assert Queue.objects.get(pk=called.pk).status == Status.CALLED


def test_the_api_runs_both_actions_and_answers_the_live_queues(admin_client, called, in_consultation):
    returned = admin_client.post(
        API, {"action": "return_to_line", "entry": called.pk}, content_type="application/json"
    )
    ended = admin_client.post(
        API, {"action": "end_consultation", "entry": in_consultation.pk}, content_type="application/json"
    )

    assert returned.status_code == 200 and returned.json()["message"].startswith("CARD-001 is back in line")
    assert ended.status_code == 200 and ended.json()["message"] == "The consultation with CARD-002 is ended."
    [cardiology] = [department for department in ended.json()["departments"] if department["code"] == "CARD"]
    assert cardiology["with_doctors"] == [] and cardiology["waiting"] == 1


@pytest.mark.parametrize(
    "body, said",
    [
        ({"action": "return_to_line"}, "Choose the token."),
        ({"action": "return_to_line", "entry": 987654}, "Select a valid choice"),
        ({"action": "end_consultation", "entry": "one"}, "id number"),
    ],
)
def test_the_api_names_the_entry_field_for_bad_input(admin_client, called, body, said):
    response = admin_client.post(API, body, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["entry"] and said in response.json()["errors"]["entry"][0]
    assert Queue.objects.get(pk=called.pk).status == Status.CALLED


def test_the_api_refuses_a_patient_no_longer_called_under_entry_and_changes_nothing(admin_client, called):
    queue_services.skip(entry=called)

    response = admin_client.post(API, {"action": "return_to_line", "entry": called.pk}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "entry": ["CARD-001 is already marked as a no-show: the page now shows it as it is."]
    }
    assert Queue.objects.get(pk=called.pk).status == Status.SKIPPED


def test_only_panel_admins_act_for_a_doctor(client, called, in_consultation, doctor):
    for page in (return_page(called), end_page(in_consultation)):
        assert client.get(page).status_code == 302  # To the panel's sign-in page.
        assert client.post(page).status_code == 302
    client.force_login(doctor.user)
    for page in (return_page(called), end_page(in_consultation)):
        assert client.get(page).status_code == 403
        assert client.post(page).status_code == 403
    api = client.post(API, {"action": "return_to_line", "entry": called.pk}, content_type="application/json")
    assert api.status_code == 403
    assert [Queue.objects.get(pk=called.pk).status, Queue.objects.get(pk=in_consultation.pk).status] == [
        Status.CALLED,
        Status.IN_CONSULTATION,
    ]


def test_the_confirmation_posts_with_its_csrf_token(make_user, called):
    user = make_user(username="manager")
    AdminUser.objects.create(user=user)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)

    assert browser.post(return_page(called)).status_code == 403
    page = browser.get(return_page(called)).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert browser.post(return_page(called), {"csrfmiddlewaretoken": token}).status_code == 302
    assert Queue.objects.get(pk=called.pk).status == Status.WAITING


def test_the_doctors_deactivation_points_at_the_action_that_frees_them(admin_client, called, doctor):
    page = admin_client.get(reverse("adminpanel:doctor-deactivate", args=[doctor.pk])).content.decode()

    assert "an administrator returns the patient to the line under Live queues" in page
    assert f'href="{return_page(called)}"' in page and "Return CARD-001 to the line" in page


def test_the_doctors_deactivation_offers_no_action_the_service_would_refuse(admin_client, called, doctor):
    # A token of an earlier day goes back in line only on its own day (services.check_returnable_to_line).
    Queue.objects.filter(pk=called.pk).update(token_date=called.token_date - timedelta(days=1))

    page = admin_client.get(reverse("adminpanel:doctor-deactivate", args=[doctor.pk])).content.decode()

    assert "Dr. Jane Smith is still with token CARD-001" in page
    assert f'href="{return_page(called)}"' not in page and f'href="{end_page(called)}"' not in page


def test_the_doctors_dashboard_no_longer_shows_the_patient(admin_client, called, doctor):
    dashboard = Client()
    dashboard.force_login(doctor.user)
    assert "Ravi Kumar" in dashboard.get(reverse("doctors:dashboard-live")).content.decode()

    admin_client.post(return_page(called))

    current = dashboard.get("/doctors/api/").json()["current"]
    assert current is None


@pytest.mark.django_db(transaction=True)
async def test_the_doctors_dashboard_hears_at_once_that_the_patient_left_them(
    department, make_token, doctor, make_user, open_socket
):
    def admin_returns_the_called_patient():
        entry = queue_services.call_patient(entry=make_token(department), doctor=doctor)
        manager = make_user(username="manager")
        AdminUser.objects.create(user=manager)
        client = Client()
        client.force_login(manager)
        client.post(return_page(entry))

    cookie = await database_sync_to_async(session_cookie)(doctor.user)
    socket, connected, _ = await open_socket(f"/ws/doctor/{doctor.pk}/", cookie=cookie)
    await next_frame(socket)  # The snapshot on connecting.
    await database_sync_to_async(admin_returns_the_called_patient)()
    frames = [await next_frame(socket) for _ in range(3)]  # Registered, called, returned.
    await socket.send_to(text_data='{"type": "snapshot"}')
    snapshot = await next_frame(socket)
    await socket.disconnect()

    assert connected
    assert [frame["payload"]["event"] for frame in frames] == ["registered", "called", "returned_to_line"]
    assert snapshot["payload"]["current"] is None


@pytest.mark.parametrize(
    "language, called_line, consulting_line",
    [
        ("en", "Called by Dr. Jane Smith", "In consultation with Dr. Omar Haddad"),
        ("hi", "डॉ. Jane Smith ने बुलाया", "डॉ. Omar Haddad के साथ परामर्श में"),
        ("ar", "ناداه د. Jane Smith", "في الاستشارة مع د. Omar Haddad"),
    ],
)
def test_the_live_queues_say_who_called_a_patient_and_who_is_seeing_one(
    admin_client, called, in_consultation, language, called_line, consulting_line
):
    # "CARD-001 Ravi Kumar — Called with Dr. Jane Smith": a status and "with" read as a sentence in no language.
    page = admin_client.get(reverse("adminpanel:queues-live"), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert called_line in page and consulting_line in page
