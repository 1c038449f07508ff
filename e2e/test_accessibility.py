"""axe-core on every page a person reads, signed in and out, on a 390 px phone and a 1366 px desk screen.

axe-core comes bundled in the pinned axe-playwright-python package, so the sweep needs no download at test
time. Any serious or critical violation fails, with axe's own report of where and why.
"""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE
from e2e.test_appointment_flows import book_on_phone, bookable_cardiology  # noqa: F401 - bookable_cardiology: a fixture
from e2e.test_staff_flows import sign_in, sign_in_to_django_admin
from notifications.models import InboundMessage, WebhookEndpoint
from patients import services
from patients.models import Appointment, Department, Patient, Queue
from patients.tests.factories import register_patient

BLOCKING_IMPACTS = {"serious", "critical"}
WIDTHS = {"phone": PHONE, "desk": DESKTOP}


def a_busy_morning(hospital):
    """A line with every kind of row: a called patient, an emergency and a normal token waiting, a no-show."""
    cardiology, doctor = hospital["cardiology"], hospital["doctor"]
    Department.objects.create(name="Pediatrics", code="PED", room="Block B")
    visits = [
        register_patient(department=cardiology, name=name, phone=phone, age=40, gender="female",
                         priority=priority, notes="", actor=None, ip_address=None, self_service=False)[0]
        for name, phone, priority in [
            ("Asha Rao", "+14155550101", Queue.Priority.NORMAL),
            ("Ben Okafor", "+14155550102", Queue.Priority.NORMAL),
            ("Chen Li", "+14155550103", Queue.Priority.EMERGENCY),
            ("Dana Cruz", "+14155550104", Queue.Priority.HIGH),
        ]
    ]
    services.call_patient(entry=visits[1], doctor=doctor)
    services.skip(entry=visits[1])
    services.call_patient(entry=visits[0], doctor=doctor)
    return visits


def blocking_violations(page):
    # Checked as the page is shown, with its stylesheets applied: a page reached by a click may not have them yet
    # (CI read the brand's unstyled #0000ee link colour against the navbar's blue).
    page.wait_for_load_state("load")
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    return "\n".join(
        f"{page.url} {v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(
            " ".join(node["target"]) + " (" + " ".join(check["message"] for check in node["any"]) + ")"
            for node in v["nodes"][:5]
        )
        for v in blocking
    )


def sweep(page, paths):
    problems = []
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("load")
        problems.append(blocking_violations(page))
    return "\n".join(problem for problem in problems if problem)


@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_have_no_serious_accessibility_violation(open_page, hospital, width):
    visits = a_busy_morning(hospital)
    page = open_page(**WIDTHS[width])
    cardiology = hospital["cardiology"].pk
    public_id = visits[0].public_id
    problems = sweep(page, [
        "/",
        "/patients/",
        "/patients/register/",
        f"/patients/registered/{public_id}/",
        f"/patients/status/{public_id}/",
        f"/patients/status/{visits[1].public_id}/",  # A missed turn: what it means and what to do.
        "/patients/no-such-page/",
        "/display/",
        f"/display/{cardiology}/",
        "/doctors/login/",
        "/adminpanel/login/",
        "/patients/status/00000000-0000-0000-0000-000000000000/",
    ])

    page.goto("/patients/register/")
    with page.expect_navigation():
        page.get_by_role("button", name="Get my token").click()
    problems += "\n" + blocking_violations(page)

    page.goto("/patients/register/")
    page.get_by_label("Name", exact=True).fill("Someone Else")
    page.get_by_label("Phone", exact=True).fill("+14155550101")
    page.get_by_label("Age", exact=True).fill("30")
    page.get_by_label("Department", exact=True).select_option(label="Pediatrics")
    with page.expect_navigation():
        page.get_by_role("button", name="Get my token").click()
    expect(page.get_by_text("••••")).to_be_visible()
    problems += "\n" + blocking_violations(page)
    assert not problems.strip(), problems


@pytest.mark.parametrize("width", WIDTHS)
def test_the_status_pages_actions_have_no_serious_accessibility_violation(open_page, hospital, width):
    """"I'm running late" refused, "Leave the line" asked and done: each answer takes the focus, on a 320 px phone
    as on a desk screen."""
    waiting = a_busy_morning(hospital)[3]  # The last of its priority: nobody behind to let go first.
    page = open_page(**WIDTHS[width])
    if width == "phone":
        page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/patients/status/{waiting.public_id}/")
    problems = []
    for button, answer in [
        ("I'm running late", page.get_by_role("alert").filter(has_text="Nobody is waiting behind token")),
        ("Leave the line", page.get_by_role("heading", name=f"Leave the line with token {waiting.token}?")),
        ("Yes, leave the line", page.get_by_role("status").filter(has_text="You have left the line")),
    ]:
        # The page's first snapshot redraws what it shows: a click racing it (a slow machine) can land on a button
        # already replaced, and no form is sent.
        if page.locator("#live-status").count():
            expect(page.locator("#live-status")).to_have_attribute("data-live-status", "live")
        with page.expect_navigation():
            page.get_by_role("button", name=button, exact=True).click()
        expect(answer).to_be_focused()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{button}: scrolls sideways"
        problems.append(blocking_violations(page))
    problems = "\n".join(problem for problem in problems if problem)
    assert not problems.strip(), problems


