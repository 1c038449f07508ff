// Drives static/js/display-board.js (on top of live-socket.js and wait-words.js) with a fake page, WebSocket and
// timers: it draws each board's embedded snapshot, then every frame, in the words the server gives the boards
// (smartqueue.views.board_words, passed as a JSON file: {"en": [...], "ar": [...]}). Checks each line's wait as a
// waiting room reads it, in English and in Arabic (right to left); run by test_live_socket_js.py.
"use strict";
const assert = require("assert");
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const { fakeWebSocketClass } = require("./fake_websocket");

const BOARD_WORDS = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const NBSP = "\u00a0";
// The board's clock: its own time zone, and a Date whose "now" the check moves.
process.env.TZ = "UTC";
let now = Date.UTC(2026, 11, 8, 10, 42);
class BoardDate extends Date {
  constructor(...values) { if (values.length) super(...values); else super(now); }
  static now() { return now; }
}

// Just enough of a DOM element for the board's script: children, classes, data, and a box every token fits in.
class FakeElement {
  constructor(tag, attributes = {}) {
    this.tagName = tag;
    this.dataset = attributes.dataset || {};
    this.children = [];
    this.classes = new Set();
    this.style = {};
    this.hidden = Boolean(attributes.hidden);
    this.ownText = attributes.text || "";
    this.parent = null;
    this.classList = {
      add: (name) => this.classes.add(name),
      remove: (name) => this.classes.delete(name),
      toggle: (name, on) => {
        if (on === undefined ? !this.classes.has(name) : on) this.classes.add(name);
        else this.classes.delete(name);
      },
      contains: (name) => this.classes.has(name),
    };
  }
  set className(names) { this.classes = new Set(names.split(" ").filter(Boolean)); }
  get className() { return [...this.classes].join(" "); }
  get textContent() { return this.ownText + this.children.map((child) => child.textContent).join(""); }
  set textContent(text) { this.ownText = String(text); this.children = []; }
  append(...nodes) {
    nodes.forEach((node) => {
      const child = typeof node === "string" ? Object.assign(new FakeElement("#text"), { ownText: node }) : node;
      child.parent = this;
      this.children.push(child);
    });
  }
  appendChild(node) { this.append(node); return node; }
  replaceChildren(...nodes) { this.ownText = ""; this.children = []; this.append(...nodes); }
  closest(selector) {
    for (let node = this; node; node = node.parent) if (node.matches(selector)) return node;
    return null;
  }
  matches(selector) {
    const attribute = selector.match(/^\[data-([\w-]+)(?:="([^"]*)")?\]$/);
    if (attribute) {
      const key = attribute[1].replace(/-(\w)/g, (match, letter) => letter.toUpperCase());
      return key in this.dataset && (attribute[2] === undefined || String(this.dataset[key]) === attribute[2]);
    }
    if (selector.startsWith(".")) return this.classes.has(selector.slice(1));
    if (selector === 'script[type="application/json"]') return this.tagName === "script";
    return false;
  }
  querySelectorAll(selector) {
    const found = [];
    const walk = (node) => node.children.forEach((each) => {
      if (each.matches(selector)) found.push(each);
      walk(each);
    });
    walk(this);
    return found;
  }
  querySelector(selector) { return this.querySelectorAll(selector)[0] || null; }
  getBoundingClientRect() { return { top: 0, bottom: 100, left: 0, right: 100 }; }
  get clientWidth() { return 100; }
  get clientHeight() { return 100; }
}

const child = (parent, tag, attributes) => parent.appendChild(new FakeElement(tag, attributes));

const cardiology = { id: 3, name: "Cardiology", code: "CARD", room: "Block B", translations: {} };
const queue = (changes) => ({
  department: cardiology, date: "2026-12-08", now_serving: [], waiting: [{ token: "CARD-002", priority: "normal" }],
  queue_length: 1, doctors_on_duty: 1, doctors_expected_at: null, no_doctor_left_today: false,
  hours_end_at: "2026-12-08T18:00:00+05:30", estimated_wait_minutes: 20, estimated_wait_low_minutes: null,
  estimated_wait_high_minutes: null, maybe_not_today: false, closed_today: false, full_today: false,
  daily_capacity: null, ...changes,
});

// templates/display/department.html for one department, in `language`, with its board's embedded snapshot.
function openBoard(language, embedded) {
  const sockets = [];
  const timers = [];
  const body = new FakeElement("body");
  const board = child(body, "section", {
    dataset: { displayBoard: "", departmentId: "3", nextCount: "10", pollUrl: "/display/3/snapshot.json" },
  });
  child(board, "span", { dataset: { departmentName: "3", writtenIn: "en", writtenDir: "ltr" } });
  child(board, "div", { dataset: { nowServing: "", liveFigures: "" } });
  child(board, "p", { dataset: { broadcast: "", writtenIn: "en", writtenDir: "ltr" }, hidden: true });
  const next = child(board, "div", { dataset: { liveFigures: "" } });
  next.classList.add("board-next");
  child(next, "ol", { dataset: { next: "" } });
  child(board, "p", { dataset: { wait: "", liveFigures: "" } });
  child(board, "p", { dataset: { staleNote: "" }, hidden: true });
  child(board, "script", { text: JSON.stringify({ department: 3, payload: { queue: embedded, broadcast: null } }) });
  const page = {
    "board-words": new FakeElement("script", { text: JSON.stringify(BOARD_WORDS[language]) }),
    "live-status": new FakeElement("span", { hidden: true }),
    "call-out": new FakeElement("div", { hidden: true }),
    "broadcast-said": new FakeElement("p", { dataset: { writtenIn: "en", writtenDir: "ltr" } }),
    "enable-sound": Object.assign(new FakeElement("button"), { addEventListener() {} }),
  };
  // The template's button to stop the boards' languages switching, there when they show more than one.
  if (BOARD_WORDS[language].length > 1) {
    page["language-switching"] = Object.assign(new FakeElement("button"), { addEventListener() {} });
  }
  const context = {
    Date: BoardDate,
    WebSocket: fakeWebSocketClass(sockets),
    ResizeObserver: class { observe() {} },
    location: { protocol: "http:", host: "clinic.example" },
    document: {
      documentElement: { lang: language, dir: language === "ar" ? "rtl" : "ltr" },
      createElement: (tag) => new FakeElement(tag),
      getElementById: (id) => page[id] || null,
      querySelector: (selector) => body.querySelector(selector),
      querySelectorAll: (selector) => body.querySelectorAll(selector),
      addEventListener() {},
      removeEventListener() {},
    },
    addEventListener() {},
    removeEventListener() {},
    setTimeout(callback, delay) { timers.push({ callback, delay }); return timers.length; },
    clearTimeout() {},
    setInterval(callback, delay) { timers.push({ callback, delay }); return timers.length; },
    clearInterval() {},
    fetch: () => new Promise(() => {}),
    // The page's own words come from Django's JavaScript catalogue: here the fake one, in English.
    gettext: (text) => text,
    pgettext: (context_, text) => text,
    interpolate: (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name])),
  };
  context.window = context;
  vm.createContext(context);
  for (const script of ["live-socket.js", "wait-words.js", "display-board.js"]) {
    vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js", script), "utf8"), context);
  }
  const socket = sockets[0];
  socket.serverOpens();
  let seq = 1;
  return {
    board,
    sockets,
    timers,
    socket,
    page,
    wait: () => board.querySelector("[data-wait]").textContent,
    // Each frame of the socket as the server sends it, with the next number of the department's sequence.
    sends: (changes, event = "waiting") => socket.serverSends({
      type: "queue.changed", version: 1, department: 3, seq: (seq += 1), payload: { event, queue: queue(changes) },
    }),
  };
}

