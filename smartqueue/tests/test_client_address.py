"""Finding 1: rate limits, login lockout and the audit log key on the socket's address, not on a header.

The throttle tests run with the default rates: an attacker rotating X-Forwarded-For must still be stopped
at the configured limit.
"""

import ipaddress
import itertools

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from adminpanel.models import AuditLog
from axes.models import AccessAttempt
from smartqueue import requests
from smartqueue.requests import client_ip, from_internal_network, from_kiosk, from_this_machine

from .conftest import registration

_forged = (f"198.51.100.{n % 250}" for n in itertools.count(1))


def forged_header():
    """A new X-Forwarded-For value for every request, as the attack sent."""
    return {"HTTP_X_FORWARDED_FOR": next(_forged)}


def default_limit(scope):
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


@pytest.mark.parametrize(
    "scope, url, body",
    [
        ("register", "/patients/api/register/", {}),
        ("check_patient", "/patients/api/check-patient/", {"phone": "415 555 0150"}),
        ("feedback", "/patients/api/feedback/", {}),
    ],
)
def test_rotating_x_forwarded_for_does_not_escape_the_api_limits(db, scope, url, body):
    api = APIClient(REMOTE_ADDR="203.0.113.7")
    for _ in range(default_limit(scope)):
        assert api.post(url, body, format="json", **forged_header()).status_code != 429

    refused = api.post(url, body, format="json", **forged_header())

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_another_address_keeps_its_own_allowance(db):
    attacker = APIClient(REMOTE_ADDR="203.0.113.7")
    for _ in range(default_limit("check_patient") + 1):
        attacker.post("/patients/api/check-patient/", {"phone": "415 555 0150"}, format="json", **forged_header())

    neighbour = APIClient(REMOTE_ADDR="203.0.113.8")
    assert neighbour.post("/patients/api/check-patient/", {"phone": "415 555 0150"}, format="json").status_code == 200


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_address_it_appended_is_the_client(department):
    via_proxy = APIClient(REMOTE_ADDR="10.0.0.2")
    for _ in range(default_limit("register")):
        via_proxy.post("/patients/api/register/", {}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.7")

    refused = via_proxy.post("/patients/api/register/", {}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert refused.status_code == 429
    # Another client behind the same proxy is counted apart.
    other = via_proxy.post(
        "/patients/api/register/", registration(department), format="json", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert other.status_code == 201
    assert AuditLog.objects.get(action="queue.registered").ip_address == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_a_forged_entry_does_not_make_a_new_client(db):
    # The proxy appends the real address after whatever the client sent: "<forged>, 203.0.113.7".
    via_proxy = APIClient(REMOTE_ADDR="10.0.0.2")
    for _ in range(default_limit("check_patient")):
        via_proxy.post(
            "/patients/api/check-patient/", {"phone": "415 555 0150"}, format="json",
            HTTP_X_FORWARDED_FOR=f"{next(_forged)}, 203.0.113.7",
        )

    refused = via_proxy.post(
        "/patients/api/check-patient/", {"phone": "415 555 0150"}, format="json",
        HTTP_X_FORWARDED_FOR=f"{next(_forged)}, 203.0.113.7",
    )

    assert refused.status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_a_client_behind_its_own_proxy_is_not_counted_with_the_forgers(make_doctor):
    # A forger's sign-in failures must not lock out staff whose own (hospital or carrier) proxy adds an entry.
    user = make_doctor().user
    via_proxy = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        via_proxy.post(
            reverse("doctors:login"), {"username": user.username, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"{next(_forged)}, 203.0.113.66",
        )

    signed_in = Client(REMOTE_ADDR="10.0.0.2").post(
        reverse("doctors:login"), {"username": user.username, "password": "pass-word-123"},
        HTTP_X_FORWARDED_FOR="10.20.30.40, 198.51.100.20",
    )

    assert signed_in.status_code == 302
    assert AccessAttempt.objects.get(username=user.username).ip_address == "203.0.113.66"


@pytest.mark.parametrize(
    "forged",
    ['198.51.100.99, ", 203.0.113.77', '198.51.100.99, for="[, 203.0.113.77', '198.51.100.99,"x", 203.0.113.77'],
)
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_no_quoting_in_the_forged_part_makes_it_the_client(db, forged):
    # The proxy appended 203.0.113.77; an open quote before it must not hide it from the parser.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forged)
    assert client_ip(request) == "203.0.113.77"


def test_login_lockout_is_not_reset_by_a_forged_header(make_doctor):
    user = make_doctor().user
    browser = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser.post(reverse("doctors:login"), {"username": user.username, "password": "wrong"}, **forged_header())

    locked = browser.post(
        reverse("doctors:login"), {"username": user.username, "password": "pass-word-123"}, **forged_header()
    )

    assert locked.status_code == 429
    assert "_auth_user_id" not in browser.session


def test_the_audit_log_records_the_socket_address_not_the_header(department):
    APIClient(REMOTE_ADDR="203.0.113.7").post(
        "/patients/api/register/", registration(department), format="json", HTTP_X_FORWARDED_FOR="192.0.2.99"
    )

    assert AuditLog.objects.get(action="queue.registered").ip_address == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=1, KIOSK_NETWORKS=[ipaddress.ip_network("10.20.0.0/24")])
def test_a_forged_kiosk_address_does_not_get_the_kiosk_allowance(db):
    via_proxy = Client(REMOTE_ADDR="10.0.0.2")
    kiosk_device = "10.20.0.7"
    forged = {"HTTP_X_FORWARDED_FOR": f"{kiosk_device}, 203.0.113.7"}
    for _ in range(default_limit("register")):
        via_proxy.post("/kiosk/site/", {"action": "check_in"}, **forged)

    refused = via_proxy.post("/kiosk/site/", {"action": "check_in"}, **forged)

    assert refused.status_code == 429
    assert via_proxy.post("/kiosk/site/", {"action": "check_in"}, HTTP_X_FORWARDED_FOR=kiosk_device).status_code == 400


@override_settings(KIOSK_NETWORKS=[ipaddress.ip_network("10.20.0.0/24")])
@pytest.mark.parametrize(
    "peer, kiosk", [("10.20.0.7", True), ("::ffff:10.20.0.7", True), ("10.20.1.7", False), ("", False)]
)
def test_a_kiosk_device_is_known_by_its_address_on_ipv4_or_ipv6(rf, peer, kiosk):
    assert from_kiosk(rf.post("/kiosk/site/", REMOTE_ADDR=peer)) is kiosk


def test_one_ipv6_subscriber_cannot_escape_the_limits_by_walking_its_64(make_doctor):
    user = make_doctor().user
    for host in range(1, settings.AXES_FAILURE_LIMIT + 2):
        Client(REMOTE_ADDR=f"2001:db8:77:1::{host:x}").post(
            reverse("doctors:login"), {"username": user.username, "password": "wrong"}
        )
    api = APIClient(REMOTE_ADDR="2001:db8:77:1::1")
    check_patient, phone = "/patients/api/check-patient/", {"phone": "415 555 0150"}
    for host in range(default_limit("check_patient")):
        api.post(check_patient, phone, format="json", REMOTE_ADDR=f"2001:db8:77:1::{host:x}")

    locked = Client(REMOTE_ADDR="2001:db8:77:1::99").post(
        reverse("doctors:login"), {"username": user.username, "password": "pass-word-123"}
    )
    refused = api.post(check_patient, phone, format="json", REMOTE_ADDR="2001:db8:77:1::ff")
    neighbour = APIClient(REMOTE_ADDR="2001:db8:77:2::1")

    assert locked.status_code == 429 and refused.status_code == 429
    assert neighbour.post(check_patient, phone, format="json").status_code == 200


# Behind a proxy nobody counted in TRUSTED_PROXY_COUNT (nginx on the same machine), every client's peer is the proxy.
FORWARDED_FOR_A_CLIENT = [
    {"HTTP_X_FORWARDED_FOR": "203.0.113.7"},
    {"HTTP_FORWARDED": "for=203.0.113.7;proto=https"},
    {"HTTP_X_REAL_IP": "203.0.113.7"},
]


@override_settings(TRUSTED_PROXY_COUNT=0, KIOSK_NETWORKS=[ipaddress.ip_network("127.0.0.0/8")])
@pytest.mark.parametrize("forwarded", FORWARDED_FOR_A_CLIENT)
def test_a_request_forwarded_past_an_uncounted_proxy_is_not_this_machines(rf, forwarded):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", **forwarded)

    assert not from_this_machine(request)
    assert not from_internal_network(request)
    assert not from_kiosk(request)
    assert from_this_machine(rf.get("/", REMOTE_ADDR="127.0.0.1"))


@override_settings(TRUSTED_PROXY_COUNT=0)
@pytest.mark.parametrize("forwarded", FORWARDED_FOR_A_CLIENT)
def test_readyz_names_nothing_to_a_client_forwarded_past_an_uncounted_proxy(db, client, forwarded):
    answer = client.get("/readyz", REMOTE_ADDR="127.0.0.1", **forwarded)

    assert answer.json() == {"status": "ok"}


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_an_uncounted_proxy_is_reported_in_the_log_once(rf, caplog, monkeypatch):
    monkeypatch.setattr(requests, "untrusted_forwarding_reported", False)
    for _ in range(3):
        from_this_machine(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"))

    reports = [record for record in caplog.records if "TRUSTED_PROXY_COUNT is 0" in record.getMessage()]
    assert len(reports) == 1
    assert reports[0].levelname == "WARNING"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_counted_proxy_its_headers_are_expected(rf):
    assert from_this_machine(rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="127.0.0.1"))
    # A probe of the process itself, past the proxy.
    assert from_this_machine(rf.get("/", REMOTE_ADDR="127.0.0.1"))


@pytest.mark.parametrize(
    "proxies, forwarded",
    [
        (1, {"HTTP_FORWARDED": "for=203.0.113.7"}),  # a proxy writing RFC 7239's header only
        (1, {"HTTP_X_REAL_IP": "203.0.113.7"}),
        (2, {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}),  # one proxy where two are counted
    ],
)
def test_a_client_named_where_the_counted_proxies_do_not_write_is_not_this_machines(rf, settings, proxies, forwarded):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", **forwarded)

    assert client_ip(request) == "127.0.0.1"
    assert not from_this_machine(request)
    assert not from_internal_network(request)
