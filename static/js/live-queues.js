// Admin panel live queues: renderLiveQueues() draws the department cards from GET /adminpanel/api/.
// The page listens on the public queue socket (/ws/queue/<id>/) of every department that was active
// when it loaded; the sockets carry tokens only, while the cards show patients' names, so any frame
// triggers one re-read of GET /adminpanel/api/, at most once a second for all departments together.
// While the sockets cannot open, the first one polls that endpoint (one poller for the whole page,
// since every socket goes to the same server) and the answer is drawn directly.
(function () {
  "use strict";
  const root = document.getElementById("live-queues");
  if (!root) return;
  const REFRESH_AT_MOST_EVERY_MS = 1000;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function departmentCard(department) {
    const column = element("div", "col-12 col-md-6 col-xl-4");
    column.dataset.departmentId = department.id;
    if (department.is_active) column.dataset.socketPath = `/ws/queue/${department.id}/`;
    const card = element("div", `card h-100 shadow-sm${department.is_active ? "" : " opacity-50"}`);
    const body = element("div", "card-body");
    const title = element("h2", "h5", `${department.name} `);
    title.appendChild(element("small", "text-muted", department.code));
    const summary = element("p", "mb-2");
    const waiting = element("strong", "", String(department.waiting));
    waiting.dataset.field = "waiting";
    summary.append(waiting, " waiting");
    if (department.longest_wait_minutes !== null) summary.append(` · longest ${department.longest_wait_minutes} min`);
    const visits = element("ul", "list-unstyled small mb-2");
    if (!department.with_doctors.length) visits.appendChild(element("li", "text-muted", "Nobody with a doctor."));
    for (const visit of department.with_doctors) {
      const doctor = visit.doctor ? ` with ${visit.doctor}` : "";
      const item = element("li", "", `${visit.token} ${visit.patient} — ${visit.status_label}${doctor}`);
      item.dataset.token = visit.token;
      item.dataset.status = visit.status;
      visits.appendChild(item);
    }
    const doctors = element("div", "small");
    for (const doctor of department.doctors) {
      doctors.appendChild(element("span", "badge text-bg-light border me-1", `${doctor.name}: ${doctor.availability}`));
    }
    body.append(title, summary, visits, doctors);
    card.appendChild(body);
    column.appendChild(card);
    return column;
  }

  function renderLiveQueues(data) {
    root.replaceChildren(...data.departments.map(departmentCard));
  }

  async function refresh() {
    const response = await fetch(root.dataset.apiUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.ok) renderLiveQueues(await response.json());
    // Signed out (idle session expired): reloading takes the user to the sign-in page.
    else if (response.status === 403) window.location.reload();
  }

  window.renderLiveQueues = renderLiveQueues;

  const refreshSoon = LiveSocket.throttle(refresh, REFRESH_AT_MOST_EVERY_MS);
  const reportStatus = LiveSocket.combinedStatus(document.getElementById("live-status"));
  const socketPaths = Array.from(root.querySelectorAll("[data-socket-path]"), (card) => card.dataset.socketPath);
  socketPaths.forEach((path, index) => {
    new LiveSocket({
      path,
      pollUrl: index === 0 ? root.dataset.apiUrl : undefined,
      pollTransform: (panel) => ({ type: "snapshot", version: 1, department: null, seq: null, payload: { panel } }),
      onSnapshot: (frame) => (frame.payload.panel ? renderLiveQueues(frame.payload.panel) : refreshSoon()),
      onMessage: refreshSoon,
      onStatus: (status) => reportStatus(path, status),
    }).start();
  });
})();
