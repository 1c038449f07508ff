// Doctor dashboard: buttons post to /doctors/api/ and the page redraws from the returned data; the
// queue is re-read every 10 s. renderDoctorDashboard() takes the GET /doctors/api/ payload, so a
// WebSocket message carrying the same data can feed it directly.
(function () {
  "use strict";
  const root = document.getElementById("doctor-dashboard");
  if (!root) return;
  const apiUrl = root.dataset.apiUrl;
  const POLL_MILLISECONDS = 10000;

  function csrfToken() {
    return root.querySelector("[name=csrfmiddlewaretoken]").value;
  }

  function minutes(value) {
    return value === null || value === undefined ? "–" : value.toFixed(1);
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function recallForm(entry) {
    const form = document.createElement("form");
    form.method = "post";
    form.dataset.doctorAction = "";
    for (const [name, value] of [["csrfmiddlewaretoken", csrfToken()], ["action", "recall"], ["entry", entry.id]]) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    }
    const button = document.createElement("button");
    button.className = "btn btn-sm btn-outline-primary";
    button.type = "submit";
    button.textContent = "Recall";
    form.appendChild(button);
    return form;
  }

  function renderCurrent(current) {
    const box = document.getElementById("current-patient");
    const summary = document.getElementById("current-summary");
    summary.replaceChildren();
    if (current) {
      const token = document.createElement("span");
      token.className = "fs-3 fw-bold";
      token.textContent = current.token;
      summary.append(token, ` ${current.patient_name}, ${current.age} · ${current.status_label}`);
    } else {
      summary.textContent = "No patient is with you.";
    }
    const status = current ? current.status : "";
    box.querySelectorAll("[data-show-when]").forEach((form) => {
      form.hidden = form.dataset.showWhen !== status;
      const entry = form.querySelector("[name=entry]");
      if (entry) entry.value = current ? current.id : "";
    });
  }

  function renderWaiting(waiting) {
    document.getElementById("waiting-count").textContent = waiting.length;
    const rows = document.getElementById("waiting-rows");
    rows.replaceChildren();
    if (!waiting.length) {
      const row = document.createElement("tr");
      const empty = cell("Nobody is waiting.", "text-muted");
      empty.colSpan = 4;
      row.appendChild(empty);
      rows.appendChild(row);
    }
    for (const entry of waiting) {
      const row = document.createElement("tr");
      row.append(
        cell(entry.token, "fw-semibold"),
        cell(entry.priority_label),
        cell(`${entry.waiting_minutes} min`),
        cell(entry.notes)
      );
      rows.appendChild(row);
    }
  }

  function renderSkipped(skipped) {
    const list = document.getElementById("skipped-rows");
    list.replaceChildren();
    if (!skipped.length) {
      const item = document.createElement("li");
      item.className = "list-group-item text-muted";
      item.textContent = "No skipped tokens.";
      list.appendChild(item);
    }
    for (const entry of skipped) {
      const item = document.createElement("li");
      item.className = "list-group-item d-flex justify-content-between align-items-center";
      item.append(entry.token, recallForm(entry));
      list.appendChild(item);
    }
  }

  function renderStatistics(statistics) {
    const values = {
      seen: statistics.seen,
      average_consultation_minutes: minutes(statistics.average_consultation_minutes),
      average_wait_minutes: minutes(statistics.average_wait_minutes),
      no_shows: statistics.no_shows,
    };
    root.querySelectorAll("[data-statistic]").forEach((element) => {
      element.textContent = values[element.dataset.statistic];
    });
  }

  function renderDoctorDashboard(data) {
    renderCurrent(data.current);
    renderWaiting(data.waiting);
    renderSkipped(data.skipped);
    renderStatistics(data.statistics);
    document.getElementById("availability").value = data.doctor.availability;
  }

  function showAlert(text, kind) {
    const alert = document.createElement("div");
    alert.className = `alert alert-${kind}`;
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    root.prepend(alert);
    setTimeout(() => alert.remove(), 6000);
  }

  async function refresh() {
    const response = await fetch(apiUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.ok) renderDoctorDashboard(await response.json());
    // Signed out (idle session expired): reloading takes the user to the sign-in page.
    else if (response.status === 403) window.location.reload();
  }

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-doctor-action]");
    if (!form) return;
    event.preventDefault();
    const response = await fetch(apiUrl, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      credentials: "same-origin",
    });
    const body = await response.json();
    if (response.ok) {
      form.reset();
      renderDoctorDashboard(body.dashboard);
      showAlert(body.message, "success");
    } else {
      const errors = body.errors || { detail: [body.detail] };
      showAlert(Object.values(errors).flat().join(" "), "danger");
    }
  });

  window.renderDoctorDashboard = renderDoctorDashboard;
  setInterval(refresh, POLL_MILLISECONDS);
})();
