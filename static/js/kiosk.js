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
  var warningTimer, countdownTimer, resetAt;

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
    if (left === 0) startOver();
  }

  // In place of this page in the history, not after it: Back must not bring the last patient's page up again.
  function startOver() {
    window.location.replace(page.getAttribute("data-kiosk-start"));
  }

  // Modal: until it closes, Tab and taps stay in the warning, and its one button has the focus. Its words are written
  // first: showModal() scrolls the focused button into the dialog's sight, which words written after it pushed out of
  // a short screen.
  function warn() {
    showCountdown();
    warning.showModal();
    countdownTimer = setInterval(showCountdown, 1000);
  }

  function restartIdleTimer() {
    clearTimeout(warningTimer);
    clearInterval(countdownTimer);
    var idle = seconds("data-idle-seconds", 60);
    var warnFor = Math.min(seconds("data-warning-seconds", 20), idle);
    resetAt = Date.now() + idle * 1000;
    warningTimer = setTimeout(warn, (idle - warnFor) * 1000);
    if (warning.open) {
      warning.close();
      // close() gives the focus back to where it was before the warning; if that was nowhere, to the page.
      if (document.activeElement === document.body) document.getElementById("main").focus();
    }
  }

  // Any touch or key keeps the page, the ones made while the warning shows too (its "I need more time" button is
  // one of them). Those close the warning only once they are over, on the click or the key's release: closed at
  // their start, it would hand the rest of the key or touch to the field or button underneath (Enter submitted the
  // form, a tap took a token).
  function inUse() {
    if (!warning.open) restartIdleTimer();
  }
  function stillThere() {
    if (warning.open) restartIdleTimer();
  }
  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, inUse, { passive: true });
  });
  ["click", "keyup"].forEach(function (name) {
    document.addEventListener(name, stillThere);
  });
  // Escape would close the warning without restarting the timer, and the page would start over unannounced.
  warning.addEventListener("cancel", restartIdleTimer);
  restartIdleTimer();
  document.querySelectorAll("a[data-kiosk-start-over]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      startOver();
    });
  });
  // A page reached by Back or Forward is not shown as the last patient left it: one kept whole in the browser's
  // memory is loaded again, and what the browser puts back into the forms of one loaded again is cleared.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
      return;
    }
    var navigation = performance.getEntriesByType("navigation")[0];
    if (navigation && navigation.type === "back_forward") {
      document.querySelectorAll("form").forEach(function (form) { form.reset(); });
    }
  });
  var print = document.querySelector("[data-print-ticket]");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
