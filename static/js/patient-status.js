// Draws a patient's status page and keeps it current without reloading. renderPatientStatus draws one
// visit (the JSON of /patients/api/visit/<id>/status/, which is also the socket's payload.visit) and
// knows nothing of where it came from; it is the page's only renderer: the template holds the empty
// frame and the first visit as json_script data ("visit-status"). The page then listens on
// /ws/patient/<token's id>/ through LiveSocket, which polls that REST endpoint instead while the socket cannot open.
(function () {
  "use strict";

  var YOUR_TURN_VIBRATION_MS = [400, 150, 400];
  // The page's own language (the patient's), for times and numbers as well as words.
  var PAGE_LANGUAGE = document.documentElement.lang || undefined;
  // The socket's frames carry the status code; its words come from this page's language, not the server's.
  var STATUS_WORDS = {
    waiting: gettext("Waiting"),
    called: gettext("Called"),
    in_consultation: gettext("In consultation"),
    completed: gettext("Completed"),
    // Staff say "no-show"; the patient hears what happened.
    skipped: gettext("Missed your turn"),
    cancelled: gettext("Cancelled"),
  };
  // A wait's words as the server draws them (waits.wait_units: the hours agree with their number).
  var WAIT_UNITS = JSON.parse(document.getElementById("wait-units").textContent);

  // A department's name or room in the page's language, where admins translated it ("" where not).
  function translatedWords(department, field) {
    var words = (department.translations || {})[PAGE_LANGUAGE];
    return (words && words[field]) || "";
  }

  // Where a called patient goes, in the page's language where admins translated it (the doctor's room or the
  // department's), else as written.
  function whereToGo(visit) {
    var translated = (visit.go_to_translations || {})[PAGE_LANGUAGE];
    return translated ? { text: translated, translated: true } : { text: visit.go_to, translated: false };
  }

  function waitWords(visit) {
    var value = visit.estimated_wait_minutes;
    if (value === null || value === undefined) return gettext("Not known yet");
    // The server sends a range only when it is wide enough to matter (see docs/wait-estimates.md).
    var low = visit.estimated_wait_low_minutes;
    var high = visit.estimated_wait_high_minutes;
    if (low != null && high != null) {
      if (!WaitWords.inHours(high)) return interpolate(gettext("about %(low)s to %(high)s min"), { low: low, high: high }, true);
      var ends = {
        low: WaitWords.unbroken(WaitWords.duration(low, WAIT_UNITS)),
        high: WaitWords.unbroken(WaitWords.duration(high, WAIT_UNITS)),
      };
      // As the server's wait_range_words: ends of whole hours that read alike are one figure, not "about 3 h to 3 h".
      if (ends.low === ends.high) return interpolate(gettext("about %(wait)s"), { wait: ends.low }, true);
      return interpolate(gettext("about %(low)s to %(high)s"), ends, true);
    }
    if (value === 0) return gettext("Any moment now");
    return interpolate(gettext("about %(wait)s"), { wait: WaitWords.duration(value, WAIT_UNITS) }, true);
  }

  // As the server's estimated_wait_words: a wait measured against doctors who are not there, and are not
  // expected, would be a promise nobody keeps.
  function estimatedWait(visit) {
    if (!visit.position) return waitWords(visit);
    if (visit.closed_today) return gettext("The department is closed today: please ask at the desk");
    if (visit.no_doctor_left_today) return gettext("No doctor is expected back today: please ask at the desk");
    var expectedLater = WaitWords.doctorsExpectedLater(visit, PAGE_LANGUAGE);
    if (!visit.doctors_on_duty && expectedLater === null) return gettext("No doctor on duty yet");
    var wait = waitWords(visit);
    if (expectedLater !== null) {
      wait = interpolate(gettext("%(wait)s (doctors from %(time)s)"), { wait: wait, time: expectedLater }, true);
    }
    return beyondToday(wait, visit);
  }

  // As the server's beyond_today: a wait running past the day's hours is maybe not today.
  function beyondToday(wait, visit) {
    if (!visit.maybe_not_today || !visit.hours_end_at) return wait;
    return interpolate(
      gettext("%(wait)s, maybe not today (hours end at %(time)s)"),
      { wait: wait, time: WaitWords.hospitalClockTime(visit.hours_end_at, PAGE_LANGUAGE) },
      true
    );
  }

  function displayValue(field, visit) {
    var value = visit[field];
    if (field === "go_to" && value) return whereToGo(visit).text;
    if (field === "estimated_wait_minutes") return estimatedWait(visit);
    if (field === "now_serving") {
      if (!value || !value.length) return gettext("Nobody right now");
      // The list's comma is the language's own: Arabic writes "،".
      return value.join(pgettext("between tokens in a list", ", "));
    }
    if (field === "status") {
      // Still "waiting" in the database after its day, but never to be called (as the server's status_display).
      if (visit.expired) return gettext("No longer in line");
      return STATUS_WORDS[visit.status] || visit.status_display;
    }
    if (field === "appointment_time" && value) return WaitWords.hospitalClockTime(value, PAGE_LANGUAGE);
    if (field === "date") {
      // The token's day, in the page's language (noon: the same day in every time zone).
      return new Date(value + "T12:00:00").toLocaleDateString(WaitWords.inServerDigits(PAGE_LANGUAGE), { dateStyle: "long" });
    }
    if (field === "department") {
      // Once called, the only room on the page is the one to go to (the banner's), not the department's too.
      var name = translatedWords(value, "name") || value.name;
      var room = translatedWords(value, "room") || value.room;
      return room && !visit.your_turn ? name + " · " + room : name;
    }
    // Missing in words: a lone dash is read as "dash", or not at all.
    return value === null || value === undefined || value === "" ? gettext("Not known yet") : String(value);
  }

  // What a screen reader says when the patient's place or status changes (the page's live region), once per
  // change: the waits alone change every minute and would talk over everything else.
  function spokenChange(visit) {
    if (visit.your_turn) return "";  // The your-turn banner is an alert of its own.
    if (visit.expired) return gettext("This token is no longer in line.");
    var words = [interpolate(gettext("Status: %(status)s."), { status: displayValue("status", visit) }, true)];
    if (visit.position) {
      words.push(interpolate(gettext("Your place in line: %(position)s."), { position: visit.position }, true));
      var wait = displayValue("estimated_wait_minutes", visit);
      words.push(interpolate(gettext("Estimated wait: %(wait)s."), { wait: wait }, true));
    }
    return words.join(" ");
  }

  // The page's title and heading say where the visit stands (patients/templatetags/status_headings.py, by the
  // same rule): a page left open must not say "Your place in line" once the visit is over.
  function showHeading(root, visit) {
    var headings = document.getElementById("status-headings");
    var heading = root.querySelector("h1");
    if (!headings || !heading) return;
    var words = JSON.parse(headings.textContent);
    var text = visit.expired ? words.expired : words[visit.status] || words.in_line;
    if (heading.textContent === text) return;
    // Only the heading's part of the title: a refused form's "Please correct the form" before it stays.
    document.title = document.title.replace(heading.textContent, text);
    heading.textContent = text;
  }

  // A button the patient was on ("I'm running late", "Leave the line") hides when the doctor calls them or the desk
  // cancels the token: the focus would stay on nothing in sight, and the next Tab start from the page's top. It goes
  // to what the page now says instead (the your-turn banner, what the status means, else the status itself).
  function keepTheFocusInSight(root) {
    var focused = document.activeElement;
    if (!focused || !root.contains(focused) || focused.getClientRects().length) return;
    var says = Array.prototype.filter.call(root.querySelectorAll("[data-focus-after-hiding]"), function (element) {
      return element.getClientRects().length > 0;
    });
    if (says.length) says[0].focus();
  }

  function renderPatientStatus(root, visit) {
    root.dataset.visitId = visit.visit_id;
    showHeading(root, visit);
    root.querySelectorAll("[data-field]").forEach(function (element) {
      var field = element.dataset.field;
      if (Object.prototype.hasOwnProperty.call(visit, field)) {
        var text = displayValue(field, visit);
        // Rewriting a text with itself would make a screen reader say a live region (the your-turn alert) again.
        if (element.textContent !== text) element.textContent = text;
        // An untranslated department name or room is in the site's language: said in its voice (WCAG 3.1.2).
        if (element.dataset.writtenIn && (field === "department" || (field === "go_to" && visit.go_to))) {
          var translated =
            field === "department" ? translatedWords(visit.department, "name") : whereToGo(visit).translated;
          if (translated) {
            element.removeAttribute("lang");
            element.removeAttribute("dir");
          } else {
            element.lang = element.dataset.writtenIn;
            element.dir = element.dataset.writtenDir;
          }
        }
        // The raw value (e.g. "called" beside the words "Called") for scripts and browser tests.
        if (typeof visit[field] !== "object") element.dataset.value = String(visit[field]);
      }
    });
    root.querySelectorAll("[data-show]").forEach(function (element) {
      // A form sent back with errors stays in sight until the patient reads them.
      var shown = visit[element.dataset.show] || "shownForItsErrors" in element.dataset;
      element.classList.toggle("d-none", !shown);
    });
    root.querySelectorAll("[data-show-status]").forEach(function (element) {
      element.classList.toggle("d-none", visit.status !== element.dataset.showStatus);
    });
    keepTheFocusInSight(root);
    var refreshed = root.querySelector('[data-field="refreshed"]');
    if (refreshed) {
      refreshed.textContent = interpolate(gettext("Updated %(time)s"), { time: WaitWords.clockTime(new Date(), PAGE_LANGUAGE) }, true);
    }
  }

  // An admin's broadcast to the department, in the page's language where the admin translated it; else the
  // message, marked as written.
  // Shown until its shown_until; the snapshot of a page opened meanwhile carries it again.
  var shownBroadcast = null;

  function showBroadcast(root, broadcast) {
    var node = root.querySelector("[data-broadcast]");
    if (!node || !broadcast) return;
    // Every snapshot (each minute, and each poll while the socket is down) carries the broadcast again: written
    // again, its live region would read it out again.
    if (shownBroadcast && shownBroadcast.message === broadcast.message
        && shownBroadcast.shown_until === broadcast.shown_until) return;
    var translated = (broadcast.translations || {})[PAGE_LANGUAGE];
    node.textContent = translated || broadcast.message;
    node.lang = translated ? PAGE_LANGUAGE : node.dataset.writtenIn;
    node.dir = translated ? document.documentElement.dir || "ltr" : node.dataset.writtenDir;
    node.classList.toggle("d-none", false);
    shownBroadcast = broadcast;
    if (!broadcast.shown_until) return;
    setTimeout(function () {
      if (shownBroadcast === broadcast) node.classList.toggle("d-none", true);
    }, Math.max(new Date(broadcast.shown_until).getTime() - Date.now(), 0));
  }

  function snapshotFrame(visit) {
    return { type: "snapshot", version: 1, department: null, seq: null, payload: { visit: visit, sequences: {} } };
  }

  function followVisit(root, initial) {
    // Already the patient's turn when the page opens: no vibration, the banner says it.
    var shown = { visitId: initial.visit_id, yourTurn: initial.your_turn, change: placeAndStatus(initial) };
    var announcer = root.querySelector("[data-announce]");
    renderPatientStatus(root, initial);

    function placeAndStatus(visit) {
      return [visit.visit_id, visit.status, visit.position].join("|");
    }

    function show(visit) {
      if (!visit) return;
      // Transferred (cancelled) or referred (completed): the patient's place is the new token's; its page is theirs now.
      if (visit.transferred_to) {
        window.location.assign(visit.transferred_to);
        return;
      }
      var turnJustCame = visit.your_turn && !(shown.yourTurn && shown.visitId === visit.visit_id);
      var changed = placeAndStatus(visit) !== shown.change;
      shown = { visitId: visit.visit_id, yourTurn: visit.your_turn, change: placeAndStatus(visit) };
      renderPatientStatus(root, visit);
      if (changed && announcer) announcer.textContent = spokenChange(visit);
      if (turnJustCame && navigator.vibrate) navigator.vibrate(YOUR_TURN_VIBRATION_MS);
    }

    var live = new LiveSocket({
      path: root.dataset.socketPath,
      pollUrl: root.dataset.statusUrl,
      pollTransform: snapshotFrame,
      // The patient's socket leaves out department changes that did not move this patient.
      serverSkipsUnchanged: true,
      // Waits shorten while a consultation runs on with no change to announce.
      refreshMs: LiveSocket.WAITS_REFRESH_MS,
      statusElement: document.getElementById("live-status"),
      staleFigures: Array.prototype.slice.call(root.querySelectorAll("[data-live-figures]")),
      staleNote: root.querySelector("[data-stale-note]"),
      onSnapshot: function (frame) {
        if (frame.payload.broadcast) showBroadcast(root, frame.payload.broadcast);
        show(frame.payload.visit);
      },
      onMessage: function (frame) {
        if (frame.payload.event === "broadcast" && frame.payload.detail) showBroadcast(root, frame.payload.detail);
        var visit = frame.payload.visit;
        if (visit.visit_id === shown.visitId) {
          show(visit);
        } else if (visit.visit_id > shown.visitId) {
          // A newer token (e.g. after a transfer): the snapshot says which visit the page follows now.
          live.requestSnapshot();
        }
        // Frames about an older visit of the same patient are not what the page shows.
      },
    });
    live.start();
  }

  window.SmartQueue = window.SmartQueue || {};
  window.SmartQueue.renderPatientStatus = renderPatientStatus;

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-patient-status]");
    if (root) followVisit(root, JSON.parse(document.getElementById("visit-status").textContent));
  });
})();
