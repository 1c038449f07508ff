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
        { label: "Registrations", data: series.totals.registrations },
        { label: "Completed", data: series.totals.completed },
        { label: "No-shows", data: series.totals.no_shows },
      ],
    },
    options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  new Chart(document.getElementById("wait-chart"), {
    type: "line",
    data: {
      labels: series.labels,
      datasets: Object.entries(series.waits).map(([department, waits]) => ({ label: department, data: waits, spanGaps: true })),
    },
    options: { responsive: true, scales: { y: { beginAtZero: true } } },
  });
})();
