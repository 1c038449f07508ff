// Drives static/js/staff-session.js with a fake page, clock and fetch, through a 30-minute idle time: keys and
// clicks tell the server at most once a minute, the warning comes two minutes before the end with the time
// left in words, and the page then signs itself out. Then a sign-in whose shift ends first: warned ten minutes and one
// minute before its end, however busy, and signed out at it; run by test_live_socket_js.py.
"use strict";
const assert = require("assert");
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const IDLE_MS = 30 * 60 * 1000;
const clock = { now: 1_000_000, timers: [] };

function setTimeout(run, ms) {
  const timer = { run, at: clock.now + ms };
  clock.timers.push(timer);
  return timer;
}
function clearTimeout(timer) {
  clock.timers = clock.timers.filter((other) => other !== timer);
}
async function advance(ms) {
  const until = clock.now + ms;
  for (;;) {
    clock.timers.sort((a, b) => a.at - b.at);
    const due = clock.timers[0];
    if (!due || due.at > until) break;
    clock.timers.shift();
    clock.now = due.at;
    due.run();
    await Promise.resolve();
  }
  clock.now = until;
  await new Promise((resolve) => setImmediate(resolve));
}

function listening() {
  const listeners = {};
  return {
    listeners,
    addEventListener(name, listener) {
      (listeners[name] = listeners[name] || []).push(listener);
    },
    dispatch(name, event = {}) {
      (listeners[name] || []).forEach((listener) => listener(event));
    },
  };
}

function dialog(fields) {
  const parts = {};
  return Object.assign(listening(), {
    open: false,
    querySelector: (selector) => (parts[selector] = parts[selector] || Object.assign(listening(), { textContent: "" })),
    showModal() { this.open = true; },
    close() { this.open = false; },
  }, fields);
}

// A staff page as staff-session.js sees it; shiftSecondsLeft: its sign-in's end (data-shift-seconds-left), if told.
function openPage({ shiftSecondsLeft } = {}) {
  const countdown = { textContent: "" };
  const warning = Object.assign(listening(), {
    dataset: {
      idleSeconds: String(IDLE_MS / 1000), keepAliveUrl: "/session/keep-alive/", signInUrl: "/doctors/login/",
    },
    open: false,
    querySelector: () => countdown,
    showModal() { this.open = true; },
    close() { this.open = false; },
  });
  const submitted = [];
  const signOutForm = Object.assign(listening(), {
    fields: [],
    querySelector: () => ({ value: "csrf-token" }),
    append(field) { this.fields.push(field); },
    submit() { submitted.push(this.fields.map((field) => [field.name, field.value])); },
  });
  const document = Object.assign(listening(), {
    body: {},
    activeElement: {},
    querySelector: (selector) => ({ "[data-idle-warning]": warning, "[data-sign-out]": signOutForm,
      "[data-shift-warning]": shiftSecondsLeft === undefined ? null : shiftWarning })[selector],
    createElement: () => ({}),
    getElementById: () => ({ focus() {} }),
  });
  const shiftWarning = dialog({ dataset: { shiftSecondsLeft: String(shiftSecondsLeft) } });
  const keepAlives = [];
  const stored = new Map();
  const context = Object.assign(listening(), {
    document,
    setTimeout,
    clearTimeout,
    Date: { now: () => clock.now },
    // The page was asked for just now, on the clock Date.now() reads.
    performance: { now: () => 0 },
    location: { pathname: "/doctors/", search: "", reload() { throw new Error("no reload expected"); } },
    localStorage: { getItem: (key) => stored.get(key) ?? null, setItem: (key, value) => stored.set(key, value) },
    sessionStorage: { clear() {} },
    URLSearchParams,
    fetch(url, init) {
      keepAlives.push({ url, init, at: clock.now });
      return Promise.resolve({ ok: true, status: 204 });
    },
    ngettext: (singular, plural, count) => (count === 1 ? singular : plural),
    interpolate: (format, values) => format.replace("%s", values[0]),
  });
  context.window = context;
  vm.createContext(context);
  vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js/staff-session.js"), "utf8"), context);
  return { document, warning, countdown, shiftWarning, keepAlives, submitted };
}

