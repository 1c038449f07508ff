/*
 * Waiting-room display boards (templates/display/department.html): the boards' only renderer. The
 * template holds each board's empty frame and its queue socket's snapshot frame as json_script data;
 * this draws that, then every frame of the socket (the same payload), and plays a chime plus a spoken
 * call when a token is called. Browsers only allow sound after a tap, hence the "Turn on sound" button.
 */
(function () {
  "use strict";

  var HIGHLIGHT_MS = 12000;
  var PRIORITY_WORDS = { emergency: "Emergency", high: "High priority" };
  var soundOn = false;
  var audioContext = null;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function servingCard(entry) {
    var card = element("div", "serving-card");
    card.dataset.token = entry.token;
    card.appendChild(element("div", "serving-token", entry.token));
    card.appendChild(element("div", "serving-room", entry.room || ""));
    if (entry.doctor) card.appendChild(element("div", "serving-doctor", entry.doctor));
    card.appendChild(element("div", "serving-state", entry.status === "called" ? "Please go in" : "In consultation"));
    return card;
  }

  function render(board, queue) {
    var serving = board.querySelector("[data-now-serving]");
    serving.replaceChildren.apply(
      serving,
      queue.now_serving.length
        ? queue.now_serving.map(servingCard)
        : [element("p", "board-idle", queue.queue_length ? "Please wait to be called." : "No one is waiting.")]
    );
    var next = board.querySelector("[data-next]");
    var nextCount = Number(board.dataset.nextCount);
    next.replaceChildren.apply(
      next,
      queue.waiting.slice(0, nextCount).map(function (token) {
        var item = element("li", "priority-" + token.priority, token.token);
        var words = PRIORITY_WORDS[token.priority];
        if (words) {
          item.title = words;
          item.appendChild(element("span", "visually-hidden", ", " + words));
        }
        return item;
      })
    );
    var wait = queue.queue_length + " waiting";
    if (queue.queue_length && queue.estimated_wait_minutes !== null) {
      wait += " · about " + queue.estimated_wait_minutes + " min for new arrivals";
    }
    board.querySelector("[data-wait]").textContent = wait;
  }

  function chime() {
    if (!audioContext) return;
    [880, 660].forEach(function (frequency, index) {
      var start = audioContext.currentTime + index * 0.35;
      var tone = audioContext.createOscillator();
      var volume = audioContext.createGain();
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, start);
      volume.gain.exponentialRampToValueAtTime(0.4, start + 0.03);
      volume.gain.exponentialRampToValueAtTime(0.0001, start + 0.6);
      tone.connect(volume).connect(audioContext.destination);
      tone.start(start);
      tone.stop(start + 0.65);
    });
  }

  // "CARD-007" is read "C A R D 7" so the letters are spelled and the number sounds natural.
  function spokenToken(token) {
    var parts = token.split("-");
    return parts[0].split("").join(" ") + " " + Number(parts[1]);
  }

  function announce(entry) {
    if (!soundOn) return;
    chime();
    if (!("speechSynthesis" in window)) return;
    var words = "Token " + spokenToken(entry.token) + (entry.room ? ", please go to " + entry.room : ", please go in");
    var utterance = new SpeechSynthesisUtterance(words);
    utterance.rate = 0.9;
    setTimeout(function () { window.speechSynthesis.speak(utterance); }, 900);
  }

  function highlight(board, token) {
    var card = board.querySelector('.serving-card[data-token="' + token + '"]');
    if (!card) return;
    card.classList.add("just-called");
    setTimeout(function () { card.classList.remove("just-called"); }, HIGHLIGHT_MS);
  }

  // One badge for every board on the page: hidden only while all of them are live.
  var reportStatus = LiveSocket.combinedStatus(document.getElementById("live-status"));

  function startBoard(board) {
    var initial = JSON.parse(board.querySelector('script[type="application/json"]').textContent);
    render(board, initial.payload.queue);
    new LiveSocket({
      path: "/ws/queue/" + board.dataset.departmentId + "/",
      pollUrl: board.dataset.pollUrl,
      onStatus: function (status) { reportStatus(board.dataset.departmentId, status); },
      onSnapshot: function (frame) { render(board, frame.payload.queue); },
      onMessage: function (frame) {
        render(board, frame.payload.queue);
        if (frame.payload.event === "called" && frame.payload.entry) {
          highlight(board, frame.payload.entry.token);
          announce(frame.payload.entry);
        }
      },
    }).start();
  }

  var soundButton = document.getElementById("enable-sound");
  soundButton.addEventListener("click", function () {
    soundOn = !soundOn;
    if (soundOn && !audioContext && (window.AudioContext || window.webkitAudioContext)) {
      audioContext = new (window.AudioContext || window.webkitAudioContext)();
    }
    if (audioContext) audioContext.resume();
    soundButton.textContent = soundOn ? "Sound on" : "Turn on sound";
    soundButton.setAttribute("aria-pressed", String(soundOn));
    if (soundOn) chime();
  });

  document.querySelectorAll("[data-display-board]").forEach(startBoard);
})();
