// Admin panel live queues: re-read GET /adminpanel/api/ every 10 s and redraw the department cards.
// renderLiveQueues() takes that payload, so a WebSocket message carrying the same data can feed it.
(function () {
  "use strict";
  const root = document.getElementById("live-queues");
  if (!root) return;
  const POLL_MILLISECONDS = 10000;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function departmentCard(department) {
    const column = element("div", "col-12 col-md-6 col-xl-4");
    const card = element("div", `card h-100 shadow-sm${department.is_active ? "" : " opacity-50"}`);
    const body = element("div", "card-body");
    const title = element("h2", "h5", `${department.name} `);
    title.appendChild(element("small", "text-muted", department.code));
    const summary = element("p", "mb-2");
    summary.append(element("strong", "", String(department.waiting)), " waiting");
    if (department.longest_wait_minutes !== null) summary.append(` · longest ${department.longest_wait_minutes} min`);
    const visits = element("ul", "list-unstyled small mb-2");
    if (!department.with_doctors.length) visits.appendChild(element("li", "text-muted", "Nobody with a doctor."));
    for (const visit of department.with_doctors) {
      const doctor = visit.doctor ? ` with ${visit.doctor}` : "";
      visits.appendChild(element("li", "", `${visit.token} ${visit.patient} — ${visit.status_label}${doctor}`));
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
  setInterval(refresh, POLL_MILLISECONDS);
})();
