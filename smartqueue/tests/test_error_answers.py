"""Findings 4 and 9: malformed bodies are a JSON 400 naming the problem; errors are the app's own pages
(JSON for API paths), never Django's debug pages; every page passes a Content-Security-Policy without
inline scripts.

pytest-django runs with DEBUG off, as production does.
"""

import logging
import re
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from whitenoise.middleware import WhiteNoiseMiddleware

from adminpanel.models import AdminUser
from patients.models import Department, Queue
from patients.tests.factories import register_patient

DEEP_JSON = "[" * 100_000 + "]" * 100_000
MALFORMED_BODIES = {
    "nesting": (DEEP_JSON, "application/json"),
    "bad-json": ('{"name": ', "application/json"),
    "encoding": (b'{"name": "\xff\xfe"}', "application/json"),
    "unknown-charset": ('{"name": "x"}', "application/json; charset=x-no-such-codec"),
}


@pytest.fixture
def clients(department, make_doctor, make_user):
    doctor = Client()
    doctor.force_login(make_doctor(department=department).user)
    admin = Client()
    manager = make_user()
    AdminUser.objects.create(user=manager)
    admin.force_login(manager)
    return {"anonymous": Client(), "doctor": doctor, "admin": admin}


JSON_ENDPOINTS = [
    ("anonymous", "/patients/api/register/"),
    ("anonymous", "/patients/api/check-patient/"),
    ("anonymous", "/patients/api/feedback/"),
    ("doctor", "/doctors/api/"),
    ("doctor", "/doctors/api/schedule/"),
    ("admin", "/adminpanel/api/"),
]


@pytest.mark.parametrize("who, url", JSON_ENDPOINTS)
@pytest.mark.parametrize("problem", MALFORMED_BODIES)
def test_a_malformed_body_is_a_json_400_naming_the_problem(clients, unthrottled, caplog, who, url, problem):
    body, content_type = MALFORMED_BODIES[problem]
    client = clients[who]
    client.raise_request_exception = False

    with caplog.at_level(logging.WARNING):
        response = client.generic("POST", url, body, content_type=content_type)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    if problem != "unknown-charset":
        detail = response.json()["detail"]
        assert "JSON" in detail and "codec" not in detail and "Expecting" not in detail
    assert any(url in record.getMessage() for record in caplog.records)


def in_the_endpoints_shape(url, errors):
    """Field errors as each endpoint family documents them: the patient API's {"<field>": [...]}, as its
    serializers answer; the staff endpoints' {"errors": {"<field>": [...]}} (smartqueue.roles.role_api_responses),
    which the dashboard and panel scripts show; the parser's refusals come in the same shape as the view's."""
    return errors if url.startswith("/patients/") else {"errors": errors}


