/*
 * staff-session.js: every signed-in staff page, Django admin's too (templates/_idle_warning.html). The server ends
 * a session data-idle-seconds after the last request the person made (smartqueue/sessions.py), and typing consultation
 * notes makes none, so:
 * - while the person types or clicks, the page tells the server (POST data-keep-alive-url) at most once a
 *   minute: someone at work is never signed out. A live page's own refreshes still do not count;
 * - two minutes before the end, a warning says how long is left, with "Stay signed in" (WCAG 2.2.1), the way
 *   the kiosk warns before it starts over (kiosk.js);
 * - at the end, the page signs out through its own sign-out form and arrives at the sign-in page with ?idle=1,
 *   which says why. Ending the session itself, the page cannot show sign-in over a session still alive.
 * However busy, a sign-in ends data-shift-seconds-left after the page was asked for (SESSION_MAX_HOURS,
 * SessionMaxAgeMiddleware), which no keep-alive moves. For security it cannot be extended, so ten minutes and again
 * one minute before it, a warning says when (in the hospital's time) and offers "Sign in again now", which comes back
 * to this page (WCAG 2.2.1's warning; docs/accessibility.md); at the end the page signs out with ?shift=1.
 *
 *   StaffSession.refused();  // a request of this page was refused (403): signed out for idleness, else reload
 *
 * The end is shared by the browser's tabs (localStorage): a tab left open does not sign out a person still at
 * work in another one.
 */
