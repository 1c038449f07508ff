// Drives static/js/staff-session.js with a fake page, clock and fetch, through a 30-minute idle time: keys and
// clicks tell the server at most once a minute, the warning comes two minutes before the end with the time
// left in words, and the page then signs itself out; run by test_live_socket_js.py.
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

const countdown = { textContent: "" };
const warning = Object.assign(listening(), {
  dataset: { idleSeconds: String(IDLE_MS / 1000), keepAliveUrl: "/session/keep-alive/", signInUrl: "/doctors/login/" },
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
  querySelector: (selector) => ({ "[data-idle-warning]": warning, "[data-sign-out]": signOutForm })[selector],
  createElement: () => ({}),
  getElementById: () => ({ focus() {} }),
});
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

(async () => {
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
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
