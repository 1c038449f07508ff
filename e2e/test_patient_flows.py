"""What a patient sees: registering on a phone, following the status page, and fixing a typo."""

import re

from playwright.sync_api import expect

from e2e.conftest import PHONE


def register_on_phone(page, *, name, phone, department="Cardiology", age="34", gender="Female"):
    page.goto("/patients/register/")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Phone", exact=True).fill(phone)
    page.get_by_label("Age", exact=True).fill(age)
    page.get_by_label("Gender", exact=True).select_option(label=gender)
    page.get_by_label("Department", exact=True).select_option(label=department)
    page.get_by_role("button", name="Get my token").click()


def test_patient_registers_on_a_phone_sees_the_token_and_opens_the_status_page(open_page, hospital, screenshot):
    page = open_page(**PHONE)

    register_on_phone(page, name="Asha Rao", phone="+14155550101")

    expect(page.get_by_text("CARD-001")).to_be_visible()
    screenshot(page, "token")
    page.get_by_role("link", name="Follow my place in line").click()
    expect(page).to_have_url(re.compile(r"/patients/status/[0-9a-f-]{36}/$"))
    expect(page.get_by_text("CARD-001")).to_be_visible()
    expect(page.locator('[data-field="position"]')).to_have_text("1")
    screenshot(page, "status")


def test_bad_input_is_explained_beside_the_field_and_what_was_typed_is_kept(open_page, hospital, screenshot):
    page = open_page(**PHONE)

    register_on_phone(page, name="Asha Rao", phone="12", age="200")

    expect(page.locator("#id_phone_error")).to_be_visible()
    expect(page.locator("#id_age_error")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Asha Rao")
    expect(page.get_by_label("Phone", exact=True)).to_have_value("12")
    expect(page.get_by_label("Department", exact=True)).to_have_value(str(hospital["cardiology"].pk))
    screenshot(page, "errors")
