"""Each live page has one renderer (docs/realtime.md, "Live widgets: one renderer each").

The pages come from the app under daphne; their sockets are played by the test (Playwright's
route_web_socket), so each frame arrives exactly when the test says. Staff pages must re-read their
server-rendered fragment on a frame; the display board and the patient status page must draw what the
page embeds and then what a frame carries, with no fetch.
"""

import json
import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, run_clock_for
from e2e.test_staff_flows import sign_in
from doctors.models import Doctor
from patients import services
from patients.models import Department, WaitAlert
from patients.selectors import department_queue_snapshot, visit_status
from patients.serializers import ServingTokenSerializer, frame

# Stands in for a server that cannot be reached: every socket closes before it opens.
SOCKETS_CANNOT_OPEN = """
window.WebSocket = class {
  constructor() { setTimeout(() => this.onclose && this.onclose({ code: 1006 }), 20); }
  send() {}
  close() {}
};
window.WebSocket.OPEN = 1;
"""


class PlayedSockets:
    """The page's sockets, opened against the test instead of the server."""

    def __init__(self, page, path_pattern):
        self.page = page
        self.routes = []
        self.received = []
        page.route_web_socket(re.compile(path_pattern), self._open)

    def _open(self, route):
        route.on_message(lambda message: self._receive(route, json.loads(message)))
        self.routes.append(route)

    def _receive(self, route, message):
        self.received.append(message)
        if message.get("type") == "ping":
            # As the server does: a ping left unanswered through a keepalive makes the page give the socket up.
            route.send(json.dumps(frame(frame_type="pong", department_id=None, seq=None, payload={})))

    def requests_of_type(self, message_type):
        return [message for message in self.received if message.get("type") == message_type]

    def send(self, message, index=0):
        # Playwright hands over a socket while it runs a call of the test's: wait a little for it.
        for _ in range(100):
            if len(self.routes) > index:
                break
            self.page.wait_for_timeout(50)
        self.routes[index].send(json.dumps(message))


def fetches_of(page, path):
    seen = []
    page.on("request", lambda request: seen.append(request.url) if request.url.endswith(path) else None)
    return seen


def register(department, name, phone, priority="normal"):
    return services.register_visit(
        department=department, name=name, phone=phone, age=40, gender="other", priority=priority
    ).entry


def change_frame(department, seq, event, entry):
    queue = department_queue_snapshot(department=department)
    payload = {"event": event, "entry": ServingTokenSerializer(entry).data, "queue": queue}
    return frame(frame_type="queue.changed", department_id=department.pk, seq=seq, payload=payload)


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_doctors_dashboard_redraws_from_its_fragment_once_for_a_burst_of_frames(open_page, hospital, screenshot):
    cardiology = hospital["cardiology"]
    doctor = open_page(**DESKTOP)
    sockets = PlayedSockets(doctor, r"/ws/doctor/\d+/$")
    fragment_fetches = fetches_of(doctor, "/doctors/live/")
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    expect(doctor.get_by_text("Nobody is waiting.")).to_be_visible()
    sockets.send(frame(frame_type="snapshot", department_id=cardiology.pk, seq=1, payload={}))
    expect(doctor.locator("#live-status")).to_have_attribute("data-live-status", "live")
    doctor.wait_for_timeout(1200)
    fetches_before = len(fragment_fetches)

    register(cardiology, "Asha Rao", "+14155550101")
    emergency = register(cardiology, "Ravi Kumar", "+14155550102", priority="emergency")
    for seq in range(2, 7):
        sockets.send(change_frame(cardiology, seq, "registered", emergency))

    rows = doctor.locator("#waiting-rows tr[data-token]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-token", "CARD-002")
    expect(rows.first).to_contain_text("Emergency")
    expect(doctor.locator("#waiting-count")).to_have_text("2")
    doctor.wait_for_timeout(1500)
    assert 1 <= len(fragment_fetches) - fetches_before <= 2, fragment_fetches

    # The buttons of a swapped-in fragment work, and the next step's button takes the focus.
    doctor.get_by_role("button", name="Call next patient").click()
    expect(doctor.locator("#current-patient")).to_have_attribute("data-token", "CARD-002")
    expect(doctor.get_by_role("button", name="Start consultation")).to_be_focused()
    screenshot(doctor, "after-call")


def test_a_frame_during_a_consultation_keeps_the_doctors_half_typed_notes(open_page, hospital):
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    entry = register(cardiology, "Asha Rao", "+14155550101")
    services.call_next(doctor=smith)
    services.start_consultation(entry=entry)
    doctor = open_page(**DESKTOP)
    sockets = PlayedSockets(doctor, r"/ws/doctor/\d+/$")
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    notes = doctor.get_by_label("Notes (optional)")
    notes.fill("Blood pressure 130/85, review in")

    newcomer = register(cardiology, "Ravi Kumar", "+14155550102")
    sockets.send(change_frame(cardiology, 1, "registered", newcomer))

    expect(doctor.locator('#waiting-rows tr[data-token="CARD-002"]')).to_be_visible()
    expect(notes).to_have_value("Blood pressure 130/85, review in")
    expect(notes).to_be_focused()


