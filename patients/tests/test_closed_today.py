"""A department the hospital closed for today (a closed day) says so wherever a newcomer decides: the departments
list (REST and page), the registration form and the kiosk, before anything is typed, not only once it is refused;
and wherever its line is shown: its queue (REST, sockets, display boards) and its waiting patients' status."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from patients import appointments, hooks
from patients.models import ClosedDay
from patients.tests.factories import register_patient
from smartqueue.views import board_words

from .live_helpers import next_frame, open_socket  # noqa: F401  (open_socket is a fixture)


@pytest.fixture
def closed_orthopedics(make_department, django_capture_on_commit_callbacks):
    orthopedics = make_department(name="Orthopedics", code="ORTH")
    with django_capture_on_commit_callbacks(execute=True):
        appointments.close_day(day=timezone.localdate(), department=orthopedics, reason="Staff training")
    return orthopedics


def test_the_departments_list_says_which_are_closed_today_and_again_once_reopened(
    api_client, department, closed_orthopedics, django_capture_on_commit_callbacks
):
    """Orthopedics, closed at noon, was listed with "about 2 h 35 min" to wait; registering was then refused."""
    by_code = {row["code"]: row for row in api_client.get("/patients/api/departments/").json()}

    assert (by_code["ORTH"]["closed_today"], by_code["CARD"]["closed_today"]) == (True, False)
    with django_capture_on_commit_callbacks(execute=True):
        appointments.reopen_day(closed=closed_orthopedics.closed_days.get())
    [reopened] = [row for row in api_client.get("/patients/api/departments/").json() if row["code"] == "ORTH"]
    assert reopened["closed_today"] is False


def test_a_whole_hospital_closed_today_closes_every_department_on_the_list(
    api_client, department, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointments.close_day(day=timezone.localdate())

    assert [row["closed_today"] for row in api_client.get("/patients/api/departments/").json()] == [True]


def test_the_departments_page_says_closed_today_instead_of_a_wait(client, closed_orthopedics):
    page = client.get("/patients/").content.decode()

    card = page[page.index(f'data-department-id="{closed_orthopedics.pk}"') :]
    assert "Closed today" in card[: card.index("</dl>")]
    assert "Please ask at the reception desk." in card


@pytest.mark.parametrize("path", ["/patients/register/", "/kiosk/site/", "/kiosk/ORTH/"])
def test_the_registration_form_and_the_kiosks_say_which_departments_are_closed_before_anything_is_typed(
    client, department, closed_orthopedics, path
):
    page = client.get(path).content.decode()

    notice = page[page.index('id="closed-today"') :]
    assert notice.index("Orthopedics") < notice.index("Please ask at the reception desk.")
    assert "Cardiology" not in notice[: notice.index("</div>")]
    assert page.index('id="closed-today"') < page.index('name="name"')


# A department closed at noon kept "about 40 min for new arrivals" on its waiting-room board, its queue API and its
# sockets, and its waiting patients' pages their wait, until the line's next change; the closing and the reopening
# are published at once, and every reader of the queue says it.


def test_the_queue_api_and_the_boards_snapshot_say_closed_today_as_soon_as_the_day_is_closed_and_reopened(
    api_client, client, department, django_capture_on_commit_callbacks
):
    before = api_client.get(f"/patients/api/queue/{department.pk}/").json()  # kept, as the boards' reads keep it
    with django_capture_on_commit_callbacks(execute=True):
        closed = appointments.close_day(day=timezone.localdate(), department=department, reason="Flooding")
    queue = api_client.get(f"/patients/api/queue/{department.pk}/").json()
    board = client.get(f"/display/{department.pk}/snapshot.json").json()["payload"]["queue"]
    with django_capture_on_commit_callbacks(execute=True):
        appointments.reopen_day(closed=closed)
    reopened = api_client.get(f"/patients/api/queue/{department.pk}/").json()

    assert (before["closed_today"], queue["closed_today"], board["closed_today"]) == (False, True, True)
    assert reopened["closed_today"] is False


def test_another_days_closing_leaves_todays_queue_open(api_client, department, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as published:
        appointments.close_day(day=timezone.localdate() + timedelta(days=1), department=department)

    assert api_client.get(f"/patients/api/queue/{department.pk}/").json()["closed_today"] is False
    assert not [callback for callback in published if "publish_closing_of_today" in repr(callback)]


def test_a_closing_of_today_reaches_the_screens_through_the_one_announcement_the_texts_hear(
    department, django_capture_on_commit_callbacks
):
    """The sockets heard ClosedDay's own signals while the texts heard hooks.closing_of_today_changed: two
    announcements of one closing, free to disagree (a closing edited was published, not texted)."""
    change = hooks.ClosingOfToday(department_id=department.pk, day=timezone.localdate(), closed=True)
    with django_capture_on_commit_callbacks() as published:
        hooks.announce_closing_of_today(change)

    assert [callback for callback in published if "publish_closing_of_today" in repr(callback)]


def test_a_closing_written_outside_the_panel_is_read_afresh_by_the_departments_list(
    api_client, department, django_capture_on_commit_callbacks
):
    """A closing of tomorrow saved by a data fix (a shell, a script) left the day's cached closures as they were for
    a day: the departments list went on offering tomorrow."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert appointments.closed_department_ids(tomorrow) == frozenset()  # kept, as the departments list keeps it
    with django_capture_on_commit_callbacks(execute=True):
        ClosedDay.objects.create(day=tomorrow, department=department)

    assert appointments.closed_department_ids(tomorrow) == {department.pk}


