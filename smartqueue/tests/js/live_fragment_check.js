// Drives static/js/live-fragment.js's refresher with a fake fetch; run by test_live_socket_js.py.
"use strict";
const assert = require("assert");
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const requests = [];
const answers = [];
const swapped = [];
let refusals = 0;
// What each fetch answers: by default a 403; a test may hold an answer back to resolve it later.
let answer = () => Promise.resolve({ status: 403, ok: false });
const context = {
  // Only what swap() touches: the fragment it parses, here recorded and holding no region, and a page with none.
  document: {
    querySelectorAll: () => [],
    getElementById: () => null,
    createElement() {
      return { set innerHTML(html) { swapped.push(html); }, content: { querySelectorAll: () => [] } };
    },
  },
  StaffSession: { refused() { refusals += 1; } },
  fetch(url, init) {
    requests.push({ url, init });
    return answer();
  },
  Promise,
};
context.window = context;
vm.createContext(context);
vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js/live-fragment.js"), "utf8"), context);

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
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