def test_a_name_the_desk_corrects_during_the_consultation_is_redrawn_with_the_half_typed_notes_kept(
    open_page, hospital
):
    """The patient's region was redrawn only when its token or status changed: the doctor went on reading the name
    the desk had just corrected."""
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    entry = register(cardiology, "Asha Rao", "+14155550101")
    services.call_next(doctor=smith)
    services.start_consultation(entry=entry)
    doctor = open_page(**DESKTOP)
    sockets = PlayedSockets(doctor, r"/ws/doctor/\d+/$")
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    notes = doctor.get_by_label("Notes (optional)")
    notes.fill("Blood pressure 130/85, review in")

    corrected = register(cardiology, "Asha Roy", "+14155550101")
    sockets.send(change_frame(cardiology, 1, "details_corrected", corrected))

    expect(doctor.locator("#current-summary")).to_contain_text("Asha Roy")
    expect(notes).to_have_value("Blood pressure 130/85, review in")


def test_a_break_refused_with_a_patient_called_leaves_the_availability_the_doctor_still_has(open_page, hospital):
    """The list went on saying "On break" after the server refused it: the dashboard showed the doctor away while
    their patient was on the way to the room."""
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    register(cardiology, "Asha Rao", "+14155550101")
    services.call_next(doctor=smith)
    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")

    doctor.get_by_label("Availability").select_option("on_break")
    doctor.get_by_role("button", name="Set availability").click()

    expect(doctor.locator("#dashboard-notice")).to_contain_text("CARD-001 is still with you")
    expect(doctor.get_by_label("Availability")).to_have_value("available")


def test_the_doctors_dashboard_polls_its_fragment_while_the_socket_cannot_open(open_page, hospital):
    doctor = open_page(**DESKTOP)
    doctor.add_init_script(SOCKETS_CANNOT_OPEN)
    doctor.clock.install()
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    doctor.clock.run_for(5_000)
    expect(doctor.locator("#live-status")).to_have_attribute("data-live-status", "polling")
    expect(doctor.get_by_text("Nobody is waiting.")).to_be_visible()

    register(hospital["cardiology"], "Asha Rao", "+14155550101")

    # LiveSocket polls every 10 s.
    doctor.clock.run_for(10_000)
    expect(doctor.locator('#waiting-rows tr[data-token="CARD-001"]')).to_be_visible()


def test_the_admins_live_queues_redraw_from_their_fragment_on_a_queue_frame(open_page, hospital, screenshot):
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    admin = open_page(**DESKTOP)
    sockets = PlayedSockets(admin, r"/ws/queue/\d+/$")
    sign_in(admin, "/adminpanel/login/", "admin.manager", "admin123")
    card = admin.locator(f'[data-department-id="{cardiology.pk}"]')
    expect(card.locator('[data-field="waiting"]')).to_have_text("0")
    expect(card).to_contain_text("Smith: Available")

    register(cardiology, "Asha Rao", "+14155550101")
    called = services.call_next(doctor=smith)
    smith.availability = "on_break"
    smith.save(update_fields=["availability"])
    sockets.send(change_frame(cardiology, 1, "called", called))

    expect(card.locator(f'li[data-token="{called.token}"][data-status="called"]')).to_contain_text("Asha Rao — Called")
    expect(card).to_contain_text("Smith: On break")
    screenshot(admin, "live-queues")



def open_wait_alert(department, peak_wait_minutes):
    return WaitAlert.objects.create(
        department=department, threshold_minutes=10, started_at=timezone.now(), peak_wait_minutes=peak_wait_minutes
    )


def expect_announced_once_as_it_starts(page, sockets, alert, entry, shown_alert, said):
    """The alert is read out when it appears; its growing minutes redraw it silently (no live region in it)."""
    expect(shown_alert).to_contain_text("the longest wait reached 12 min")
    expect(page.locator("#live-announcer")).to_have_text(said)
    assert shown_alert.evaluate("alert => alert.closest('[role=status], [role=alert], [aria-live]')") is None
    page.locator("#live-announcer").evaluate("announcer => { announcer.textContent = ''; }")

    alert.peak_wait_minutes = 13
    alert.save(update_fields=["peak_wait_minutes"])
    sockets.send(change_frame(alert.department, 3, "registered", entry))

    # The announcer is set in the same swap that redraws the alert.
    expect(shown_alert).to_contain_text("the longest wait reached 13 min")
    expect(page.locator("#live-announcer")).to_have_text("")


def test_a_long_wait_alert_on_the_doctors_dashboard_is_announced_once_not_at_each_redraw(open_page, hospital):
    cardiology = hospital["cardiology"]
    entry = register(cardiology, "Asha Rao", "+14155550101")
    doctor = open_page(**DESKTOP)
    sockets = PlayedSockets(doctor, r"/ws/doctor/\d+/$")
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    expect(doctor.locator("#waiting-count")).to_have_text("1")

    alert = open_wait_alert(cardiology, peak_wait_minutes=12)
    sockets.send(change_frame(cardiology, 2, "registered", entry))

    said = re.compile(r"^Long wait: the longest wait reached 12 min")
    expect_announced_once_as_it_starts(doctor, sockets, alert, entry, doctor.locator("#wait-alert p"), said)


