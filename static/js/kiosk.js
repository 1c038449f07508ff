// The lobby kiosk: back to the start page after a while without a touch or a key (the next patient must not
// see the last one's form or ticket), and the ticket's print button.
(function () {
  "use strict";
  var page = document.querySelector("[data-kiosk-start]");
  if (!page) return;
  var idleMilliseconds = Number(page.getAttribute("data-idle-seconds")) * 1000;
  var timer;
  function restartIdleTimer() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.assign(page.getAttribute("data-kiosk-start")); }, idleMilliseconds);
  }
  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, restartIdleTimer, { passive: true });
  });
  restartIdleTimer();
  var print = document.querySelector("[data-print-ticket]");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