@pytest.mark.parametrize("width", WIDTHS)
def test_doctor_pages_have_no_serious_accessibility_violation(open_page, hospital, width):
    a_busy_morning(hospital)
    page = open_page(**WIDTHS[width])
    sign_in(page, "/doctors/login/", "dr.smith", "doctor123")
    expect(page.locator("#current-patient")).to_be_visible()
    problems = blocking_violations(page) + "\n" + sweep(
        page, ["/doctors/schedule/", "/doctors/password/", "/adminpanel/"]
    )
    assert not problems.strip(), problems


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_pages_have_no_serious_accessibility_violation(open_page, hospital, width):
    visits = a_busy_morning(hospital)
    called, waiting = visits[0].pk, visits[3].pk
    # A closed department's card on the live queues: it was drawn at half opacity, its words at 3:1.
    Department.objects.create(name="Dermatology", code="DERM", room="Block C", is_active=False)
    page = open_page(**WIDTHS[width])
    sign_in(page, "/adminpanel/login/", "admin.manager", "admin123")
    cardiology, doctor = hospital["cardiology"].pk, hospital["doctor"].pk
    endpoint = WebhookEndpoint.objects.create(
        name="Records", url="https://records.example/hook", event_types=["token.created"]
    ).pk
    problems = sweep(page, [
        "/adminpanel/",
        "/adminpanel/departments/",
        "/adminpanel/departments/new/",
        f"/adminpanel/departments/{cardiology}/edit/",
        f"/adminpanel/departments/{cardiology}/deactivate/",
        "/adminpanel/doctors/",
        "/adminpanel/doctors/new/",
        f"/adminpanel/doctors/{doctor}/edit/",
        f"/adminpanel/doctors/{doctor}/deactivate/",
        f"/adminpanel/visits/{called}/",
        f"/adminpanel/visits/{called}/return-to-line/",
        "/adminpanel/visits/find/",
        "/adminpanel/visits/find/?token=NONE-999",
        f"/adminpanel/visits/{waiting}/",
        f"/adminpanel/visits/{waiting}/cancel/",
        "/adminpanel/correct-phone/",
        f"/adminpanel/visits/{waiting}/correct-phone/",
        "/adminpanel/configuration/",
        "/adminpanel/broadcast/",
        "/adminpanel/audit/",
        "/adminpanel/reports/",
        "/adminpanel/appointments/",
        "/adminpanel/webhooks/",
        "/adminpanel/webhooks/new/",
        f"/adminpanel/webhooks/{endpoint}/edit/",
        f"/adminpanel/webhooks/{endpoint}/secret/",
        "/adminpanel/messages/",
        "/adminpanel/password/",
        "/doctors/",
    ])
    page.goto("/adminpanel/departments/new/")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    problems += "\n" + blocking_violations(page)
    assert not problems.strip(), problems


@pytest.mark.parametrize("width", WIDTHS)
def test_django_admin_pages_have_no_serious_accessibility_violation(open_page, hospital, width):
    get_user_model().objects.create_superuser("admin", password="admin123")
    a_busy_morning(hospital)
    page = open_page(**WIDTHS[width])
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin123")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    problems = sweep(page, ["/admin/", "/admin/patients/queue/", "/admin/patients/department/", "/admin/auth/user/"])
    assert not problems.strip(), problems


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_django_admins_sign_out_warnings_are_readable_in_either_theme_on_a_phone(open_page, hospital, theme):
    get_user_model().objects.create_superuser("admin", password="admin123")
    page = open_page(**PHONE)
    sign_in_to_django_admin(page, "/admin/login/", "admin", "admin123")
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    problems = ""
    warnings = [("Are you still there?", "[data-idle-warning]"), ("Your sign-in is ending", "[data-shift-warning]")]
    for name, warning in warnings:
        page.evaluate(f"document.querySelector('{warning}').showModal()")
        dialog = page.get_by_role("alertdialog", name=name)
        expect(dialog).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        problems += blocking_violations(page)
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
    assert not problems.strip(), problems