def test_the_doctors_dashboard_says_the_lines_new_length_once_when_it_changes_not_at_a_redraw(open_page, hospital):
    cardiology = hospital["cardiology"]
    asha = register(cardiology, "Asha Rao", "+14155550101")
    doctor = open_page(**DESKTOP)
    sockets = PlayedSockets(doctor, r"/ws/doctor/\d+/$")
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    announcer = doctor.locator("#dashboard-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    # Every text the announcer is given, whether or not it differs from the last.
    doctor.evaluate("""() => {
        window.announced = [];
        const announcer = document.getElementById("dashboard-announcer");
        new MutationObserver(() => window.announced.push(announcer.textContent))
            .observe(announcer, { childList: true, characterData: true, subtree: true });
    }""")

    ben = register(cardiology, "Ben Okafor", "+14155550102")
    sockets.send(change_frame(cardiology, 2, "registered", ben))
    expect(doctor.locator("#waiting-count")).to_have_text("2")
    expect(announcer).to_have_text("2 waiting")
    # Redrawn with the line in another order and the same length: nothing said.
    services.postpone_visit(entry=asha, places=1)
    sockets.send(change_frame(cardiology, 3, "postponed", asha))
    expect(doctor.locator("#waiting-rows tr").first).to_have_attribute("data-token", ben.token)
    doctor.wait_for_timeout(1200)
    assert doctor.evaluate("window.announced") == ["2 waiting"]

    # The doctor's own call: the notice says what was done, the announcer the line's new length, once each.
    doctor.get_by_role("button", name="Call next patient").click()
    expect(doctor.locator("#dashboard-notice")).to_contain_text(f"Called {ben.token}.")
    expect(announcer).to_have_text("1 waiting")
    assert doctor.evaluate("window.announced") == ["2 waiting", "1 waiting"]


def test_a_long_wait_alert_on_the_live_queues_is_announced_once_with_its_department(open_page, hospital):
    cardiology = hospital["cardiology"]
    entry = register(cardiology, "Asha Rao", "+14155550101")
    admin = open_page(**DESKTOP)
    sockets = PlayedSockets(admin, r"/ws/queue/\d+/$")
    sign_in(admin, "/adminpanel/login/", "admin.manager", "admin123")
    card = admin.locator(f'[data-department-id="{cardiology.pk}"]')
    expect(card.locator('[data-field="waiting"]')).to_have_text("1")

    alert = open_wait_alert(cardiology, peak_wait_minutes=12)
    sockets.send(change_frame(cardiology, 2, "registered", entry))

    said = re.compile(r"^Cardiology: Long wait: the longest wait reached 12 min")
    expect_announced_once_as_it_starts(admin, sockets, alert, entry, card.locator(".alert-danger"), said)

def test_the_display_board_draws_its_embedded_snapshot_then_each_frame_without_fetching(
    open_page, hospital, screenshot
):
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    register(cardiology, "Asha Rao", "+14155550101")
    register(cardiology, "Ravi Kumar", "+14155550102", priority="emergency")
    board = open_page(viewport={"width": 1920, "height": 1080})
    sockets = PlayedSockets(board, r"/ws/queue/\d+/$")
    fetched = fetches_of(board, "/snapshot.json")
    board.goto(f"/display/{cardiology.pk}/")

    # Before the socket says anything: the snapshot embedded in the page.
    next_tokens = board.locator("[data-next] li")
    expect(next_tokens).to_have_text([re.compile("^CARD-002"), "CARD-001"])
    expect(next_tokens.first).to_have_attribute("title", "Emergency")
    expect(board.locator("[data-wait]")).to_contain_text("2 waiting")
    expect(board.locator("[data-now-serving]")).to_have_text("Please wait to be called.")

    called = services.call_next(doctor=smith)
    sockets.send(change_frame(cardiology, 1, "called", called))

    serving = board.locator('[data-now-serving] .serving-card[data-token="CARD-002"]')
    expect(serving).to_contain_text("Room 2A")
    expect(serving).to_contain_text("Please go in")
    expect(next_tokens).to_have_text(["CARD-001"])
    expect(board.locator("[data-wait]")).to_contain_text("1 waiting")
    assert fetched == []
    screenshot(board, "called")


def test_the_display_board_says_beside_a_next_token_that_its_patient_is_with_a_doctor_elsewhere(open_page, hospital):
    cardiology = hospital["cardiology"]
    ent = Department.objects.create(name="ENT", code="ENT", room="Block C", average_consultation_minutes=10)
    ent_doctor = Doctor.objects.create(
        user=get_user_model().objects.create(username="dr.khan", first_name="Aisha", last_name="Khan"),
        department=ent,
        availability=Doctor.Availability.AVAILABLE,
    )
    register(cardiology, "Asha Rao", "+14155550101")
    register(cardiology, "Ravi Kumar", "+14155550102")
    register(ent, "Ravi Kumar", "+14155550102")
    board = open_page(viewport={"width": 1920, "height": 1080})
    sockets = PlayedSockets(board, r"/ws/queue/\d+/$")
    board.goto(f"/display/{cardiology.pk}/")
    next_tokens = board.locator("[data-next] li")
    expect(next_tokens).to_have_text(["CARD-001", "CARD-002"])

    # The frame ENT's call publishes to Cardiology (patients.broadcasts.publish_to_the_patients_other_departments).
    services.call_next(doctor=ent_doctor)
    queue = department_queue_snapshot(department=cardiology)
    sockets.send(
        frame(frame_type="department.changed", department_id=cardiology.pk, seq=1,
              payload={"event": "with_a_doctor_elsewhere", "queue": queue})
    )

    # In its place, as Call next passes it over only until the patient is free.
    expect(next_tokens).to_have_text(["CARD-001", "CARD-002, With a doctor in another department"])
    expect(next_tokens.nth(1).locator(".next-elsewhere")).to_be_visible()
    expect(next_tokens.first.locator(".next-elsewhere")).to_have_count(0)


def test_the_display_board_gives_a_wait_of_hours_in_hours(open_page, hospital):
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    register(cardiology, "Asha Rao", "+14155550101")
    called = services.call_next(doctor=smith)
    board = open_page(viewport={"width": 1920, "height": 1080})
    sockets = PlayedSockets(board, r"/ws/queue/\d+/$")
    board.goto(f"/display/{cardiology.pk}/")

    long_wait = change_frame(cardiology, 1, "called", called)
    long_wait["payload"]["queue"].update(queue_length=40, doctors_on_duty=1, estimated_wait_minutes=250)
    sockets.send(long_wait)
    expect(board.locator("[data-wait]")).to_have_text("40 waiting · about 4 hours for new arrivals")


def test_the_display_board_says_a_new_arrival_is_seen_any_moment_now_as_the_landing_page_does(open_page, hospital):
    # A doctor free for a new arrival read "1 waiting · about 0 min for new arrivals" on the board.
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    register(cardiology, "Asha Rao", "+14155550101")
    called = services.call_next(doctor=smith)
    board = open_page(viewport={"width": 1920, "height": 1080})
    sockets = PlayedSockets(board, r"/ws/queue/\d+/$")
    board.goto(f"/display/{cardiology.pk}/")

    free_doctor = change_frame(cardiology, 1, "called", called)
    free_doctor["payload"]["queue"].update(queue_length=1, doctors_on_duty=2, estimated_wait_minutes=0)
    sockets.send(free_doctor)
    expect(board.locator("[data-wait]")).to_have_text("1 waiting · any moment now for new arrivals")


def test_the_display_board_says_when_its_department_is_full_for_today_and_when_it_takes_walk_ins_again(
    open_page, hospital
):
    cardiology = hospital["cardiology"]
    Department.objects.filter(pk=cardiology.pk).update(daily_capacity=2)
    cardiology.refresh_from_db()
    register(cardiology, "Asha Rao", "+14155550101")
    board = open_page(viewport={"width": 1920, "height": 1080})
    sockets = PlayedSockets(board, r"/ws/queue/\d+/$")
    board.goto(f"/display/{cardiology.pk}/")
    wait = board.locator("[data-wait]")
    expect(wait).to_contain_text("1 waiting")
    expect(wait).not_to_contain_text("full for today")

    last = register(cardiology, "Ravi Kumar", "+14155550102")
    sockets.send(change_frame(cardiology, 1, "registered", last))
    expect(wait).to_have_text("2 waiting · full for today: no more walk-in tokens")

    # An admin raises the capacity: the department's next frame says it takes walk-ins again.
    Department.objects.filter(pk=cardiology.pk).update(daily_capacity=3)
    cardiology.refresh_from_db()
    sockets.send(change_frame(cardiology, 2, "registered", last))
    expect(wait).to_contain_text("2 waiting")
    expect(wait).not_to_contain_text("full for today")


def test_the_display_board_and_a_waiting_patients_page_say_when_the_department_is_closed_today(open_page, hospital):
    cardiology = hospital["cardiology"]
    waiting = register(cardiology, "Asha Rao", "+14155550101")
    board = open_page(viewport={"width": 1920, "height": 1080})
    board_sockets = PlayedSockets(board, r"/ws/queue/\d+/$")
    board.goto(f"/display/{cardiology.pk}/")
    wait = board.locator("[data-wait]")
    expect(wait).to_contain_text("1 waiting")
    expect(wait).not_to_contain_text("closed")
    patient = open_page(**PHONE)
    patient_sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    patient.goto(waiting.get_absolute_url())
    shown_wait = patient.locator('[data-field="estimated_wait_minutes"]')
    expect(shown_wait).not_to_contain_text("closed")

    # The frames the closing of today publishes (patients.broadcasts.publish_closing_of_today).
    queue = {**department_queue_snapshot(department=cardiology), "closed_today": True}
    board_sockets.send(
        frame(frame_type="department.changed", department_id=cardiology.pk, seq=2,
              payload={"event": "day_closed", "queue": queue})
    )
    visit = {**visit_status(entry=waiting), "closed_today": True}
    patient_sockets.send(
        frame(frame_type="patient.status", department_id=cardiology.pk, seq=2,
              payload={"event": "day_closed", "visit": visit})
    )

    expect(wait).to_have_text("1 waiting · closed today: please ask at the reception desk")
    expect(shown_wait).to_have_text("The department is closed today: please ask at the desk")


def test_the_patients_page_draws_its_embedded_visit_then_each_frame_on_a_phone(open_page, hospital, screenshot):
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    register(cardiology, "Ravi Kumar", "+14155550102")
    mine = register(cardiology, "Asha Rao", "+14155550101")
    patient = open_page(**PHONE)
    sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    fetched = fetches_of(patient, "/status/")
    patient.goto(mine.get_absolute_url())

    expect(patient.locator('[data-field="token"]')).to_have_text("CARD-002")
    expect(patient.locator('[data-field="department"]')).to_have_text("Cardiology · Block A")
    expect(patient.locator('[data-field="position"]')).to_have_text("2")
    expect(patient.locator('[data-field="status"]')).to_have_text("Waiting")
    expect(patient.locator('[data-field="now_serving"]')).to_have_text("Nobody right now")
    expect(patient.locator('[data-field="your-turn"]')).to_be_hidden()
    assert no_sideways_scroll(patient)

    services.call_next(doctor=smith)
    sockets.send(frame(frame_type="patient.status", department_id=cardiology.pk, seq=1,
                       payload={"event": "called", "visit": visit_status(entry=mine)}))
    expect(patient.locator('[data-field="position"]')).to_have_text("1")
    expect(patient.locator('[data-field="now_serving"]')).to_have_text("CARD-001")

    # The doctor marks CARD-001 a no-show and calls Asha: the frame alone shows her turn.
    services.skip(entry=services.current_patient_of(smith))
    services.call_next(doctor=smith)
    mine.refresh_from_db()
    sockets.send(frame(frame_type="patient.status", department_id=cardiology.pk, seq=2,
                       payload={"event": "called", "visit": visit_status(entry=mine)}))
    expect(patient.locator('[data-field="your-turn"]')).to_be_visible()
    expect(patient.locator('[data-field="go_to"]')).to_have_text("Room 2A")
    expect(patient.locator('[data-field="status"]')).to_have_attribute("data-value", "called")
    expect(patient.locator('[data-field="position"]')).to_be_hidden()
    assert no_sideways_scroll(patient)
    assert fetched == []
    screenshot(patient, "your-turn")


def test_the_patients_page_says_a_token_past_its_day_is_no_longer_in_line_not_waiting(open_page, hospital):
    mine = register(hospital["cardiology"], "Asha Rao", "+14155550101")
    patient = open_page(**PHONE)
    sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    patient.goto(mine.get_absolute_url())
    expect(patient.locator('[data-field="status"]')).to_have_text("Waiting")

    # The frame after midnight: still "waiting" in the database, but its day's line is over.
    expired = {**visit_status(entry=mine), "expired": True, "position": None, "estimated_wait_minutes": None}
    sockets.send(frame(frame_type="snapshot", department_id=None, seq=None, payload={"visit": expired}))

    expect(patient.locator('[data-show="expired"]')).to_be_visible()
    expect(patient.locator('[data-field="status"]')).to_have_text("No longer in line")
    expect(patient.locator('[data-field="status"]')).to_have_attribute("data-value", "waiting")


def test_the_patients_page_follows_its_token_to_the_department_it_was_transferred_to(open_page, hospital):
    mine = register(hospital["cardiology"], "Asha Rao", "+14155550101")
    patient = open_page(**PHONE)
    sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    patient.goto(mine.get_absolute_url())
    expect(patient.locator('[data-field="status"]')).to_have_text("Waiting")
    general = Department.objects.create(name="General Medicine", code="GEN")
    new_entry = services.transfer(entry=mine, to_department=general)

    mine.refresh_from_db()
    sockets.send(frame(frame_type="snapshot", department_id=None, seq=None, payload={"visit": visit_status(entry=mine)}))

    patient.wait_for_url(f"**{new_entry.get_absolute_url()}")
    expect(patient.get_by_text(new_entry.token).first).to_be_visible()


def test_the_patients_page_asks_for_its_wait_again_each_minute_between_changes(open_page, hospital):
    cardiology = hospital["cardiology"]
    register(cardiology, "Ravi Kumar", "+14155550102")
    mine = register(cardiology, "Asha Rao", "+14155550101")
    patient = open_page(**PHONE)
    patient.clock.install()
    sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    patient.goto(mine.get_absolute_url())
    visit = visit_status(entry=mine)
    sockets.send(frame(frame_type="snapshot", department_id=None, seq=None, payload={"visit": visit}))
    expect(patient.locator("#live-status")).to_have_attribute("data-live-status", "live")
    assert sockets.requests_of_type("snapshot") == []

    run_clock_for(patient, 61_000)

    assert len(sockets.requests_of_type("snapshot")) == 1
    # The answer: the consultation ahead ran on, so the wait is shorter than at registration.
    sockets.send(frame(frame_type="snapshot", department_id=None, seq=None,
                       payload={"visit": {**visit, "estimated_wait_minutes": 3, "estimated_wait_low_minutes": None,
                                          "estimated_wait_high_minutes": None}}))
    expect(patient.locator('[data-field="estimated_wait_minutes"]')).to_have_text("about 3 min")


def test_the_patients_page_reads_a_range_whose_ends_are_the_same_whole_hours_as_one_figure(open_page, hospital):
    # 180-200 minutes read "about 3 h – 3 h" (the first patients of a doctor due in just under three hours).
    mine = register(hospital["cardiology"], "Asha Rao", "+14155550101")
    patient = open_page(**PHONE)
    sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    patient.goto(mine.get_absolute_url())
    visit = {**visit_status(entry=mine), "doctors_on_duty": 1, "estimated_wait_minutes": 190,
             "estimated_wait_low_minutes": 180, "estimated_wait_high_minutes": 200}

    sockets.send(frame(frame_type="snapshot", department_id=None, seq=None, payload={"visit": visit}))

    expect(patient.locator('[data-field="estimated_wait_minutes"]')).to_have_text("about 3\u00a0hours")


def test_the_display_board_asks_for_its_queue_again_each_minute_between_changes(open_page, hospital):
    cardiology = hospital["cardiology"]
    board = open_page(viewport={"width": 1920, "height": 1080})
    board.clock.install()
    sockets = PlayedSockets(board, r"/ws/queue/\d+/$")
    board.goto(f"/display/{cardiology.pk}/")
    sockets.send(frame(frame_type="snapshot", department_id=cardiology.pk, seq=1,
                       payload={"queue": department_queue_snapshot(department=cardiology)}))

    run_clock_for(board, 61_000)

    assert len(sockets.requests_of_type("snapshot")) == 1


def test_the_doctors_dashboard_reads_its_fragment_again_each_minute_between_changes(open_page, hospital):
    cardiology = hospital["cardiology"]
    register(cardiology, "Asha Rao", "+14155550101")
    doctor = open_page(**DESKTOP)
    doctor.clock.install()
    sockets = PlayedSockets(doctor, r"/ws/doctor/\d+/$")
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    sockets.send(frame(frame_type="snapshot", department_id=cardiology.pk, seq=1, payload={}))
    expect(doctor.locator("#live-status")).to_have_attribute("data-live-status", "live")

    # Minutes waited grow with nothing to announce: the page asks the socket for the state again...
    run_clock_for(doctor, 61_000)
    assert len(sockets.requests_of_type("snapshot")) == 1
    # ...and the answer makes it read its fragment, with the minutes as they are now.
    with doctor.expect_request(lambda request: request.url.endswith("/doctors/live/")):
        sockets.send(frame(frame_type="snapshot", department_id=cardiology.pk, seq=1, payload={}))
        doctor.clock.run_for(2_000)


def test_a_frame_leaves_the_doctors_focus_on_the_waiting_tables_scroll_area(open_page, hospital):
    cardiology = hospital["cardiology"]
    register(cardiology, "Asha Rao", "+14155550101")
    doctor = open_page(**DESKTOP)
    sockets = PlayedSockets(doctor, r"/ws/doctor/\d+/$")
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    scroll_area = doctor.get_by_role("region", name="Waiting tokens")
    scroll_area.focus()

    newcomer = register(cardiology, "Ravi Kumar", "+14155550102")
    sockets.send(change_frame(cardiology, 1, "registered", newcomer))

    expect(doctor.locator('#waiting-rows tr[data-token="CARD-002"]')).to_be_visible()
    expect(doctor.get_by_role("region", name="Waiting tokens")).to_be_focused()


def test_a_change_in_any_line_leaves_the_desks_focus_on_the_live_queues_link_it_was_on(open_page, hospital):
    # The cards are one region, redrawn at every frame of any department and each minute: the focus on a token's
    # link went to the whole region, and the desk's next Tab started again from its first card.
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    register(cardiology, "Asha Rao", "+14155550101")
    called = services.call_next(doctor=smith)
    smith.availability = "on_break"
    smith.save(update_fields=["availability"])
    admin = open_page(**DESKTOP)
    sockets = PlayedSockets(admin, r"/ws/queue/\d+/$")
    sign_in(admin, "/adminpanel/login/", "admin.manager", "admin123")
    back_to_the_line = admin.get_by_role("link", name=f"Return to the line {called.token}")
    back_to_the_line.focus()

    newcomer = register(cardiology, "Ravi Kumar", "+14155550102")
    sockets.send(change_frame(cardiology, 1, "registered", newcomer))

    expect(admin.locator(f'[data-department-id="{cardiology.pk}"] [data-field="waiting"]')).to_have_text("1")
    expect(back_to_the_line).to_be_focused()


def test_a_token_leaving_the_live_queues_leaves_the_desks_focus_on_its_department_not_on_every_one(
    open_page, hospital
):
    # The focus on a link that went had nowhere to go but the whole region, which a screen reader reads out from its
    # first department; it stays on the card the link was in.
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    Department.objects.create(name="Pediatrics", code="PED", room="Block B")
    register(cardiology, "Asha Rao", "+14155550101")
    called = services.call_next(doctor=smith)
    smith.availability = "on_break"
    smith.save(update_fields=["availability"])
    admin = open_page(**DESKTOP)
    sockets = PlayedSockets(admin, r"/ws/queue/\d+/$")
    sign_in(admin, "/adminpanel/login/", "admin.manager", "admin123")
    admin.get_by_role("link", name=f"Return to the line {called.token}").focus()

    returned = services.return_to_line(entry=called)
    sockets.send(change_frame(cardiology, 1, "returned_to_line", returned))

    card = admin.locator(f'[data-department-id="{cardiology.pk}"]')
    expect(card.get_by_role("link", name=f"Return to the line {called.token}")).to_have_count(0)
    expect(card).to_be_focused()


def test_going_offline_asks_first_about_the_patients_who_came_after_the_dashboard_loaded(open_page, hospital):
    # The question was an attribute of the availability form, which a redraw left as it was (its inside unchanged):
    # a dashboard opened with nobody waiting went offline without asking, whoever had come since, and texted them.
    cardiology = hospital["cardiology"]
    doctor = open_page(**DESKTOP)
    sockets = PlayedSockets(doctor, r"/ws/doctor/\d+/$")
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    questions = []
    doctor.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))

    newcomer = register(cardiology, "Ravi Kumar", "+14155550102")
    sockets.send(change_frame(cardiology, 1, "registered", newcomer))
    expect(doctor.locator("#waiting-count")).to_have_text("1")
    doctor.get_by_label("Availability").select_option("offline")
    doctor.get_by_role("button", name="Set availability").click()

    expect(doctor.get_by_label("Availability")).to_have_value("available")
    assert [question.split("?")[0] for question in questions] == [
        "1 patient is waiting in Cardiology. Go offline for the rest of the day"
    ]


