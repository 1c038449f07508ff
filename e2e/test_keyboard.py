"""Keyboard only: every action is reached with Tab and shows where the focus is (WCAG 2.1 AA 2.1.1, 2.4.7).

On the registration page (anonymous, 390 px phone), the doctor's dashboard (desk screen, a token
waiting) and the dark display board, Tab is pressed from the top of the page until the focus comes back
round: every visible link, button and form field must have been a stop, each stop must show a focus ring (an
outline of 3:1 against what it is drawn on, or a box shadow), and the first stop is the skip link, whose
Enter puts the focus on the page's content. Then the doctor calls the next patient with the keyboard alone.
"""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE
from e2e.test_staff_flows import sign_in
from patients import services
from patients.models import Department
from patients.tests.factories import register_patient

MAX_TAB_PRESSES = 80
MIN_RING_CONTRAST = 3
SKIP_LINK_TEXT = "Skip to the page's content"

# A stable description of an element (its place in the page, its tag and name), the same for an element
# that a live region redraws with the same markup.
DESCRIBE = """
element => {
  const path = [];
  for (let node = element; node && node !== document.body; node = node.parentElement) {
    path.unshift(node.tagName.toLowerCase() + ":" + Array.prototype.indexOf.call(node.parentElement.children, node));
  }
  const labels = element.labels && element.labels.length ? element.labels[0].textContent : "";
  const name = (element.getAttribute("aria-label") || labels || element.textContent || element.name || "")
    .replace(/\\s+/g, " ").trim();
  return { key: path.join("/"), tag: element.tagName.toLowerCase(), name: name };
}
"""

EVERY_ACTION = f"""
() => {{
  const describe = {DESCRIBE};
  const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])';
  return Array.from(document.body.querySelectorAll(selector))
    .filter(element => !element.disabled && element.getClientRects().length > 0
            && getComputedStyle(element).visibility !== "hidden")
    .map(describe);
}}
"""

FOCUSED = f"""
() => {{
  const element = document.activeElement;
  if (!element || element === document.body || element === document.documentElement) return null;
  // Bootstrap fades the focus shadow in: end the transition so the style read is the one a person sees.
  element.getAnimations().forEach(animation => animation.finish());
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  // A shadow shows when one of its layers has a colour that is not transparent and some offset, blur or spread.
  const layers = style.boxShadow === "none" ? [] : style.boxShadow.split(/,(?![^(]*\\))/);
  const shadowShows = layers.some(layer => {{
    const colour = layer.match(/rgba?\\(([^)]*)\\)/);
    const alpha = colour && colour[1].split(",").length === 4 ? parseFloat(colour[1].split(",")[3]) : 1;
    const lengths = layer.replace(/rgba?\\([^)]*\\)/, "").match(/-?[\\d.]+px/g) || [];
    return alpha > 0 && lengths.some(length => parseFloat(length) !== 0);
  }});
  // What the ring is drawn on: the first background behind the element (the outline is outside it).
  let behind = "rgb(255, 255, 255)";
  for (let node = element.parentElement; node; node = node.parentElement) {{
    const background = getComputedStyle(node).backgroundColor;
    if (background !== "transparent" && !/rgba\\([^)]*,\\s*0\\)/.test(background)) {{ behind = background; break; }}
  }}
  return Object.assign(({DESCRIBE})(element), {{
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    outlineColor: style.outlineColor,
    behind: behind,
    boxShadow: style.boxShadow,
    shadowShows: shadowShows,
    // A date field's own "Show date picker" button (Chromium's) is a stop inside the field, which is then neither
    // :focus nor :focus-visible: the field is where its ring must show.
    focusVisible: element.matches(":focus-visible") || element.matches(":focus-within:not(:focus)"),
    width: box.width,
    height: box.height,
  }});
}}
"""


def from_the_top(page):
    """Load the page again, so the next Tab starts at its top (a blur would keep the place Tab goes on from)."""
    page.reload()
    page.wait_for_load_state("load")
    expect(page.locator("#main")).to_be_visible()


