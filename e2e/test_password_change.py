"""Staff change their own password on a 320 px phone, in English and right to left in Arabic."""

import re

import pytest
from playwright.sync_api import expect

from e2e.test_accessibility import blocking_violations
from e2e.test_staff_flows import sign_in

SMALLEST_PHONE = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(
    "sign_in_path, username, password",
    [("/doctors/login/", "dr.smith", "doctor123"), ("/adminpanel/login/", "admin.manager", "admin123")],
)
def test_staff_change_their_password_from_the_menu_on_a_small_phone(
    open_page, hospital, sign_in_path, username, password
):
    page = open_page(**SMALLEST_PHONE)
    sign_in(page, sign_in_path, username, password)

    page.get_by_role("button", name="Menu").click()
    # As a person would, wait for the menu to finish opening before using what is in it (a click while it slid
    # open left a busy CI pass on the page it was on).
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_role("link", name="Change password").click()

    expect(page).to_have_title("Change password · SmartQueue")
    assert fits_the_screen(page)
    page.get_by_label("Current password").fill("not-my-password")
    page.get_by_label("New password", exact=True).fill("Ward-7-night-kettle")
    page.get_by_label("New password again").fill("Ward-7-night-kettle")
    # The click waits for the page it leads to, which comes once the passwords are hashed: a page load's time, as for
    # signing in (e2e.test_staff_flows.sign_in).
    page.get_by_role("button", name="Change password").click(timeout=30_000)

    expect(page).to_have_title("Please correct the form · Change password · SmartQueue")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        "Current password: This is not your current password. Type it again."
    )
    expect(page.get_by_label("Current password")).to_have_accessible_description(
        "This is not your current password. Type it again."
    )
    assert fits_the_screen(page)
    assert not blocking_violations(page)

    page.get_by_label("Current password").fill(password)
    page.get_by_label("New password", exact=True).fill("Ward-7-night-kettle")
    page.get_by_label("New password again").fill("Ward-7-night-kettle")
    page.get_by_role("button", name="Change password").click(timeout=30_000)

    expect(page).to_have_title("Password changed · SmartQueue")
    expect(page.get_by_role("status")).to_be_focused()
    assert not blocking_violations(page)
    page.get_by_role("link", name="Back to the").click()
    expect(page).not_to_have_url(sign_in_path)

    again = open_page(**SMALLEST_PHONE)
    sign_in(again, sign_in_path, username, "Ward-7-night-kettle")


def test_the_password_page_reads_right_to_left_in_arabic_on_a_small_phone(open_page, hospital):
    page = open_page(**SMALLEST_PHONE)
    sign_in(page, "/doctors/login/", "dr.smith", "doctor123")
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": page.url}])

    page.goto("/doctors/password/")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("تغيير كلمة المرور")
    expect(page.get_by_label("كلمة المرور الحالية")).to_be_visible()
    page.get_by_role("button", name="تغيير كلمة المرور").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert fits_the_screen(page)
