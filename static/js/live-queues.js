// Admin panel live queues: the server renders the department cards (templates/adminpanel/_live_queues.html)
// and this script only swaps a fresh copy in. The page listens on the public queue socket
// (/ws/queue/<id>/) of every department that was active when it loaded; the sockets carry tokens only,
// while the cards show patients' names, so any frame asks for the fragment again, at most once a second
// for all departments together. While the sockets cannot open, the first one polls the fragment (one
// poller for the whole page, since every socket goes to the same server).
(function () {
  "use strict";
  const page = document.getElementById("live-queues-page");
  if (!page) return;
  const REFRESH_AT_MOST_EVERY_MS = 1000;

  // Every card, marked while any socket is lost: that department's changes would not ask for the cards.
  const figuresMark = new LiveSocket.FiguresMark(
    Array.from(page.querySelectorAll("[data-live-figures]")), page.querySelector("[data-stale-note]"),
  );
  const refresh = LiveFragment.refresher(page.dataset.fragmentUrl, figuresMark);
  const refreshSoon = LiveSocket.throttle(refresh, REFRESH_AT_MOST_EVERY_MS);
  const reportStatus = LiveSocket.combinedStatus(document.getElementById("live-status"), { figuresMark });
  const socketPaths = Array.from(page.querySelectorAll("[data-socket-path]"), (card) => card.dataset.socketPath);
  socketPaths.forEach((path, index) => {
    new LiveSocket({
      path,
      pollTask: index === 0 ? refresh : undefined,
      // Longest waits grow with no change to announce: one socket asks for all the cards.
      refreshMs: index === 0 ? LiveSocket.WAITS_REFRESH_MS : null,
      onSnapshot: refreshSoon,
      onMessage: refreshSoon,
      onStatus: (status) => reportStatus(path, status),
    }).start();
  });
})();