def test_completing_a_consultation_by_keyboard_leaves_the_focus_on_call_next_patient(open_page, hospital):
    entry = register(hospital["cardiology"], "Asha Rao", "+14155550101")
    services.call_next(doctor=hospital["doctor"])
    services.start_consultation(entry=entry)
    doctor = open_page(**DESKTOP)
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")

    doctor.get_by_role("button", name="Complete consultation").press("Enter")

    expect(doctor.get_by_role("button", name="Call next patient")).to_be_focused()

def test_a_token_recalled_elsewhere_does_not_hand_the_focus_to_another_patients_recall(open_page, hospital):
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    first = register(cardiology, "Asha Rao", "+14155550101")
    second = register(cardiology, "Ravi Kumar", "+14155550102")
    for entry in (first, second):
        services.call_next(doctor=smith)
        services.skip(entry=entry)
    doctor = open_page(**DESKTOP)
    sockets = PlayedSockets(doctor, r"/ws/doctor/\d+/$")
    sign_in(doctor, "/doctors/login/", "dr.smith", "doctor123")
    doctor.get_by_role("button", name="Recall CARD-002").focus()

    recalled = services.recall(entry=second)
    sockets.send(change_frame(cardiology, 1, "recalled", recalled))

    expect(doctor.get_by_role("button", name="Recall CARD-002")).to_have_count(0)
    expect(doctor.get_by_role("button", name="Recall CARD-001")).not_to_be_focused()
    expect(doctor.locator("#skipped-rows")).to_be_focused()


