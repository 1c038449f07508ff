"""The lobby kiosk: its ticket on a small screen, and starting over by itself for the next patient after a warning."""

from playwright.sync_api import expect

from e2e.conftest import stop_the_clock
from e2e.test_appointment_flows import TABLET
from patients.models import Department
from patients.tests.factories import register_patient


def test_the_kiosk_warns_before_starting_over_and_more_time_postpones_it(open_page, hospital):
    kiosk = open_page(**TABLET)
    stop_the_clock(kiosk)
    kiosk.goto(f"/kiosk/{hospital['cardiology'].code}/")
    # The page's own timings (60 s, warned 20 s before) shortened, read again on the next touch.
    kiosk.locator("[data-kiosk-start]").evaluate("page => { page.dataset.idleSeconds = 4; page.dataset.warningSeconds = 3; }")
    kiosk.get_by_label("Name", exact=True).fill("Mei Lin")
    warning = kiosk.get_by_role("alertdialog", name="Are you still there?")
    more_time = warning.get_by_role("button", name="I need more time")

    kiosk.clock.run_for(1_500)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("This page starts over in")
    expect(more_time).to_be_focused()
    more_time.click()
    expect(warning).to_be_hidden()

    # Past the time the page would have started over without the button: still here, the name still typed.
    kiosk.clock.run_for(3_500)
    expect(kiosk.get_by_label("Name", exact=True)).to_have_value("Mei Lin")
    expect(warning).to_be_visible()
    # Left alone, it starts over.
    kiosk.clock.run_for(1_000)
    expect(kiosk.get_by_label("Name", exact=True)).to_have_value("")
    expect(warning).to_be_hidden()


def test_the_key_that_presses_more_time_does_nothing_else(open_page, hospital):
    kiosk = open_page(**TABLET)
    start = f"/kiosk/{hospital['cardiology'].code}/"
    kiosk.goto(start)
    kiosk.locator("[data-kiosk-start]").evaluate("page => { page.dataset.idleSeconds = 4; page.dataset.warningSeconds = 3; }")
    kiosk.get_by_label("Name", exact=True).fill("Mei Lin")
    kiosk.get_by_label("Phone", exact=True).fill("+14155550177")
    kiosk.get_by_label("Age", exact=True).fill("40")
    warning = kiosk.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible(timeout=3000)

    warning.get_by_role("button", name="I need more time").press("Enter")

    expect(warning).to_be_hidden()
    kiosk.wait_for_timeout(500)
    assert kiosk.url.endswith(start)  # no token was taken with the Enter meant for the button
    expect(kiosk.get_by_label("Name", exact=True)).to_have_value("Mei Lin")