// English: the wait for new arrivals, its range, "any moment now", and past the day's hours.
const english = openBoard("en", queue({ queue_length: 2 }));
assert.strictEqual(english.board.lang, "en");
assert.strictEqual(english.wait(), "2 waiting · about 20 min for new arrivals");
english.sends({ estimated_wait_low_minutes: 20, estimated_wait_high_minutes: 35 });
assert.strictEqual(english.wait(), "1 waiting · about 20 to 35 min for new arrivals");
english.sends({ estimated_wait_minutes: 0 });
assert.strictEqual(english.wait(), "1 waiting · any moment now for new arrivals");
english.sends({ estimated_wait_minutes: 250 });
assert.strictEqual(english.wait(), "1 waiting · about 4 hours for new arrivals");
// A range into hours keeps each end whole, as the server's pages do (waits.unbroken): a TV's large text wrapped
// "about 40 min – 1" above "h 35 min".
english.sends({ estimated_wait_minutes: 70, estimated_wait_low_minutes: 40, estimated_wait_high_minutes: 95 });
assert.strictEqual(english.wait(), `1 waiting · about 40${NBSP}min to 1${NBSP}hour${NBSP}35${NBSP}min for new arrivals`);
// Ends of whole hours that read alike are one figure.
english.sends({ estimated_wait_minutes: 190, estimated_wait_low_minutes: 180, estimated_wait_high_minutes: 200 });
assert.strictEqual(english.wait(), "1 waiting · about 3 hours for new arrivals");
// Past the day's hours, on the hospital's clock as the server writes it ("6 p.m.", not the browser's "6:00 PM").
english.sends({
  estimated_wait_minutes: 300, estimated_wait_low_minutes: 240, estimated_wait_high_minutes: 360, maybe_not_today: true,
});
assert.strictEqual(
  english.wait(),
  `1 waiting · about 4${NBSP}hours to 6${NBSP}hours for new arrivals · maybe not today (hours end at 6 p.m.)`
);
english.sends({ estimated_wait_minutes: 0, maybe_not_today: true, hours_end_at: "2026-12-08T00:00:00+05:30" });
assert.strictEqual(
  english.wait(), "1 waiting · any moment now for new arrivals · maybe not today (hours end at midnight)"
);
// No one arriving now could be registered, or the doctors are not there: no wait, so nothing about today's hours.
english.sends({ full_today: true, maybe_not_today: true });
assert.strictEqual(english.wait(), "1 waiting · full for today: no more walk-in tokens");
english.sends({ doctors_on_duty: 0, maybe_not_today: true });
assert.strictEqual(english.wait(), "1 waiting · no doctor on duty yet");
// Doctors expected later today (it is 4:12 p.m. at the hospital): their time on the server's clock too.
english.sends({ doctors_on_duty: 0, doctors_expected_at: "2026-12-08T19:30:00+05:30" });
assert.strictEqual(english.wait(), "1 waiting · doctors from 7:30 p.m.");
english.sends({ doctors_on_duty: 0, doctors_expected_at: "2026-12-08T20:00:00+05:30" });
assert.strictEqual(english.wait(), "1 waiting · doctors from 8 p.m.");
english.sends({ doctors_on_duty: 0 });

