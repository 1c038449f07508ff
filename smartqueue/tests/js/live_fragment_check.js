// Drives static/js/live-fragment.js's refresher with a fake fetch; run by test_live_socket_js.py.
"use strict";
const assert = require("assert");
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const requests = [];
let reloads = 0;
const context = {
  document: {},
  location: { reload() { reloads += 1; } },
  fetch(url, init) {
    requests.push({ url, init });
    return Promise.resolve({ status: 403, ok: false });
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
  // A session that has ended (403) reloads the page into the sign-in form.
  assert.strictEqual(reloads, 1);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
