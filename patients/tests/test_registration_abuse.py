"""Finding 2: the registration page is limited like the API, and is no better an oracle or SMS cannon.

The limit tests run with the default rates.
"""

import ipaddress
import itertools
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from notifications.models import Notification
from patients.models import Appointment, Queue
from patients.tests.appointment_helpers import clinic  # noqa: F401 - a fixture

from .conftest import valid_phone

_forged = (f"198.51.100.{n % 250}" for n in itertools.count(1))
REGISTER_LIMIT = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["register"].split("/")[0])
FEEDBACK_LIMIT = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["feedback"].split("/")[0])
# The lobby's kiosk devices, in tests: the default leaves loopback in while DEBUG is on.
LOBBY = override_settings(KIOSK_NETWORKS=[ipaddress.ip_network("10.20.0.0/24")])


def typed(department, phone):
    return {"name": "Mallory", "phone": phone, "age": "30", "gender": "female", "department": str(department.pk)}


def test_the_page_is_limited_like_the_api_even_with_a_forged_header(department):
    browser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(REGISTER_LIMIT):
        answer = browser.post(
            "/patients/register/", typed(department, valid_phone()), HTTP_X_FORWARDED_FOR=next(_forged)
        )
        assert answer.status_code == 302

    refused = browser.post("/patients/register/", typed(department, valid_phone()), HTTP_X_FORWARDED_FOR=next(_forged))

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many attempts from this device or network" in refused.content.decode()
    assert Queue.objects.count() == REGISTER_LIMIT


def test_the_page_and_the_api_share_one_allowance(department):
    api = APIClient(REMOTE_ADDR="203.0.113.7")
    for _ in range(REGISTER_LIMIT):
        api.post("/patients/api/register/", {}, format="json")

    refused = Client(REMOTE_ADDR="203.0.113.7").post("/patients/register/", typed(department, valid_phone()))

    assert refused.status_code == 429


def test_feedback_on_the_status_page_is_limited_like_the_api(register):
    entry = register()
    browser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(FEEDBACK_LIMIT):
        browser.post(entry.get_absolute_url(), {"rating": "9"}, HTTP_X_FORWARDED_FOR=next(_forged))

    refused = browser.post(entry.get_absolute_url(), {"rating": "5"})

    assert refused.status_code == 429


@pytest.fixture
def departments(make_department):
    return [make_department() for _ in range(settings.REGISTRATION_MAX_DEPARTMENTS_PER_PHONE + 1)]


def test_one_phone_holds_open_tokens_in_a_capped_number_of_departments(departments, register):
    victim = register(into=departments[0], phone="+14155550188")
    browser = Client(REMOTE_ADDR="203.0.113.7")
    for department in departments[1:-1]:
        assert browser.post("/patients/register/", typed(department, "+1 415 555 0188")).status_code == 302
    texts_before = Notification.objects.count()

    refused = browser.post("/patients/register/", typed(departments[-1], "+1 415 555 0188"))

    assert refused.status_code == 400
    assert "as many departments as one phone can" in refused.content.decode()
    assert not Queue.objects.filter(patient=victim.patient, department=departments[-1]).exists()
    assert Notification.objects.count() == texts_before


def test_the_api_applies_the_same_cap(departments, register):
    register(into=departments[0], phone="+14155550188")
    api = APIClient()
    for department in departments[1:-1]:
        body = {"name": "Mallory", "phone": "+14155550188", "age": 30, "department": department.pk}
        assert api.post("/patients/api/register/", body, format="json").status_code == 202

    body = {"name": "Mallory", "phone": "+14155550188", "age": 30, "department": departments[-1].pk}
    refused = api.post("/patients/api/register/", body, format="json")

    assert refused.status_code == 400
    assert "department" in refused.json()


@override_settings(REGISTRATION_MAX_DEPARTMENTS_PER_PHONE=1)
def test_the_cap_is_configurable_and_reception_staff_are_not_held_to_it(departments, register):
    first = register(into=departments[0])

    second = register(into=departments[1], phone=first.patient.phone)

    assert second.department == departments[1]


def test_a_known_phone_gets_an_answer_of_the_same_shape_as_a_new_one(department, register):
    known = register(phone="+14155550177").patient.phone
    answers = []
    for phone in (valid_phone(), known):
        answers.append(Client(REMOTE_ADDR="203.0.113.7").post("/patients/register/", typed(department, phone)))

    new, matched = answers
    assert new.status_code == matched.status_code == 302
    assert new.content == matched.content == b""
    assert sorted(new.headers) == sorted(matched.headers)
    assert new.cookies.keys() == matched.cookies.keys()


def walk_in(department, phone):
    return {"action": "walk_in", **typed(department, phone)}