// Arabic: the board reads right to left, its words and hours (24-hour, digits 0-9) as the server's Arabic pages.
const ar = BOARD_WORDS.ar[0];
const fill = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));
const arabic = openBoard("ar", queue({ maybe_not_today: true }));
assert.strictEqual(arabic.board.lang, "ar");
assert.strictEqual(arabic.board.dir, "rtl");
const arabicWaiting = fill(ar.waiting, { count: 1 });
assert.strictEqual(
  arabic.wait(),
  `${arabicWaiting} · ${fill(ar.about_wait, { minutes: 20 })} · ${fill(ar.maybe_not_today, { time: "18:00" })}`
);
assert.ok(!/[A-Za-z]/.test(arabic.wait()), `no English on an Arabic board: ${arabic.wait()}`);
arabic.sends({ doctors_on_duty: 0, doctors_expected_at: "2026-12-08T19:30:00+05:30" });
assert.strictEqual(arabic.wait(), `${fill(ar.waiting, { count: 1 })} · ${fill(ar.doctors_from, { time: "19:30" })}`);
arabic.sends({ estimated_wait_minutes: 0 });
assert.strictEqual(arabic.wait(), `${arabicWaiting} · ${ar.any_moment}`);
arabic.sends({ estimated_wait_minutes: 70, estimated_wait_low_minutes: 40, estimated_wait_high_minutes: 95 });
const arabicEnds = {
  low: fill(ar.minutes, { minutes: 40 }), high: fill(ar.hours_minutes.one, { hours: 1, minutes: 35 }),
};
assert.strictEqual(
  arabic.wait(),
  `${arabicWaiting} · ${fill(ar.about_long_range, {
    low: arabicEnds.low.replace(/ /g, NBSP), high: arabicEnds.high.replace(/ /g, NBSP),
  })}`
);
assert.ok(!/[A-Za-z]/.test(arabic.wait()), `no English on an Arabic board: ${arabic.wait()}`);

