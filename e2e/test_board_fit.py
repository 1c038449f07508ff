"""A display board cannot be scrolled: on a TV every token it shows is whole, and the waiting count stays in view."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from e2e.conftest import stop_the_clock
from e2e.test_accessibility import a_busy_morning
from patients.models import Department
from patients.tests.factories import register_patient

TV_720P = {"viewport": {"width": 1280, "height": 720}}
# The spacing WCAG 1.4.12 says text must survive, as a reader's own style sheet or bookmarklet sets it.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""


def a_long_line(hospital, waiting=16):
    visits = a_busy_morning(hospital)
    for number in range(waiting):
        register_patient(department=hospital["cardiology"], name=f"Patient {number}", phone=f"+1415555{number:04d}",
                         age=40, gender="female", priority="normal", notes="", actor=None, ip_address=None,
                         self_service=False)
    for code in ["ORTH", "DERM", "ENT", "GEN"]:
        Department.objects.create(name=code.title(), code=code)
    return visits


def boxes_outside_their_panel(page):
    """The tokens of the next lists, and the waiting count lines, that stick out of their board's panel."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.board-panel')].flatMap(panel => {
            const box = panel.getBoundingClientRect();
            return [...panel.querySelectorAll('.next-tokens li, .board-wait')].filter(item => {
                const r = item.getBoundingClientRect();
                return r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5 || r.left < box.left - 0.5
                    || r.right > box.right + 0.5;
            }).map(item => item.textContent);
        })"""
    )


def boards_hiding_who_is_next(page):
    """The boards with people waiting whose next list shows no entry (token or "+N") whole, in its list's room
    and its panel, with what each does show."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-display-board]')].flatMap(board => {
            const waiting = JSON.parse(board.querySelector('script[type="application/json"]').textContent)
                .payload.queue.queue_length;
            const inside = (item, container) => {
                const r = item.getBoundingClientRect(), box = container.getBoundingClientRect();
                return r.height > 0 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5
                    && r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
            };
            const whole = [...board.querySelectorAll('.next-tokens li')].filter(item =>
                inside(item, board.querySelector('.board-next')) && inside(item, board.querySelector('.board-panel')));
            return waiting && !whole.length ? [`${board.getAttribute('aria-label')}: ${waiting} waiting, `
                + `shows ${JSON.stringify(board.querySelector('.next-tokens').textContent)}`] : [];
        })"""
    )


@pytest.mark.parametrize(("language", "text_spacing"), [("hi", False), ("hi", True), ("en", True), ("ar", True)])
def test_every_board_with_people_waiting_shows_who_is_next(open_page, live_app, language, text_spacing):
    call_command("setup_smartqueue", "--demo-data", "--force", verbosity=0)
    # bypass_csp: the page's policy refuses inline styles, and the reader's text spacing is one.
    board = open_page(viewport={"width": 1280, "height": 800}, locale=language,
                      extra_http_headers={"Accept-Language": language}, bypass_csp=True)
    # The boards show the page's language first (then the site's, English after 8 s): held there.
    stop_the_clock(board)
    board.goto("/display/")
    expect(board.locator("[data-display-board]")).to_have_count(Department.objects.filter(is_active=True).count())
    if text_spacing:
        board.add_style_tag(content=TEXT_SPACING)

    # The boards fit their next tokens again once the new spacing has changed their room.
    board.wait_for_timeout(300)
    assert boards_hiding_who_is_next(board) == []
    assert boxes_outside_their_panel(board) == []


@pytest.mark.parametrize("path", ["/display/", "/display/{cardiology}/"])
def test_a_long_line_shows_whole_tokens_how_many_more_and_the_waiting_count(open_page, hospital, path):
    a_long_line(hospital)
    board = open_page(**TV_720P)
    board.goto(path.format(cardiology=hospital["cardiology"].pk))
    cardiology = board.locator(f'[data-display-board][data-department-id="{hospital["cardiology"].pk}"]')
    expect(cardiology.locator("[data-wait]")).to_contain_text("18 waiting")

    assert board.evaluate("document.documentElement.scrollHeight") <= 720
    assert boxes_outside_their_panel(board) == []
    expect(cardiology.locator("[data-wait]")).to_be_in_viewport(ratio=1)
    shown = cardiology.locator(".next-tokens li:not(.next-more)").count()
    # The first token always; how many more wait where that fits beside the tokens (the line below says it too).
    assert shown >= 1
    if cardiology.locator(".next-tokens .next-more").count():
        expect(cardiology.locator(".next-tokens .next-more")).to_have_text(f"Also waiting: {18 - shown}")

    # Zoomed to 200% (the same screen, half as many CSS pixels): the board may grow past the screen to be read
    # closer up, but still shows its tokens whole and its count.
    board.set_viewport_size({"width": 640, "height": 360})
    board.wait_for_timeout(200)
    assert boxes_outside_their_panel(board) == []
    expect(cardiology.locator("[data-wait]")).to_be_visible()


def test_where_a_token_and_the_count_do_not_fit_together_the_token_stays(open_page, hospital):
    a_long_line(hospital)
    board = open_page(**TV_720P)
    board.goto(f"/display/{hospital['cardiology'].pk}/")
    cardiology = board.locator("[data-display-board]").first
    expect(cardiology.locator(".next-tokens li").first).to_be_visible()

    # The next area made just wide and high enough for one token, then fitted again (as on a resize).
    board.evaluate(
        """() => {
            const area = document.querySelector('.board-next');
            const token = document.querySelector('.next-tokens li:not(.next-more)');
            const box = token.getBoundingClientRect();
            area.style.maxWidth = `${box.right - area.getBoundingClientRect().left + 4}px`;
            area.style.maxHeight = `${box.bottom - area.getBoundingClientRect().top + 4}px`;
            area.style.overflow = 'hidden';
            window.dispatchEvent(new Event('resize'));
        }"""
    )

    expect(cardiology.locator(".next-tokens li:not(.next-more)")).to_have_count(1)
    expect(cardiology.locator(".next-tokens .next-more")).to_have_count(0)


def with_the_browsers_text_size(page, pixels):
    """The browser's own text size (its settings' font size), which rem and the em of media queries follow."""
    page.context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {"standard": pixels}})


def board_text_sizes(page):
    return page.evaluate(
        """() => Object.fromEntries(['.display-title', '.serving-token', '.serving-room', '.next-tokens li',
            '.board-wait'].map(each => [each, parseFloat(getComputedStyle(document.querySelector(each)).fontSize)]))"""
    )


def boxes_cut_off(page):
    """The page, the boards' panels and the serving cards whose content runs past their edge (hidden or scrolled)."""
    return page.evaluate(
        """() => [document.documentElement, ...document.querySelectorAll('.board-panel, .serving-card, .board-next')]
            .filter(box => box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1
                && box !== document.documentElement)
            .map(box => `${box.className}: ${box.scrollWidth}x${box.scrollHeight}`
                + ` in ${box.clientWidth}x${box.clientHeight}`)"""
    )


