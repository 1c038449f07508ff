"""Pages in another language in a real browser: Arabic reads right to left with Bootstrap's RTL build, the
switcher changes the language, and the boards cycle through the hospital's board languages."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from adminpanel.models import AdminUser, SystemConfiguration
from doctors.models import Doctor
from e2e.conftest import DESKTOP, PHONE, run_clock_for, stop_the_clock
from e2e.test_accessibility import a_busy_morning, blocking_violations, sweep
from e2e.test_staff_flows import sign_in
from patients import services
from patients.tests.factories import register_patient

ARABIC = {"locale": "ar", "extra_http_headers": {"Accept-Language": "ar"}}


def test_an_arabic_page_reads_right_to_left(open_page, hospital, readme_screenshot):
    visits = a_busy_morning(hospital)
    patient = visits[2].patient
    patient.language = "ar"
    patient.save()
    page = open_page(**PHONE)

    # The patient's own page speaks their language, whatever the browser asks for.
    page.goto(f"/patients/status/{visits[2].public_id}/")

    expect(page.get_by_text("موقعكم في الطابور").first).to_be_visible()
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    # The script's words come from the Arabic JavaScript catalogue too.
    expect(page.locator('[data-field="status"]')).to_have_text("في الانتظار")
    readme_screenshot(page, "arabic-status-page", full_page=True)


def test_the_status_page_names_the_department_in_the_patients_language_or_marks_it_as_written(open_page, hospital):
    cardiology = hospital["cardiology"]
    cardiology.translations = {"ar": {"name": "أمراض القلب", "room": "الغرفة 2"}}
    cardiology.save()
    visits = a_busy_morning(hospital)
    for visit, language in [(visits[2], "ar"), (visits[3], "hi")]:
        visit.patient.language = language
        visit.patient.save()
    page = open_page(**PHONE)

    page.goto(f"/patients/status/{visits[2].public_id}/")
    department = page.locator('[data-field="department"]')
    expect(department).to_have_text("أمراض القلب · الغرفة 2")
    assert department.get_attribute("lang") is None

    page.goto(f"/patients/status/{visits[3].public_id}/")
    expect(department).to_have_text("Cardiology · Block A")
    assert department.get_attribute("lang") == "en"


def test_the_tokens_now_served_are_listed_with_the_patients_languages_comma(open_page, hospital):
    """Two doctors calling at once: an Arabic page said "CARD-001, CARD-002", an English comma in an Arabic line."""
    cardiology, doctor = hospital["cardiology"], hospital["doctor"]
    second = get_user_model().objects.create(username="dr.jones", first_name="Sarah", last_name="Jones")
    second_doctor = Doctor.objects.create(user=second, department=cardiology, room="Room 3",
                                          availability=Doctor.Availability.AVAILABLE)
    visits = [
        register_patient(department=cardiology, name=name, phone=phone, age=40, gender="female", priority="normal",
                         notes="", actor=None, ip_address=None, self_service=False)[0]
        for name, phone in [("Asha Rao", "+14155550101"), ("Ben Okafor", "+14155550102"), ("Chen Li", "+14155550103")]
    ]
    services.call_patient(entry=visits[0], doctor=doctor)
    services.call_patient(entry=visits[1], doctor=second_doctor)
    visits[2].patient.language = "ar"
    visits[2].patient.save()
    page = open_page(**PHONE)

    page.goto(f"/patients/status/{visits[2].public_id}/")

    expect(page.locator('[data-field="now_serving"]')).to_have_text(re.compile(r"^CARD-00[12]، CARD-00[12]$"))


def test_the_room_to_go_to_is_in_the_patients_language_where_translated_else_marked_as_written(open_page, hospital):
    cardiology, doctor = hospital["cardiology"], hospital["doctor"]
    cardiology.translations = {"ar": {"room": "الغرفة 2"}}
    cardiology.save()
    visits = a_busy_morning(hospital)
    visits[0].patient.language = "ar"
    visits[0].patient.save()
    doctor.room = "Room 1A"
    doctor.save()
    page = open_page(**PHONE)

    page.goto(f"/patients/status/{visits[0].public_id}/")
    go_to = page.locator('[data-field="go_to"]')
    expect(go_to).to_have_text("Room 1A")
    assert (go_to.get_attribute("lang"), go_to.get_attribute("dir")) == ("en", "ltr")

    # The doctor's room as admins translated it.
    doctor.translations = {"ar": {"room": "الغرفة 1أ"}}
    doctor.save()
    page.reload()
    expect(go_to).to_have_text("الغرفة 1أ")
    assert (go_to.get_attribute("lang"), go_to.get_attribute("dir")) == (None, None)

    # A doctor without a room of their own sends the patient to the department's, translated.
    doctor.room = ""
    doctor.save()
    page.reload()
    expect(go_to).to_have_text("الغرفة 2")
    assert go_to.get_attribute("lang") is None


def test_the_board_shows_a_called_tokens_room_translated_or_marked_as_written(open_page, hospital):
    cardiology, doctor = hospital["cardiology"], hospital["doctor"]
    cardiology.translations = {"ar": {"room": "الغرفة 2"}}
    cardiology.save()
    doctor.room = ""  # the doctor's patients go to the department's room
    doctor.save()
    a_busy_morning(hospital)

    arabic_board = open_page(**DESKTOP, **ARABIC)
    arabic_board.goto(f"/display/{cardiology.pk}/")
    # The room as shown in Arabic, found by its words: the board turns to English every 8 s, drawing it again.
    room = arabic_board.locator(".serving-room span", has_text="الغرفة 2")
    expect(room).to_have_attribute("lang", "ar")
    expect(room).to_have_attribute("dir", "rtl")

    # No Hindi room: as written, in the site's language.
    hindi_board = open_page(**DESKTOP, locale="hi", extra_http_headers={"Accept-Language": "hi"})
    hindi_board.goto(f"/display/{cardiology.pk}/")
    room = hindi_board.locator(".serving-room span")
    expect(room).to_have_text("Block A")
    assert (room.get_attribute("lang"), room.get_attribute("dir")) == ("en", "ltr")


def test_the_boards_call_out_names_the_doctors_room_in_the_boards_language(open_page, hospital):
    cardiology, doctor = hospital["cardiology"], hospital["doctor"]
    doctor.room = "Room 2A"
    doctor.translations = {"ar": {"room": "الغرفة 2أ"}}
    doctor.save()
    register_patient(department=cardiology, name="Al Bo", phone="+14155550111", age=30, gender="male",
                     priority="normal", notes="", actor=None, ip_address=None, self_service=False)
    register_patient(department=cardiology, name="Cy Do", phone="+14155550112", age=30, gender="male",
                     priority="normal", notes="", actor=None, ip_address=None, self_service=False)
    boards = {}
    for language in ["ar", "hi"]:
        board = open_page(**DESKTOP, locale=language, extra_http_headers={"Accept-Language": language})
        # Its clock stopped too: 8 s of a busy machine before the click below turned the board to the site's language.
        stop_the_clock(board)
        board.goto(f"/display/{cardiology.pk}/")
        # Each board shows its page's language and then the site's: held in the first for the call to come.
        board.locator("#language-switching").click()
        expect(board.locator("[data-display-board]")).to_have_attribute("lang", language)
        boards[language] = board
    arabic_board, hindi_board = boards["ar"], boards["hi"]
    desk = open_page(**DESKTOP)
    sign_in(desk, "/doctors/login/", "dr.smith", "doctor123")

    desk.get_by_role("button", name="Call next patient").click()

    arabic_room = arabic_board.locator("#call-out span")
    expect(arabic_room).to_have_text("الغرفة 2أ")
    assert arabic_room.get_attribute("lang") == "ar"
    expect(arabic_board.locator("#call-out")).to_contain_text("CARD-001")
    expect(arabic_board.locator(".serving-room span")).to_have_text("الغرفة 2أ")
    # No Hindi room: the call is in Hindi, the room as written, in the site's language.
    hindi_room = hindi_board.locator("#call-out span")
    expect(hindi_room).to_have_text("Room 2A")
    assert (hindi_room.get_attribute("lang"), hindi_room.get_attribute("dir")) == ("en", "ltr")
    assert hindi_board.locator("#call-out").get_attribute("lang") == "hi"


def spanish_speaker_waiting(department):
    entry, _ = register_patient(department=department, name="Al Bo", phone="+14155550111", age=30, gender="male",
                                priority="normal", notes="", actor=None, ip_address=None, self_service=False)
    entry.patient.language = "es"
    entry.patient.save()
    return entry


def test_a_broadcast_shows_on_the_board_and_the_status_page_in_their_language_or_as_written(open_page, hospital):
    cardiology = hospital["cardiology"]
    entry = spanish_speaker_waiting(cardiology)
    message, spanish = "Dr. Rao is delayed 30 minutes.", "El Dr. Rao llega tarde."
    arabic = "الدكتور راو متأخر 30 دقيقة."
    board = open_page(**DESKTOP, **ARABIC)
    stop_the_clock(board)
    board.goto(f"/display/{cardiology.pk}/")
    # Held in Arabic until the broadcast has come.
    board.locator("#language-switching").click()
    expect(board.locator("[data-display-board]")).to_have_attribute("lang", "ar")
    status_page = open_page(**PHONE)
    status_page.goto(f"/patients/status/{entry.public_id}/")
    for page in (board, status_page):
        expect(page.locator("#live-status")).to_have_attribute("data-live-status", "live")
    desk = open_page(**DESKTOP)
    sign_in(desk, "/adminpanel/login/", "admin.manager", "admin123")
    desk.goto("/adminpanel/broadcast/")
    desk.get_by_label("Message").fill(message)
    desk.get_by_label("Text in العربية").fill(arabic)
    desk.get_by_label("Text in Español").fill(spanish)

    desk.get_by_role("button", name="Review before sending").click()
    desk.get_by_role("button", name="Send to 1 waiting patient").click()

    shown = board.locator("[data-broadcast]")
    expect(shown).to_have_text(arabic)
    assert shown.get_attribute("lang") == "ar"
    expect(status_page.locator("[data-broadcast]")).to_have_text(spanish)
    # The board's next language, the site's: the message as written.
    board.locator("#language-switching").click()
    board.clock.run_for(8_000)
    expect(board.locator("[data-display-board]")).to_have_attribute("lang", "en")
    expect(shown).to_have_text(message)
    assert shown.get_attribute("lang") == "en"


COUNT_LIVE_REGION_WRITES = """() => {
    window.liveRegionWrites = [];
    new MutationObserver((records) => records.forEach((record) => {
        const target = record.target.nodeType === Node.TEXT_NODE ? record.target.parentElement : record.target;
        const region = target.closest('[role="status"], [role="alert"], [aria-live]:not([aria-live="off"])');
        if (region && !region.closest("[hidden]")) window.liveRegionWrites.push(region.textContent);
    })).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


def test_a_broadcast_is_said_once_on_the_board_and_the_status_page_not_at_every_frame_or_language(
    open_page, hospital
):
    """WCAG 4.1.3, not flooding a screen reader: the board's broadcast was a live region drawn again at every frame
    and in the next language every 8 seconds, and the status page's was written again by each minute's snapshot:
    each write read the broadcast out again, for the half hour it shows."""
    cardiology = hospital["cardiology"]
    entry = spanish_speaker_waiting(cardiology)
    configuration = SystemConfiguration.load()
    configuration.board_languages = ["en", "es", "ar"]
    configuration.save()
    message, spanish = "Dr. Rao is delayed 30 minutes.", "El Dr. Rao llega tarde."
    board = open_page(**DESKTOP)
    stop_the_clock(board)
    board.goto(f"/display/{cardiology.pk}/")
    status_page = open_page(**PHONE)
    stop_the_clock(status_page)
    status_page.goto(f"/patients/status/{entry.public_id}/")
    for page in (board, status_page):
        expect(page.locator("#live-status")).to_have_attribute("data-live-status", "live")
        page.evaluate(COUNT_LIVE_REGION_WRITES)
    desk = open_page(**DESKTOP)
    sign_in(desk, "/adminpanel/login/", "admin.manager", "admin123")
    desk.goto("/adminpanel/broadcast/")
    desk.get_by_label("Message").fill(message)
    desk.get_by_label("Text in Español").fill(spanish)
    desk.get_by_role("button", name="Review before sending").click()
    desk.get_by_role("button", name="Send to 1 waiting patient").click()
    expect(board.locator("[data-broadcast]")).to_have_text(message)
    expect(board.get_by_role("status").filter(has_text=message)).to_have_count(1)
    expect(status_page.locator("[data-broadcast]")).to_have_text(spanish)

    board.clock.run_for(8_000)  # The board in its next language, and on through the others.
    expect(board.locator("[data-display-board]")).not_to_have_attribute("lang", "en")
    board.clock.run_for(16_000)
    for page in (board, status_page):
        run_clock_for(page, 60_000)
        page.wait_for_timeout(1_500)  # The snapshot asked for comes back over the socket.
    assert board.evaluate("window.liveRegionWrites") == [message]
    assert status_page.evaluate("window.liveRegionWrites") == [spanish]


def test_a_board_and_a_status_page_opened_after_a_broadcast_show_it_in_their_language(open_page, hospital):
    cardiology = hospital["cardiology"]
    entry = spanish_speaker_waiting(cardiology)
    spanish = "El Dr. Rao llega tarde."
    desk = open_page(**DESKTOP)
    sign_in(desk, "/adminpanel/login/", "admin.manager", "admin123")
    desk.goto("/adminpanel/broadcast/")
    desk.get_by_label("Message").fill("Dr. Rao is delayed 30 minutes.")
    desk.get_by_label("Text in Español").fill(spanish)
    desk.get_by_role("button", name="Review before sending").click()
    desk.get_by_role("button", name="Send to 1 waiting patient").click()
    expect(desk.locator(".alert-success")).to_be_visible()

    board = open_page(**DESKTOP)
    board.goto(f"/display/{cardiology.pk}/")
    status_page = open_page(**PHONE)
    status_page.goto(f"/patients/status/{entry.public_id}/")

    expect(board.locator("[data-broadcast]")).to_have_text("Dr. Rao is delayed 30 minutes.")
    expect(status_page.locator("[data-broadcast]")).to_have_text(spanish)


def test_the_arabic_desk_layout_is_mirrored(open_page, hospital):
    a_busy_morning(hospital)
    page = open_page(**DESKTOP, **ARABIC)

    page.goto("/")

    brand = page.locator(".navbar-brand").bounding_box()
    switcher = page.locator(".language-switcher").bounding_box()
    # Right to left: the brand starts at the right edge, the menu and the switcher follow to its left.
    assert brand["x"] > DESKTOP["viewport"]["width"] / 2 > switcher["x"]


def test_arabic_pages_put_the_skip_link_and_the_boards_colour_keys_on_their_reading_side(open_page, hospital):
    """Three rules of the site's own style gave sides, not starts and ends: in Arabic the skip link came up at the
    left, the end of the line, and each colour of the board's key touched its word, its gap on the outer side."""
    page = open_page(**DESKTOP, **ARABIC)
    page.goto("/display/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="انتقلوا إلى محتوى الصفحة").bounding_box()
    assert skip_link["x"] > DESKTOP["viewport"]["width"] / 2

    # Right to left, a key's colour stands at its right and its word follows to the left: the gap is on that side.
    gaps = page.locator(".board-legend li").evaluate_all(
        "keys => keys.map(key => getComputedStyle(key, '::before'))"
        ".map(colour => [colour.marginLeft, colour.marginRight])"
    )
    assert gaps and all(to_its_word != "0px" and to_the_edge == "0px" for to_its_word, to_the_edge in gaps), gaps


def test_arabic_pages_have_no_serious_accessibility_violation(open_page, hospital):
    visits = a_busy_morning(hospital)
    page = open_page(**PHONE, **ARABIC)

    problems = sweep(page, ["/", "/patients/register/", f"/patients/status/{visits[0].public_id}/", "/display/"])

    assert not problems.strip(), problems


def test_a_booking_without_its_department_is_refused_by_the_page_in_its_language_not_by_the_browser(
    open_page, hospital
):
    """*Show free times* with no department chosen was stopped by the browser's own bubble, in the browser's
    language ("Please select an item in the list.") and gone at the next tap, on the one patient form not marked
    novalidate: the page's summary, which takes the focus and says what to do in the page's language, never came."""
    page = open_page(**PHONE, **ARABIC)
    page.goto("/patients/appointments/")
    page.get_by_role("button", name="اعرضوا الأوقات المتاحة").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("اختاروا قسمًا.")
    expect(page.locator("#id_department")).to_have_attribute("aria-invalid", "true")


def test_the_switcher_changes_the_language_and_keeps_it(open_page, hospital):
    page = open_page(**PHONE)
    page.goto("/patients/register/")
    page.get_by_role("button", name="Menu").click()
    # As a person would, wait for the menu to finish opening before using what is in it.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))

    page.get_by_label("Language").select_option("es")
    # The switch is a form post answered with a redirect: a failure says whether the post left and how it ended.
    with page.expect_response(lambda response: "/i18n/setlang/" in response.url, timeout=30_000) as switched:
        page.get_by_role("button", name="Change language").click()
    assert switched.value.status == 302

    expect(page.get_by_role("heading", name="Obtener turno")).to_be_visible(timeout=30_000)
    page.goto("/")
    assert page.evaluate("document.documentElement.lang") == "es"
    assert not blocking_violations(page)


def test_the_board_cycles_through_its_languages(open_page, hospital):
    configuration = SystemConfiguration.load()
    page = open_page(**DESKTOP)
    cardiology = hospital["cardiology"]
    cardiology.translations = {"es": {"name": "Cardiología"}}
    cardiology.save()
    configuration.board_languages = ["es", "hi"]
    configuration.save()

    stop_the_clock(page)
    page.goto(f"/display/{cardiology.pk}/")

    heading = page.locator('h2[data-board-word="now_serving"]')
    department = page.locator(f'[data-department-name="{cardiology.pk}"]')
    # The page's own language (English) first, as it is not among the boards'; then theirs in turn.
    expect(department).to_have_text("Cardiology")
    page.clock.run_for(8_000)
    expect(heading).to_have_text("Atendiendo ahora")
    expect(department).to_have_text("Cardiología")
    assert department.get_attribute("lang") == "es"
    page.clock.run_for(8_000)
    expect(heading).to_have_text("अभी बारी")
    assert heading.get_attribute("lang") == "hi"
    # No Hindi name: the department's as written, in the site's language.
    expect(department).to_have_text("Cardiology")
    assert department.get_attribute("lang") == "en"


def test_the_boards_language_switching_can_be_stopped_and_started_again(open_page, hospital):
    configuration = SystemConfiguration.load()
    configuration.board_languages = ["en", "hi", "ar"]
    configuration.save()
    page = open_page(**DESKTOP)
    stop_the_clock(page)
    page.goto(f"/display/{hospital['cardiology'].pk}/")
    heading = page.locator('h2[data-board-word="now_serving"]')
    expect(heading).to_have_text("Now serving")

    page.get_by_role("button", name="Stop switching languages").click()
    page.clock.run_for(30_000)

    expect(heading).to_have_text("Now serving")
    start_again = page.get_by_role("button", name="Start switching languages again")
    # The label says what the button does: no pressed state to contradict it.
    assert start_again.get_attribute("aria-pressed") is None
    start_again.click()
    page.clock.run_for(8_000)
    expect(heading).to_have_text("अभी बारी")
    expect(page.get_by_role("button", name="Stop switching languages")).to_be_visible()


def test_the_board_titles_the_calling_doctor_in_the_language_it_shows(open_page, hospital):
    a_busy_morning(hospital)
    configuration = SystemConfiguration.load()
    configuration.board_languages = ["en", "hi", "ar"]
    configuration.save()
    page = open_page(**DESKTOP)
    stop_the_clock(page)
    page.goto(f"/display/{hospital['cardiology'].pk}/")
    doctor = page.locator(".serving-card .serving-doctor")
    expect(doctor).to_have_text("Dr. John Smith")

    page.clock.run_for(8_000)
    expect(doctor).to_have_text("डॉ. John Smith")
    # Retried like the text: a redraw between finding the card and reading it left a detached node.
    expect(doctor.locator("xpath=ancestor-or-self::*[@lang][1]")).to_have_attribute("lang", "hi")
    page.clock.run_for(8_000)
    expect(doctor).to_have_text("د. John Smith")


CHART_READING = """() => ["daily-totals-chart", "wait-chart"].map((id) => {
    const chart = Chart.getChart(id);
    const days = chart.scales.x;
    return {
        id: id,
        firstDayRightOfLast: days.getPixelForTick(0) > days.getPixelForTick(days.ticks.length - 1),
        figuresOnTheRight: chart.scales.y.left >= chart.chartArea.right,
        legendRightToLeft: Boolean(chart.options.plugins.legend.rtl),
        tooltipRightToLeft: Boolean(chart.options.plugins.tooltip.rtl),
        figures: chart.scales.y.ticks.map((tick) => tick.label),
        aFigureAsTheTooltipWritesIt: chart.scales.y.getLabelForValue(12.5),
    };
})"""


def test_the_reports_charts_read_right_to_left_beside_their_arabic_tables(open_page, hospital):
    """The Arabic report's tables read from the right, its charts from the left: the first day at the left edge, the
    figures' axis on the left, the legend and tooltips left to right."""
    a_busy_morning(hospital)
    AdminUser.objects.filter(user__username="admin.manager").update(language="ar")
    page = open_page(**DESKTOP, **ARABIC)
    page.goto("/adminpanel/login/")
    page.get_by_label("اسم المستخدم").fill("admin.manager")
    page.get_by_label("كلمة المرور").fill("admin123")
    page.get_by_role("button", name="تسجيل الدخول").click(timeout=30_000)
    page.wait_for_url(lambda url: "/login/" not in url)

    page.goto("/adminpanel/reports/")
    page.wait_for_function("Chart.getChart('wait-chart') && Chart.getChart('daily-totals-chart')")

    assert page.evaluate("document.documentElement.dir") == "rtl"
    for chart in page.evaluate(CHART_READING):
        assert chart["firstDayRightOfLast"] and chart["figuresOnTheRight"], chart
        assert chart["legendRightToLeft"] and chart["tooltipRightToLeft"], chart
        assert all(re.fullmatch(r"[0-9.,]+", figure) for figure in chart["figures"]), chart
        assert chart["aFigureAsTheTooltipWritesIt"] == "12.5", chart

    # A left-to-right page's charts read from the left, and write a figure as the page does, not as the browser's
    # language would (the Spanish table's "12,5" was "12.5" in the tooltip of a browser in English).
    AdminUser.objects.filter(user__username="admin.manager").update(language="es")
    spanish = open_page(**DESKTOP, locale="en-US")
    sign_in(spanish, "/adminpanel/login/", "admin.manager", "admin123")
    spanish.goto("/adminpanel/reports/")
    spanish.wait_for_function("Chart.getChart('wait-chart') && Chart.getChart('daily-totals-chart')")
    for chart in spanish.evaluate(CHART_READING):
        assert not (chart["firstDayRightOfLast"] or chart["figuresOnTheRight"] or chart["legendRightToLeft"]), chart
        assert chart["aFigureAsTheTooltipWritesIt"] == "12,5", chart