// The socket drops: the figures drawn at 10:42 stay, dimmed, and the board says in words that they are not live
// and of when; the badge says "Reconnecting…" (a polite live region, role="status" in the template).
const dimmed = (page) =>
  page.board.querySelectorAll("[data-live-figures]").map((node) => node.classList.contains("live-stale"));
const staleNote = (page) => page.board.querySelector("[data-stale-note]");
assert.deepStrictEqual(dimmed(english), [false, false, false]);
assert.strictEqual(staleNote(english).hidden, true);
now += 5 * 60 * 1000;
english.socket.serverCloses(1006);
assert.strictEqual(english.page["live-status"].textContent, "Reconnecting…");
assert.deepStrictEqual(dimmed(english), [true, true, true]);
assert.strictEqual(staleNote(english).hidden, false);
assert.strictEqual(staleNote(english).textContent, "Not live: last updated 10:42 a.m.");
assert.strictEqual(english.wait(), "1 waiting · no doctor on duty yet", "the last figures stay on the board");
// Back: its snapshot drawn, the figures are live again, and the badge says so to a screen reader only.
english.timers[english.timers.length - 1].callback();
english.sockets[1].serverOpens();
english.sockets[1].serverSends({ type: "snapshot", version: 1, department: 3, seq: 40, payload: { queue: queue({}) } });
assert.deepStrictEqual(dimmed(english), [false, false, false]);
assert.strictEqual(staleNote(english).hidden, true);
assert.strictEqual(english.page["live-status"].textContent, "Live again: this page is up to date.");
assert.strictEqual(english.page["live-status"].classList.contains("visually-hidden"), true);
// An Arabic board writes the time of its last frame on the 24-hour clock of the server's Arabic pages, in Arabic, as
// its badge says it is reconnecting: the board's words (smartqueue.views.board_words), not the page's catalogue.
arabic.socket.serverCloses(1006);
assert.deepStrictEqual(dimmed(arabic), [true, true, true]);
assert.strictEqual(staleNote(arabic).textContent, fill(ar.not_live, { time: "10:42" }));
assert.strictEqual(staleNote(arabic).lang, "ar");
assert.strictEqual(arabic.page["live-status"].textContent, ar.live_status.reconnecting);
assert.strictEqual(arabic.page["live-status"].lang, "ar");
for (const words of [staleNote(arabic).textContent, arabic.page["live-status"].textContent]) {
  assert.ok(!/[A-Za-z]/.test(words), `no English on an Arabic board: ${words}`);
}
// The board's next language (English, the hospital's): the note and the badge follow it with the rest of the board.
const nextLanguage = arabic.timers.find((timer) => timer.delay === 8000);
nextLanguage.callback();
assert.strictEqual(arabic.board.lang, "en");
assert.strictEqual(staleNote(arabic).textContent, "Not live: last updated 10:42 a.m.");
assert.strictEqual(staleNote(arabic).lang, "en");
assert.strictEqual(arabic.page["live-status"].textContent, "Reconnecting…");
assert.strictEqual(arabic.page["live-status"].lang, "en");
// Shown in the next language, not said again: a screen reader heard "Reconnecting…" every 8 seconds, in turn in each.
assert.strictEqual(arabic.page["live-status"].ariaLive, "off");
nextLanguage.callback();
assert.strictEqual(arabic.page["live-status"].textContent, ar.live_status.reconnecting);
assert.strictEqual(arabic.page["live-status"].ariaLive, "off");
// A change of the status itself is said (the badge a polite region again).
arabic.timers[arabic.timers.length - 1].callback();
arabic.sockets[arabic.sockets.length - 1].serverOpens();
arabic.sockets[arabic.sockets.length - 1].serverSends(
  { type: "snapshot", version: 1, department: 3, seq: 40, payload: { queue: queue({}) } },
);
assert.strictEqual(arabic.page["live-status"].textContent, ar.live_again);
assert.strictEqual(arabic.page["live-status"].ariaLive, null);

console.log("display board: all checks passed");
