/*
 * Waiting-room display boards (templates/display/department.html): the boards' only renderer. The
 * template holds each board's empty frame and its queue socket's snapshot frame as json_script data;
 * this draws that, then every frame of the socket (the same payload), and gives a call-out when a token is
 * called: the token and the room, shown and (with sound on, after a chime) spoken, one call at a time.
 * Browsers only allow sound after a tap, hence the "Turn on sound" button.
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
    if (!queue.doctors_on_duty) {
      wait += " · no doctor on duty yet";
    } else if (queue.queue_length && queue.estimated_wait_minutes !== null) {
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

  // Calls are said one after another: a call that arrives while another is shown or spoken waits its turn,
  // so no announcement cuts off the one before. Each shows (and, with sound on, says) the token and the room.
  var CALL_OUT_SHOWN_MS = 5000;
  var SPEECH_TIMEOUT_MS = 12000;
  var callOutBox = document.getElementById("call-out");
  var pendingCalls = [];
  var calling = false;

  function callOutWords(entry) {
    return entry.token + (entry.room ? ", please go to " + entry.room : ", please go in");
  }

  function speak(entry, done) {
    if (!soundOn || !("speechSynthesis" in window)) {
      done();
      return;
    }
    var utterance = new SpeechSynthesisUtterance(
      "Token " + spokenToken(entry.token) + (entry.room ? ", please go to " + entry.room : ", please go in")
    );
    utterance.rate = 0.9;
    var finished = false;
    function finish() {
      if (finished) return;
      finished = true;
      done();
    }
    utterance.onend = finish;
    utterance.onerror = finish;
    // A voice that never reports its end must not hold the line of calls for ever.
    setTimeout(finish, SPEECH_TIMEOUT_MS);
    setTimeout(function () { window.speechSynthesis.speak(utterance); }, 900);
  }

  function nextCall() {
    var entry = pendingCalls.shift();
    if (!entry) {
      calling = false;
      callOutBox.hidden = true;
      return;
    }
    calling = true;
    callOutBox.textContent = callOutWords(entry);
    callOutBox.dataset.token = entry.token;
    callOutBox.hidden = false;
    if (soundOn) chime();
    var waiting = 2;
    function oneDone() {
      waiting -= 1;
      if (waiting === 0) nextCall();
    }
    setTimeout(oneDone, CALL_OUT_SHOWN_MS);
    speak(entry, oneDone);
  }

  function announce(entry) {
    pendingCalls.push(entry);
    if (!calling) nextCall();
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
    soundButton.textContent = soundOn ? "Sound is on (turn off)" : "Turn on sound";
    soundButton.setAttribute("aria-pressed", String(soundOn));
    if (soundOn) chime();
  });

  document.querySelectorAll("[data-display-board]").forEach(startBoard);
})();
