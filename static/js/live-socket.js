/*
 * live-socket.js: SmartQueue's client for the live sockets (vanilla JS, no dependencies).
 * Frame shapes: docs/realtime.md.
 *
 *   const live = new LiveSocket({
 *     path: "/ws/queue/3/",            // required; ws:// or wss:// follows the page's scheme and host
 *     pollUrl: "/display/3/snapshot.json",
 *                                      // optional; REST URL polled while the socket cannot open
 *     pollTransform: (json) => frame,  // optional; turns pollUrl's JSON into a snapshot frame
 *                                      //   (default: the JSON already is one, as snapshot.json is)
 *     pollTask: () => promise,         // optional, instead of pollUrl: run on every poll by pages that
 *                                      //   re-read a server-rendered fragment rather than a snapshot
 *     pollIntervalMs: 10000,           // optional
 *     onSnapshot: (frame) => {},       // full state: on (re)connect, after a sequence gap, on every poll
 *     onMessage: (frame) => {},        // each change, in order: queue.changed, department.changed, patient.status
 *     onError: (frame) => {},          // server error frames: frame.payload = {code, message, field}
 *     onStatus: (status) => {},        // "connecting" | "live" | "reconnecting" | "polling" | "busy"
 *                                      //   | "refused" | "stopped"
 *     statusElement: element,          // optional; gets data-live-status="<status>", the status's words
 *                                      //   (LiveSocket.STATUS_TEXT) and is hidden while live (visually
 *                                      //   hidden, saying so, once live again after a loss)
 *     staleFigures: [element, ...],    // optional; the figures this socket keeps up to date: dimmed (class
 *                                      //   "live-stale") while it is not live after a loss (reconnecting,
 *                                      //   polling, busy, refused), when they may be old
 *     staleNote: element,              // optional; shown meanwhile, saying so in words, with the time of the
 *                                      //   figures ("Not live: last updated 10:42"; WaitWords.clockTime, so
 *                                      //   wait-words.js on the page); the statusElement or combinedStatus
 *                                      //   badge says (politely) when the page is live again
 *     words: () => words,              // optional; the badge's and the note's words and their language, as
 *                                      //   pageWords below gives them (a board's: the language shown)
 *     maxBackoffMs: 30000,             // optional; ceiling of the reconnect delay
 *     failuresBeforePolling: 2,        // optional; failed opens in a row before polling starts
 *     serverSkipsUnchanged: false,     // optional; true for patient sockets: the server only sends the
 *                                      //   changes this page shows, so a jump in seq is not a loss (the
 *                                      //   server watches the full sequence and sends a snapshot itself)
 *     refreshMs: null,                 // optional; ask for the full state this often while live: pages
 *                                      //   showing waits, which shorten between changes as time passes
 *                                      //   (LiveSocket.WAITS_REFRESH_MS)
 *   });
 *   live.start();            // connect (again after stop())
 *   live.stop();             // close for good and stop polling
 *   live.requestSnapshot();  // fresh full state: over the socket when open, else from pollUrl
 *   live.status;             // the current status string
 *
 *   const report = LiveSocket.combinedStatus(element, { figuresMark, words });
 *                            // one badge for several sockets: pass onStatus: (s) => report("<key>", s);
 *                            //   it shows the worst status and is hidden only while all are live
 *   const mark = new LiveSocket.FiguresMark([element, ...], noteElement, words);
 *                            // the staleFigures and staleNote of a page whose figures are not drawn from
 *                            //   frames (live fragments) or are shared by several sockets: marked by
 *                            //   mark.showStatus(status), their time brought up to date by mark.updated()
 *   const refresh = LiveSocket.throttle(task, 1000);
 *                            // refresh() runs task() at most once a second, and once more after a run
 *                            //   if called during it: pages that re-read a fragment on every frame
 *
 * Reconnects use exponential backoff with jitter, so a restarted server is not hit by every TV and
 * phone at the same instant. Frames whose seq is not newer than the last one seen for their department
 * are dropped (duplicates, or older than a snapshot already applied); a jump in seq means frames were
 * lost, so the client re-reads the snapshot. Close codes 4400-4499 are final refusals (bad id, not
 * signed in, not yours): the client stops instead of retrying. Close code 4013 (try again later) says that the
 * client's address holds as many sockets as the server allows: the client says so ("busy"), polls, and tries the
 * socket again only at its longest delay. A socket that stays silent through a keepalive interval after a ping
 * (a connection lost without a close: a phone moving between networks, a server gone without a word) is given
 * up and reconnected, rather than left showing its last figures as live; so is one that does not answer within
 * 5 s when the page is shown again or the network comes back, when the client asks it for the figures of now.
 */
