// Drives static/js/live-socket.js with a fake WebSocket, timers and fetch; run by test_live_socket_js.py.
"use strict";
const assert = require("assert");
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const { fakeWebSocketClass } = require("./fake_websocket");

const sockets = [];
const timers = [];
// The last listener added for each event of the page (window's "online", document's "visibilitychange").
const listeners = {};
const fetched = [];
const fetchedHeaders = [];
let pollResponse = null;
// While set, a poll's answer waits until the check releases it (a slow server).
let pollsHeld = null;

const FakeWebSocket = fakeWebSocketClass(sockets);

const context = {
  WebSocket: FakeWebSocket,
  location: { protocol: "https:", host: "board.example" },
  addEventListener(name, listener) { listeners[name] = listener; },
  removeEventListener() {},
  document: {
    // The page's language, in which the badge's words are marked.
    documentElement: { lang: "en" },
    visibilityState: "visible",
    addEventListener(name, listener) { listeners[name] = listener; },
    removeEventListener() {},
  },
  setTimeout(callback, delay) { timers.push({ callback, delay, kind: "timeout" }); return timers.length; },
  clearTimeout() {},
  setInterval(callback, delay) { timers.push({ callback, delay, kind: "interval", live: true }); return timers.length; },
  clearInterval(id) { if (id && timers[id - 1]) timers[id - 1].live = false; },
  fetch(url, init) {
    fetched.push(url);
    fetchedHeaders.push((init && init.headers) || {});
    const answer = (body) => ({ ok: true, json: () => Promise.resolve(body) });
    if (pollsHeld) return new Promise((resolve) => pollsHeld.push((body) => resolve(answer(body))));
    return Promise.resolve(answer(pollResponse));
  },
  Math, JSON, Object, String, Number, Error, Promise,
};
// What Django's JavaScript catalogue (/i18n/<language>/catalog.js) defines on a page, here in English.
context.gettext = (text) => text;
context.interpolate = (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name]));
context.window = context;
vm.createContext(context);
vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js/live-socket.js"), "utf8"), context);

const snapshots = [];
const messages = [];
const statuses = [];
const classListOf = (element) => ({ toggle: (name, on) => { element.classes[name] = on; } });
const statusElement = { dataset: {}, hidden: false, classes: {} };
statusElement.classList = classListOf(statusElement);
const live = new context.LiveSocket({
  path: "/ws/queue/3/",
  pollUrl: "/display/3/snapshot.json",
  onSnapshot: (frame) => snapshots.push(frame),
  onMessage: (frame) => messages.push(frame),
  onStatus: (status) => statuses.push(status),
  statusElement,
});
const change = (seq) => ({ type: "queue.changed", version: 1, department: 3, seq, payload: { event: "called" } });
const lastTimeout = () => timers.filter((timer) => timer.kind === "timeout").pop();

