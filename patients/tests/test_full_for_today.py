"""A department whose daily capacity is reached says so wherever a newcomer decides: its published queue (REST,
sockets, boards), the departments page, the registration form and the kiosk."""

import re

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache
from django.urls import reverse

from adminpanel.models import AdminUser
from patients import selectors
from patients.models import Queue
from notifications.models import Notification
from patients.services import DepartmentUnavailable, cancel, register_visit
from patients.tests.factories import CHANGE_NUMBER_QUERIES, register_patient

from .live_helpers import next_frame, open_socket  # noqa: F401  (open_socket is a fixture)

PHONES = iter(f"+1415555{n:04d}" for n in range(170, 400))


def register(department, **fields):
    entry, _ = register_patient(
        department=department, name="Asha Patel", phone=next(PHONES), age=34, gender="female", **fields
    )
    return entry


@pytest.fixture
def dermatology(make_department):
    return make_department(name="Dermatology", code="DERM", daily_capacity=2)


def test_the_queue_and_the_departments_list_say_when_the_daily_capacity_is_reached(api_client, dermatology):
    register(dermatology)
    open_queue = api_client.get(f"/patients/api/queue/{dermatology.pk}/").json()
    register(dermatology)
    cache.clear()  # the registration's publisher runs after commit, which this test's transaction never reaches

    full_queue = api_client.get(f"/patients/api/queue/{dermatology.pk}/").json()
    [listed] = api_client.get("/patients/api/departments/").json()

    assert (open_queue["full_today"], open_queue["capacity_today"]) == (False, {"limit": 2, "issued": 1})
    assert (full_queue["full_today"], full_queue["capacity_today"]) == (True, {"limit": 2, "issued": 2})
    assert (listed["full_today"], listed["capacity_today"]) == (True, {"limit": 2, "issued": 2})


def test_an_emergency_beyond_the_capacity_counts_and_a_department_without_a_limit_is_never_full(
    api_client, dermatology, department
):
    register(dermatology)
    register(dermatology)
    register(dermatology, priority=Queue.Priority.EMERGENCY)
    register(department)

    by_id = {row["id"]: row for row in api_client.get("/patients/api/departments/").json()}

    assert (by_id[dermatology.pk]["full_today"], by_id[dermatology.pk]["capacity_today"]) == (
        True,
        {"limit": 2, "issued": 3},
    )
    assert (by_id[department.pk]["full_today"], by_id[department.pk]["capacity_today"]) == (False, None)