def test_the_schema_declares_closed_today_in_the_queue_and_the_visit_status(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schemas = schema["components"]["schemas"]

    for shape in ("QueueSnapshot", "VisitStatus", "DepartmentOverview"):
        assert "closed_today" in schemas[shape]["required"]
        assert schemas[shape]["properties"]["closed_today"]["type"] == "boolean"


def test_a_waiting_patients_status_says_the_department_is_closed_instead_of_a_wait(
    api_client, client, department, django_capture_on_commit_callbacks
):
    entry = register_patient(department=department, name="Asha Rao", phone="+14155550101", age=34, gender="female")[0]
    with django_capture_on_commit_callbacks(execute=True):
        appointments.close_day(day=timezone.localdate(), department=department)

    visit = api_client.get(f"/patients/api/visit/{entry.public_id}/status/").json()
    page = client.get(f"/patients/registered/{entry.public_id}/").content.decode()

    assert (visit["closed_today"], visit["position"]) == (True, 1)
    assert "The department is closed today: please ask at the desk" in page
    assert "Any moment now" not in page


def test_the_whole_hospital_closed_today_closes_every_departments_queue(
    api_client, department, make_department, django_capture_on_commit_callbacks
):
    orthopedics = make_department(name="Orthopedics", code="ORTH")
    for each in (department, orthopedics):
        api_client.get(f"/patients/api/queue/{each.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        appointments.close_day(day=timezone.localdate())

    assert [api_client.get(f"/patients/api/queue/{each.pk}/").json()["closed_today"] for each in (
        department, orthopedics
    )] == [True, True]


@pytest.mark.parametrize("language", ["es", "hi", "ar"])
def test_the_boards_say_closed_today_in_each_language_they_show(client, department, language, settings):
    settings.LANGUAGE_CODE = "en"
    english, other = board_words("en"), board_words(language)

    closed_words = {words["language"]: words["closed_today"] for words in [*english, *other]}
    assert closed_words["en"] == "closed today: please ask at the reception desk"
    assert closed_words[language] != closed_words["en"]


@pytest.mark.django_db(transaction=True)
async def test_the_queue_and_patient_sockets_are_told_when_today_is_closed(department, open_socket):
    def register_and_read_ids():
        entry = register_patient(
            department=department, name="Asha Rao", phone="+14155550101", age=34, gender="female"
        )[0]
        return entry.public_id

    public_id = await database_sync_to_async(register_and_read_ids)()
    queue_socket, _, _ = await open_socket(f"/ws/queue/{department.pk}/")
    patient_socket, _, _ = await open_socket(f"/ws/patient/{public_id}/")
    opened = await next_frame(queue_socket)
    await next_frame(patient_socket)

    await database_sync_to_async(appointments.close_day)(day=timezone.localdate(), department=department)
    queue_frame = await next_frame(queue_socket)
    patient_frame = await next_frame(patient_socket)

    assert opened["payload"]["queue"]["closed_today"] is False
    assert (queue_frame["type"], queue_frame["payload"]["event"]) == ("department.changed", "day_closed")
    assert queue_frame["payload"]["queue"]["closed_today"] is True
    assert patient_frame["type"] == "patient.status" and patient_frame["payload"]["visit"]["closed_today"] is True