(function (global) {
  "use strict";

  var BASE_BACKOFF_MS = 1000;
  var KEEPALIVE_MS = 25000;
  // smartqueue.socket_limits.CLOSE_TRY_AGAIN_LATER: the address holds SOCKETS_PER_ADDRESS already.
  var CLOSE_TRY_AGAIN_LATER = 4013;
  var RECHECK_MS = 5000;
  var STATUS_TEXT = {
    connecting: gettext("Connecting…"),
    live: gettext("Live"),
    reconnecting: gettext("Reconnecting…"),
    polling: gettext("Reconnecting… (checking every few seconds meanwhile)"),
    busy: gettext("Too many live pages are open on this network: this page checks every few seconds instead."),
    refused: gettext("Live updates are off: please reload the page."),
    stopped: gettext("Live updates stopped."),
  };
  // Said, not shown, when a lost connection is back: a screen reader heard "Reconnecting…", and the badge going
  // away, which tells a sighted reader, said nothing to them.
  var BACK_TEXT = gettext("Live again: this page is up to date.");
  var LOST_STATUSES = ["reconnecting", "polling", "busy"];
  // Not live after a loss: the figures shown are those of the last frame or poll, which may be old. Dimming them
  // alone would tell only who sees it, so the note says it too, with their time: a patient deciding whether to step
  // out read a place in line of ten minutes ago as now, the badge apart ("Reconnecting…") saying nothing of it.
  var STALE_STATUSES = LOST_STATUSES.concat(["refused"]);
  var STALE_TEXT = gettext("Not live: last updated %(time)s");

  // The words of the badge and the note: the page's catalog in the page's language, unless the page gives its own
  // (a board shows its words in each of its languages in turn: smartqueue.views.board_words has the same keys).
  function pageWords() {
    return {
      language: global.document.documentElement.lang,
      live_status: STATUS_TEXT,
      live_again: BACK_TEXT,
      not_live: STALE_TEXT,
    };
  }

  // The figures a page keeps up to date, dimmed (class "live-stale") with a note saying since when while not live
  // after a loss (STALE_STATUSES). Their time is brought up to date by whoever draws them: LiveSocket for a frame or
  // poll it hands the page, LiveFragment once a fragment is swapped in (the staff pages, whose frames only ask for
  // one). The figures are elements the page never replaces: a mark inside a swapped region would go with it.
  function FiguresMark(figures, note, words) {
    this.figures = figures || [];
    this.note = note || null;
    this.words = words || pageWords;
    this.stale = false;
    this.updatedAt = new Date();
  }

  FiguresMark.prototype.showStatus = function (status) {
    this.stale = STALE_STATUSES.indexOf(status) !== -1;
    this.show();
  };

  FiguresMark.prototype.updated = function () {
    this.updatedAt = new Date();
    this.show();
  };

  // A poll brings the figures up to date, not live: the note stays, with their new time.
  FiguresMark.prototype.show = function () {
    var stale = this.stale;
    this.figures.forEach(function (element) { element.classList.toggle("live-stale", stale); });
    if (!this.note) return;
    this.note.hidden = !stale;
    if (!stale) return;
    var words = this.words();
    var time = global.WaitWords.clockTime(this.updatedAt, words.language);
    this.note.textContent = interpolate(words.not_live, { time: time }, true);
    this.note.lang = words.language;
  };

  function LiveSocket(options) {
    if (!options || !options.path) {
      throw new Error("LiveSocket needs a path, e.g. new LiveSocket({path: '/ws/queue/3/'})");
    }
    this.options = Object.assign(
      {
        pollIntervalMs: 10000,
        maxBackoffMs: 30000,
        failuresBeforePolling: 2,
        serverSkipsUnchanged: false,
        refreshMs: null,
        pollTransform: function (json) { return json; },
        onSnapshot: function () {},
        onMessage: function () {},
        onError: function () {},
        onStatus: function () {},
      },
      options
    );
    this.status = "stopped";
    this.figuresMark = new FiguresMark(this.options.staleFigures, this.options.staleNote, this.options.words);
    this.sequences = {};
    this.failures = 0;
    this.socket = null;
    this.reconnectTimer = null;
    this.pollTimer = null;
    this.keepaliveTimer = null;
    this.refreshTimer = null;
    this.stopped = true;
    // Whether a frame came since the last ping: the server answers every ping, so none means the connection is gone.
    this.heard = true;
    this.recheckTimer = null;
    this.handleOnline = this.recheck.bind(this);
    this.handleVisible = this.recheck.bind(this);
  }

  LiveSocket.prototype.start = function () {
    if (!this.stopped) return this;
    this.stopped = false;
    // The figures shown are the page's own, of now.
    this.figuresMark.updated();
    global.addEventListener("online", this.handleOnline);
    if (global.document) global.document.addEventListener("visibilitychange", this.handleVisible);
    this.setStatus("connecting");
    this.open();
    return this;
  };

  LiveSocket.prototype.stop = function () {
    this.stopped = true;
    global.removeEventListener("online", this.handleOnline);
    if (global.document) global.document.removeEventListener("visibilitychange", this.handleVisible);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.recheckTimer);
    clearInterval(this.keepaliveTimer);
    clearInterval(this.refreshTimer);
    this.stopPolling();
    if (this.socket) this.socket.close(1000);
    this.socket = null;
    this.setStatus("stopped");
  };

  LiveSocket.prototype.requestSnapshot = function () {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ type: "snapshot" }));
    } else {
      this.poll();
    }
  };

  LiveSocket.prototype.url = function () {
    var scheme = global.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + global.location.host + this.options.path;
  };

  LiveSocket.prototype.open = function () {
    var self = this;
    var socket;
    try {
      socket = new WebSocket(this.url());
    } catch (error) {
      this.scheduleReconnect(false);
      return;
    }
    // Whether the socket brought its snapshot: one opened and closed before it (Redis away, the server unable to
    // join the socket to its groups: 1011) counts as a failure. Counted as a connection, its every close reset the
    // backoff, so each page tried again every second for as long as Redis was down, never polled, and showed its
    // figures of before the outage as if live.
    var delivered = false;
    this.heard = true;
    this.socket = socket;
    socket.onopen = function () {
      self.stopPolling();
      self.keepaliveTimer = setInterval(function () { self.pingOrGiveUp(socket); }, KEEPALIVE_MS);
      if (self.options.refreshMs) {
        self.refreshTimer = setInterval(function () {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "snapshot" }));
        }, self.options.refreshMs);
      }
    };
    socket.onmessage = function (event) {
      if (self.socket === socket) self.heard = true;
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (frame.type === "snapshot" && self.socket === socket) {
        delivered = true;
        self.failures = 0;
      }
      self.receive(frame);
    };
    socket.onclose = function (event) {
      clearInterval(self.keepaliveTimer);
      clearInterval(self.refreshTimer);
      if (self.socket !== socket || self.stopped) return;
      self.socket = null;
      if (event.code >= 4400 && event.code < 4500) {
        self.setStatus("refused");
        return;
      }
      if (event.code === CLOSE_TRY_AGAIN_LATER) {
        self.scheduleReconnect(false, true);
        return;
      }
      self.scheduleReconnect(delivered);
    };
  };

  LiveSocket.prototype.receive = function (frame) {
    if (frame.type === "snapshot") {
      this.applySnapshot(frame);
      this.setStatus("live");
    } else if (frame.type === "error") {
      this.options.onError(frame);
    } else if (frame.type !== "pong") {
      this.applyChange(frame);
    }
  };

  LiveSocket.prototype.applySnapshot = function (frame) {
    var sequences = Object.assign({}, frame.payload && frame.payload.sequences);
    if (frame.department !== null && frame.department !== undefined && frame.seq !== null) {
      sequences[frame.department] = frame.seq;
    }
    for (var department in sequences) {
      this.sequences[String(department)] = sequences[department];
    }
    this.options.onSnapshot(frame);
    this.figuresUpdated();
  };

  LiveSocket.prototype.applyChange = function (frame) {
    var key = String(frame.department);
    var last = this.sequences[key];
    if (last !== undefined && frame.seq <= last) return;
    this.sequences[key] = frame.seq;
    this.options.onMessage(frame);
    this.figuresUpdated();
    if (last !== undefined && frame.seq > last + 1 && !this.options.serverSkipsUnchanged) this.requestSnapshot();
  };

  LiveSocket.prototype.scheduleReconnect = function (wasOpen, tooMany) {
    var self = this;
    if (!wasOpen) this.failures += 1;
    var canPoll = this.options.pollUrl || this.options.pollTask;
    if (tooMany) {
      // Opened and closed at once, the socket would be tried again and again at the shortest delay: the server is
      // not down, it asks this address to wait.
      this.failures = Math.max(this.failures, this.options.failuresBeforePolling);
      if (canPoll) this.startPolling(true);
      this.setStatus("busy");
    } else if (canPoll && this.failures >= this.options.failuresBeforePolling) {
      // Straight to polling once it has begun: "reconnecting" and back at every failed try rewrote the status (a
      // role="status" region) each time, read out again and again while a phone stayed out of reach.
      this.startPolling();
    } else {
      this.setStatus("reconnecting");
    }
    // "Equal jitter": between half and all of the exponential delay (the longest when the server asks to wait).
    var exponential = tooMany ? Infinity : BASE_BACKOFF_MS * Math.pow(2, this.failures);
    var ceiling = Math.min(this.options.maxBackoffMs, exponential);
    var delay = ceiling / 2 + Math.random() * (ceiling / 2);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(function () { self.open(); }, delay);
  };

  // Ping, unless the last ping went unanswered: then the connection is gone without a close (a phone moving between
  // networks, a server gone without a word), and the socket is given up and reconnected.
  LiveSocket.prototype.pingOrGiveUp = function (socket) {
    if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) return;
    if (!this.heard) {
      var lost = socket.onclose;
      socket.onclose = null;
      socket.close();
      lost({ code: 1006 });
      return;
    }
    this.heard = false;
    socket.send(JSON.stringify({ type: "ping" }));
  };

  // Back on the page or on the network: the socket may have died unseen meanwhile (a phone asleep, a network change)
  // and the figures shown have aged. It is asked for the figures of now and a ping, and given up unless it answers
  // within RECHECK_MS, instead of showing the old figures as live until the next keepalive.
  LiveSocket.prototype.recheck = function () {
    if (this.stopped || (global.document && global.document.visibilityState === "hidden")) return;
    if (!this.socket) {
      this.reconnectNow();
      return;
    }
    var socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    var self = this;
    this.heard = false;
    socket.send(JSON.stringify({ type: "ping" }));
    socket.send(JSON.stringify({ type: "snapshot" }));
    clearTimeout(this.recheckTimer);
    this.recheckTimer = setTimeout(function () { self.pingOrGiveUp(socket); }, RECHECK_MS);
  };

  LiveSocket.prototype.reconnectNow = function () {
    if (this.stopped || this.socket) return;
    clearTimeout(this.reconnectTimer);
    this.open();
  };

  // quietly: the caller says why it polls (busy) instead of "polling".
  LiveSocket.prototype.startPolling = function (quietly) {
    if (!quietly) this.setStatus("polling");
    if (this.pollTimer) return;
    var self = this;
    this.pollTimer = setInterval(function () { self.poll(); }, this.options.pollIntervalMs);
    this.poll();
  };

  LiveSocket.prototype.stopPolling = function () {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  };

  LiveSocket.prototype.poll = function () {
    var self = this;
    if (this.options.pollTask) {
      Promise.resolve()
        .then(this.options.pollTask)
        .catch(function () {
          // Still offline: as below.
        });
      return;
    }
    if (!this.options.pollUrl) return;
    // The page's own doing: a poll does not keep a signed-in session alive (smartqueue/sessions.py).
    var headers = { Accept: "application/json", "X-Background-Refresh": "1" };
    fetch(this.options.pollUrl, { headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (json) {
        // Answered once the socket was open again, the poll is older than what the socket has sent since (its
        // snapshot, then each change): drawn, it would put the page back to an earlier state.
        var socketOpen = self.socket && self.socket.readyState === WebSocket.OPEN;
        if (!self.stopped && !socketOpen) self.applySnapshot(self.options.pollTransform(json));
      })
      .catch(function () {
        // Still offline: the next poll or reconnect tries again; the status already says so.
      });
  };

  LiveSocket.prototype.setStatus = function (status) {
    if (this.status === status) return;
    this.status = status;
    if (this.options.statusElement) showStatus(this.options.statusElement, status, this.figuresMark.words());
    this.figuresMark.showStatus(status);
    this.options.onStatus(status);
  };

  LiveSocket.prototype.figuresUpdated = function () {
    this.figuresMark.updated();
  };

  // Shown again unchanged (`again`: a board's next language), the badge keeps saying what it said, and is not read
  // out again: its region rewritten in each language in turn said "Reconnecting…" every 8 seconds while a board was
  // offline, and "Live again" ever after. Words it already has are not written again either: a page of several
  // sockets (the live queues, a board of every department) reports each one's, and "Connecting…" was said per socket.
  function showStatus(element, status, words, again) {
    var back = again
      ? element.classList.contains("visually-hidden")
      : status === "live" && LOST_STATUSES.indexOf(element.dataset.liveStatus) !== -1;
    var text = back ? words.live_again : words.live_status[status];
    element.dataset.liveStatus = status;
    // The badge's role="status" makes it a polite region; "off" holds only until the status itself changes.
    element.ariaLive = again ? "off" : null;
    if (element.textContent !== text || element.lang !== words.language) element.textContent = text;
    element.lang = words.language;
    element.hidden = status === "live" && !back;
    element.classList.toggle("visually-hidden", back);
  }

  // Worst first: what a combined badge shows when its sockets disagree.
  var STATUS_SEVERITY = ["refused", "busy", "polling", "reconnecting", "connecting", "stopped", "live"];

  // options: figuresMark (a LiveSocket.FiguresMark marked by the worst status: one page's figures, whichever socket
  // is lost), words (as LiveSocket's). report.showAgain() writes the badge again in the words of now.
  LiveSocket.combinedStatus = function (element, options) {
    var figuresMark = options && options.figuresMark;
    var words = (options && options.words) || pageWords;
    var statuses = {};
    var worst = "live";
    function report(key, status) {
      statuses[key] = status;
      worst = "live";
      Object.keys(statuses).forEach(function (each) {
        if (STATUS_SEVERITY.indexOf(statuses[each]) < STATUS_SEVERITY.indexOf(worst)) worst = statuses[each];
      });
      showStatus(element, worst, words());
      if (figuresMark) figuresMark.showStatus(worst);
    }
    report.showAgain = function () {
      if (Object.keys(statuses).length) showStatus(element, worst, words(), true);
    };
    return report;
  };

  LiveSocket.FiguresMark = FiguresMark;

  // A burst of frames (a call moves every place in line) becomes at most one task run per interval.
  LiveSocket.throttle = function (task, intervalMs) {
    var running = false;
    var again = false;
    var timer = null;
    var lastRun = -Infinity;
    function run() {
      timer = null;
      running = true;
      again = false;
      lastRun = Date.now();
      Promise.resolve()
        .then(task)
        .catch(function () {
          // A failed refresh keeps the last figures on screen; the next frame or poll tries again.
        })
        .then(function () {
          running = false;
          if (again) schedule();
        });
    }
    function schedule() {
      if (running) {
        again = true;
      } else if (!timer) {
        timer = setTimeout(run, Math.max(0, lastRun + intervalMs - Date.now()));
      }
    }
    return schedule;
  };

  LiveSocket.STATUS_TEXT = STATUS_TEXT;
  LiveSocket.KEEPALIVE_MS = KEEPALIVE_MS;
  // refreshMs for pages showing waits or minutes waited: as often as the server works a department's waits
  // out again between changes (patients.published.ESTIMATES_REFRESH_SECONDS).
  LiveSocket.WAITS_REFRESH_MS = 60000;
  global.LiveSocket = LiveSocket;
})(window);
