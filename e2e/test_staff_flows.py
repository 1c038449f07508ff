"""What staff see: the admin setting up a department and its doctor, who then signs in to an empty queue."""

from playwright.sync_api import expect

from e2e.conftest import DESKTOP


def sign_in(page, path, username, password):
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    # The click waits for the page it leads to, which is given a page load's time (e2e.conftest.open_page), not an
    # action's 10 s: checking the password is slow by design, and slower still on a busy machine.
    page.get_by_role("button", name="Sign in").click(timeout=30_000)
    # Until the signed-in page has loaded, its scripts may not have run: a button pressed then posts the page's
    # plain form (the fallback without JavaScript) and the page reloads, which is not what the test looks at.
    page.wait_for_url(lambda url: "/login/" not in url)


def sign_in_to_django_admin(page, path, username, password):
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click(timeout=30_000)
    page.wait_for_url(lambda url: "/login/" not in url)


def test_admin_creates_a_department_and_a_doctor_who_signs_in_to_its_empty_queue(open_page, hospital, screenshot):
    admin = open_page(**DESKTOP)
    sign_in(admin, "/adminpanel/login/", "admin.manager", "admin123")

    admin.goto("/adminpanel/departments/")
    admin.get_by_role("link", name="New department").click()
    admin.get_by_label("Name", exact=True).fill("Neurology")
    admin.get_by_label("Code", exact=True).fill("NEURO")
    admin.get_by_label("Room", exact=True).fill("Block C")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("cell", name="NEURO", exact=True)).to_be_visible()

    admin.goto("/adminpanel/doctors/")
    admin.get_by_role("link", name="New doctor").click()
    admin.get_by_label("Username").fill("dr.new")
    admin.get_by_label("First name").fill("Nadia")
    admin.get_by_label("Last name").fill("Ward")
    admin.get_by_label("Password").fill("a-long-first-password-42")
    admin.get_by_label("Department").select_option(label="Neurology")
    admin.get_by_label("Room").fill("Room 9")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("cell", name="dr.new", exact=True)).to_be_visible()
    screenshot(admin, "doctors")

    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.new", "a-long-first-password-42")
    # The administrator typed that password: the doctor chooses their own before the dashboard.
    expect(doctor.get_by_text("Your password was chosen by an administrator")).to_be_visible()
    doctor.get_by_label("Current password").fill("a-long-first-password-42")
    doctor.get_by_label("New password", exact=True).fill("nadia-own-password-43")
    doctor.get_by_label("New password again").fill("nadia-own-password-43")
    doctor.get_by_role("button", name="Change password").click()
    doctor.goto("/doctors/")

    expect(doctor.get_by_text("Neurology queue")).to_be_visible()
    expect(doctor.get_by_text("Nobody is waiting.")).to_be_visible()
    expect(doctor.locator("#waiting-count")).to_have_text("0")
    screenshot(doctor, "empty-dashboard")


def test_an_admin_returns_the_patient_of_a_doctor_called_away_and_the_dashboard_lets_them_go(
    open_page, hospital, make_patient, screenshot
):
    from patients import services

    entry = services.allocate_token(department=hospital["cardiology"], patient=make_patient(name="Ravi Kumar"))
    services.call_patient(entry=entry, doctor=hospital["doctor"])
    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    expect(doctor.locator("#live-status")).to_have_attribute("data-live-status", "live")
    expect(doctor.locator("#current-patient")).to_have_attribute("data-token", "CARD-001")

    admin = open_page(**DESKTOP)
    sign_in(admin, "/adminpanel/login/", "admin.manager", "admin123")
    screenshot(admin, "live-queues")
    admin.get_by_role("link", name="Return to the line CARD-001").click()
    expect(admin.get_by_role("heading", name="Return CARD-001 to the line?")).to_be_visible()
    screenshot(admin, "confirm")
    admin.get_by_role("button", name="Return CARD-001 to the line").click()

    expect(admin.get_by_text("CARD-001 is back in line at their place; the patient is told.")).to_be_visible()
    expect(doctor.locator("#current-patient")).to_have_attribute("data-token", "", timeout=5000)
    expect(doctor.locator('#waiting-rows tr[data-token="CARD-001"]')).to_be_visible()
