// Drives static/js/patient-status.js (on top of live-socket.js) with a fake page, WebSocket, timers and
// fetch: it draws the visit embedded in the page, then every frame. Also checks LiveSocket.throttle and
// combinedStatus; run by test_live_socket_js.py.
"use strict";
const assert = require("assert");
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const { fakeWebSocketClass } = require("./fake_websocket");

const sockets = [];
const timers = [];
const fetched = [];
const vibrations = [];
let pollResponse = null;

const FakeWebSocket = fakeWebSocketClass(sockets);
// The phone's clock: its own time zone, and a Date whose "now" the check moves.
process.env.TZ = "UTC";
let now = Date.UTC(2026, 10, 25, 10, 42);
class PhoneDate extends Date {
  constructor(...values) { if (values.length) super(...values); else super(now); }
  static now() { return now; }
}

class FakeElement {
  constructor(dataset, classes = []) {
    this.dataset = dataset;
    this.classes = new Set(classes);
    this.classList = {
      toggle: (name, on) => (on ? this.classes.add(name) : this.classes.delete(name)),
      contains: (name) => this.classes.has(name),
    };
    this.textContent = "";
    this.hidden = false;
  }
}

// The parts of templates/patients/status.html the script touches.
const fields = Object.fromEntries(
  ["token", "department", "position", "estimated_wait_minutes", "status", "go_to", "now_serving", "refreshed", "your-turn"].map(
    (name) => [name, new FakeElement({ field: name })]
  )
);
const shown = {
  your_turn: new FakeElement({ show: "your_turn" }, ["d-none"]),
  can_give_feedback: new FakeElement({ show: "can_give_feedback" }, ["d-none"]),
  figures: new FakeElement({ show: "position" }),
};
fields["your-turn"] = shown.your_turn;
shown.your_turn.dataset.field = "your-turn";
// The figures live-socket.js dims while the socket is lost (data-live-figures), and its note saying so.
const liveFigures = [shown.figures, fields.status, fields.now_serving];
const staleNote = new FakeElement({ staleNote: "" });
staleNote.hidden = true;
const root = new FakeElement({ socketPath: "/ws/patient/abc/", statusUrl: "/patients/api/patient/abc/status/" });
root.querySelectorAll = (selector) =>
  ({ "[data-field]": Object.values(fields), "[data-show]": Object.values(shown), "[data-live-figures]": liveFigures })[
    selector
  ] || [];
const announcer = new FakeElement({ announce: "" });
// An admin's broadcast element, with the site's language as {% site_language_attributes %} gives it.
const broadcast = new FakeElement({ writtenIn: "en", writtenDir: "ltr" }, ["d-none"]);
root.querySelector = (selector) =>
  ({
    '[data-field="refreshed"]': fields.refreshed, "[data-announce]": announcer, "[data-broadcast]": broadcast,
    "[data-stale-note]": staleNote,
  })[selector];
const statusElement = new FakeElement({});
// The {{ visit|json_script:"visit-status" }} block: the page's first state, drawn by the script alone.
const embeddedVisit = { textContent: "" };
// The {% wait_units_script %} block: a duration's words as the server gives them (here in English).
const hoursForms = (one, other) => ({ one, other });
const waitUnits = {
  textContent: JSON.stringify({
    language: "en",
    minutes: "%(minutes)s min",
    hours: hoursForms("%(hours)s hour", "%(hours)s hours"),
    hours_minutes: hoursForms("%(hours)s hour %(minutes)s min", "%(hours)s hours %(minutes)s min"),
  }),
};
let pageLoaded = null;

