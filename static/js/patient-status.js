// Keeps a patient's status page current. renderPatientStatus draws one status (the JSON of
// /patients/api/patient/<id>/status/) and knows nothing of where it came from, so a WebSocket
// message can feed it as well as pollPatientStatus does.
(function () {
  "use strict";

  var FINISHED_STATUSES = ["completed", "cancelled"];

  function displayValue(field, visit) {
    var value = visit[field];
    if (field === "estimated_wait_minutes") {
      return value === null || value === undefined ? "—" : "~" + value + " min";
    }
    if (field === "now_serving") {
      return value && value.length ? value.join(", ") : "—";
    }
    return value === null || value === undefined || value === "" ? "—" : String(value);
  }

  function renderPatientStatus(root, visit) {
    root.querySelectorAll("[data-field]").forEach(function (element) {
      var field = element.dataset.field;
      if (Object.prototype.hasOwnProperty.call(visit, field)) {
        element.textContent = displayValue(field, visit);
      }
    });
    root.querySelectorAll("[data-show]").forEach(function (element) {
      element.classList.toggle("d-none", !visit[element.dataset.show]);
    });
    var refreshed = root.querySelector('[data-field="refreshed"]');
    if (refreshed) {
      refreshed.textContent = "Updated " + new Date().toLocaleTimeString();
    }
  }

  // Fetches the status every intervalMs (skipping while the tab is hidden) until the visit is over.
  // A failed fetch keeps the last figures on screen and tries again next time: connections are poor.
  function pollPatientStatus(url, intervalMs, onStatus) {
    var timer = null;
    function schedule() {
      timer = window.setTimeout(tick, intervalMs);
    }
    function tick() {
      if (document.hidden) {
        schedule();
        return;
      }
      fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.json();
        })
        .then(function (visit) {
          onStatus(visit);
          if (FINISHED_STATUSES.indexOf(visit.status) === -1) {
            schedule();
          }
        })
        .catch(schedule);
    }
    schedule();
    return function stop() {
      window.clearTimeout(timer);
    };
  }

  window.SmartQueue = window.SmartQueue || {};
  window.SmartQueue.renderPatientStatus = renderPatientStatus;
  window.SmartQueue.pollPatientStatus = pollPatientStatus;

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-patient-status]");
    if (root) {
      pollPatientStatus(root.dataset.statusUrl, 10000, function (visit) {
        renderPatientStatus(root, visit);
      });
    }
  });
})();
