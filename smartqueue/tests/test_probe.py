import pytest

from smartqueue.probe import is_ready, served_host


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("queue.example-hospital.org,localhost", "queue.example-hospital.org"),
        (" .example-hospital.org ", "example-hospital.org"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_health_check_asks_with_a_host_the_site_serves(allowed_hosts, host):
    """Asked as 127.0.0.1, every site whose ALLOWED_HOSTS names only its own domain answered 400: never healthy."""
    assert served_host(allowed_hosts) == host


@pytest.mark.django_db(transaction=True)
def test_the_health_check_passes_on_a_ready_server_and_fails_on_a_refusal(live_server, settings):
    settings.ALLOWED_HOSTS = ["queue.example-hospital.org"]
    readyz = f"{live_server.url}/readyz"

    assert is_ready(readyz, "queue.example-hospital.org")
    assert not is_ready(readyz, "elsewhere.example.org")
    assert not is_ready(f"{live_server.url}/no-such-page", "queue.example-hospital.org")
    assert not is_ready("http://127.0.0.1:9/readyz", "queue.example-hospital.org")