@LOBBY
def test_the_kiosk_page_from_elsewhere_shares_the_registration_allowance(department):
    api = APIClient(REMOTE_ADDR="203.0.113.7")
    for _ in range(REGISTER_LIMIT - 1):
        api.post("/patients/api/register/", {}, format="json")
    browser = Client(REMOTE_ADDR="203.0.113.7")
    assert browser.post("/kiosk/site/", walk_in(department, valid_phone())).status_code == 302

    refused = [
        browser.post("/kiosk/site/", walk_in(department, valid_phone())),
        browser.post("/kiosk/site/", {"action": "check_in", "code": "GUESSED1"}),
        browser.post("/patients/register/", typed(department, valid_phone())),
    ]

    assert [answer.status_code for answer in refused] == [429, 429, 429]
    assert Queue.objects.count() == 1
    # On the kiosk's screen, the refusal is the kiosk's own page, which starts over for the next patient by itself:
    # the site's page, with its staff sign-ins and no way back to the kiosk, stayed there until someone came.
    for kiosk_refusal in refused[:2]:
        page = kiosk_refusal.content.decode()
        assert "Too many attempts" in page and 'data-kiosk-start="/kiosk/site/start-over/"' in page
        assert "/doctors/login/" not in page and "/adminpanel/login/" not in page


@LOBBY
def test_a_kiosk_device_has_the_kiosk_allowance_apart_from_registrations(department):
    api = APIClient(REMOTE_ADDR="10.20.0.7")
    for _ in range(REGISTER_LIMIT):
        api.post("/patients/api/register/", {}, format="json")
    assert api.post("/patients/api/register/", {}, format="json").status_code == 429

    answers = [
        Client(REMOTE_ADDR="10.20.0.7").post("/kiosk/site/", walk_in(department, valid_phone())).status_code
        for _ in range(REGISTER_LIMIT + 1)
    ]

    assert answers == [302] * (REGISTER_LIMIT + 1)


@pytest.fixture
def staff_allowance(monkeypatch, clock):
    """A staff rate above the public one, small enough to reach; the clock stopped so the hour cannot end."""
    allowance = REGISTER_LIMIT + 3
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "staff", f"{allowance}/hour")
    return allowance


def test_reception_staff_register_past_the_public_limit_on_an_allowance_of_their_own(
    department, make_doctor, make_user, staff_allowance
):
    desk = APIClient(REMOTE_ADDR="203.0.113.7")
    desk.force_authenticate(make_doctor(department=department).user)
    answers = [desk.post("/patients/api/register/", {}, format="json").status_code for _ in range(staff_allowance)]
    assert 429 not in answers

    assert desk.post("/patients/api/register/", {}, format="json").status_code == 429
    # Counted per user: another doctor at the same desk, and the patients around it, keep their own allowance.
    colleague = APIClient(REMOTE_ADDR="203.0.113.7")
    colleague.force_authenticate(make_doctor(department=department).user)
    assert colleague.post("/patients/api/register/", {}, format="json").status_code == 400
    assert APIClient(REMOTE_ADDR="203.0.113.7").post("/patients/api/register/", {}, format="json").status_code == 400


def test_reception_staff_on_the_pages_have_the_same_allowance(department, make_user, staff_allowance):
    desk = Client(REMOTE_ADDR="203.0.113.7")
    desk.force_login(make_user(is_superuser=True))
    answers = [desk.post("/patients/register/", {}).status_code for _ in range(staff_allowance)]
    assert 429 not in answers

    assert desk.post("/patients/register/", {}).status_code == 429


def test_a_signed_in_user_without_a_staff_role_has_the_public_limit(make_user, staff_allowance):
    stranger = APIClient(REMOTE_ADDR="203.0.113.7")
    stranger.force_authenticate(make_user())
    for _ in range(REGISTER_LIMIT):
        stranger.post("/patients/api/register/", {}, format="json")

    assert stranger.post("/patients/api/register/", {}, format="json").status_code == 429


def test_the_notes_of_whoever_registers_a_known_phone_do_not_reach_its_doctor(departments, register):
    register(into=departments[0], phone="+14155550189")

    Client().post("/patients/register/", {**typed(departments[1], "+1 415 555 0189"), "notes": "Patient is violent"})

    assert Queue.objects.get(department=departments[1]).notes == ""


def test_a_phone_at_its_limit_gets_one_answer_whether_or_not_it_holds_a_token_in_the_department(
    departments, register
):
    for department in departments[:-1]:
        register(into=department, phone="+14155550187")
    api = APIClient()

    held = api.post("/patients/api/register/", typed(departments[0], "+1 415 555 0187"), format="json")
    not_held = api.post("/patients/api/register/", typed(departments[-1], "+1 415 555 0187"), format="json")

    assert (held.status_code, held.json()) == (not_held.status_code, not_held.json())


