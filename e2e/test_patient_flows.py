"""What a patient sees: registering on a phone, following the status page, and fixing a typo."""

import re

from playwright.sync_api import expect

from e2e.conftest import PHONE
from patients.models import Department


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
    page.wait_for_url(re.compile(r"/patients/status/[0-9a-f-]{36}/$"))
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


def test_a_long_token_stays_whole_on_a_320px_screen_and_with_text_at_twice_its_size(open_page, hospital):
    Department.objects.create(name="Paediatrics", code="PAEDIATRIC", room="Block B")
    page = open_page(viewport={"width": 320, "height": 640})
    register_on_phone(page, name="Asha Rao", phone="+14155550101", department="Paediatrics")
    expect(page.locator('[data-field="token"]')).to_have_text("PAEDIATRIC-001")
    registered = page.url
    page.get_by_role("link", name="Follow my place in line").click()
    expect(page.locator('[data-field="token"]')).to_have_text("PAEDIATRIC-001")
    status = page.url

    wide = open_page(viewport={"width": 1280, "height": 900})
    for screen, text_size in [(page, "100%"), (page, "200%"), (wide, "200%")]:
        for url in (registered, status):
            screen.goto(url)
            expect(screen.locator('[data-field="token"]')).to_have_text("PAEDIATRIC-001")
            screen.evaluate(f"document.documentElement.style.fontSize = '{text_size}'")
            where = f"{url} at {screen.viewport_size['width']} px, text at {text_size}"

            assert screen.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), where
            for field in ("token", "estimated_wait_minutes"):
                box = screen.locator(f'[data-field="{field}"]')
                assert box.evaluate("node => node.scrollWidth <= node.clientWidth"), f"{field} clipped: {where}"
            label = screen.get_by_text("Estimated wait", exact=True)
            assert label.evaluate(
                "node => node.scrollWidth <= node.clientWidth"
                " && node.getBoundingClientRect().right <= node.parentElement.getBoundingClientRect().right"
            ), f"Estimated wait spills out of its box: {where}"
