// Doctor dashboard: buttons post to /doctors/api/ and the page redraws from the returned data.
// renderDoctorDashboard() takes the GET /doctors/api/ payload. The doctor's socket (/ws/doctor/<id>/)
// says *that* the department's queue changed, but its frames lack what the dashboard shows (waiting
// minutes, skipped tokens, today's statistics), so every frame triggers one re-read of GET
// /doctors/api/, at most once a second. While the socket cannot open, LiveSocket polls that same
// endpoint and the poll's answer is drawn directly.
(function () {
  "use strict";
  const root = document.getElementById("doctor-dashboard");
  if (!root) return;
  const apiUrl = root.dataset.apiUrl;
  const REFRESH_AT_MOST_EVERY_MS = 1000;
  const ROW_CLASS_BY_PRIORITY = { emergency: "table-danger", high: "table-warning" };

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
    box.dataset.status = status;
    box.dataset.token = current ? current.token : "";
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
      empty.colSpan = 5;
      row.appendChild(empty);
      rows.appendChild(row);
    }
    // Already in call order (emergency first), as the server's waiting_queue returns it.
    waiting.forEach((entry, index) => {
      const row = document.createElement("tr");
      row.className = ROW_CLASS_BY_PRIORITY[entry.priority] || "";
      row.dataset.token = entry.token;
      row.dataset.priority = entry.priority;
      row.dataset.position = index + 1;
      row.append(
        cell(String(index + 1)),
        cell(entry.token, "fw-semibold"),
        cell(entry.priority_label, `priority-${entry.priority}`),
        cell(`${entry.waiting_minutes} min`),
        cell(entry.notes)
      );
      rows.appendChild(row);
    });
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
      item.dataset.token = entry.token;
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

  const refreshSoon = LiveSocket.throttle(refresh, REFRESH_AT_MOST_EVERY_MS);
  new LiveSocket({
    path: root.dataset.socketPath,
    pollUrl: apiUrl,
    pollTransform: (dashboard) => ({ type: "snapshot", version: 1, department: null, seq: null, payload: { dashboard } }),
    statusElement: document.getElementById("live-status"),
    onSnapshot: (frame) => (frame.payload.dashboard ? renderDoctorDashboard(frame.payload.dashboard) : refreshSoon()),
    onMessage: refreshSoon,
    // Refused at the handshake: most likely the session expired, which refresh() turns into the sign-in page.
    onStatus: (status) => {
      if (status === "refused") refresh();
    },
  }).start();
})();