NOT_NAMES = [
    "URGENT your card is blocked, call +1 900 555 0100",
    "Visit http://evil.example/verify",
    "Asha www.evil.example",
    "Write to help@evil.example",
    "Asha ٤٥٦",  # Arabic-Indic digits
    "Pay at evil.com now",
    "Ann\u202emoc.live",  # shown as "Annevil.com"
    "Ｗｗｗ．ｅｖｉｌ．ｃｏｍ",  # full-width
    "\u200b\u200b",  # nothing to see
    "\u3164",  # nothing to see either: Hangul's filler is a letter no font draws (thirteenth attack run)
    "\uffa0\uffa0",  # its half-width form
    "\u115f\u1160",  # the fillers of a syllable's first and middle letters
    "Asha\u3164\u3164\u3164Rao",
    "\u0301\u0301",  # accents on nothing
    "Asha <b>Rao</b>",
]


@pytest.mark.parametrize("name", NOT_NAMES)
def test_a_name_that_would_carry_a_strangers_message_is_refused_naming_the_field_and_nothing_is_sent(
    department, name
):
    api = APIClient().post(
        "/patients/api/register/", {**typed(department, valid_phone()), "name": name, "age": 30, "department": department.pk},
        format="json",
    )
    page = Client().post("/patients/register/", {**typed(department, valid_phone()), "name": name})

    assert api.status_code == 400 and list(api.json()) == ["name"], api.json()
    assert page.status_code == 400 and list(page.context["form"].errors) == ["name"]
    assert not Queue.objects.exists() and not Notification.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["José Núñez-O'Brien", "आशा राव", "أحمد علي", "Raju a/l Muthu", "Dr. Mary St. John", "J.R. Smith (Jr)", "می\u200cخواهم"],
)
def test_names_in_any_script_with_their_punctuation_are_taken(department, name):
    answer = APIClient().post(
        "/patients/api/register/", {**typed(department, valid_phone()), "name": name, "age": 30, "department": department.pk},
        format="json",
    )

    assert answer.status_code == 201


@pytest.mark.parametrize("language", ["es", "hi", "ar"])
def test_the_limits_page_says_when_to_try_again_in_the_visitors_language(db, monkeypatch, language):
    """Eighth attack run: the 429 page's title was translated and its sentence always English."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "register", "1/hour")
    browser = Client(REMOTE_ADDR="203.0.113.9", HTTP_ACCEPT_LANGUAGE=language)
    browser.post("/patients/register/", {})

    refused = browser.post("/patients/register/", {})

    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert "Please try again" not in refused.content.decode()


BOOK_LIMIT = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["book"].split("/")[0])


def free_slots(department, days):
    """The department's free slots' starts over the next days, a seat each, as the slots API lists them."""
    starts = []
    for day in days:
        listed = APIClient().get("/patients/api/appointments/slots/", {"department": department.pk, "day": str(day)})
        starts += [slot["start"] for slot in listed.json() for _seat in range(slot["free"])]
    return starts


def test_one_address_books_a_days_allowance_however_many_numbers_it_types(clinic):
    today = timezone.localdate()
    slots = free_slots(clinic, [today + timedelta(days=ahead) for ahead in range(4)])
    assert len(slots) > BOOK_LIMIT + 1
    hoarder = APIClient(REMOTE_ADDR="203.0.113.7")
    # A form with a mistake spends nothing: a patient correcting a typo is not held to a day's wait.
    mistyped = hoarder.post("/patients/api/appointments/", {"department": clinic.pk}, format="json")
    assert mistyped.status_code == 400

    answers = [
        hoarder.post(
            "/patients/api/appointments/",
            {"name": "Hoarder", "phone": valid_phone(), "age": 30, "gender": "male", "department": clinic.pk,
             "slot": start},
            format="json",
        ).status_code
        for start in slots[: BOOK_LIMIT + 1]
    ]
    page_slot = parse_datetime(slots[BOOK_LIMIT + 1])
    on_the_page = Client(REMOTE_ADDR="203.0.113.7").post(
        f"/patients/appointments/?department={clinic.pk}&day={timezone.localdate(page_slot)}",
        typed(clinic, valid_phone()) | {"slot": page_slot.isoformat()},
    )

    assert answers == [201] * BOOK_LIMIT + [429]
    assert on_the_page.status_code == 429
    assert int(on_the_page["Retry-After"]) > 3600
    assert Appointment.objects.count() == BOOK_LIMIT
    elsewhere = APIClient(REMOTE_ADDR="203.0.113.8").post(
        "/patients/api/appointments/",
        {"name": "Ravi", "phone": valid_phone(), "age": 61, "gender": "male", "department": clinic.pk,
         "slot": slots[BOOK_LIMIT + 1]},
        format="json",
    )
    assert elsewhere.status_code == 201
