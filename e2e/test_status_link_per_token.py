"""Each token has its own status link: a phone that holds two tokens never sees one through the other's link.

The architecture issue's scenario on a 390 px phone: a patient registers for Cardiology and keeps the page
of CARD-010; someone then types the same phone for Dermatology (DERM-003, sent to that phone). The first
patient's link still shows CARD-010, and when the doctor calls CARD-010 the open page says it is their turn.
The call is made on the doctor's dashboard, inside the server: without Redis (as CI runs the browser tests)
the channel layer is per process, so a service called from the test would not reach the page's socket.
"""

import re

from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE
from e2e.test_patient_flows import register_on_phone
from e2e.test_staff_flows import sign_in
from patients import services
from patients.models import Department, Queue

PATIENT_PHONE = "+14155550190"


def earlier_tokens(department, count, first_phone):
    """count tokens of department issued before the test's own, each to a different phone."""
    for number in range(count):
        services.register_visit(
            department=department, name=f"Earlier Patient {number}", phone=f"+1415555{first_phone + number:04d}",
            age=50, gender="male",
        )


def test_a_status_link_keeps_its_own_token_when_the_same_phone_registers_elsewhere(open_page, hospital, screenshot):
    cardiology = hospital["cardiology"]
    dermatology = Department.objects.create(name="Dermatology", code="DERM", room="Block D")
    earlier_tokens(cardiology, 9, first_phone=1000)
    earlier_tokens(dermatology, 2, first_phone=2000)

    # The patient registers for Cardiology on their phone and is shown their token and its link.
    patient = open_page(**PHONE)
    register_on_phone(patient, name="Asha Rao", phone=PATIENT_PHONE, department="Cardiology")
    patient.wait_for_url(re.compile(r"/patients/registered/[0-9a-f-]{36}/$"))
    expect(patient.locator("#main").get_by_text("CARD-010", exact=True)).to_be_visible()
    follow = patient.get_by_role("link", name="Follow my place in line")
    expect(follow).to_be_visible()
    status_link = follow.get_attribute("href")
    cardiology_visit = Queue.objects.get(department=cardiology, token_number=10)
    assert cardiology_visit.token == "CARD-010" and cardiology_visit.patient.phone == PATIENT_PHONE
    assert re.search(rf"/patients/status/{cardiology_visit.public_id}/$", status_link), status_link
    expect(patient.get_by_text(status_link)).to_be_visible()  # the link is written out too, to copy
    screenshot(patient, "registered-card-010")

    # Someone else, on another phone's browser, types the same number for Dermatology.
    someone_else = open_page(**PHONE)
    register_on_phone(someone_else, name="Not Asha", phone=PATIENT_PHONE, department="Dermatology")
    someone_else.wait_for_url(re.compile(r"/patients/register/sent/\?to="))
    expect(someone_else.get_by_text("We have sent a message to that phone: your token and a link to follow your place")
           ).to_be_visible()
    expect(someone_else.locator('[data-field="masked_phone"]')).to_have_text("••••••" + PATIENT_PHONE[-4:])
    expect(someone_else.locator("#main")).not_to_contain_text("DERM-003")
    expect(someone_else.locator("#main")).not_to_contain_text("CARD-010")
    dermatology_visit = Queue.objects.get(department=dermatology, token_number=3)
    assert dermatology_visit.token == "DERM-003" and dermatology_visit.patient_id == cardiology_visit.patient_id
    assert dermatology_visit.public_id != cardiology_visit.public_id
    screenshot(someone_else, "sent-to-phone")

    # Meanwhile the Cardiology doctor sees the nine patients ahead of CARD-010, from the dashboard: the server keeps
    # the queue it publishes, which the status page and its socket read (a change made in this test's process would
    # reach its database, not that queue).
    desk = open_page(**DESKTOP)
    sign_in(desk, "/doctors/login/", "dr.smith", "doctor123")
    for seen in range(1, 10):
        desk.get_by_role("button", name="Call next patient").click()
        expect(desk.locator("#current-patient")).to_have_attribute("data-token", f"CARD-{seen:03d}")
        desk.get_by_role("button", name="Start consultation").click()
        desk.get_by_role("button", name="Complete consultation").click()
        expect(desk.get_by_role("button", name="Call next patient")).to_be_visible()

    # The first patient opens their link again: still CARD-010 in Cardiology, never the newer DERM-003.
    patient.goto(status_link)
    token = patient.locator('[data-field="token"]')
    expect(token).to_have_text("CARD-010")
    expect(patient.locator('[data-field="department"]')).to_contain_text("Cardiology")
    expect(patient.locator('[data-field="position"]')).to_have_text("1")
    expect(patient.locator("#main")).not_to_contain_text("DERM")
    your_turn = patient.locator('[data-field="your-turn"]')
    expect(your_turn).to_be_hidden()
    expect(patient.locator("#live-status")).to_have_attribute("data-live-status", "live")

    # The doctor calls the next patient, CARD-010, from the dashboard: the patient's open page turns to
    # "your turn" by itself, over its socket (the call is made in the server, where the sockets are).
    expect(desk.locator('#waiting-rows tr[data-token]')).to_have_count(1)
    expect(desk.locator('#waiting-rows tr[data-token="CARD-010"]')).to_be_visible()
    desk.get_by_role("button", name="Call next patient").click()
    expect(desk.locator("#current-patient")).to_have_attribute("data-token", "CARD-010")

    expect(your_turn).to_be_visible()
    expect(your_turn).to_contain_text("It's your turn")
    expect(patient.locator('[data-field="go_to"]')).to_contain_text("Room 2A")
    expect(patient.locator('[data-field="status"]')).to_have_attribute("data-value", "called")
    expect(token).to_have_text("CARD-010")
    expect(patient.locator("#main")).not_to_contain_text("DERM")
    assert patient.url.endswith(status_link)
    screenshot(patient, "your-turn")
