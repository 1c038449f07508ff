"""Finding 10: status links are access keys; no log at INFO (or any level) records one in full. Nor a patient's
phone number, which Twilio's refusals quote (fifth attack run)."""

import io
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.conf import settings
from uvicorn.logging import AccessFormatter

from smartqueue.log_masking import LogMaskingFilter, mask_capability_links, mask_log_text
from smartqueue.server import MaskedAccessLog

from .conftest import free_loopback_port

KEY = "3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a"
LINKS = [
    f"/patients/status/{KEY}/",
    f"/patients/registered/{KEY}/",
    f"/patients/api/patient/{KEY}/status/",
    f"/patients/api/visit/{KEY}/status/",
    f"/ws/patient/{KEY}/",
    f"/ws/patient/{KEY.upper().replace('-', '')}/",
    # A booking's manage link moves or cancels it; a kiosk ticket shows the status link.
    f"/patients/appointments/{KEY}/",
    f"/patients/appointments/{KEY}/calendar.ics",
    f"/patients/api/appointments/{KEY}/reschedule/",
    f"/kiosk/site/ticket/{KEY}/",
    f"/kiosk/CARD/ticket/{KEY}/",
    # "Done" on a kiosk ticket names the ticket it leaves (views.kiosk_start_over_url).
    f"/kiosk/CARD/start-over/?done={KEY}",
]


def assert_masked(text):
    for secret in (KEY, KEY.upper().replace("-", ""), KEY[4:12]):
        assert secret not in text
    assert "3f1c\u2026" in text or "3F1C\u2026" in text


def test_djangos_request_log_masks_a_status_link(client, db, caplog):
    missing = uuid.UUID(KEY)
    with caplog.at_level(logging.INFO):
        client.get(f"/patients/status/{missing}/")

    assert "Not Found" in caplog.text
    assert_masked(caplog.text)


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("logger_name", settings.SERVER_ACCESS_LOGGERS)
def test_server_access_loggers_mask_status_links(logger_name, link):
    arguments = ("203.0.113.7", "GET", link, "1.1", 200)
    record = logging.LogRecord(logger_name, logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', arguments, None)

    assert logging.getLogger(logger_name).filter(record)

    assert_masked(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record))


@pytest.mark.parametrize(
    "path", ["/patients/api/appointments/slots/", "/patients/api/appointments/check-in/", "/patients/appointments/"]
)
def test_paths_without_a_link_are_logged_as_they_are(path):
    assert mask_capability_links(f"GET {path} 200") == f"GET {path} 200"


def test_named_arguments_are_masked_too():
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s", ({"r": f"GET {LINKS[0]}"},), None)

    logging.getLogger("gunicorn.access").filter(record)

    assert_masked(record.getMessage())


def test_daphnes_own_access_log_is_masked():
    stream = io.StringIO()

    request = {"client": ["203.0.113.7", 5000], "method": "GET", "path": LINKS[0], "status": 200, "size": 10}
    MaskedAccessLog(stream)("http", "complete", request)
    MaskedAccessLog(stream)("websocket", "connected", {"client": ["203.0.113.7", 5000], "path": LINKS[3]})

    assert_masked(stream.getvalue())