def test_the_schema_declares_whether_a_department_is_full_today(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schema = schema["components"]["schemas"]

    for shape in ("QueueSnapshot", "DepartmentOverview"):
        assert {"full_today", "capacity_today"} <= set(schema[shape]["required"])
        assert schema[shape]["properties"]["full_today"]["type"] == "boolean"
    assert set(schema["DailyCapacity"]["properties"]) == {"limit", "issued"}


@pytest.mark.django_db(transaction=True)
def test_the_published_queue_says_full_once_the_last_token_is_given_and_open_again_when_the_capacity_is_raised(
    dermatology, django_assert_num_queries
):
    register(dermatology)
    register(dermatology)  # a walk-in joining the end of the kept line: the capacity rides on it

    with django_assert_num_queries(CHANGE_NUMBER_QUERIES):
        full = selectors.latest_queue_snapshot(department_id=dermatology.pk, department=dermatology)
    dermatology.daily_capacity = 3
    dermatology.save()
    with django_assert_num_queries(CHANGE_NUMBER_QUERIES):
        raised = selectors.latest_queue_snapshot(department_id=dermatology.pk, department=dermatology)

    assert (full["full_today"], full["capacity_today"]) == (True, {"limit": 2, "issued": 2})
    assert (raised["full_today"], raised["capacity_today"]) == (False, {"limit": 3, "issued": 2})


@pytest.mark.django_db(transaction=True)
async def test_the_queue_socket_is_told_when_the_department_becomes_full_and_when_it_opens_again(
    dermatology, open_socket
):
    await database_sync_to_async(register)(dermatology)
    socket, connected, _ = await open_socket(f"/ws/queue/{dermatology.pk}/")
    snapshot = await next_frame(socket)

    await database_sync_to_async(register)(dermatology)
    became_full = await next_frame(socket)
    dermatology.daily_capacity = 5
    await database_sync_to_async(dermatology.save)()
    raised = await next_frame(socket)

    assert connected and snapshot["payload"]["queue"]["full_today"] is False
    assert (became_full["payload"]["event"], became_full["payload"]["queue"]["full_today"]) == ("registered", True)
    assert raised["payload"]["queue"]["full_today"] is False
    assert raised["payload"]["queue"]["capacity_today"] == {"limit": 5, "issued": 2}


def test_the_departments_page_says_full_for_today_instead_of_a_wait(client, dermatology):
    register(dermatology)
    register(dermatology)

    page = client.get("/patients/").content.decode()

    assert re.search(r'class="[^"]*estimated-wait">Full for today</dd>', page)
    assert "no more walk-in tokens" in page
    assert "about" not in page.split('data-department-id')[1]


def test_the_registration_form_says_which_departments_are_full_before_anything_is_typed(
    client, dermatology, department
):
    register(dermatology)
    register(dermatology)

    page = client.get("/patients/register/").content.decode()

    notice = page.index('id="full-today"')
    assert notice < page.index('name="name"')
    assert "<li>Dermatology</li>" in page[notice:]
    assert f'<option value="{dermatology.pk}">Dermatology (full for today)</option>' in page
    assert f'<option value="{department.pk}">Cardiology</option>' in page


def test_the_full_departments_are_listed_in_the_alphabetical_order_of_the_pages_language(client, make_department):
    """The notice of departments full for today listed them in the order of their names as written, where the lists
    beside it (closed today, no doctor back today) and the department choice follow the page's words: a Spanish
    reader looking for "Medicina general" found it after "Otorrinolaringología"."""
    for name, spanish in [("ENT", "Otorrinolaringología"), ("General medicine", "Medicina general")]:
        register(make_department(name=name, daily_capacity=1, translations={"es": {"name": spanish}}))

    page = client.get("/patients/register/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    notice = page[page.index('id="full-today"'):]
    notice = notice[: notice.index("</ul>")]
    assert re.findall(r"<li>([^<]*)</li>", notice) == ["Medicina general", "Otorrinolaringología"]


def test_reception_staff_are_told_a_full_department_still_takes_an_emergency(client, dermatology, make_user):
    register(dermatology)
    register(dermatology)
    staff = make_user()
    AdminUser.objects.create(user=staff)
    client.force_login(staff)

    page = client.get("/patients/register/").content.decode()

    assert "Only an emergency, or a booked patient checking in, can still be registered there." in page


def test_a_full_departments_kiosk_says_so_before_the_walk_in_form(client, dermatology):
    register(dermatology)
    register(dermatology)

    page = client.get("/kiosk/derm/").content.decode()

    assert page.index('id="full-today"') < page.index('name="name"')
    assert "Dermatology (full for today)" in page


def test_the_departments_page_is_told_in_spanish(client, dermatology):
    register(dermatology)
    register(dermatology)
    client.cookies["django_language"] = "es"

    page = client.get("/patients/").content.decode()

    assert re.search(r'class="[^"]*estimated-wait">Completo por hoy</dd>', page)


def test_tokens_the_desk_cancels_give_their_places_back_so_a_strangers_registrations_do_not_close_the_day(
    api_client, dermatology, make_user
):
    # A stranger registered the day's capacity under numbers of their choosing: the department was full for good,
    # the desk refused every routine walk-in, and cancelling the stranger's tokens gave no place back.
    strangers = [
        api_client.post(
            "/patients/api/register/",
            {"name": "Zed Fake", "phone": phone, "age": 30, "gender": "male", "department": dermatology.pk},
            format="json",
        )
        for phone in ("+14155550301", "+14155550302")
    ]
    assert [answer.status_code for answer in strangers] == [201, 201]
    staff = make_user()
    AdminUser.objects.create(user=staff)
    desk = type(api_client)()
    desk.force_authenticate(staff)
    walk_in = {"name": "Maya Roy", "phone": "+14155550303", "age": 51, "gender": "female"}
    walk_in["department"] = dermatology.pk
    assert desk.post("/patients/api/register/", walk_in, format="json").status_code == 400

    for answer in strangers:
        cancel(entry=Queue.objects.get(pk=answer.json()["visit_id"]), actor=staff)
    cache.clear()

    queue = api_client.get(f"/patients/api/queue/{dermatology.pk}/").json()
    assert queue["capacity_today"] == {"limit": 2, "issued": 0}
    assert desk.post("/patients/api/register/", walk_in, format="json").status_code == 201


# Whoever types a number must not learn whether its owner is in a line: a full or inactive department answered a
# phone holding a token there "sent to your phone" (202, its token texted again) and any other "full" (nineteenth
# attack run).


def _page_without(page, typed_phone):
    """The page as any phone gets it: without the number typed, which the form shows again, nor its CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.content.decode()).replace(typed_phone, "")


def _tokens_sent_again():
    return Notification.objects.filter(idempotency_key__contains="registration_repeated").count()


def _walk_in(phone, department):
    return {"name": "Zed Fake", "phone": phone, "age": 30, "gender": "male", "department": department.pk}


def test_a_full_department_answers_a_number_in_its_line_as_any_other_on_the_api_the_page_and_the_kiosk(
    client, api_client, dermatology, django_capture_on_commit_callbacks, tasks_run_inline
):
    in_line = register(dermatology)
    register(dermatology)
    newcomer = next(PHONES)
    kiosk = reverse("kiosk:start", args=[dermatology.code])

    with django_capture_on_commit_callbacks(execute=True):
        api = [
            api_client.post("/patients/api/register/", _walk_in(phone, dermatology), format="json")
            for phone in (in_line.patient.phone, newcomer)
        ]
        page = [
            client.post(reverse("patients:register"), _walk_in(phone, dermatology))
            for phone in (in_line.patient.phone, newcomer)
        ]
        at_the_kiosk = [
            client.post(kiosk, {"action": "walk_in", **_walk_in(phone, dermatology)})
            for phone in (in_line.patient.phone, newcomer)
        ]

    assert [answer.status_code for answer in api] == [400, 400]
    assert api[0].json() == api[1].json() == {"department": ["Dermatology has issued all 2 tokens for today."]}
    for answers in (page, at_the_kiosk):
        assert [answer.status_code for answer in answers] == [400, 400]
        assert _page_without(answers[0], in_line.patient.phone) == _page_without(answers[1], newcomer)
        assert "Dermatology has issued all 2 tokens for today." in answers[0].content.decode()
    assert _tokens_sent_again() == 0
    assert Queue.objects.filter(department=dermatology).count() == 2


def test_an_inactive_department_answers_a_number_in_its_line_as_any_other(dermatology):
    in_line = register(dermatology)
    dermatology.is_active = False
    dermatology.save()

    for phone in (in_line.patient.phone, next(PHONES)):
        with pytest.raises(DepartmentUnavailable, match="Dermatology is not taking patients at the moment."):
            register_visit(
                department=dermatology, name="Zed Fake", phone=phone, age=30, gender="male", self_service=True
            )