def relative_luminance(css_colour):
    channels = [int(value) / 255 for value in re.findall(r"\d+", css_colour)[:3]]
    linear = [value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4 for value in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first, second):
    lighter, darker = sorted([relative_luminance(first), relative_luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def shows_focus(stop):
    """A ring that stands out from what it is drawn on by 3:1 (WCAG 1.4.11): a dark ring on the dark display board
    or the blue navbar was there but could not be seen."""
    if stop["outlineStyle"] != "none" and stop["outlineWidth"] > 0:
        ring_seen = contrast(stop["outlineColor"], stop["behind"]) >= MIN_RING_CONTRAST
    else:
        ring_seen = stop["shadowShows"]
    return stop["focusVisible"] and ring_seen and stop["width"] > 1 and stop["height"] > 1


def tab_through(page):
    """The focus stops from the top of the page, in order, until the focus comes back to the first one."""
    from_the_top(page)
    stops = []
    for _ in range(MAX_TAB_PRESSES):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None:  # the focus left the page for the browser's own controls
            continue
        if stops and stop["key"] == stops[0]["key"]:
            break
        stops.append(stop)
    return stops


def assert_every_action_is_a_visible_stop(page):
    actions = page.evaluate(EVERY_ACTION)
    stops = tab_through(page)
    reached = {stop["key"] for stop in stops}
    missed = [f"{action['tag']} {action['name']!r}" for action in actions if action["key"] not in reached]
    assert not missed, f"never reached with Tab: {missed}; the stops were {[s['name'] for s in stops]}"
    unseen = [
        f"{stop['tag']} {stop['name']!r} (outline {stop['outlineStyle']} {stop['outlineWidth']}px "
        f"{stop['outlineColor']} on {stop['behind']}, "
        f"box-shadow {stop['boxShadow']}, :focus-visible {stop['focusVisible']})"
        for stop in stops if not shows_focus(stop)
    ]
    assert not unseen, "focused without a visible focus indicator: " + "; ".join(unseen)
    assert stops[0]["tag"] == "a" and stops[0]["name"] == SKIP_LINK_TEXT, stops[0]
    return stops


def assert_skip_link_leads_to_the_content(page):
    from_the_top(page)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=SKIP_LINK_TEXT)
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["width"] > 40 and box["height"] > 20, f"the focused skip link is not shown: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    # From the content the next Tab goes on inside it, past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


def test_registration_page_on_a_phone_is_usable_with_the_keyboard(open_page, hospital):
    page = open_page(**PHONE)
    page.goto("/patients/register/")
    expect(page.get_by_role("button", name="Get my token")).to_be_visible()

    stops = assert_every_action_is_a_visible_stop(page)
    names = [stop["name"] for stop in stops]
    for field in ["Name", "Phone", "Age", "Gender", "Department", "Get my token"]:
        assert field in names, f"{field} is not a Tab stop: {names}"
    assert names.index("Name") < names.index("Phone") < names.index("Department") < names.index("Get my token")

    assert_skip_link_leads_to_the_content(page)
    expect(page.get_by_label("Name", exact=True)).to_be_focused()


def test_doctor_dashboard_is_usable_and_calls_the_next_patient_with_the_keyboard(open_page, hospital, screenshot):
    register_patient(department=hospital["cardiology"], name="Asha Rao", phone="+14155550101", age=34,
                     gender="female", priority="normal", notes="", actor=None, ip_address=None, self_service=False)
    page = open_page(**DESKTOP)
    sign_in(page, "/doctors/login/", "dr.smith", "doctor123")
    expect(page.locator('#waiting-rows tr[data-token="CARD-001"]')).to_be_visible()
    expect(page.locator("#live-status")).to_have_attribute("data-live-status", "live")

    stops = assert_every_action_is_a_visible_stop(page)
    names = [stop["name"] for stop in stops]
    for action in ["Call next patient", "Availability", "Set availability", "Edit your weekly hours"]:
        assert action in names, f"{action} is not a Tab stop: {names}"

    assert_skip_link_leads_to_the_content(page)

    # Tab from the top to "Call next patient" and press Enter: no mouse.
    call_next = page.get_by_role("button", name="Call next patient")
    from_the_top(page)
    expect(page.locator("#live-status")).to_have_attribute("data-live-status", "live")
    for _ in range(MAX_TAB_PRESSES):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Call next patient":
            break
    expect(call_next).to_be_focused()
    assert shows_focus(page.evaluate(FOCUSED))
    page.keyboard.press("Enter")

    current = page.locator("#current-patient")
    expect(current).to_have_attribute("data-token", "CARD-001")
    expect(current).to_have_attribute("data-status", "called")
    expect(page.locator("#current-summary")).to_contain_text("CARD-001")
    expect(page.locator("#current-summary")).to_contain_text("Called")
    expect(page.get_by_role("button", name="Start consultation")).to_be_visible()
    expect(page.locator("#waiting-count")).to_have_text("0")
    screenshot(page, "called-with-the-keyboard")


def test_display_board_shows_where_the_focus_is_on_its_dark_page(open_page, hospital):
    # Its buttons, language list and "Change language" sit on navy: a ring of the light pages' near-black was there
    # but could not be seen (1:1).
    register_patient(department=hospital["cardiology"], name="Asha Rao", phone="+14155550101", age=34,
                     gender="female", priority="normal", notes="", actor=None, ip_address=None, self_service=False)
    page = open_page(**DESKTOP)
    page.goto(f"/display/{hospital['cardiology'].pk}/")
    expect(page.get_by_role("button", name="Turn on sound")).to_be_visible()

    names = [stop["name"] for stop in assert_every_action_is_a_visible_stop(page)]

    assert "Turn on sound" in names and "Change language" in names


def test_a_date_fields_own_picker_button_shows_the_focus(open_page, hospital):
    """Chromium's date fields hold a "Show date picker" button, a Tab stop of its own after the day, month and year:
    on the reports' and the audit log's dates the focus went there and no ring showed anywhere."""
    page = open_page(**DESKTOP)
    sign_in(page, "/adminpanel/login/", "admin.manager", "admin123")
    page.goto("/adminpanel/reports/")

    names = [stop["name"] for stop in assert_every_action_is_a_visible_stop(page)]

    assert "From" in names


def test_a_transfer_without_its_department_is_refused_by_the_dashboard_at_the_list(open_page, hospital):
    # The browser's own bubble for a required list was in the browser's language, gone at the next key and tied to
    # nothing; the dashboard's refusal is in the page's, marks the list and leaves the focus there to put it right.
    Department.objects.create(name="Pediatrics", code="PED", room="Block B")
    register_patient(department=hospital["cardiology"], name="Asha Rao", phone="+14155550101", age=34,
                     gender="female", priority="normal", notes="", actor=None, ip_address=None, self_service=False)
    services.call_next(doctor=hospital["doctor"])
    page = open_page(**DESKTOP)
    sign_in(page, "/doctors/login/", "dr.smith", "doctor123")

    page.get_by_role("button", name="Transfer").press("Enter")

    refusal = "Choose the department to transfer the patient to."
    expect(page.get_by_role("alert")).to_contain_text(refusal)
    departments = page.get_by_label("Transfer to")
    expect(departments).to_be_focused()
    expect(departments).to_have_attribute("aria-invalid", "true")
    expect(departments).to_have_accessible_description(refusal)

    departments.select_option(label="Pediatrics")
    page.get_by_role("button", name="Transfer").press("Enter")
    expect(page.locator("#current-summary")).to_contain_text("No patient is with you.")


def test_dismissing_the_dashboards_notice_gives_the_focus_back_to_where_the_doctor_was(open_page, hospital):
    # Hidden with the focus on its Dismiss button, the notice left the focus nowhere: a screen reader started again
    # from the top of the page, and the next Tab from the notice's place, above the dashboard.
    register_patient(department=hospital["cardiology"], name="Asha Rao", phone="+14155550101", age=34,
                     gender="female", priority="normal", notes="", actor=None, ip_address=None, self_service=False)
    services.call_next(doctor=hospital["doctor"])
    page = open_page(**DESKTOP)
    sign_in(page, "/doctors/login/", "dr.smith", "doctor123")
    page.get_by_role("button", name="Transfer").press("Enter")
    departments = page.get_by_label("Transfer to")
    expect(departments).to_be_focused()

    dismiss = page.get_by_role("button", name="Dismiss")
    for _ in range(MAX_TAB_PRESSES):  # back to it: the notice comes before the dashboard
        page.keyboard.press("Shift+Tab")
        if dismiss.evaluate("button => button === document.activeElement"):
            break
    expect(dismiss).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert")).to_be_hidden()
    expect(departments).to_be_focused()


@pytest.mark.parametrize("answer", ["connection lost", "a proxy's page"])
def test_an_action_the_server_never_answered_is_said_on_the_dashboard_not_dropped(open_page, hospital, answer):
    """WCAG 3.3.1, 4.1.3: *Call next patient* pressed while the connection was down, or answered by a proxy's own
    page (a 502 while the server restarts), did nothing on the page and said nothing: the script's promise failed
    where nobody heard it, and the doctor could only press again."""
    register_patient(department=hospital["cardiology"], name="Asha Rao", phone="+14155550101", age=34,
                     gender="female", priority="normal", notes="", actor=None, ip_address=None, self_service=False)
    page = open_page(**DESKTOP)
    sign_in(page, "/doctors/login/", "dr.smith", "doctor123")
    call_next = page.get_by_role("button", name="Call next patient")
    expect(call_next).to_be_visible()
    if answer == "connection lost":
        page.route("**/doctors/api/", lambda route: route.abort("internetdisconnected"))
    else:
        page.route("**/doctors/api/", lambda route: route.fulfill(
            status=502, content_type="text/html", body="<html><body><h1>502 Bad Gateway</h1></body></html>"
        ))

    call_next.press("Enter")

    expect(page.get_by_role("alert")).to_have_text(re.compile(
        "The server could not be reached, or did not answer. Check the dashboard before trying again."
    ))
    expect(call_next).to_be_focused()