def test_the_production_server_command_writes_a_masked_access_log():
    port = free_loopback_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smartqueue.settings"}
    server = subprocess.Popen(
        [sys.executable, "-m", "smartqueue.server", "-b", "127.0.0.1", "-p", str(port), "smartqueue.asgi:application"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{LINKS[2]}", timeout=5)
        except urllib.error.HTTPError:
            pass  # No such patient in this database: the answer does not matter, the log line does.
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)

    assert "/patients/api/patient/3f1c\u2026/status/" in output
    assert_masked(output)


@pytest.mark.parametrize(
    "name", ["django.security.csrf", "django.request", "django.template", "patients.services", "notifications.services"]
)
def test_every_handler_a_record_reaches_masks_status_links(name):
    """Django's own console handler on the "django" logger printed a CSRF failure's manage link in full (with
    DEBUG on), beside the masked copy."""
    logger, handlers = logging.getLogger(name), []
    while logger is not None:
        handlers.extend(logger.handlers)
        logger = logger.parent if logger.propagate else None

    # pytest's own capture handlers sit on the root logger while tests run.
    handlers = [handler for handler in handlers if not type(handler).__module__.startswith("_pytest")]
    assert handlers
    for handler in handlers:
        assert any(isinstance(found, LogMaskingFilter) for found in handler.filters), handler


def test_a_refused_messages_warning_keeps_only_the_last_digits_of_the_number():
    refusal = "Unable to create record: The 'To' number +14155550178 is not a valid phone number."
    record = logging.LogRecord(
        "notifications.services", logging.WARNING, __file__, 1, "Notification %s failed: %s", (17, refusal), None
    )
    whatsapp = logging.LogRecord(
        "notifications.inbound", logging.ERROR, __file__, 1, "From whatsapp:+447700900123", (), None
    )

    assert LogMaskingFilter().filter(record) and LogMaskingFilter().filter(whatsapp)

    dots = "\u2022" * 6
    assert record.getMessage() == (
        f"Notification 17 failed: Unable to create record: The 'To' number {dots}0178 is not a valid phone number."
    )
    assert whatsapp.getMessage() == f"From whatsapp:{dots}0123"


NGINX_CONF = settings.BASE_DIR / "deploy" / "nginx.conf"
NGINX_MAP_ENTRY = re.compile(r'^\s*"~(?P<pattern>[^"]+)"\s+"(?P<value>[^"]+)";', re.MULTILINE)


def nginx_loggable_uri(request_uri):
    """$loggable_uri as deploy/nginx.conf's map makes it: the first regex that matches, else the URI as it came."""
    block = re.search(r"map \$request_uri \$loggable_uri \{(.*?)\n\}", NGINX_CONF.read_text(), re.DOTALL)
    for entry in NGINX_MAP_ENTRY.finditer(block.group(1)):
        found = re.match(entry["pattern"].replace("(?<", "(?P<"), request_uri)
        if found:
            return re.sub(r"\$(\w+)", lambda name: found[name[1]], entry["value"])
    return request_uri


@pytest.mark.parametrize("link", LINKS)
def test_the_load_balancers_access_log_masks_status_links(link):
    conf = NGINX_CONF.read_text()
    log_format = re.search(r"log_format masked (.*?);", conf, re.DOTALL).group(1)

    masked = nginx_loggable_uri(link)

    for secret in (KEY, KEY.upper().replace("-", ""), KEY[4:12]):
        assert secret not in masked
    assert "3f1c..." in masked or "3F1C..." in masked
    assert "access_log /var/log/nginx/access.log masked;" in conf
    # The whole request line and the Referer (a status page's own link, on every request it makes) stay out.
    assert "$loggable_uri" in log_format
    assert not re.search(r"\$(request|request_uri|uri|args|query_string|http_referer)\b", log_format)


def test_the_load_balancer_logs_paths_without_a_link_as_they_are():
    assert nginx_loggable_uri("/patients/api/appointments/slots/?day=2026-12-07") == (
        "/patients/api/appointments/slots/?day=2026-12-07"
    )


@pytest.fixture
def celery_logging_set_up_as_a_worker_does():
    """Celery's logging set up as `celery worker` and `celery beat` set it up at their start, then the test process's
    logging back as it was."""
    from celery.app.log import Logging
    from django.utils.log import configure_logging

    from smartqueue.celery import app

    Logging._setup = False
    try:
        app.log.setup_logging_subsystem(loglevel="INFO")
        yield
    finally:
        Logging._setup = False
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def written_by_the_handlers_of(logger_name, *records):
    """What the stream handlers a logger's records reach write of the given (message, *args) records."""
    logger, handlers = logging.getLogger(logger_name), []
    while logger is not None:
        handlers.extend(logger.handlers)
        logger = logger.parent if logger.propagate else None
    # pytest's own capture handlers sit on the root logger while tests run.
    streams = [
        handler
        for handler in handlers
        if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith("_pytest")
    ]
    assert streams
    written = io.StringIO()
    for handler in streams:
        handler.setStream(written)
    for message, *args in records:
        logging.getLogger(logger_name).warning(message, *args)
    return written.getvalue()


def test_celery_workers_mask_phone_numbers_and_status_links_too(celery_logging_set_up_as_a_worker_does):
    """Thirteenth attack run: Celery replaced the root logger's handlers with its own, so the worker that sends the
    texts logged Twilio's refusals with the patient's whole number."""
    refusal = "Unable to create record: The 'To' number +14155550178 is not a valid phone number."

    written = written_by_the_handlers_of(
        "notifications.services",
        ("Notification %s attempt 1 failed: %s", 30, refusal),
        ("Sent %s", "/patients/status/3f1c2b9e-8d4a-4c1e-9b7a-2f6d5e4c3b2a/"),
    )

    assert "Notification 30 attempt 1 failed" in written and "\u2022" * 6 + "0178" in written
    assert "+14155550178" not in written
    assert_masked(written)


# Eighteenth attack run: what a superuser searched for in Django admin (a name, a number URL-encoded or as digits
# alone, a booking code, a public id) was written whole to the access log; the desk's search of bookings since.
STAFF_SEARCHES = [
    "/admin/patients/patient/?q=%2B14155550178",
    "/admin/patients/patient/?q=14155550178&o=2",
    "/admin/patients/appointment/?q=Asha%20Patel",
    "/admin/patients/queue/7/change/?_changelist_filters=q%3D%252B14155550178",
    "/admin/autocomplete/?term=4155550178&app_label=patients&model_name=queue&field_name=patient",
    # Twenty-third attack run: the desk's search of the day's bookings, by name, phone or booking code, the same.
    "/adminpanel/bookings/today/?search=%2B14155550178",
    "/adminpanel/bookings/today/?day=2026-12-06&department=2&search=Asha+Patel",
]


@pytest.mark.parametrize("path", STAFF_SEARCHES)
def test_what_staff_searched_for_a_patient_stays_out_of_the_access_logs(path):
    stream = io.StringIO()
    request = {"client": ["203.0.113.7", 5000], "method": "GET", "path": path, "status": 200, "size": 10}
    MaskedAccessLog(stream)("http", "complete", request)
    arguments = ("203.0.113.7", "GET", path, "1.1", 200)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', arguments, None)
    logging.getLogger("uvicorn.access").filter(record)
    logged = [stream.getvalue(), AccessFormatter('"%(request_line)s"').format(record), nginx_loggable_uri(path)]

    for line in logged:
        for searched in ("4155550178", "Asha", "Patel"):
            assert searched not in line
    assert path.split("?")[0] + "?" in logged[0]


def test_django_admin_addresses_without_a_query_are_logged_as_they_are():
    assert mask_log_text("GET /admin/patients/queue/7/change/ 200") == "GET /admin/patients/queue/7/change/ 200"
    assert nginx_loggable_uri("/admin/patients/queue/7/change/") == "/admin/patients/queue/7/change/"
