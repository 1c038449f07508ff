"""`make run HOST=0.0.0.0` (README: the demo on phones) served DEBUG's pages and the demo accounts, whose passwords
README publishes, to everyone on the network (nineteenth attack run)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from adminpanel.models import AdminUser
from smartqueue.passwords import PUBLISHED_DEMO_PASSWORDS
from smartqueue.settings import DEVELOPMENT_SECRET_KEY
from smartqueue.server import ServerRefusingDebugOnTheNetwork, listens_beyond_this_machine
from smartqueue.tests.conftest import free_loopback_port

BASE_DIR = Path(__file__).resolve().parents[2]
ON_THE_NETWORK = "192.0.2.7"
OWN_KEY = "a-key-of-this-machines-own-" + "x" * 30
SIGN_IN_PAGES = ["doctors:login", "adminpanel:login", "admin:login"]


def start_server(*arguments, command=("-m", "smartqueue.server"), **environ):
    """`python -m smartqueue.server` (or another command) with the development defaults (DEBUG on), as `make run`
    starts it."""
    inherited = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DEBUG_ON_NETWORK"}}
    return subprocess.run(
        [sys.executable, *command, *arguments],
        cwd=BASE_DIR,
        env={**inherited, **environ},
        capture_output=True,
        text=True,
        # Refused, it ends while loading; a server that started instead is stopped by the timeout.
        timeout=30,
    )


def test_the_development_server_will_not_serve_debug_pages_to_the_network():
    started = start_server("-b", "0.0.0.0", "-p", str(free_loopback_port()), "smartqueue.asgi:application")

    assert started.returncode == 1
    assert "SmartQueue cannot start: DEBUG is on" in started.stderr
    assert "DEBUG_ON_NETWORK=True" in started.stderr
    assert "Traceback" not in started.stderr


# Each way the project can be served by hand, on every interface: the same refusal as `make run HOST=0.0.0.0`.
SERVED_BY_HAND = {
    "runserver": ("manage.py", "runserver", "--noreload"),
    "runserver WSGI": ("manage.py", "runserver", "--noreload", "--noasgi"),
    "daphne": ("-m", "daphne", "smartqueue.asgi:application", "-p"),
}


@pytest.mark.parametrize("command", SERVED_BY_HAND.values(), ids=SERVED_BY_HAND)
def test_no_way_of_serving_by_hand_shows_debug_pages_to_the_network(command):
    port = str(free_loopback_port())
    address = [port, "-b", "0.0.0.0"] if "daphne" in command else [f"0.0.0.0:{port}"]
    started = start_server(*address, command=command)

    assert started.returncode == 1
    assert "SmartQueue cannot start: DEBUG is on" in started.stderr
    assert "Traceback" not in started.stderr


@pytest.mark.parametrize("command", SERVED_BY_HAND.values(), ids=SERVED_BY_HAND)
def test_no_way_of_serving_signs_with_the_published_key_on_the_network(command):
    port = str(free_loopback_port())
    address = [port, "-b", "0.0.0.0"] if "daphne" in command else [f"0.0.0.0:{port}"]
    started = start_server(*address, command=command, DEBUG_ON_NETWORK="True")

    assert started.returncode == 1
    assert "with the development SECRET_KEY published in SmartQueue's source" in started.stderr
    assert "Traceback" not in started.stderr


def test_make_run_has_a_key_of_this_machines_own(tmp_path):
    key_file = tmp_path / "secret-key"
    subprocess.run(["make", "-s", f"SECRET_KEY_FILE={key_file}", str(key_file)], cwd=BASE_DIR, check=True)

    assert len(key_file.read_text().strip()) >= 50
    assert key_file.stat().st_mode & 0o077 == 0
    assert key_file.read_text().strip() != DEVELOPMENT_SECRET_KEY
    assert ".secret-key" in (BASE_DIR / ".gitignore").read_text().split()


@pytest.mark.parametrize(
    "endpoint, reachable",
    [
        ("tcp:port=8000:interface=127.0.0.1", False),
        (r"tcp:port=8000:interface=\:\:1", False),
        ("tcp:port=8000:interface=localhost", False),
        ("unix:/run/smartqueue.sock", False),
        ("tcp:port=8000:interface=0.0.0.0", True),
        (r"tcp:port=8000:interface=\:\:", True),
        ("tcp:port=8000:interface=192.0.2.10", True),
        ("tcp:8000", True),
        ("ssl:443:privateKey=key.pem", True),
        ("fd:fileno=3", True),
        (r"tcp:port=8000:interface=\:\:ffff\:127.0.0.1", False),
        ("tcp:port=8000:interface=\\", True),  # cut after an escape: Twisted cannot read it
    ],
)
def test_what_other_machines_reach(endpoint, reachable):
    assert listens_beyond_this_machine(endpoint) is reachable


def serve(endpoint):
    return ServerRefusingDebugOnTheNetwork(application=None, endpoints=[endpoint])


def test_debug_reaches_the_network_only_when_asked_and_production_is_not_held(settings):
    settings.DEBUG, settings.DEBUG_ON_NETWORK = True, False
    settings.SECRET_KEY = OWN_KEY
    assert serve("tcp:port=8000:interface=127.0.0.1")
    with pytest.raises(SystemExit):
        serve("tcp:port=8000:interface=0.0.0.0")

    settings.DEBUG_ON_NETWORK = True
    assert serve("tcp:port=8000:interface=0.0.0.0")
    settings.DEBUG, settings.DEBUG_ON_NETWORK = False, False
    assert serve("tcp:port=8000:interface=0.0.0.0")


@pytest.mark.parametrize("debug", [True, False])
def test_the_published_key_serves_this_machine_only(settings, debug):
    settings.DEBUG, settings.DEBUG_ON_NETWORK = debug, True
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY

    assert serve("tcp:port=8000:interface=127.0.0.1")
    with pytest.raises(SystemExit, match="development SECRET_KEY published"):
        serve("tcp:port=8000:interface=0.0.0.0")


@pytest.fixture
def demo_staff(make_doctor, make_user):
    doctor = make_doctor().user
    doctor.set_password(PUBLISHED_DEMO_PASSWORDS["doctor"])
    doctor.save()
    manager = make_user(password=PUBLISHED_DEMO_PASSWORDS["admin"])
    AdminUser.objects.create(user=manager)
    superuser = make_user(password=PUBLISHED_DEMO_PASSWORDS["admin"], is_staff=True, is_superuser=True)
    return {"doctors:login": doctor, "adminpanel:login": manager, "admin:login": superuser}


def sign_in(client, url_name, user, password):
    return client.post(reverse(url_name), {"username": user.username, "password": password})


@pytest.mark.parametrize("url_name", SIGN_IN_PAGES)
def test_an_account_with_a_published_password_signs_in_from_the_servers_machine_only(demo_staff, url_name):
    user = demo_staff[url_name]
    password = PUBLISHED_DEMO_PASSWORDS["doctor" if url_name == "doctors:login" else "admin"]

    from_the_network = Client(REMOTE_ADDR=ON_THE_NETWORK)
    refused = sign_in(from_the_network, url_name, user, password)
    assert refused.status_code == 200
    assert "signs in only on the computer SmartQueue runs on" in refused.content.decode()
    assert "_auth_user_id" not in from_the_network.session

    assert sign_in(Client(REMOTE_ADDR="127.0.0.1"), url_name, user, password).status_code == 302


@pytest.mark.parametrize("url_name", SIGN_IN_PAGES)
def test_a_published_password_forwarded_by_an_uncounted_proxy_on_this_machine_is_refused(
    demo_staff, url_name, settings
):
    """nginx on the server's machine, TRUSTED_PROXY_COUNT left at 0: every client's peer is 127.0.0.1."""
    settings.TRUSTED_PROXY_COUNT = 0
    password = PUBLISHED_DEMO_PASSWORDS["doctor" if url_name == "doctors:login" else "admin"]
    via_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=ON_THE_NETWORK)

    refused = sign_in(via_proxy, url_name, demo_staff[url_name], password)

    assert "signs in only on the computer SmartQueue runs on" in refused.content.decode()
    assert "_auth_user_id" not in via_proxy.session


def test_the_same_account_signs_in_from_the_network_once_its_password_is_changed(demo_staff):
    doctor = demo_staff["doctors:login"]
    doctor.set_password("Ward-7-night-kettle")
    doctor.save()
    signed_in = sign_in(Client(REMOTE_ADDR=ON_THE_NETWORK), "doctors:login", doctor, "Ward-7-night-kettle")

    assert signed_in.status_code == 302


@pytest.mark.parametrize("password", [*PUBLISHED_DEMO_PASSWORDS.values(), " Doctor123 "])
def test_no_account_is_given_a_published_password_in_the_panel(client, make_user, department, password):
    """Django's list of common passwords has "admin123" but not "doctor123": a new doctor could be given README's."""
    manager = make_user()
    AdminUser.objects.create(user=manager)
    client.force_login(manager)

    new_doctor = {"username": "dr.new", "first_name": "Ada", "last_name": "Lovelace", "department": department.pk}
    response = client.post(reverse("adminpanel:doctor-create"), {**new_doctor, "password": password})

    assert response.context["form"].errors["password"] == [
        "This password is too common: choose one that is harder to guess."
    ]


@pytest.mark.parametrize(
    "debug, on_the_network_allowed, key, client_address, forwarded, answered",
    [
        (True, False, OWN_KEY, ON_THE_NETWORK, {}, False),
        (True, False, OWN_KEY, "127.0.0.1", {"HTTP_X_FORWARDED_FOR": ON_THE_NETWORK}, False),  # a proxy on this machine
        (True, False, OWN_KEY, "127.0.0.1", {}, True),
        (True, False, OWN_KEY, "::1", {}, True),
        (True, True, OWN_KEY, ON_THE_NETWORK, {}, True),
        (True, True, DEVELOPMENT_SECRET_KEY, ON_THE_NETWORK, {}, False),
        (True, True, DEVELOPMENT_SECRET_KEY, "127.0.0.1", {}, True),
        (False, False, OWN_KEY, ON_THE_NETWORK, {}, True),
    ],
)
def test_debug_pages_answer_this_machine_only_however_the_app_is_served(
    db, settings, debug, on_the_network_allowed, key, client_address, forwarded, answered
):
    """gunicorn or uvicorn started by hand on 0.0.0.0 is not held by smartqueue.server's start-up refusal."""
    settings.DEBUG, settings.DEBUG_ON_NETWORK, settings.TRUSTED_PROXY_COUNT = debug, on_the_network_allowed, 0
    settings.SECRET_KEY = key

    response = Client(REMOTE_ADDR=client_address).get("/patients/", HTTP_ACCEPT_LANGUAGE="es", **forwarded)

    if answered:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Traceback" not in response.content.decode()
        assert response.content.decode() == (
            "Este servidor está en modo de desarrollo y solo responde al ordenador en el que se ejecuta."
        )