(function (global) {
  "use strict";

  var document = global.document;
  var warning = document.querySelector("[data-idle-warning]");
  if (!warning) return;
  var countdown = warning.querySelector("[data-idle-countdown]");
  // The staff pages' own sign-out form, else Django admin's (templates/admin/base_site.html).
  var signOutForm = document.querySelector("[data-sign-out]") || document.getElementById("logout-form");
  var SESSION_END_KEY = "smartqueue.session-ends-at";
  var idleMs = Number(warning.dataset.idleSeconds) * 1000;
  // Two minutes and once a minute, or less when the idle time is short enough that these would always apply.
  var warnForMs = Math.min(2 * 60 * 1000, idleMs / 2);
  var activityEveryMs = Math.min(60 * 1000, idleMs / 4);
  // Counted from when the page was asked for: the server's own end is never earlier than the page's. On the clock
  // Date.now() reads (performance.timeOrigin is another one, which a clock set or faked since does not move).
  var pageRequestedAt = Date.now() - global.performance.now();
  var endsAt = pageRequestedAt + idleMs;
  var lastToldAt = pageRequestedAt;
  var checkTimer = null;
  var shiftWarning = document.querySelector("[data-shift-warning]");
  var shiftEndsAt = shiftWarning ? pageRequestedAt + Number(shiftWarning.dataset.shiftSecondsLeft) * 1000 : Infinity;
  var SHIFT_WARNINGS_MS = [10 * 60 * 1000, 60 * 1000];
  // The last of SHIFT_WARNINGS_MS shown: "Keep working" closes it until the next one.
  var shiftWarnedFor = Infinity;

  function sessionEnd() {
    return Math.max(endsAt, Number(global.localStorage.getItem(SESSION_END_KEY)) || 0);
  }

  function extendedFrom(sentAt) {
    endsAt = Math.max(endsAt, sentAt + idleMs);
    global.localStorage.setItem(SESSION_END_KEY, String(sessionEnd()));
  }

  function timeLeftWords(msLeft) {
    var seconds = Math.max(0, Math.ceil(msLeft / 1000));
    if (seconds >= 60) {
      var minutes = Math.floor(seconds / 60);
      return interpolate(
        ngettext("You will be signed out in %s minute.", "You will be signed out in %s minutes.", minutes), [minutes]
      );
    }
    return interpolate(
      ngettext("You will be signed out in %s second.", "You will be signed out in %s seconds.", seconds), [seconds]
    );
  }

  // reason: the sign-in page's flag that says why ({idle: "1"}, {shift: "1"}), none when the person chose to.
  function signOut(reason) {
    clearTimeout(checkTimer);
    var signIn = warning.dataset.signInUrl + "?" + new URLSearchParams(Object.assign({
      next: global.location.pathname + global.location.search,
    }, reason));
    var next = document.createElement("input");
    next.type = "hidden";
    next.name = "next";
    next.value = signIn;
    signOutForm.append(next);
    // submit(), unlike the person's click, fires no submit event: the drafts this tab keeps stay (see below).
    signOutForm.submit();
  }

  function closeDialog(dialog) {
    if (!dialog.open) return;
    dialog.close();
    // close() gives the focus back to where it was before the warning; if that was nowhere, to the page's content.
    if (document.activeElement === document.body) document.querySelector("main").focus();
  }
  function closeWarning() {
    closeDialog(warning);
  }

  function checkShift(msLeft) {
    var due = SHIFT_WARNINGS_MS.filter(function (ms) { return msLeft <= ms && ms < shiftWarnedFor; });
    if (due.length) shiftWarnedFor = Math.min.apply(null, due);
    if (due.length || shiftWarning.open) {
      // Modal, as the idle warning, and its words written first for the same reason: the focus on "Keep working",
      // which loses nothing typed.
      shiftWarning.querySelector("[data-shift-countdown]").textContent = timeLeftWords(msLeft);
      if (!shiftWarning.open) shiftWarning.showModal();
      checkTimer = setTimeout(check, Math.min(msLeft, 1000));
      return;
    }
    var later = SHIFT_WARNINGS_MS.filter(function (ms) { return ms < shiftWarnedFor && ms < msLeft; });
    checkTimer = setTimeout(check, msLeft - Math.max.apply(null, later.concat(0)));
  }

  // Read the end again on every check: another tab, or the keep-alive's answer, may have moved it.
  function check() {
    clearTimeout(checkTimer);
    if (Date.now() >= shiftEndsAt) {
      signOut({ shift: "1" });
      return;
    }
    var msLeft = sessionEnd() - Date.now();
    if (msLeft <= 0) {
      signOut({ idle: "1" });
      return;
    }
    if (shiftEndsAt <= sessionEnd()) {
      // The sign-in ends first: its warning, not "Stay signed in", which could not keep it.
      closeWarning();
      checkShift(shiftEndsAt - Date.now());
      return;
    }
    if (msLeft > warnForMs) {
      closeWarning();
      checkTimer = setTimeout(check, msLeft - warnForMs);
      return;
    }
    // Modal: the page behind waits, and the one button has the focus (autofocus). Its words are written first:
    // showModal() scrolls the focused button into the dialog's sight, which words written after it pushed out of a
    // short screen at a large text size (as on the kiosk).
    countdown.textContent = timeLeftWords(msLeft);
    if (!warning.open) warning.showModal();
    checkTimer = setTimeout(check, Math.min(msLeft, 1000));
  }

  function csrfToken() {
    return signOutForm.querySelector("[name=csrfmiddlewaretoken]").value;
  }

  function keepAlive() {
    var sentAt = Date.now();
    lastToldAt = sentAt;
    // Not marked as a background refresh: this one is the person's (smartqueue/sessions.py).
    return fetch(warning.dataset.keepAliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    }).then(
      function (response) {
        if (response.status === 403) {
          refused();
          return;
        }
        if (response.ok) extendedFrom(sentAt);
        check();
      },
      // Offline: the warning stays or comes back, and the next key or click tries again.
      function () {
        lastToldAt = 0;
        check();
      }
    );
  }

  function refused() {
    if (Date.now() >= shiftEndsAt) signOut({ shift: "1" });
    else if (Date.now() >= sessionEnd()) signOut({ idle: "1" });
    else global.location.reload();
  }

  // As on the kiosk: a key or a touch is someone at work. While the warning shows, one closes it only once it is
  // over (the click, the key's release), so that the rest of it does not reach the field or button underneath.
  function inUse() {
    if (!warning.open && Date.now() - lastToldAt >= activityEveryMs) keepAlive();
  }
  function stillThere() {
    if (!warning.open) return;
    closeWarning();
    // The keep-alive's answer checks again; should none ever come, the end still comes.
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, Math.max(0, sessionEnd() - Date.now()));
    keepAlive();
  }
  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, inUse, { passive: true });
  });
  ["click", "keyup"].forEach(function (name) {
    document.addEventListener(name, stillThere);
  });
  // Escape closes any dialog: here it is "Stay signed in" too, not a way to miss the sign-out.
  warning.addEventListener("cancel", function (event) {
    event.preventDefault();
    stillThere();
  });
  if (shiftWarning) {
    shiftWarning.querySelector("[data-shift-continue]").addEventListener("click", function () {
      closeDialog(shiftWarning);
    });
    // Escape is "Keep working" too, with the focus given back as it gives it.
    shiftWarning.addEventListener("cancel", function (event) {
      event.preventDefault();
      closeDialog(shiftWarning);
    });
    // Through the sign-out form's submit(), as at the end: the drafts this tab keeps stay for after signing in.
    shiftWarning.querySelector("[data-sign-in-again]").addEventListener("click", function () {
      signOut({});
    });
  }
  global.addEventListener("storage", function (event) {
    if (event.key === SESSION_END_KEY) check();
  });
  // A hidden tab's timers run late: check as soon as it is seen again.
  document.addEventListener("visibilitychange", check);
  // Signing out on purpose leaves nothing typed about a patient in this tab (doctor-dashboard.js's drafts).
  signOutForm.addEventListener("submit", function () {
    global.sessionStorage.clear();
  });

  extendedFrom(pageRequestedAt);
  check();
  global.StaffSession = { refused: refused };
})(window);