(async () => {
  live.start();
  assert.strictEqual(sockets[0].url, "wss://board.example/ws/queue/3/");
  assert.strictEqual(live.status, "connecting");

  sockets[0].serverOpens();
  sockets[0].serverSends({ type: "snapshot", version: 1, department: 3, seq: 5, payload: { queue: {} } });
  assert.strictEqual(live.status, "live");
  assert.strictEqual(statusElement.hidden, true);
  assert.strictEqual(statusElement.classes["visually-hidden"], false, "a first connection is no news to say");

  // In order, duplicates and older frames.
  sockets[0].serverSends(change(6));
  sockets[0].serverSends(change(6));
  sockets[0].serverSends(change(4));
  assert.deepStrictEqual(messages.map((frame) => frame.seq), [6]);
  assert.strictEqual(sockets[0].sent.filter((m) => m.type === "snapshot").length, 0);

  // A gap: the newer frame is applied and the snapshot re-read.
  sockets[0].serverSends(change(9));
  assert.deepStrictEqual(messages.map((frame) => frame.seq), [6, 9]);
  assert.deepStrictEqual(sockets[0].sent, [{ type: "snapshot" }]);

  // Connection lost: reconnect after a jittered delay, shown as "reconnecting".
  sockets[0].serverCloses(1006);
  assert.strictEqual(live.status, "reconnecting");
  assert.strictEqual(statusElement.hidden, false);
  assert.strictEqual(statusElement.dataset.liveStatus, "reconnecting");
  const firstDelay = lastTimeout().delay;
  assert.ok(firstDelay >= 500 && firstDelay <= 1000, `first delay ${firstDelay}`);

  // The socket cannot open twice in a row: delays grow, then polling takes over.
  lastTimeout().callback();
  sockets[1].serverCloses(1006);
  const secondDelay = lastTimeout().delay;
  assert.ok(secondDelay >= 1000 && secondDelay <= 2000, `second delay ${secondDelay}`);
  assert.strictEqual(fetched.length, 0);
  pollResponse = { type: "snapshot", version: 1, department: 3, seq: 12, payload: { queue: {} } };
  lastTimeout().callback();
  sockets[2].serverCloses(1006);
  assert.ok(lastTimeout().delay >= 2000 && lastTimeout().delay <= 4000);
  assert.strictEqual(live.status, "polling");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepStrictEqual(fetched, ["/display/3/snapshot.json"]);
  // A poll is the page's own doing: it does not keep a signed-in session alive (smartqueue/sessions.py).
  assert.strictEqual(fetchedHeaders[0]["X-Background-Refresh"], "1");
  assert.strictEqual(snapshots.length, 2);

  // Polled snapshot moved the sequence on: frames it already includes are ignored.
  lastTimeout().callback();
  sockets[3].serverOpens();
  const poller = timers.find((timer) => timer.kind === "interval" && timer.delay === 10000);
  assert.strictEqual(poller.live, false, "polling stops once the socket opens");
  sockets[3].serverSends(change(12));
  assert.deepStrictEqual(messages.map((frame) => frame.seq), [6, 9]);
  sockets[3].serverSends(change(13));
  assert.deepStrictEqual(messages.map((frame) => frame.seq), [6, 9, 13]);

  // Refused (e.g. unknown department): no retry.
  const timeoutsBefore = timers.filter((timer) => timer.kind === "timeout").length;
  sockets[3].serverCloses(4404);
  assert.strictEqual(live.status, "refused");
  assert.strictEqual(timers.filter((timer) => timer.kind === "timeout").length, timeoutsBefore);
  assert.strictEqual(sockets.length, 4);

  // Patient snapshots carry one sequence per department.
  const patientLive = new context.LiveSocket({ path: "/ws/patient/x/", onMessage: (frame) => messages.push(frame) });
  patientLive.start();
  sockets[4].serverOpens();
  sockets[4].serverSends({ type: "snapshot", version: 1, department: null, seq: null, payload: { sequences: { 3: 20 } } });
  sockets[4].serverSends({ ...change(20), type: "patient.status" });
  sockets[4].serverSends({ ...change(21), type: "patient.status" });
  assert.deepStrictEqual(messages.map((frame) => frame.seq), [6, 9, 13, 21]);
  assert.deepStrictEqual(sockets[4].sent, []);

  // A socket whose server leaves out unchanged frames applies a jump without re-reading the snapshot.
  const filtered = [];
  const filteredLive = new context.LiveSocket({
    path: "/ws/patient/y/",
    serverSkipsUnchanged: true,
    onMessage: (frame) => filtered.push(frame),
  });
  filteredLive.start();
  sockets[5].serverOpens();
  sockets[5].serverSends({ type: "snapshot", version: 1, department: null, seq: null, payload: { sequences: { 3: 20 } } });
  sockets[5].serverSends({ ...change(24), type: "patient.status" });
  sockets[5].serverSends({ ...change(22), type: "patient.status" });
  assert.deepStrictEqual(filtered.map((frame) => frame.seq), [24]);
  assert.deepStrictEqual(sockets[5].sent, []);

  // A page that re-reads a server fragment polls with its own task, not pollUrl's JSON.
  let pollTaskRuns = 0;
  const fragmentLive = new context.LiveSocket({ path: "/ws/doctor/1/", pollTask: () => { pollTaskRuns += 1; } });
  fragmentLive.start();
  const fetchedBefore = fetched.length;
  sockets[6].serverCloses(1006);
  assert.strictEqual(pollTaskRuns, 0, "no polling after one failure");
  lastTimeout().callback();
  sockets[7].serverCloses(1006);
  await new Promise((resolve) => setImmediate(resolve));
  assert.strictEqual(fragmentLive.status, "polling");
  assert.strictEqual(pollTaskRuns, 1);
  fragmentLive.requestSnapshot();
  await new Promise((resolve) => setImmediate(resolve));
  assert.strictEqual(pollTaskRuns, 2, "a snapshot asked for while closed is a poll");
  assert.strictEqual(fetched.length, fetchedBefore);
  fragmentLive.stop();

  // A poll answered only after the socket opened again (the server slow to come back) is older than what the socket
  // sent since: it is not drawn over it.
  const boardSnapshots = [];
  const board = new context.LiveSocket({
    path: "/ws/queue/3/",
    pollUrl: "/display/3/snapshot.json",
    onSnapshot: (frame) => boardSnapshots.push(frame.seq),
    onMessage: (frame) => boardSnapshots.push(frame.seq),
  });
  board.start();
  pollsHeld = [];
  sockets[8].serverCloses(1006);
  lastTimeout().callback();
  sockets[9].serverCloses(1006);
  assert.strictEqual(board.status, "polling");
  lastTimeout().callback();
  sockets[10].serverOpens();
  sockets[10].serverSends({ type: "snapshot", version: 1, department: 3, seq: 30, payload: { queue: {} } });
  sockets[10].serverSends(change(31));
  pollsHeld.forEach((release) => release({ type: "snapshot", version: 1, department: 3, seq: 25, payload: { queue: {} } }));
  pollsHeld = null;
  await new Promise((resolve) => setImmediate(resolve));
  sockets[10].serverSends(change(32));
  assert.deepStrictEqual(boardSnapshots, [30, 31, 32]);
  assert.deepStrictEqual(sockets[10].sent, []);
  board.stop();

  // A phone out of reach keeps failing to reconnect: its status (a role="status" region) says "polling" once, not
  // "reconnecting" and "polling" again at every try, which a screen reader would read out each time.
  const said = [];
  const offlineBadge = { dataset: {}, hidden: false, classes: {}, set textContent(words) { said.push(words); } };
  offlineBadge.classList = classListOf(offlineBadge);
  const offline = new context.LiveSocket({ path: "/ws/patient/z/", pollUrl: "/patients/api/visit/z/status/",
                                           statusElement: offlineBadge });
  offline.start();
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (attempt) lastTimeout().callback();
    sockets[sockets.length - 1].serverCloses(1006);
  }
  assert.strictEqual(offline.status, "polling");
  assert.deepStrictEqual(said, [
    "Connecting…", "Reconnecting…", "Reconnecting… (checking every few seconds meanwhile)",
  ]);
  // Back: said to a screen reader (the status region keeps its words, visually hidden), where the badge only went.
  lastTimeout().callback();
  sockets[sockets.length - 1].serverOpens();
  sockets[sockets.length - 1].serverSends({ type: "snapshot", version: 1, department: null, seq: null, payload: {} });
  assert.strictEqual(offline.status, "live");
  assert.strictEqual(said[said.length - 1], "Live again: this page is up to date.");
  assert.strictEqual(offlineBadge.hidden, false);
  assert.strictEqual(offlineBadge.classes["visually-hidden"], true);
  offline.stop();

  // The address holds as many sockets as the server allows: accepted, then closed with 4013. The page says why,
  // polls, and tries the socket again only at its longest delay, not at once each time it opens and closes.
  const busyBadge = { dataset: {}, hidden: false, classes: {}, textContent: "" };
  busyBadge.classList = classListOf(busyBadge);
  const fetchedBeforeBusy = fetched.length;
  const crowded = new context.LiveSocket({ path: "/ws/queue/3/", pollUrl: "/display/3/snapshot.json",
                                           statusElement: busyBadge });
  crowded.start();
  sockets[sockets.length - 1].serverOpens();
  sockets[sockets.length - 1].serverCloses(4013);
  await new Promise((resolve) => setImmediate(resolve));
  assert.strictEqual(crowded.status, "busy");
  assert.strictEqual(busyBadge.hidden, false);
  assert.match(busyBadge.textContent, /Too many live pages/);
  assert.strictEqual(fetched.length, fetchedBeforeBusy + 1, "it polls meanwhile");
  assert.ok(lastTimeout().delay >= 15000, `tried again after ${lastTimeout().delay} ms`);
  lastTimeout().callback();
  sockets[sockets.length - 1].serverOpens();
  sockets[sockets.length - 1].serverCloses(4013);
  assert.strictEqual(crowded.status, "busy");
  assert.ok(lastTimeout().delay >= 15000, `tried again after ${lastTimeout().delay} ms`);
  crowded.stop();

  // Redis away: each socket is accepted, then closed (1011) before its snapshot, as the server cannot join it to its
  // groups. Each such try is a failure: the delays grow and the page polls (the boards' poll reads the database),
  // rather than trying again every second with the figures of before the outage shown as live.
  const outage = new context.LiveSocket({ path: "/ws/queue/3/", pollUrl: "/display/3/snapshot.json" });
  const fetchedBeforeOutage = fetched.length;
  outage.start();
  const outageDelays = [];
  for (let attempt = 0; attempt < 4; attempt += 1) {
    if (attempt) lastTimeout().callback();
    sockets[sockets.length - 1].serverOpens();
    sockets[sockets.length - 1].serverCloses(1011);
    outageDelays.push(lastTimeout().delay);
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.strictEqual(outage.status, "polling");
  assert.ok(fetched.length > fetchedBeforeOutage, "it polls meanwhile");
  assert.ok(outageDelays[3] >= 8000, `delays ${outageDelays}`);
  // Back: a socket that brings its snapshot is a connection again, and the next loss is tried again at once.
  lastTimeout().callback();
  sockets[sockets.length - 1].serverOpens();
  sockets[sockets.length - 1].serverSends({ type: "snapshot", version: 1, department: 3, seq: 50, payload: { queue: {} } });
  assert.strictEqual(outage.status, "live");
  sockets[sockets.length - 1].serverCloses(1012);
  assert.ok(lastTimeout().delay <= 1000, `tried again after ${lastTimeout().delay} ms`);
  outage.stop();

  // A connection lost without a close (a phone moving between networks): the ping goes unanswered through a keepalive
  // interval, and the socket is given up and reconnected rather than left "live" with its last figures.
  const silent = new context.LiveSocket({ path: "/ws/queue/3/" });
  silent.start();
  const quiet = sockets[sockets.length - 1];
  quiet.serverOpens();
  quiet.serverSends({ type: "snapshot", version: 1, department: 3, seq: 40, payload: { queue: {} } });
  const keepalive = timers.filter((timer) => timer.kind === "interval" && timer.delay === context.LiveSocket.KEEPALIVE_MS).pop();
  keepalive.callback();
  assert.deepStrictEqual(quiet.sent, [{ type: "ping" }]);
  quiet.serverSends({ type: "pong", version: 1, department: null, seq: null, payload: {} });
  keepalive.callback();
  assert.strictEqual(silent.status, "live", "answered: still live");
  const socketsBefore = sockets.length;
  keepalive.callback();
  assert.strictEqual(silent.status, "reconnecting");
  assert.strictEqual(quiet.readyState, 3, "the silent socket is closed");
  lastTimeout().callback();
  assert.strictEqual(sockets.length, socketsBefore + 1, "and a new one opened");
  silent.stop();

  // Shown again (a phone woken up, a tab back in front): the socket is asked for the figures of now, and given up
  // when it does not answer within 5 s; a socket that answers stays.
  const woken = new context.LiveSocket({ path: "/ws/patient/w/" });
  woken.start();
  const asleep = sockets[sockets.length - 1];
  asleep.serverOpens();
  asleep.serverSends({ type: "snapshot", version: 1, department: null, seq: null, payload: {} });
  listeners.visibilitychange();
  assert.deepStrictEqual(asleep.sent, [{ type: "ping" }, { type: "snapshot" }]);
  asleep.serverSends({ type: "pong", version: 1, department: null, seq: null, payload: {} });
  lastTimeout().callback();
  assert.strictEqual(woken.status, "live", "it answered");
  listeners.visibilitychange();
  lastTimeout().callback();
  assert.strictEqual(woken.status, "reconnecting", "no answer within 5 s");
  assert.strictEqual(asleep.readyState, 3);
  // Back on the network with no socket: it reconnects at once rather than at its backoff delay.
  const socketsBeforeOnline = sockets.length;
  listeners.online();
  assert.strictEqual(sockets.length, socketsBeforeOnline + 1);
  woken.stop();

  console.log("live-socket.js: all checks passed");
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
