// Report charts, drawn from the series the server embeds with json_script (no extra request).
(function () {
  "use strict";
  const source = document.getElementById("report-chart-data");
  if (!source || typeof Chart === "undefined" || typeof WaitWords === "undefined") return;
  const series = JSON.parse(source.textContent);
  // Each colour at least 3:1 on the white card (WCAG 1.4.11): Chart.js's own palette is pale (1.5:1 and less), and
  // it leaves every dataset without a colour its faint grey once any dataset has one. Each department's line also
  // has its own point shape, so that a line is told from the next by more than its colour.
  const BAR_COLOURS = ["#0a58ca", "#146c43", "#a52834"];
  const DEPARTMENT_COLOURS = ["#6f42c1", "#087990", "#ab296a", "#495057", "#8c5e04", "#146c43"];
  const POINT_STYLES = ["rect", "triangle", "rectRot", "star", "crossRot", "circle", "rectRounded", "cross"];
  // Chart.js hides a series when its legend is clicked: a canvas takes no keyboard focus, so that was a function of
  // the mouse alone (WCAG 2.1.1), and a series hidden left the chart's text alternative out of step with what it
  // showed. The legend only names the series.
  const LEGEND_WITHOUT_CLICKS = { onClick: () => {} };
  // The charts read the way the page and its tables do: on a right-to-left page the days run from the right, the
  // axis of figures stands on the right, and the legend and tooltips read right to left (they ran left to right
  // beside Arabic tables). Their figures are written as the page writes them: the page's language, digits 0-9.
  const RIGHT_TO_LEFT = document.documentElement.dir === "rtl";
  const DIRECTION = { rtl: RIGHT_TO_LEFT, textDirection: RIGHT_TO_LEFT ? "rtl" : "ltr" };
  const PAGE_LOCALE = WaitWords.inServerDigits(document.documentElement.lang);
  const DAYS_AXIS = { reverse: RIGHT_TO_LEFT };
  const FIGURES_SIDE = RIGHT_TO_LEFT ? "right" : "left";

  new Chart(document.getElementById("daily-totals-chart"), {
    type: "bar",
    data: {
      labels: series.labels,
      datasets: [
        { label: gettext("Registrations"), data: series.totals.registrations, backgroundColor: BAR_COLOURS[0] },
        { label: gettext("Completed"), data: series.totals.completed, backgroundColor: BAR_COLOURS[1] },
        { label: gettext("No-shows"), data: series.totals.no_shows, backgroundColor: BAR_COLOURS[2] },
      ],
    },
    options: {
      responsive: true,
      locale: PAGE_LOCALE,
      plugins: { legend: { ...LEGEND_WITHOUT_CLICKS, ...DIRECTION }, tooltip: DIRECTION },
      scales: { x: DAYS_AXIS, y: { position: FIGURES_SIDE, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });

  // Every day of the range is a label (a day without tokens counts zero); a day without a wait leaves a gap.
  new Chart(document.getElementById("wait-chart"), {
    type: "line",
    data: {
      labels: series.labels,
      datasets: [
        { label: gettext("Mean, all departments"), data: series.all_waits.mean, borderColor: "#0a58ca", backgroundColor: "#0a58ca", borderWidth: 3 },
        { label: gettext("90th percentile, all departments"), data: series.all_waits.p90, borderColor: "#a52834", backgroundColor: "#a52834", borderWidth: 3, borderDash: [6, 4] },
        ...Object.entries(series.waits).map(([department, waits], index) => {
          const colour = DEPARTMENT_COLOURS[index % DEPARTMENT_COLOURS.length];
          return {
            label: interpolate(gettext("Mean, %(department)s"), { department: department }, true),
            data: waits, borderWidth: 1, borderColor: colour, backgroundColor: colour,
            pointStyle: POINT_STYLES[index % POINT_STYLES.length], pointRadius: 4,
          };
        }),
      ],
    },
    options: {
      responsive: true,
      locale: PAGE_LOCALE,
      plugins: { legend: { ...LEGEND_WITHOUT_CLICKS, ...DIRECTION, labels: { usePointStyle: true } }, tooltip: DIRECTION },
      scales: {
        x: DAYS_AXIS,
        y: { position: FIGURES_SIDE, beginAtZero: true, title: { display: true, text: gettext("minutes") } },
      },
    },
  });
})();
