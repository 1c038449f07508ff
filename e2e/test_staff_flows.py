"""What staff see: the admin setting up a department and its doctor, who then signs in to an empty queue."""

from playwright.sync_api import expect

from e2e.conftest import DESKTOP


def sign_in(page, path, username, password):
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Until the signed-in page has loaded, its scripts may not have run: a button pressed then posts the page's
    # plain form (the fallback without JavaScript) and the page reloads, which is not what the test looks at.
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

    expect(doctor.get_by_text("Neurology queue")).to_be_visible()
    expect(doctor.get_by_text("Nobody is waiting.")).to_be_visible()
    expect(doctor.locator("#waiting-count")).to_have_text("0")
    screenshot(doctor, "empty-dashboard")