const context = {
  Date: PhoneDate,
  WebSocket: FakeWebSocket,
  location: { protocol: "http:", host: "clinic.example" },
  navigator: { vibrate: (pattern) => vibrations.push(pattern) },
  document: {
    // A Spanish page: the words are the fake catalogue's (English), the broadcast is picked by the page's language.
    documentElement: { lang: "es", dir: "ltr" },
    querySelector: (selector) => (selector === "[data-patient-status]" ? root : null),
    getElementById: (id) =>
      ({ "live-status": statusElement, "visit-status": embeddedVisit, "wait-units": waitUnits })[id] || null,
    addEventListener: (event, listener) => { if (event === "DOMContentLoaded") pageLoaded = listener; },
  },
  addEventListener() {},
  removeEventListener() {},
  setTimeout(callback, delay) { timers.push({ callback, delay, kind: "timeout", live: true }); return timers.length; },
  clearTimeout(id) { if (id && timers[id - 1]) timers[id - 1].live = false; },
  setInterval(callback, delay) { timers.push({ callback, delay, kind: "interval", live: true }); return timers.length; },
  clearInterval(id) { if (id && timers[id - 1]) timers[id - 1].live = false; },
  fetch(url) {
    fetched.push(url);
    return Promise.resolve({ ok: true, json: () => Promise.resolve(pollResponse) });
  },
};
// What Django's JavaScript catalogue (/i18n/<language>/catalog.js) defines on a page, here in English.
context.gettext = (text) => text;
context.pgettext = (context_, text) => text;
context.interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));
context.window = context;
vm.createContext(context);
for (const script of ["live-socket.js", "wait-words.js", "patient-status.js"]) {
  vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js", script), "utf8"), context);
}

const visit = (changes) => ({
  patient_id: "abc", visit_id: 41, token: "CARD-002", date: "2026-11-25",
  department: { id: 3, name: "Cardiology", code: "CARD", room: "Block B" },
  priority: "normal", status: "waiting", status_display: "Waiting", position: 2, patients_ahead: 1,
  estimated_wait_minutes: 20, estimated_wait_low_minutes: null, estimated_wait_high_minutes: null, your_turn: false, doctor: null, go_to: null, now_serving: ["CARD-001"],
  doctors_on_duty: 1, doctors_expected_at: null, no_doctor_left_today: false,
  feedback_given: false, can_give_feedback: false, ...changes,
});
const statusFrame = (seq, changes, department = 3) =>
  ({ type: "patient.status", version: 1, department, seq, payload: { event: "called", visit: visit(changes) } });
const settle = () => new Promise((resolve) => setImmediate(resolve));
const liveTimeouts = () => timers.filter((timer) => timer.kind === "timeout" && timer.live);