def test_the_patients_page_speaks_a_new_wait_as_about_so_many_minutes_not_a_tilde(open_page, hospital):
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    for number in range(3):
        register(cardiology, "Ravi Kumar", f"+1415555011{number}")
    mine = register(cardiology, "Asha Rao", "+14155550101")
    patient = open_page(**PHONE)
    sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    patient.goto(mine.get_absolute_url())
    expect(patient.locator('[data-field="position"]')).to_have_text("4")

    services.call_next(doctor=smith)
    # A wait narrow enough to be shown as one figure ("about 30 min"), not a range.
    visit = {**visit_status(entry=mine), "estimated_wait_low_minutes": None, "estimated_wait_high_minutes": None}
    sockets.send(frame(frame_type="patient.status", department_id=cardiology.pk, seq=1,
                       payload={"event": "called", "visit": visit}))

    expect(patient.locator('[data-field="position"]')).to_have_text("3")
    expect(patient.locator('[data-field="estimated_wait_minutes"]')).to_have_text(
        f"about {visit['estimated_wait_minutes']} min"
    )
    spoken = patient.locator("[data-announce]")
    expect(spoken).to_contain_text(f"Estimated wait: about {visit['estimated_wait_minutes']} min.")
    expect(spoken).not_to_contain_text("~")