const SHIFT_CHECK = async () => {
  // A sign-in with 40 minutes of its shift left, and a doctor typing all along: a key every 5 s keeps the idle time
  // away, and the keep-alives do not move the shift's end.
  clock.timers = [];
  const { document, warning, shiftWarning, keepAlives, submitted } = openPage({ shiftSecondsLeft: 40 * 60 });
  const countdown = shiftWarning.querySelector("[data-shift-countdown]");
  const typeFor = async (ms) => {
    for (let typed = 0; typed < ms; typed += 5000) {
      await advance(5000);
      document.dispatch("keydown");
    }
  };
  await typeFor(30 * 60 * 1000 - 5000);
  assert.ok(keepAlives.length >= 29);
  assert.strictEqual(shiftWarning.open, false);
  await typeFor(5000);
  assert.strictEqual(shiftWarning.open, true);
  assert.strictEqual(warning.open, false);
  assert.strictEqual(countdown.textContent, "You will be signed out in 10 minutes.");

  // "Keep working" closes it until one minute before the end, which nothing the person does moves.
  shiftWarning.querySelector("[data-shift-continue]").dispatch("click");
  assert.strictEqual(shiftWarning.open, false);
  await typeFor(9 * 60 * 1000 - 5000);
  assert.strictEqual(shiftWarning.open, false);
  await typeFor(5000);
  assert.strictEqual(shiftWarning.open, true);
  assert.strictEqual(countdown.textContent, "You will be signed out in 1 minute.");
  await advance(59_000);
  assert.strictEqual(countdown.textContent, "You will be signed out in 1 second.");
  assert.deepStrictEqual(submitted, []);

  // At the end the page signs out, to the sign-in page that says why and comes back here.
  await advance(1000);
  assert.deepStrictEqual(submitted, [[["next", "/doctors/login/?next=%2Fdoctors%2F&shift=1"]]]);
};

const SIGN_IN_AGAIN_CHECK = async () => {
  // "Sign in again now" signs out to the sign-in page, which comes back here, and says no reason: the person chose.
  clock.timers = [];
  const { shiftWarning, submitted } = openPage({ shiftSecondsLeft: 5 * 60 });
  assert.strictEqual(shiftWarning.open, true);
  shiftWarning.querySelector("[data-sign-in-again]").dispatch("click");
  assert.deepStrictEqual(submitted, [[["next", "/doctors/login/?next=%2Fdoctors%2F"]]]);
};

const IDLE_CHECK = async () => {
  const { document, warning, countdown, keepAlives, submitted } = openPage();

  // Typing for 10 minutes, a key every 5 s: the server hears of it once a minute, as the person's own request.
  for (let second = 5; second <= 600; second += 5) {
    await advance(5000);
    document.dispatch("keydown");
  }
  assert.strictEqual(keepAlives.length, 10);
  assert.ok(keepAlives.every((call, index) => index === 0 || call.at - keepAlives[index - 1].at >= 60_000));
  assert.strictEqual(keepAlives[0].init.method, "POST");
  assert.strictEqual(keepAlives[0].init.headers["X-CSRFToken"], "csrf-token");
  assert.strictEqual(keepAlives[0].init.headers["X-Background-Refresh"], undefined);
  const lastKeepAlive = keepAlives[keepAlives.length - 1].at;

  // Then nothing: no request, and no warning until two minutes before the end.
  await advance(lastKeepAlive + IDLE_MS - 2 * 60 * 1000 - clock.now - 1000);
  assert.strictEqual(warning.open, false);
  await advance(1000);
  assert.strictEqual(warning.open, true);
  assert.strictEqual(countdown.textContent, "You will be signed out in 2 minutes.");
  await advance(90_000);
  assert.strictEqual(countdown.textContent, "You will be signed out in 30 seconds.");
  assert.strictEqual(keepAlives.length, 10);

  // "Stay signed in" (a click anywhere, as on the kiosk): the server is told, the warning closes.
  document.dispatch("click");
  await advance(0);
  assert.strictEqual(warning.open, false);
  assert.strictEqual(keepAlives.length, 11);
  const stayed = keepAlives[10].at;

  // Left alone after that, the page signs out at the new end, to the sign-in page that says why.
  await advance(stayed + IDLE_MS - clock.now - 1000);
  assert.strictEqual(warning.open, true);
  assert.deepStrictEqual(submitted, []);
  await advance(1000);
  assert.deepStrictEqual(submitted, [[["next", "/doctors/login/?next=%2Fdoctors%2F&idle=1"]]]);
};

(async () => {
  await IDLE_CHECK();
  await SHIFT_CHECK();
  await SIGN_IN_AGAIN_CHECK();
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