@pytest.mark.parametrize(("viewport", "path"), [
    ({"width": 1920, "height": 1080}, "/display/"),
    ({"width": 1280, "height": 720}, "/display/{cardiology}/"),
    ({"width": 320, "height": 640}, "/display/"),
])
def test_text_at_twice_its_size_is_twice_as_large_on_the_boards_and_none_of_it_is_cut_off(open_page, hospital,
                                                                                         viewport, path):
    """The boards sized their text by the screen alone: at twice the browser's text size a TV's stayed as it was,
    and a phone's now serving token ran past its card, cut off by the panel (WCAG 1.4.4)."""
    a_long_line(hospital)
    path = path.format(cardiology=hospital["cardiology"].pk)
    sizes = {}
    for text_size in (16, 32):
        board = open_page(viewport=viewport)
        with_the_browsers_text_size(board, text_size)
        board.goto(path)
        expect(board.locator("[data-wait]").first).to_contain_text("18 waiting")
        expect(board.locator(".next-tokens li").first).to_be_visible()
        sizes[text_size] = board_text_sizes(board)

        assert boxes_cut_off(board) == [], text_size
        assert boxes_outside_their_panel(board) == [], text_size
        assert boards_hiding_who_is_next(board) == [], text_size
    # At least twice: a TV's boards at the larger size leave their side-by-side layout for the larger one of a board
    # on its own.
    assert {each: size / sizes[16][each] >= 1.99 for each, size in sizes[32].items()} == dict.fromkeys(sizes[16], True)