def test_the_patients_page_says_what_a_missed_turn_or_a_cancelled_token_means_and_what_to_do(open_page, hospital):
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    missed = register(cardiology, "Asha Rao", "+14155550101")
    cancelled = register(cardiology, "Ravi Kumar", "+14155550102")
    services.call_next(doctor=smith)
    services.skip(entry=missed)
    services.cancel(entry=cancelled)
    patient = open_page(**PHONE)

    patient.goto(missed.get_absolute_url())
    expect(patient.locator('[data-field="status"]')).to_have_text("Missed your turn")
    expect(patient.get_by_text("You were called but we did not see you.")).to_be_visible()
    expect(patient.get_by_text("This token was cancelled.")).to_be_hidden()

    patient.goto(cancelled.get_absolute_url())
    expect(patient.get_by_text("This token was cancelled.")).to_be_visible()
    expect(patient.get_by_text("You were called but we did not see you.")).to_be_hidden()


def test_the_patients_page_title_and_heading_follow_the_visit_from_its_turn_to_its_end(open_page, hospital):
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    mine = register(cardiology, "Asha Rao", "+14155550101")
    patient = open_page(**PHONE)
    sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    patient.goto(mine.get_absolute_url())
    heading = patient.get_by_role("heading", level=1)
    expect(patient).to_have_title("Your place in line · SmartQueue")

    for seq, (change, words) in enumerate(
        [
            (lambda: services.call_next(doctor=smith), "It's your turn"),
            (lambda: services.start_consultation(entry=mine), "You are with the doctor"),
            (lambda: services.complete_consultation(entry=mine), "Your visit is complete"),
        ],
        start=1,
    ):
        change()
        mine.refresh_from_db()
        sockets.send(frame(frame_type="patient.status", department_id=cardiology.pk, seq=seq,
                           payload={"event": "changed", "visit": visit_status(entry=mine)}))
        expect(patient).to_have_title(f"{words} · SmartQueue")
        expect(heading).to_have_text(words)


