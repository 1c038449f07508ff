// Report charts, drawn from the series the server embeds with json_script (no extra request).
(function () {
  "use strict";
  const source = document.getElementById("report-chart-data");
  if (!source || typeof Chart === "undefined") return;
  const series = JSON.parse(source.textContent);

  new Chart(document.getElementById("daily-totals-chart"), {
    type: "bar",
    data: {
      labels: series.labels,
      datasets: [
        { label: gettext("Registrations"), data: series.totals.registrations },
        { label: gettext("Completed"), data: series.totals.completed },
        { label: gettext("No-shows"), data: series.totals.no_shows },
      ],
    },
    options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  // Every day of the range is a label (a day without tokens counts zero); a day without a wait leaves a gap.
  new Chart(document.getElementById("wait-chart"), {
    type: "line",
    data: {
      labels: series.labels,
      datasets: [
        { label: gettext("Mean, all departments"), data: series.all_waits.mean, borderColor: "#0a58ca", backgroundColor: "#0a58ca", borderWidth: 3 },
        { label: gettext("90th percentile, all departments"), data: series.all_waits.p90, borderColor: "#a52834", backgroundColor: "#a52834", borderWidth: 3, borderDash: [6, 4] },
        ...Object.entries(series.waits).map(([department, waits]) => ({ label: interpolate(gettext("Mean, %(department)s"), { department: department }, true), data: waits, borderWidth: 1 })),
      ],
    },
    options: { responsive: true, scales: { y: { beginAtZero: true, title: { display: true, text: gettext("minutes") } } } },
  });
})();
