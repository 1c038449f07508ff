"""Browser tests: Debian's chromium driven by Playwright against the app served by daphne on loopback."""

import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection

from adminpanel.models import AdminUser
from doctors.models import Doctor
from patients.models import Department
from smartqueue.tests.live_server import running_daphne

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
README_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def stop_the_clock(page):
    """The page's clock, standing still from its first page on but for the test's clock.run_for(). Installed alone,
    Playwright's clock also runs on by itself: a moment the busy machine took between two steps of a test was added to
    its next run_for(), and fired a timer the test meant for later (a kiosk starting over, a board's next language)."""
    page.clock.install()
    # A second on, as the page's time must not go back, and the clock has run on by itself since it was installed.
    page.clock.pause_at(time.time() + 1)


# Shorter than the live sockets' keepalive (LiveSocket.KEEPALIVE_MS, 25 s).
CLOCK_STEP_MS = 20_000


def run_clock_for(page, milliseconds):
    """page.clock.run_for() in steps shorter than the live sockets' keepalive, with a moment between for the server's
    pongs to come back, as they do in the real time between two pings: run in one go, a minute's pings were all
    unanswered when the next came, and the page gave its socket up as lost."""
    while milliseconds > 0:
        page.clock.run_for(min(CLOCK_STEP_MS, milliseconds))
        milliseconds -= CLOCK_STEP_MS
        page.wait_for_timeout(100)


@pytest.fixture(scope="module")
def browser(django_db_setup):
    # Playwright's sync API runs an event loop in this thread while it is open, which Django's ORM
    # refuses to share: the database is set up before it starts, and it stops with each module so the
    # tests that pytest-django orders after these run without it.
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: apt-get install chromium chromium-driver (.ci/run installs it)")
    from playwright.sync_api import expect, sync_playwright

    # What a page shows after a click that loads it waits as long as any other step (the context's 10 s): expect's own
    # 5 s ran out on CI's busy cores before the next page came. Checks of how fast a push arrives give their own.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def orm_beside_playwright(monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety guard would refuse them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def live_app(transactional_db):
    """The whole app (HTTP and WebSockets) under daphne, on this test's committed database."""
    with running_daphne(database=connection.settings_dict) as server:
        yield server


@pytest.fixture
def hospital(transactional_db):
    """Cardiology with dr.smith on duty and the admin.manager account, as the demo data has them."""
    cardiology = Department.objects.create(name="Cardiology", code="CARD", room="Block A", average_consultation_minutes=10)
    users = get_user_model().objects
    smith = users.create(username="dr.smith", first_name="John", last_name="Smith", password=make_password("doctor123"))
    doctor = Doctor.objects.create(
        user=smith, department=cardiology, room="Room 2A", availability=Doctor.Availability.AVAILABLE
    )
    manager = users.create(username="admin.manager", first_name="Hospital", last_name="Manager",
                           password=make_password("admin123"))
    AdminUser.objects.create(user=manager)
    return {"cardiology": cardiology, "doctor": doctor}


@pytest.fixture
def open_page(browser, live_app):
    """open_page(**context_options) -> a page on its own browser context (own cookies), closed after the test."""
    contexts = []

    def open_(**options):
        context = browser.new_context(base_url=live_app.origin, **options)
        context.set_default_timeout(10_000)
        # A page's load waits on every stylesheet and script; CI's busy two cores have needed more than 10 s.
        context.set_default_navigation_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{name}.png"), full_page=True)

    return take



@pytest.fixture
def readme_screenshot():
    """readme_screenshot(page, name): the picture README.md shows, redrawn by every run of the browser tests."""

    def take(page, name, *, full_page=False):
        page.screenshot(path=str(README_SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return take