@pytest.mark.parametrize("who, url", JSON_ENDPOINTS)
@pytest.mark.parametrize("body", ['{"action": "\\ud800"}', '{"action": ["ok", {"deep": "x\\udfff"}]}'])
def test_a_lone_surrogate_anywhere_in_a_field_is_a_400_naming_it(clients, unthrottled, who, url, body):
    client = clients[who]
    client.raise_request_exception = False

    response = client.generic("POST", url, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == in_the_endpoints_shape(url, {"action": ["Surrogate characters are not allowed."]})


@pytest.mark.parametrize("who, url", JSON_ENDPOINTS)
@pytest.mark.parametrize(
    "body, errors",
    [
        ('{"action": "a", "action": "b"}', {"action": ['"action" is given more than once.']}),
        ('{"action": [{"x": 1, "x": 2}]}', {"action": ['"x" is given more than once.']}),
    ],
    ids=["top-level", "nested"],
)
def test_a_key_given_twice_is_a_400_naming_it(clients, unthrottled, who, url, body, errors):
    response = clients[who].generic("POST", url, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == in_the_endpoints_shape(url, errors)


# The staff actions' endpoints, which take a form body as well as JSON (smartqueue.requests.submitted_fields).
@pytest.mark.parametrize("who, url", [("doctor", "/doctors/api/"), ("admin", "/adminpanel/api/")])
@pytest.mark.parametrize("content_type", ["multipart/form-data", "application/x-www-form-urlencoded"])
def test_a_form_field_given_twice_is_a_400_naming_it_and_nothing_is_saved(
    clients, unthrottled, who, url, content_type
):
    fields = {"action": "create_department", "name": "Dermatology", "code": "DERM", "room": ["Block C", "Block D"]}
    body = (
        encode_multipart(BOUNDARY, fields) if content_type == "multipart/form-data" else urlencode(fields, doseq=True)
    )
    if content_type == "multipart/form-data":
        content_type = MULTIPART_CONTENT

    response = clients[who].generic("POST", url, body, content_type=content_type)

    assert response.status_code == 400
    assert response.json() == in_the_endpoints_shape(url, {"room": ['"room" is given more than once.']})
    assert not Department.objects.filter(code="DERM").exists()


@pytest.mark.parametrize("who, url", [("doctor", "/doctors/api/"), ("admin", "/adminpanel/api/")])
def test_a_file_sent_as_a_field_is_a_400_naming_it_and_nothing_is_saved(clients, unthrottled, who, url):
    # Read as its file's name, it had made a department named "notes.txt" (code NOTESTXT).
    upload = SimpleUploadedFile("notes.txt", b"Dermatology")
    fields = {"action": "create_department", "name": upload, "code": "DERM"}

    response = clients[who].post(url, fields)

    assert response.status_code == 400
    assert response.json() == in_the_endpoints_shape(url, {"name": ['Send "name" as text, not as a file.']})
    assert not Department.objects.filter(name__in=["notes.txt", "Dermatology"]).exists()


@pytest.mark.parametrize("who, url", JSON_ENDPOINTS)
def test_a_body_over_the_upload_limit_is_a_json_413_saying_so(clients, unthrottled, settings, who, url):
    # Django refuses it before the parser reads it: this was the browser page's 400, "Part of what your browser
    # sent was damaged", which tells an API client nothing it can act on.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = clients[who]
    client.raise_request_exception = False

    response = client.post(url, '{"comment": "' + "x" * 2000 + '"}', content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "What was sent is larger than the 1000\xa0bytes this site accepts. Send less and try again."
    }


@pytest.mark.parametrize("who, url", [("doctor", "/doctors/api/"), ("admin", "/adminpanel/api/")])
def test_a_form_of_more_fields_than_allowed_is_a_400_saying_so(clients, settings, who, url):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"field{number}=1" for number in range(11))

    response = clients[who].post(url, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "What was sent has more than the 10 fields this site accepts. Send fewer and try again."
    }


def test_a_page_form_over_the_upload_limit_is_the_apps_413_page(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client(raise_request_exception=False)

    response = client.post("/patients/register/", {"name": "x" * 2000})

    assert response.status_code == 413
    assert "What was sent is too large" in response.content.decode()


def test_a_registration_naming_two_departments_registers_in_neither(department, make_department, unthrottled):
    other = make_department()
    body = (
        f'{{"name": "Test P", "phone": "+14155550199", "age": 30, "department": {department.pk}, '
        f'"department": {other.pk}}}'
    )

    response = Client().generic("POST", "/patients/api/register/", body, content_type="application/json")

    assert response.status_code == 400 and "department" in response.json()
    assert not Queue.objects.exists()


@pytest.mark.parametrize("who, url", [(who, url) for who, url in JSON_ENDPOINTS if who != "anonymous"])
def test_a_broken_multipart_body_is_a_json_400(clients, who, url):
    response = clients[who].generic("POST", url, "zzz", content_type="multipart/form-data")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "Multipart form parse error" in response.json()["detail"]


@pytest.mark.parametrize("url", [url for who, url in JSON_ENDPOINTS if who == "anonymous"])
@pytest.mark.parametrize("content_type", ["multipart/form-data", "application/x-www-form-urlencoded"])
def test_the_patient_api_takes_json_only_and_says_so_in_json(db, unthrottled, url, content_type):
    response = Client().generic("POST", url, "zzz", content_type=content_type)

    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"
    assert content_type in response.json()["detail"]


def test_a_broken_multipart_body_on_a_page_is_the_apps_400_page(db):
    response = Client().generic("POST", "/patients/register/", "zzz", content_type="multipart/form-data")

    assert response.status_code == 400
    assert "We could not read this link or form" in response.content.decode()


# Words of the people who built the page, not of a patient who followed a damaged link.
DEVELOPER_WORDS = ("request", "parameter", "null", "malformed")


@pytest.mark.parametrize(
    ("method", "address", "body"),
    [("post", "/patients/register/", "zzz"), ("get", "/patients/register/?department=%00", None)],
)
def test_a_refused_link_or_form_is_said_in_a_patients_words(db, method, address, body):
    if body is None:
        response = Client().get(address)
    else:
        response = Client().generic("POST", address, body, content_type="multipart/form-data")

    assert response.status_code == 400
    text = re.sub(r"<[^>]+>", " ", response.content.decode().split("<body", 1)[1]).lower()
    assert [word for word in DEVELOPER_WORDS if word in text] == []


def test_an_unknown_page_is_the_apps_404_without_url_patterns(db):
    response = Client().get("/no/such/page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "SmartQueue" in page
    # Django's debug 404 lists the URL patterns by name; the app's page only links where to go.
    assert "[name=" not in page and "URLconf" not in page


def test_an_unknown_api_path_is_json(db):
    response = Client().get("/patients/api/no-such-endpoint/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("format_asked", ["xml", "api", "csv"])
def test_a_format_no_renderer_has_is_ignored_not_a_404_of_what_exists(department, unthrottled, format_asked):
    # DRF answered 404 "Not found.": the department looked gone, and the registration was a 404 it does not document.
    queue = Client().get(f"/patients/api/queue/{department.pk}/?format={format_asked}")
    registration = Client().post(
        f"/patients/api/register/?format={format_asked}",
        {"name": "Asha Patel", "phone": "+14155550123", "age": 34, "department": department.pk},
        content_type="application/json",
    )

    assert (queue.status_code, queue["Content-Type"]) == (200, "application/json")
    assert queue.json()["department"]["id"] == department.pk
    assert registration.status_code == 201 and registration.json()["token"]


def test_a_forbidden_page_is_the_apps_403(department, make_doctor):
    doctor = Client()
    doctor.force_login(make_doctor(department=department).user)

    response = doctor.get("/adminpanel/")

    assert response.status_code == 403
    assert "This page is not open to you" in response.content.decode()


@pytest.mark.parametrize("who, address", [("admin", "/adminpanel/visits/1/move/"), ("admin", "/adminpanel/logout/")])
def test_an_address_a_form_posts_to_opened_as_a_page_says_so_in_the_visitors_language(clients, who, address):
    """Django's 405 is a blank page, no title nor language: met when the address of a refused form (the desk's move
    shows its refusal there) is opened again from the address bar or a new tab, or a sign-out address typed."""
    response = clients[who].get(address, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 405 and "POST" in response["Allow"]
    page = response.content.decode()
    assert '<html lang="es"' in page
    assert "<title>Esta dirección no es una página para abrir · SmartQueue</title>" in page
    assert "Vuelva a esa página y envíe el formulario desde allí." in page
    answer = clients[who].get(address, HTTP_ACCEPT="application/json")
    assert answer.status_code == 405 and "form on another page" in answer.json()["detail"]


def test_a_form_posted_without_its_csrf_token_says_it_expired_and_leads_back_to_it(db):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        "/patients/register/", {"name": "Asha"}, HTTP_REFERER="http://testserver/patients/register/?department=1"
    )

    page = response.content.decode()
    assert response.status_code == 403
    assert "This form has expired" in page and "Please go back, reload the page and try again." in page
    assert "CSRF" not in page
    assert re.search(r'<a [^>]*href="http://testserver/patients/register/\?department=1"[^>]*>Back to the form</a>', page)


def test_an_expired_form_on_another_sites_referer_leads_home_in_the_visitors_language(db):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        "/patients/register/", {"name": "Asha"}, HTTP_REFERER="https://elsewhere.example/", HTTP_ACCEPT_LANGUAGE="ar"
    )

    page = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="ar" dir="rtl">' in page
    assert re.search(r'<a [^>]*href="/"[^>]*>العودة إلى البداية</a>', page)
    assert "elsewhere.example" not in page


def test_an_expired_kiosk_form_stays_in_the_kiosks_way_and_starts_over_by_itself(db):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/kiosk/site/", {"action": "walk_in"})

    page = response.content.decode()
    assert response.status_code == 403 and "This form has expired" in page
    assert 'data-kiosk-start="/kiosk/site/start-over/"' in page and "js/kiosk.js" in page
    assert "/doctors/login/" not in page and "/adminpanel/login/" not in page


def crash(*args, **kwargs):
    raise RuntimeError("secret detail of the crash")


@pytest.mark.parametrize(
    "url, target, content_type",
    [
        ("/patients/", "patients.views.department_overview", "text/html; charset=utf-8"),
        ("/patients/api/departments/", "patients.api.department_overview", "application/json"),
    ],
)
def test_a_crash_is_the_apps_500_without_a_traceback(db, monkeypatch, url, target, content_type):
    monkeypatch.setattr(target, crash)
    client = Client(raise_request_exception=False)

    response = client.get(url)

    assert response.status_code == 500
    assert response["Content-Type"] == content_type
    text = response.content.decode()
    assert "secret detail" not in text and "Traceback" not in text


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER_OR_STYLE = re.compile(r"<[^>]+\s(on[a-z]+|style)=", re.IGNORECASE)


def test_every_page_sends_a_policy_it_passes(department, make_doctor, make_user, register_visit_for_pages):
    entry = register_visit_for_pages
    doctor = Client()
    doctor.force_login(make_doctor(department=department).user)
    admin = Client()
    admin.force_login(make_user(is_superuser=True, is_staff=True))
    anonymous = Client()
    pages = [
        (anonymous, "/"),
        (anonymous, "/patients/"),
        (anonymous, "/patients/register/"),
        (anonymous, f"/patients/registered/{entry.public_id}/"),
        (anonymous, f"/patients/status/{entry.public_id}/"),
        (anonymous, "/display/"),
        (anonymous, f"/display/{department.pk}/"),
        (anonymous, "/doctors/login/"),
        (anonymous, "/adminpanel/login/"),
        (anonymous, "/api/docs/"),
        (anonymous, "/no/such/page/"),
        (doctor, "/doctors/"),
        (doctor, "/doctors/schedule/"),
        (admin, "/adminpanel/"),
        (admin, "/adminpanel/departments/"),
        (admin, "/adminpanel/departments/new/"),
        (admin, "/adminpanel/doctors/"),
        (admin, "/adminpanel/doctors/new/"),
        (admin, "/adminpanel/configuration/"),
        (admin, "/adminpanel/broadcast/"),
        (admin, "/adminpanel/audit/"),
        (admin, "/adminpanel/reports/"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        policy = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script_src == "'self'", url
        assert "'unsafe-inline'" not in policy, url
        page = response.content.decode()
        assert not INLINE_SCRIPT.search(page), f"inline script on {url}"
        assert not INLINE_HANDLER_OR_STYLE.search(page), f"inline handler or style on {url}"


@pytest.fixture
def register_visit_for_pages(department):
    entry, _ = register_patient(
        department=department, name="Asha", phone="+14155550123", age=30, gender="female"
    )
    return entry


@pytest.mark.parametrize(
    "path",
    [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/oauth2-redirect.html",
        "/static/favicon.svg",
        "/static/js/live-socket.js",
    ],
)
def test_static_files_carry_the_sites_policy_and_refuse_framing(settings, path):
    """WhiteNoise answers static files before django-csp and the clickjacking middleware run: Swagger UI's
    oauth2-redirect.html, a page with a script on this origin, went out with no policy, and any site could frame it
    (sixteenth attack run)."""
    # The files as `make run` serves them (from the apps' folders, no collectstatic), read as each is asked for.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    static = WhiteNoiseMiddleware(get_response=lambda request: pytest.fail(f"{path} is no static file"))

    response = static(RequestFactory().get(path))

    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_no_answer_of_the_app_may_be_included_by_another_sites_page(clients, department, settings):
    """Swagger UI's start-up script (/api/docs/?script=) carries its reader's CSRF token, and a page of another site
    could include it with <script src>, as any answer (sixteenth attack run): every answer says
    Cross-Origin-Resource-Policy: same-origin. A CORS fetch from an allowed origin is no such include, and is still
    answered for it."""
    settings.CORS_ALLOWED_ORIGINS = ["https://portal.example-hospital.org"]
    entry, _ = register_patient(department=department, name="Asha", phone="+14155550123", age=30, gender="female")
    script = clients["admin"].get("/api/docs/?script=")
    assert script.status_code == 200 and 'headers["X-CSRFTOKEN"] = "' in script.content.decode()
    answers = [
        script,
        clients["anonymous"].get(entry.get_absolute_url()),
        clients["anonymous"].get(f"/patients/api/visit/{entry.public_id}/status/"),
        clients["anonymous"].get("/no/such/page/"),
        clients["anonymous"].post("/patients/api/register/", "{", content_type="application/json"),
    ]
    for answer in answers:
        assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin", answer.request["PATH_INFO"]

    portal = "https://portal.example-hospital.org"
    cors = clients["anonymous"].get("/patients/api/departments/", headers={"Origin": portal})
    assert cors.headers["Access-Control-Allow-Origin"] == portal


SWITCHER_TOKEN = re.compile(r'action="/i18n/setlang/" method="post">\s*<input type="hidden" name="csrfmiddlewaretoken" '
                            r'value="([^"]+)"')


@pytest.mark.parametrize("address, crashing", [("/adminpanel/logout/", None), ("/patients/", "department_overview")])
def test_the_language_switcher_of_an_error_page_made_without_its_request_changes_the_language(
    db, monkeypatch, address, crashing
):
    """The 405, 429, 500 (and 400, 413) pages are drawn without the request, so their language switcher had no CSRF
    token: a patient choosing their language to read "Too many attempts" or "Something went wrong" met "This form has
    expired" instead."""
    if crashing:
        monkeypatch.setattr(f"patients.views.{crashing}", crash)
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    page = browser.get(address, HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code in (405, 500)

    token = SWITCHER_TOKEN.search(page.content.decode())
    assert token, "the switcher's form carries no CSRF token"
    switched = browser.post("/i18n/setlang/", {"language": "ar", "next": address,
                                               "csrfmiddlewaretoken": token.group(1)})

    assert switched.status_code == 302 and switched["Location"] == address
    assert browser.cookies["django_language"].value == "ar"