(async () => {
  // The page arrives with an empty frame; the embedded visit is drawn before the socket says anything.
  assert.strictEqual(fields.token.textContent, "");
  // A wide range is shown as one, in place of the single figure (the snapshot below has none).
  const uncertain = { estimated_wait_minutes: 30, estimated_wait_low_minutes: 25, estimated_wait_high_minutes: 40 };
  embeddedVisit.textContent = JSON.stringify(visit({ position: 3, ...uncertain, now_serving: [] }));
  pageLoaded();
  assert.strictEqual(fields.token.textContent, "CARD-002");
  assert.strictEqual(fields.position.textContent, "3");
  assert.strictEqual(fields.position.dataset.value, "3");
  assert.strictEqual(fields.estimated_wait_minutes.textContent, "about 25 to 40 min");
  assert.strictEqual(fields.now_serving.textContent, "Nobody right now");
  assert.strictEqual(shown.figures.classList.contains("d-none"), false);
  assert.strictEqual(fields.status.textContent, "Waiting");
  assert.strictEqual(root.dataset.visitId, 41);
  assert.strictEqual(shown.your_turn.classList.contains("d-none"), true);
  assert.strictEqual(shown.can_give_feedback.classList.contains("d-none"), true);
  assert.strictEqual(sockets[0].url, "ws://clinic.example/ws/patient/abc/");
  assert.strictEqual(statusElement.dataset.liveStatus, "connecting");
  assert.strictEqual(statusElement.hidden, false);

  // The snapshot on connect is drawn, and the badge hides while live.
  sockets[0].serverOpens();
  sockets[0].serverSends({ type: "snapshot", version: 1, department: null, seq: null, payload: { visit: visit({}), sequences: { 3: 4 } } });
  assert.strictEqual(statusElement.hidden, true);
  assert.strictEqual(fields.position.textContent, "2");
  assert.strictEqual(fields.department.textContent, "Cardiology · Block B");
  assert.strictEqual(fields.estimated_wait_minutes.textContent, "about 20 min");
  assert.strictEqual(fields.status.textContent, "Waiting");
  assert.strictEqual(fields.status.dataset.value, "waiting");
  // The place changed (3 -> 2): said once, with the wait; the page's first state and its refresh time are not.
  assert.strictEqual(announcer.textContent, "Status: Waiting. Your place in line: 2. Estimated wait: about 20 min.");
  announcer.textContent = "";
  sockets[0].serverSends(statusFrame(5, { estimated_wait_minutes: 18 }));
  assert.strictEqual(fields.estimated_wait_minutes.textContent, "about 18 min");
  assert.strictEqual(announcer.textContent, "", "a wait that shortens alone is not said");
  // From an hour on, a wait reads in hours (a range too); spoken as shown.
  sockets[0].serverSends(statusFrame(6, { estimated_wait_minutes: 250 }));
  assert.strictEqual(fields.estimated_wait_minutes.textContent, "about 4 hours");
  sockets[0].serverSends(statusFrame(7, {
    estimated_wait_minutes: 70, estimated_wait_low_minutes: 40, estimated_wait_high_minutes: 95,
    maybe_not_today: true, hours_end_at: "2026-11-25T17:00:00+05:30",
  }));
  // Each end kept on one line (no-break spaces): a phone wrapped "about 40 min – 1" above "h 35 min". Past the
  // day's hours (read on the hospital's clock, as the server wrote it), maybe not today, as waits.beyond_today says.
  assert.strictEqual(
    fields.estimated_wait_minutes.textContent,
    "about 40\u00a0min to 1\u00a0hour\u00a035\u00a0min, maybe not today (hours end at 17:00)"
  );
  sockets[0].serverSends(statusFrame(8, { position: 1, estimated_wait_minutes: 65 }));
  assert.strictEqual(announcer.textContent, "Status: Waiting. Your place in line: 1. Estimated wait: about 1 hour 5 min.");
  announcer.textContent = "";
  sockets[0].serverSends(statusFrame(9, { position: 2, estimated_wait_minutes: 18 }));
  announcer.textContent = "";

  // An admin's broadcast, in the page's language where it was translated, else the message as written.
  const unmoved = visit({ position: 2, estimated_wait_minutes: 18 });
  const broadcastFrame = (seq, detail) => ({
    type: "patient.status", version: 1, department: 3, seq, payload: { event: "broadcast", visit: unmoved, detail },
  });
  assert.strictEqual(broadcast.classList.contains("d-none"), true);
  sockets[0].serverSends(broadcastFrame(10, {
    message: "Dr. Rao is delayed 30 minutes.",
    translations: { es: "El Dr. Rao llega con 30 minutos de retraso.", hi: "डॉ. राव 30 मिनट देर से हैं।" },
  }));
  assert.strictEqual(broadcast.classList.contains("d-none"), false);
  assert.strictEqual(broadcast.textContent, "El Dr. Rao llega con 30 minutos de retraso.");
  assert.strictEqual(broadcast.lang, "es");
  sockets[0].serverSends(broadcastFrame(11, {
    message: "The pharmacy closes at 5 pm.",
    translations: { ar: "تغلق الصيدلية الساعة 5 مساءً." },
  }));
  assert.strictEqual(broadcast.textContent, "The pharmacy closes at 5 pm.");
  assert.strictEqual(broadcast.lang, "en");
  sockets[0].serverSends(broadcastFrame(12, { message: "Fire drill at noon." }));
  assert.strictEqual(broadcast.textContent, "Fire drill at noon.");
  assert.strictEqual(announcer.textContent, "", "a broadcast moves no one");

  // Called: the banner shows where to go and the phone vibrates, once.
  const called = {
    status: "called", status_display: "Called", position: null, estimated_wait_minutes: null, your_turn: true,
    go_to: "Room 7",
  };
  sockets[0].serverSends(statusFrame(13, called));
  assert.strictEqual(shown.your_turn.classList.contains("d-none"), false);
  assert.strictEqual(fields.go_to.textContent, "Room 7");
  // No place or wait once called (their box hides): in words, never a lone dash read as "dash".
  assert.strictEqual(fields.position.textContent, "Not known yet");
  assert.strictEqual(fields.estimated_wait_minutes.textContent, "Not known yet");
  assert.strictEqual(fields.department.textContent, "Cardiology", "one room on the page: the one to go to");
  assert.strictEqual(fields.status.dataset.value, "called");
  assert.strictEqual(vibrations.length, 1);
  // The banner is an alert: its text is written once, not rewritten (and said again) by every later frame.
  let goToWrites = 0;
  let goTo = fields.go_to.textContent;
  Object.defineProperty(fields.go_to, "textContent", {
    get: () => goTo, set: (text) => { goToWrites += 1; goTo = text; }, configurable: true,
  });
  sockets[0].serverSends(statusFrame(14, called));
  assert.strictEqual(goToWrites, 0, "the your-turn alert is not rewritten with the same words");
  assert.strictEqual(vibrations.length, 1, "no second vibration while it stays the patient's turn");

  // A frame about an older visit of the same patient is not what the page shows.
  sockets[0].serverSends(statusFrame(15, { visit_id: 40, token: "CARD-001", status: "cancelled" }));
  assert.strictEqual(fields.token.textContent, "CARD-002");
  assert.deepStrictEqual(sockets[0].sent, []);

  // Transferred: a newer visit makes the page re-read the snapshot, which then names the visit to follow.
  const transferred = { visit_id: 42, token: "DERM-005", department: { id: 5, name: "Dermatology", code: "DERM", room: "" }, position: 3 };
  sockets[0].serverSends(statusFrame(1, transferred, 5));
  assert.deepStrictEqual(sockets[0].sent, [{ type: "snapshot" }]);
  sockets[0].serverSends({ type: "snapshot", version: 1, department: null, seq: null, payload: { visit: visit(transferred), sequences: { 3: 11, 5: 1 } } });
  assert.strictEqual(fields.token.textContent, "DERM-005");
  assert.strictEqual(fields.department.textContent, "Dermatology");
  assert.strictEqual(root.dataset.visitId, 42);
  assert.strictEqual(shown.your_turn.classList.contains("d-none"), true);

  // Completed: the feedback form appears without a reload.
  sockets[0].serverSends(statusFrame(2, { ...transferred, status: "completed", status_display: "Completed", position: null, can_give_feedback: true }, 5));
  assert.strictEqual(shown.can_give_feedback.classList.contains("d-none"), false);
  // Over: no place in line or wait to show, not dashes.
  assert.strictEqual(shown.figures.classList.contains("d-none"), true);

  // The socket cannot open: "reconnecting…", then the REST status endpoint is polled and drawn.
  const dimmed = () => liveFigures.map((element) => element.classList.contains("live-stale"));
  assert.deepStrictEqual(dimmed(), [false, false, false]);
  assert.strictEqual(staleNote.hidden, true);
  now += 3 * 60 * 1000;
  sockets[0].serverCloses(1006);
  // The figures of the last frame (10:42) stay, dimmed, and said not to be live, with their time (a Spanish page:
  // the 24-hour clock); the badge says "Reconnecting…".
  assert.deepStrictEqual(dimmed(), [true, true, true]);
  assert.strictEqual(staleNote.hidden, false);
  assert.strictEqual(staleNote.textContent, "Not live: last updated 10:42");
  assert.strictEqual(statusElement.dataset.liveStatus, "reconnecting");
  assert.strictEqual(statusElement.textContent, "Reconnecting…");
  assert.strictEqual(statusElement.hidden, false);
  pollResponse = visit({ ...transferred, position: 1 });
  liveTimeouts().pop().callback();
  sockets[1].serverCloses(1006);
  liveTimeouts().pop().callback();
  sockets[2].serverCloses(1006);
  await settle();
  assert.strictEqual(statusElement.dataset.liveStatus, "polling");
  assert.deepStrictEqual(fetched, ["/patients/api/patient/abc/status/"]);
  assert.strictEqual(fields.position.textContent, "1");
  // A poll brings the figures up to date (its time said), not live: they stay marked.
  assert.deepStrictEqual(dimmed(), [true, true, true]);
  assert.strictEqual(staleNote.textContent, "Not live: last updated 10:45");
  assert.strictEqual(timers.filter((timer) => timer.kind === "interval" && timer.delay === 10000 && timer.live).length, 1,
    "one polling loop: LiveSocket's");

  // The socket is back: its snapshot drawn, the figures are live, and the badge says so to a screen reader only.
  liveTimeouts().pop().callback();
  sockets[3].serverOpens();
  sockets[3].serverSends({
    type: "snapshot", version: 1, department: null, seq: null, payload: { visit: pollResponse, sequences: { 5: 3 } },
  });
  assert.deepStrictEqual(dimmed(), [false, false, false]);
  assert.strictEqual(staleNote.hidden, true);
  assert.strictEqual(statusElement.textContent, "Live again: this page is up to date.");
  assert.strictEqual(statusElement.classList.contains("visually-hidden"), true);

  // throttle: a burst of calls runs the task once now and once more after it, never more.
  let runs = 0;
  const refresh = context.LiveSocket.throttle(() => { runs += 1; }, 1000);
  const before = timers.length;
  refresh();
  refresh();
  assert.strictEqual(timers.length, before + 1, "one scheduled run for a burst");
  timers[before].callback();
  refresh();
  refresh();
  await settle();
  assert.strictEqual(runs, 1);
  assert.strictEqual(timers.length, before + 2);
  assert.ok(timers[before + 1].delay > 900, `waits out the interval, got ${timers[before + 1].delay}`);
  timers[before + 1].callback();
  await settle();
  assert.strictEqual(runs, 2);

  // combinedStatus: one badge for several sockets shows the worst and hides only when all are live.
  const badge = new FakeElement({});
  const report = context.LiveSocket.combinedStatus(badge);
  report("/ws/queue/1/", "live");
  report("/ws/queue/2/", "reconnecting");
  assert.strictEqual(badge.dataset.liveStatus, "reconnecting");
  assert.strictEqual(badge.hidden, false);
  report("/ws/queue/1/", "polling");
  assert.strictEqual(badge.dataset.liveStatus, "polling");
  report("/ws/queue/1/", "live");
  report("/ws/queue/2/", "live");
  // Back from a loss: not shown, but said (visually hidden).
  assert.strictEqual(badge.classList.contains("visually-hidden"), true);
  assert.strictEqual(badge.textContent, "Live again: this page is up to date.");

  // Each of a page's sockets reports its status: words the badge already has are not written (and said) again.
  const written = [];
  const quietBadge = new FakeElement({});
  Object.defineProperty(quietBadge, "textContent", {
    get() { return written[written.length - 1]; },
    set(words) { written.push(words); },
  });
  const reportEach = context.LiveSocket.combinedStatus(quietBadge);
  ["/ws/queue/1/", "/ws/queue/2/", "/ws/queue/3/"].forEach((path) => reportEach(path, "connecting"));
  reportEach("/ws/queue/1/", "reconnecting");
  reportEach("/ws/queue/2/", "reconnecting");
  assert.deepStrictEqual(written, ["Connecting…", "Reconnecting…"]);

  console.log("live pages: all checks passed");
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