def test_the_warning_keeps_focus_in_itself_and_any_key_or_touch_postpones_the_start_over(open_page, hospital):
    kiosk = open_page(**TABLET)
    start = f"/kiosk/{hospital['cardiology'].code}/"
    stop_the_clock(kiosk)
    kiosk.goto(start)
    kiosk.locator("[data-kiosk-start]").evaluate(
        "page => { page.dataset.idleSeconds = 6; page.dataset.warningSeconds = 4; }"
    )
    name = kiosk.get_by_label("Name", exact=True)
    name.fill("Mei Lin")
    kiosk.get_by_label("Phone", exact=True).fill("+14155550177")
    age = kiosk.get_by_label("Age", exact=True)
    age.fill("40")
    take_token = kiosk.get_by_role("button", name="Take a token")
    take_token.scroll_into_view_if_needed()
    warning = kiosk.get_by_role("alertdialog", name="Are you still there?")
    kiosk.clock.run_for(2_500)
    expect(warning).to_be_visible()

    kiosk.keyboard.down("Tab")
    # Tab leaves the warning only for the browser's own controls (the page's body has the focus meanwhile).
    assert kiosk.evaluate("document.activeElement === document.body || !!document.activeElement.closest('dialog')")
    kiosk.keyboard.up("Tab")

    # A key is someone still there: the warning closes, focus is back in the form and the start over is postponed.
    expect(warning).to_be_hidden()
    expect(age).to_be_focused()
    kiosk.clock.run_for(4_500)
    expect(name).to_have_value("Mei Lin")
    expect(warning).to_be_visible()

    # So is a touch anywhere, and it reaches nothing behind the warning: no token is taken.
    button = take_token.bounding_box()
    kiosk.touchscreen.tap(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
    expect(warning).to_be_hidden()
    kiosk.clock.run_for(2_000)
    assert kiosk.url.endswith(start)
    expect(name).to_have_value("Mei Lin")

    # Escape, the key that closes any dialog, postpones it as well.
    kiosk.clock.run_for(500)
    expect(warning).to_be_visible()
    kiosk.keyboard.press("Escape")
    expect(warning).to_be_hidden()
    kiosk.clock.run_for(4_500)
    expect(name).to_have_value("Mei Lin")

def test_the_warnings_button_is_in_sight_with_the_focus_on_a_short_screen_at_twice_the_text_size(open_page, hospital):
    """The countdown was written once the warning had opened and scrolled its focused button into view: on a short
    landscape screen at twice the text size the words then pushed "I need more time" half out of the dialog's sight,
    its focus ring with it."""
    kiosk = open_page(viewport={"width": 568, "height": 320}, is_mobile=True, has_touch=True)
    kiosk.context.new_cdp_session(kiosk).send("Page.setFontSizes", {"fontSizes": {"standard": 32}})
    stop_the_clock(kiosk)
    kiosk.goto(f"/kiosk/{hospital['cardiology'].code}/")
    kiosk.locator("[data-kiosk-start]").evaluate(
        "page => { page.dataset.idleSeconds = 4; page.dataset.warningSeconds = 3; }"
    )
    kiosk.get_by_label("Name", exact=True).fill("Mei Lin")
    warning = kiosk.get_by_role("alertdialog", name="Are you still there?")
    more_time = warning.get_by_role("button", name="I need more time")

    kiosk.clock.run_for(1_500)

    expect(more_time).to_be_focused()
    expect(warning).to_contain_text("This page starts over in")
    expect(more_time).to_be_in_viewport(ratio=1)


def lines_of(node):
    """The lines a node's text fills as the page shows it: one box per line."""
    return node.evaluate(
        """node => {
            const text = document.createRange();
            text.selectNodeContents(node);
            return new Set([...text.getClientRects()].map(box => Math.round(box.top))).size;
        }"""
    )


def test_the_tickets_token_keeps_to_a_320px_screen_at_twice_the_text_size(open_page, hospital):
    """The ticket's token was sized to the screen, never less than 1.75rem, and kept on one line: at twice the
    browser's text size "CARD-001" ran 53 px past a 320 px phone's edge, and a ten-letter code's token much further."""
    paediatrics = Department.objects.create(name="Paediatrics", code="PAEDIATRIC")
    kiosk = open_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    kiosk.context.new_cdp_session(kiosk).send("Page.setFontSizes", {"fontSizes": {"standard": 32}})

    for department, shown, lines in [(hospital["cardiology"], "CARD-001", 1), (paediatrics, "PAEDIATRIC-001", 2)]:
        visit = register_patient(department=department, name="Mei Lin", phone="+14155550191", age=6,
                                 gender="female", priority="normal", notes="", actor=None, ip_address=None,
                                 self_service=False)[0]
        kiosk.goto(f"/kiosk/site/ticket/{visit.public_id}/")
        token = kiosk.locator("#ticket-token")
        expect(token).to_have_text(shown)
        kiosk.wait_for_load_state("load")

        assert kiosk.evaluate("document.documentElement.scrollWidth") <= 320, shown
        # A long one breaks after its dash, not inside its code.
        assert lines_of(token) <= lines, shown


def test_the_ticket_token_stays_on_one_line_on_a_320px_screen(open_page, hospital):
    kiosk = open_page(viewport={"width": 320, "height": 640}, has_touch=True)
    kiosk.goto(f"/kiosk/{hospital['cardiology'].code}/")
    kiosk.get_by_label("Name", exact=True).fill("Mei Lin")
    kiosk.get_by_label("Phone").fill("+14155550190")
    kiosk.get_by_label("Age", exact=True).fill("33")
    kiosk.get_by_label("Gender").select_option("female")
    kiosk.get_by_role("button", name="Take a token").click()
    token = kiosk.locator("#ticket-token")
    expect(token).to_have_text("CARD-001")
    # The text is measured as the page shows it: with its stylesheet applied, one box per line the text fills.
    kiosk.wait_for_load_state("load")
    assert lines_of(token) == 1
    assert kiosk.evaluate("document.documentElement.scrollWidth") <= 320
    # The language list shows a whole language name, not its first letter.
    assert kiosk.locator("#language-select-kiosk").bounding_box()["width"] >= 150


def test_back_after_done_or_the_start_over_does_not_bring_up_the_last_patients_ticket(open_page, hospital):
    kiosk = open_page(**TABLET)
    start = f"/kiosk/{hospital['cardiology'].code}/"
    kiosk.goto(start)
    kiosk.get_by_label("Name", exact=True).fill("Mei Lin")
    kiosk.get_by_label("Phone").fill("+14155550190")
    kiosk.get_by_label("Age", exact=True).fill("33")
    kiosk.get_by_label("Gender").select_option("female")
    kiosk.get_by_role("button", name="Take a token").click()
    expect(kiosk.locator("#ticket-token")).to_have_text("CARD-001")
    # "Done" starts over in place of the ticket once the page's script has run; a tap before that follows the plain
    # link and leaves the ticket in the history (the server then refuses it: test_appointment_pages.py). This test is
    # of the script.
    kiosk.wait_for_load_state("load")

    kiosk.get_by_role("link", name="Done").click()
    expect(kiosk.get_by_label("Name", exact=True)).to_be_visible()
    kiosk.go_back()

    expect(kiosk.get_by_label("Name", exact=True)).to_have_value("")
    expect(kiosk.get_by_text("CARD-001")).to_have_count(0)
    assert "/ticket/" not in kiosk.url