@pytest.mark.parametrize("width", WIDTHS)
def test_appointment_and_kiosk_pages_have_no_serious_accessibility_violation(open_page, bookable_cardiology, width):
    page = open_page(**WIDTHS[width])
    book_on_phone(page, name="Ravi Kumar", phone="+14155550131")
    problems = blocking_violations(page)
    manage_link = page.url
    cardiology = bookable_cardiology["cardiology"].pk
    problems += "\n" + sweep(page, [f"/patients/appointments/?department={cardiology}", "/kiosk/site/", "/kiosk/CARD/"])
    page.get_by_role("button", name="Take a token").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    problems += "\n" + blocking_violations(page)
    page.get_by_label("Booking code").fill("NOSUCHCODE")
    with page.expect_navigation():
        page.get_by_role("button", name="Check in").click()
    problems += "\n" + blocking_violations(page)
    page.get_by_label("Booking code").fill(manage_link)
    with page.expect_navigation():
        page.get_by_role("button", name="Check in").click()
    expect(page.locator("#ticket-token")).to_be_visible()
    problems += "\n" + blocking_violations(page)
    assert not problems.strip(), problems


def test_the_chosen_time_stands_out_in_forced_colours(open_page, bookable_cardiology):
    """Windows' high-contrast themes replace backgrounds: the chosen time kept only its background, and looked like
    every other time. It takes the system's colours for a selection."""
    page = open_page(**PHONE, forced_colors="active", color_scheme="dark")
    page.goto(f"/patients/appointments/?department={bookable_cardiology['cardiology'].pk}")
    labels = page.locator(".slot-choice label")
    expect(labels.first).to_be_visible()
    labels.first.click()

    def background(label):
        return label.evaluate("element => getComputedStyle(element).backgroundColor")

    assert page.locator(".slot-choice input").first.is_checked()
    unchosen = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background(labels.first) not in (unchosen, "rgba(0, 0, 0, 0)")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_visits_messages_in_django_admin_scroll_by_keyboard(open_page, hospital, width):
    """A visit's texts from the patient are a table wider than a phone: its scrolling box takes the keyboard's focus
    (axe's scrollable-region-focusable), or someone without a mouse could not read past its edge."""
    get_user_model().objects.create_superuser("admin", password="admin123")
    visit, visit_without_texts = a_busy_morning(hospital)[:2]
    InboundMessage.objects.create(
        message_sid="SM1", channel="sms", from_phone=visit.patient.phone, body="STATUS please, I am in the car park",
        keyword="STATUS", effect=InboundMessage.Effect.STATUS_SENT, patient=visit.patient, queue_entry=visit,
    )
    page = open_page(**WIDTHS[width])
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin123")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    problems = sweep(page, [f"/admin/patients/queue/{pk}/change/" for pk in (visit.pk, visit_without_texts.pk)])
    assert not problems.strip(), problems

    texts = page.get_by_role("region", name="Inbound messages")
    texts.focus()
    page.keyboard.press("ArrowRight")
    overflows = texts.evaluate("box => box.scrollWidth > box.clientWidth")
    assert overflows == (width == "phone")
    if overflows:
        # The key's scroll may be drawn a frame after the key (a run of the whole file read it still at 0): waited for.
        page.wait_for_function("box => box.scrollLeft > 0", arg=texts.element_handle(), timeout=10_000)
    else:
        assert texts.evaluate("box => box.scrollLeft") == 0


@pytest.mark.parametrize("width", [320, 1366])
def test_todays_bookings_has_no_serious_accessibility_violation_and_fits_a_320px_phone(
    open_page, bookable_cardiology, width
):
    """The desk's list of today's bookings, searched, and after a check-in from it (its answer takes the focus)."""
    # Written as rows: the booking service publishes its change, which this thread (Playwright's loop) cannot.
    for seat, (name, phone) in enumerate([("Asha Rao", "+14155550181"), ("Ben Okafor", "+14155550182")], start=1):
        Appointment.objects.create(
            patient=Patient.objects.create(name=name, phone=phone, age=40),
            department=bookable_cardiology["cardiology"],
            slot_start=bookable_cardiology["first_slot"],
            seat=seat,
        )
    page = open_page(viewport={"width": width, "height": 800})
    sign_in(page, "/adminpanel/login/", "admin.manager", "admin123")
    tomorrow = (bookable_cardiology["first_slot"] + timedelta(days=1)).date().isoformat()
    problems = sweep(page, [f"/adminpanel/bookings/today/?day={tomorrow}", "/adminpanel/bookings/today/",
                            "/adminpanel/bookings/today/?search=asha"])
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.locator("#bookings-count")).to_be_focused()
    with page.expect_navigation():
        page.get_by_role("button", name="Check in Asha Rao").click()
    expect(page.get_by_role("status").first).to_contain_text("Asha Rao, token CARD-")
    problems += "\n" + blocking_violations(page)
    assert not problems.strip(), problems
