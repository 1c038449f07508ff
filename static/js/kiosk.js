// The lobby kiosk: back to the start page after a while without a touch or a key (the next patient must not
// see the last one's form, ticket or language: data-kiosk-start is views.kiosk_start_over_url), and the
// ticket's print button. The page warns first, with a countdown and an "I need more time" button, so that
// someone still reading or typing is not sent back (WCAG 2.2.1).
(function () {
  "use strict";
  var page = document.querySelector("[data-kiosk-start]");
  if (!page) return;
  var warning = document.querySelector("[data-kiosk-idle-warning]");
  var countdown = warning.querySelector("[data-kiosk-countdown]");
  var moreTime = warning.querySelector("[data-kiosk-more-time]");
  var warningTimer, countdownTimer, resetAt, focusBefore;

  // Read from the page on every restart: data-idle-seconds in all, of which the last data-warning-seconds warn.
  function seconds(name, fallback) {
    var value = Number(page.getAttribute(name));
    return value > 0 ? value : fallback;
  }

  function showCountdown() {
    var left = Math.max(0, Math.ceil((resetAt - Date.now()) / 1000));
    countdown.textContent = interpolate(
      ngettext("This page starts over in %s second.", "This page starts over in %s seconds.", left), [left]
    );
    if (left === 0) window.location.assign(page.getAttribute("data-kiosk-start"));
  }

  function warn() {
    warning.hidden = false;
    showCountdown();
    countdownTimer = setInterval(showCountdown, 1000);
    focusBefore = document.activeElement;
    moreTime.focus();
  }

  function restartIdleTimer() {
    clearTimeout(warningTimer);
    clearInterval(countdownTimer);
    var idle = seconds("data-idle-seconds", 60);
    var warnFor = Math.min(seconds("data-warning-seconds", 20), idle);
    resetAt = Date.now() + idle * 1000;
    warningTimer = setTimeout(warn, (idle - warnFor) * 1000);
    if (!warning.hidden) {
      warning.hidden = true;
      // Back where the person was, not on a button that has gone.
      if (document.activeElement === moreTime) {
        (focusBefore && focusBefore !== document.body && document.contains(focusBefore) ? focusBefore : document.getElementById("main")).focus();
      }
    }
  }

  // Any touch or key while the page is in use keeps it; while the warning shows, only its button does. (Closed
  // by the key or touch that presses the button, the warning would hand that key or touch to the field or
  // button underneath: Enter submitted the form, a tap took a token.)
  function inUse() {
    if (warning.hidden) restartIdleTimer();
  }
  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, inUse, { passive: true });
  });
  moreTime.addEventListener("click", restartIdleTimer);
  restartIdleTimer();
  var print = document.querySelector("[data-print-ticket]");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
