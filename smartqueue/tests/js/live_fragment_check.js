// Drives static/js/live-fragment.js's refresher with a fake fetch, and the not-live mark of a staff page's figures
// (live-socket.js's FiguresMark) across its swaps; run by test_live_socket_js.py.
"use strict";
const assert = require("assert");
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const requests = [];
const answers = [];
const swapped = [];
let refusals = 0;
// The staff member's clock: a Date whose "now" the check moves.
process.env.TZ = "UTC";
let now = Date.UTC(2026, 10, 25, 10, 42);
class StaffDate extends Date {
  constructor(...values) { if (values.length) super(...values); else super(now); }
  static now() { return now; }
}

// An element of the page: what the mark and a swap touch.
class FakeElement {
  constructor(id, html) {
    this.id = id;
    this.html = html;
    this.dataset = {};
    this.hidden = false;
    this.textContent = "";
    const classes = new Set();
    this.classList = {
      contains: (name) => classes.has(name),
      toggle: (name, on) => (on ? classes.add(name) : classes.delete(name)),
    };
  }
  get innerHTML() { return this.html; }
  removeAttribute() {}
  querySelectorAll() { return []; }
  cloneNode() { return this; }
  contains() { return false; }
  replaceWith(fresh) { pageRegions[this.id] = fresh; }
}
// The dashboard's line: a region the fragment replaces, inside a card (the figures marked) that no swap replaces.
const pageRegions = { "waiting-queue": new FakeElement("waiting-queue", "3 waiting") };
let fragmentRegions = [];
// What each fetch answers: by default a 403; a test may hold an answer back to resolve it later.
let answer = () => Promise.resolve({ status: 403, ok: false });
const context = {
  // Only what swap() touches: the fragment it parses, here recorded and holding no region, and a page with none.
  document: {
    documentElement: { lang: "en" },
    activeElement: null,
    querySelectorAll: () => [],
    getElementById: (id) => pageRegions[id] || null,
    createElement() {
      return { set innerHTML(html) { swapped.push(html); }, content: { querySelectorAll: () => fragmentRegions } };
    },
  },
  Date: StaffDate,
  Intl,
  gettext: (text) => text,
  interpolate: (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => values[name]),
  StaffSession: { refused() { refusals += 1; } },
  fetch(url, init) {
    requests.push({ url, init });
    return answer();
  },
  Promise,
};
context.window = context;
vm.createContext(context);
for (const script of ["wait-words.js", "live-socket.js", "live-fragment.js"]) {
  vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js", script), "utf8"), context);
}

(async () => {
  await context.LiveFragment.refresher("/doctors/live/")();

  assert.strictEqual(requests.length, 1);
  assert.strictEqual(requests[0].url, "/doctors/live/");
  // The page's own refresh, not the person's: it does not keep the session alive (smartqueue/sessions.py).
  assert.strictEqual(requests[0].init.headers["X-Background-Refresh"], "1");
  assert.strictEqual(requests[0].init.credentials, "same-origin");
  // A session that has ended (403) is the staff page's to handle: the sign-in form, saying why when idle.
  assert.strictEqual(refusals, 1);

  // Two refreshes in flight, answered out of order: the older answer, arriving last, is not swapped in.
  const refresh = context.LiveFragment.refresher("/doctors/live/");
  answer = () => new Promise((resolve) => answers.push(resolve));
  const older = refresh();
  const newer = refresh();
  answers[1]({ status: 200, ok: true, text: () => Promise.resolve("after the completion") });
  await newer;
  answers[0]({ status: 200, ok: true, text: () => Promise.resolve("before the completion") });
  await older;
  assert.deepStrictEqual(swapped, ["after the completion"]);

  // A staff page's figures while its socket is lost: the card around the region, and the note saying since when.
  const card = new FakeElement("waiting-card", "");
  const note = new FakeElement("stale-note", "");
  note.hidden = true;
  const figuresMark = new context.LiveSocket.FiguresMark([card], note);
  const staffRefresh = context.LiveFragment.refresher("/doctors/live/", figuresMark);
  figuresMark.showStatus("reconnecting");
  assert.strictEqual(card.classList.contains("live-stale"), true);
  assert.strictEqual(note.hidden, false);
  assert.strictEqual(note.textContent, "Not live: last updated 10:42 a.m.");

  // Polled three minutes on: the fragment swapped in replaces the line, and the figures are still marked, now with
  // the time of that refresh.
  now += 3 * 60 * 1000;
  fragmentRegions = [new FakeElement("waiting-queue", "2 waiting")];
  answer = () => Promise.resolve({ status: 200, ok: true, text: () => Promise.resolve("2 waiting") });
  await staffRefresh();
  assert.strictEqual(pageRegions["waiting-queue"].innerHTML, "2 waiting");
  assert.strictEqual(card.classList.contains("live-stale"), true);
  assert.strictEqual(note.textContent, "Not live: last updated 10:45 a.m.");

  // A refresh that fails (the server unreachable, a 502) or is refused leaves the time of the figures shown.
  now += 60 * 1000;
  answer = () => Promise.resolve({ status: 502, ok: false });
  await staffRefresh().catch(() => {});
  answer = () => Promise.resolve({ status: 403, ok: false });
  await staffRefresh();
  assert.strictEqual(note.textContent, "Not live: last updated 10:45 a.m.");

  // Live again: the mark and the note go.
  figuresMark.showStatus("live");
  assert.strictEqual(card.classList.contains("live-stale"), false);
  assert.strictEqual(note.hidden, true);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