def test_the_patients_page_and_the_board_say_when_the_doctors_are_expected_or_that_none_is_back_today(
    open_page, hospital
):
    cardiology = hospital["cardiology"]
    mine = register(cardiology, "Asha Rao", "+14155550101")
    patient = open_page(**PHONE)
    visit_sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    patient.goto(mine.get_absolute_url())
    board = open_page(viewport={"width": 1920, "height": 1080})
    board_sockets = PlayedSockets(board, r"/ws/queue/\d+/$")
    board.goto(f"/display/{cardiology.pk}/")
    wait = patient.locator('[data-field="estimated_wait_minutes"]')
    expect(wait).to_have_text("Any moment now")
    # The doctors are at lunch for another two hours (in the hospital's time, as the server writes it).
    back_at = timezone.localtime() + timedelta(hours=2)
    on_break = {"doctors_on_duty": 0, "doctors_expected_at": back_at.isoformat(), "no_doctor_left_today": False}
    clock = re.escape(formats.time_format(back_at, "TIME_FORMAT"))
    left_today = {"doctors_on_duty": 0, "doctors_expected_at": None, "no_doctor_left_today": True}

    for seq, doctors in enumerate((on_break, left_today), start=1):
        visit = {**visit_status(entry=mine), **doctors, "estimated_wait_minutes": 130,
                 "estimated_wait_low_minutes": None, "estimated_wait_high_minutes": None}
        visit_sockets.send(frame(frame_type="patient.status", department_id=cardiology.pk, seq=seq,
                                 payload={"event": "availability", "visit": visit}))
        queue_frame = change_frame(cardiology, seq, "registered", mine)
        queue_frame["payload"]["queue"].update(doctors)
        board_sockets.send(queue_frame)
        if doctors is on_break:
            expect(wait).to_have_text(re.compile(rf"^about 2 hours 10 min \(doctors from {clock}\)$"))
            expect(board.locator("[data-wait]")).to_have_text(re.compile(rf"^1 waiting · doctors from {clock}$"))
    expect(wait).to_have_text("No doctor is expected back today: please ask at the desk")
    expect(board.locator("[data-wait]")).to_have_text(
        "1 waiting · no doctor is expected back today (please ask at the desk)"
    )


