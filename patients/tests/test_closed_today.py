"""A department the hospital closed for today (a closed day) says so wherever a newcomer decides: the departments
list (REST and page), the registration form and the kiosk, before anything is typed, not only once it is refused."""

import pytest
from django.utils import timezone

from patients import appointments


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