def test_a_button_hidden_by_the_patients_call_or_cancellation_hands_the_focus_to_what_the_page_now_says(
    open_page, hospital
):
    """The patient tabbed to "I'm running late" (or is asked whether to leave) when the doctor calls them, or the desk
    cancels the token: the button hides, and the focus must not stay on nothing in sight."""
    cardiology, smith = hospital["cardiology"], hospital["doctor"]
    called = register(cardiology, "Asha Rao", "+14155550101")
    cancelled = register(cardiology, "Ravi Kumar", "+14155550102")
    register(cardiology, "Chen Li", "+14155550103")  # Someone behind both: "I'm running late" is offered.
    patient = open_page(**PHONE)
    sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")

    patient.goto(called.get_absolute_url())
    patient.get_by_role("button", name="I'm running late").focus()
    services.call_next(doctor=smith)
    called.refresh_from_db()
    sockets.send(frame(frame_type="patient.status", department_id=cardiology.pk, seq=1,
                       payload={"event": "changed", "visit": visit_status(entry=called)}))
    expect(patient.get_by_role("button", name="I'm running late")).to_be_hidden()
    expect(patient.get_by_role("alert").filter(has_text="It's your turn")).to_be_focused()

    patient.goto(cancelled.get_absolute_url())
    with patient.expect_navigation():
        patient.get_by_role("button", name="Leave the line").click()
    patient.get_by_role("button", name="Yes, leave the line").focus()
    services.cancel(entry=cancelled)
    cancelled.refresh_from_db()
    sockets.send(frame(frame_type="patient.status", department_id=cardiology.pk, seq=2,
                       payload={"event": "changed", "visit": visit_status(entry=cancelled)}),
                 index=2)  # The third page's socket: the call's page, this token's, its leave question.
    expect(patient.get_by_role("button", name="Yes, leave the line")).to_be_hidden()
    expect(patient.get_by_text("This token was cancelled.")).to_be_focused()


def test_the_patients_page_says_a_booked_patients_place_is_kept_for_their_appointment_in_the_hospitals_time(
    open_page, hospital
):
    mine = register(hospital["cardiology"], "Asha Rao", "+14155550101")
    patient = open_page(**PHONE, timezone_id="Asia/Tokyo")
    sockets = PlayedSockets(patient, r"/ws/patient/[0-9a-f-]+/$")
    patient.goto(mine.get_absolute_url())
    kept = patient.locator('[data-show="appointment_time"]')
    expect(kept).to_be_hidden()

    # Checked in early for 10:30 as the hospital's clocks say it, whatever zone the phone is set to.
    booked = {**visit_status(entry=mine), "appointment_time": "2026-12-07T10:30:00-05:00"}
    sockets.send(frame(frame_type="patient.status", department_id=None, seq=1,
                       payload={"event": "checked_in", "visit": booked}))
    expect(kept).to_be_visible()
    expect(kept).to_contain_text("Your place in line is kept for your appointment at 10:30 a.m.")

    called = {**booked, "appointment_time": None, "position": None, "status": "called", "your_turn": True}
    sockets.send(frame(frame_type="patient.status", department_id=None, seq=2,
                       payload={"event": "called", "visit": called}))
    expect(kept).to_be_hidden()
