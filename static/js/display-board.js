/*
 * Waiting-room display boards (templates/display/department.html): the boards' only renderer. The
 * template holds each board's empty frame and its queue socket's snapshot frame as json_script data;
 * this draws that, then every frame of the socket (the same payload), and gives a call-out when a token is
 * called: the token and the room, shown and (with sound on, after a chime) spoken, one call at a time.
 * Browsers only allow sound after a tap, hence the "Turn on sound" button.
 * Words come from the "board-words" json_script: one set per language the hospital shows on boards (System
 * configuration). The board cycles its words through them (until the "Stop switching languages" button is
 * pressed), and says each call once in every one of them, with the browser's voice for that language, or the chime
 * alone where the browser has none. An admin's broadcast to the department shows on its board for a while, in the
 * language shown where the admin translated it.
 */
(function () {
  "use strict";

  var HIGHLIGHT_MS = 12000;
  var LANGUAGE_SHOWN_MS = 8000;
  var BOARD_LANGUAGES = JSON.parse(document.getElementById("board-words").textContent);
  // Start in the page's own language where the boards show it.
  var shownLanguage = Math.max(0, BOARD_LANGUAGES.findIndex(function (words) {
    return words.language === document.documentElement.lang;
  }));
  var soundOn = false;
  var audioContext = null;
  var lastQueues = new Map();

  function words() {
    return BOARD_LANGUAGES[shownLanguage];
  }

  function fill(template, values) {
    return interpolate(template, values, true);
  }

  function priorityWords(priority) {
    return { emergency: words().emergency, high: words().high_priority }[priority];
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The room a called token goes to in one of the board's languages: as admins translated it (the doctor's room or
  // the department's), else as written, marked as written like the department's name.
  function roomShown(entry, language) {
    var translated = (entry.room_translations || {})[language.language];
    if (translated) return { text: translated, lang: language.language, dir: language.direction };
    var written = document.querySelector("[data-department-name]").dataset;
    return { text: entry.room, lang: written.writtenIn, dir: written.writtenDir };
  }

  function roomElement(entry) {
    var shown = roomShown(entry, words());
    var room = element("span", null, shown.text);
    room.lang = shown.lang;
    room.dir = shown.dir;
    return room;
  }

  // When each token on the boards was called: the flash outlives the frames that redraw its card (another
  // doctor's call a moment later, the minute's refresh), carrying on where it was rather than starting again.
  var calledAt = new Map();

  function markJustCalled(card, token) {
    var since = Date.now() - (calledAt.get(token) || -Infinity);
    if (since >= HIGHLIGHT_MS) {
      calledAt.delete(token);
      return;
    }
    card.classList.add("just-called");
    card.style.animationDelay = -since + "ms";
    setTimeout(function () { card.classList.remove("just-called"); }, HIGHLIGHT_MS - since);
  }

  // Unicode's line breaking keeps a hyphen with the digits after it ("-004"): where larger text leaves a card too
  // narrow for the whole token, it breaks after its hyphen rather than run out of the card.
  function tokenElement(tag, className, token) {
    var node = element(tag, className);
    token.split("-").forEach(function (part, index) {
      if (index) node.append("-", document.createElement("wbr"));
      node.append(part);
    });
    return node;
  }

  function servingCard(entry) {
    var card = element("div", "serving-card");
    card.dataset.token = entry.token;
    markJustCalled(card, entry.token);
    card.appendChild(tokenElement("div", "serving-token", entry.token));
    var room = element("div", "serving-room");
    if (entry.room) room.appendChild(roomElement(entry));
    card.appendChild(room);
    if (entry.doctor_name) {
      card.appendChild(element("div", "serving-doctor", fill(words().doctor, { name: entry.doctor_name })));
    }
    card.appendChild(element("div", "serving-state", entry.status === "called" ? words().please_go_in : words().in_consultation));
    return card;
  }

  function nextToken(token) {
    var item = tokenElement("li", "priority-" + token.priority, token.token);
    var priority = priorityWords(token.priority);
    if (priority) {
      item.title = priority;
      item.appendChild(element("span", "visually-hidden", ", " + priority));
    }
    // Its patient is with a doctor of another department just now: called after they are free, at this place.
    if (token.with_a_doctor_elsewhere) {
      item.appendChild(element("span", "visually-hidden", ", "));
      item.appendChild(element("span", "next-elsewhere", words().with_a_doctor_elsewhere));
    }
    return item;
  }

  function insideOf(area, item) {
    var box = area.getBoundingClientRect();
    var itemBox = item.getBoundingClientRect();
    return itemBox.bottom <= box.bottom + 0.5 && itemBox.left >= box.left - 0.5 && itemBox.right <= box.right + 0.5;
  }

  // The room of each board's next tokens when they were last fitted: it changes with the screen, the text size
  // and spacing, and the boards around it (one that needs room for its first token takes it from the others).
  var fittedRoom = new WeakMap();

  function roomOf(area) {
    return area.clientWidth + "x" + area.clientHeight;
  }

  // A TV is not scrolled: the next tokens are only those that fit whole in the room the panel leaves them
  // (.board-next, display.css), up to the board's data-next-count, then "+N more" for the rest of the line.
  // The first token matters more than the count (the waiting line below says it too): when the two do not fit
  // together, the token stays, alone. Where neither fits alone, the first token takes the room it needs from the
  // page (.next-needs-room), which may then scroll: a Next heading over an empty list would say no one waits.
  function fitNext(board, queue) {
    var area = board.querySelector(".board-next");
    var list = board.querySelector("[data-next]");
    var tokens = queue.waiting.slice(0, Number(board.dataset.nextCount)).map(nextToken);
    area.classList.remove("next-needs-room");
    var attempts = [];
    for (var shown = tokens.length; shown >= 1; shown -= 1) attempts.push({ shown: shown, counted: true });
    attempts.push({ shown: 1, counted: false }, { shown: 0, counted: true });
    var fitted = attempts.some(function (attempt) {
      var items = tokens.slice(0, attempt.shown);
      var more = queue.queue_length - items.length;
      if (more > 0 && attempt.counted) {
        items.push(element("li", "next-more", fill(words().more_waiting, { count: more })));
      }
      list.replaceChildren.apply(list, items);
      return !items.length || insideOf(area, items[items.length - 1]);
    });
    if (!fitted) {
      list.replaceChildren(tokens[0]);
      area.classList.add("next-needs-room");
    }
    fittedRoom.set(area, roomOf(area));
  }

  // The department's name in the language shown, where admins translated it; else as written, marked as written.
  function nameDepartment(department) {
    var translated = ((department.translations || {})[words().language] || {}).name;
    document.querySelectorAll('[data-department-name="' + department.id + '"]').forEach(function (node) {
      node.textContent = translated || department.name;
      node.lang = translated ? words().language : node.dataset.writtenIn;
      node.dir = translated ? words().direction : node.dataset.writtenDir;
    });
  }

  // An admin's broadcast stays on its board until its shown_until (a later one replaces it sooner); the snapshot
  // of a board opened or reconnected meanwhile carries it again.
  var broadcasts = new Map();
  // For a frame without shown_until (sent by a server of an earlier release).
  var BROADCAST_SHOWN_MS = 30 * 60 * 1000;

  function receiveBroadcast(board, broadcast) {
    if (!broadcast) return;
    var current = broadcasts.get(board);
    if (current && current.shown_until === broadcast.shown_until && current.message === broadcast.message) return;
    broadcasts.set(board, broadcast);
    sayBroadcast(broadcast);
    var shownFor = broadcast.shown_until
      ? Math.max(new Date(broadcast.shown_until).getTime() - Date.now(), 0)
      : BROADCAST_SHOWN_MS;
    setTimeout(function () {
      if (broadcasts.get(board) !== broadcast) return;
      broadcasts.delete(board);
      showBroadcast(board);
    }, shownFor);
  }

  // Said once as it comes (a board of every department gets the same broadcast once for each), in the page's
  // language where the admin translated it: the boards' copies are not live regions, as they are drawn again at
  // every frame and in the next language every few seconds.
  var broadcastSaid = document.getElementById("broadcast-said");

  function sayBroadcast(broadcast) {
    var pageLanguage = document.documentElement.lang;
    var translated = (broadcast.translations || {})[pageLanguage];
    var words = translated || broadcast.message;
    if (broadcastSaid.textContent === words) return;
    broadcastSaid.textContent = words;
    broadcastSaid.lang = translated ? pageLanguage : broadcastSaid.dataset.writtenIn;
    broadcastSaid.dir = translated ? document.documentElement.dir || "ltr" : broadcastSaid.dataset.writtenDir;
  }

  // The broadcast in the language shown, where the admin translated it; else the message, marked as written.
  function showBroadcast(board) {
    var node = board.querySelector("[data-broadcast]");
    var broadcast = broadcasts.get(board);
    node.hidden = !broadcast;
    if (!broadcast) return;
    var translated = (broadcast.translations || {})[words().language];
    node.textContent = translated || broadcast.message;
    node.lang = translated ? words().language : node.dataset.writtenIn;
    node.dir = translated ? words().direction : node.dataset.writtenDir;
  }

  // The wait of a patient registering now, with its range where the server sends one (as each waiting token's:
  // docs/wait-estimates.md, "The range"), its ends kept whole as on the server's pages (waits.unbroken): a TV's large
  // text wrapped "about 40 min – 1" above "h 35 min".
  function waitForNewArrivals(queue, units) {
    var minutes = queue.estimated_wait_minutes;
    var low = queue.estimated_wait_low_minutes;
    var high = queue.estimated_wait_high_minutes;
    if (low != null && high != null) {
      if (!WaitWords.inHours(high)) return fill(units.about_range, { low: low, high: high });
      var ends = {
        low: WaitWords.unbroken(WaitWords.duration(low, units)),
        high: WaitWords.unbroken(WaitWords.duration(high, units)),
      };
      if (ends.low !== ends.high) return fill(units.about_long_range, ends);
      minutes = high;
    }
    if (minutes === 0) return units.any_moment;
    if (WaitWords.inHours(minutes)) return fill(units.about_long_wait, { wait: WaitWords.duration(minutes, units) });
    return fill(units.about_wait, { minutes: minutes });
  }

  function render(board, queue) {
    lastQueues.set(board, queue);
    showBroadcast(board);
    board.lang = words().language;
    board.dir = words().direction;
    nameDepartment(queue.department);
    var serving = board.querySelector("[data-now-serving]");
    serving.replaceChildren.apply(
      serving,
      queue.now_serving.length
        ? queue.now_serving.map(servingCard)
        : [element("p", "board-idle", queue.queue_length ? words().please_wait : words().no_one_waiting)]
    );
    fitNext(board, queue);
    var wait = fill(words().waiting, { count: queue.queue_length });
    var expectedLater = WaitWords.doctorsExpectedLater(queue, words().language);
    if (queue.no_doctor_left_today) {
      wait += " · " + words().no_doctor_today;
    } else if (expectedLater !== null) {
      wait += " · " + fill(words().doctors_from, { time: expectedLater });
    } else if (!queue.doctors_on_duty) {
      wait += " · " + words().no_doctor;
    }
    // No one arriving now can be registered: a wait for new arrivals would be no one's.
    if (queue.closed_today) {
      wait += " · " + words().closed_today;
    } else if (queue.full_today) {
      wait += " · " + words().full_today;
    } else if (queue.doctors_on_duty && expectedLater === null && !queue.no_doctor_left_today
               && queue.queue_length && queue.estimated_wait_minutes !== null) {
      wait += " · " + waitForNewArrivals(queue, words());
      if (queue.maybe_not_today && queue.hours_end_at) {
        var hoursEnd = WaitWords.hospitalClockTime(queue.hours_end_at, words().language);
        wait += " · " + fill(words().maybe_not_today, { time: hoursEnd });
      }
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
  var pendingCurrent = null;

  // The call in the language shown now, marked as that language for screen readers (the page's own may differ),
  // the room in its own where it is shown as written.
  function writeCallOut(entry) {
    callOutBox.lang = words().language;
    callOutBox.dir = words().direction;
    if (!entry.room) {
      callOutBox.textContent = fill(words().call_in, { token: entry.token });
      return;
    }
    var roomMark = "\u0000";
    var around = fill(words().call_to_room, { token: entry.token, room: roomMark }).split(roomMark);
    callOutBox.replaceChildren(around[0], roomElement(entry), around[1]);
  }

  // The browser's voice for a language ("hi" finds "hi-IN"), or null where it has none.
  function voiceFor(language) {
    if (!("speechSynthesis" in window)) return null;
    var prefix = language.toLowerCase();
    return window.speechSynthesis.getVoices().find(function (voice) {
      var lang = voice.lang.toLowerCase();
      return lang === prefix || lang.indexOf(prefix + "-") === 0 || lang.indexOf(prefix + "_") === 0;
    }) || null;
  }

  function sayIn(language, entry, done) {
    var voice = voiceFor(language.language);
    if (!voice) {
      // No voice for this language: the chime stands for the spoken words.
      chime();
      setTimeout(done, 1200);
      return;
    }
    var values = { token: spokenToken(entry.token), room: entry.room && roomShown(entry, language).text };
    var utterance = new SpeechSynthesisUtterance(
      entry.room ? fill(language.spoken_to_room, values) : fill(language.spoken_in, values)
    );
    utterance.voice = voice;
    utterance.lang = voice.lang;
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
    window.speechSynthesis.speak(utterance);
  }

  // The call said once in each board language, one after another.
  function speak(entry, done) {
    if (!soundOn) {
      done();
      return;
    }
    var index = 0;
    function sayNext() {
      if (index >= BOARD_LANGUAGES.length) {
        done();
        return;
      }
      var language = BOARD_LANGUAGES[index];
      index += 1;
      sayIn(language, entry, sayNext);
    }
    setTimeout(sayNext, 900);
  }

  function nextCall() {
    var entry = pendingCalls.shift();
    if (!entry) {
      calling = false;
      callOutBox.hidden = true;
      return;
    }
    calling = true;
    pendingCurrent = entry;
    writeCallOut(entry);
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

  // One badge for every board on the page: hidden only while all of them are live. It and each board's note that its
  // figures are not live are in the language shown, as the rest of the board.
  var reportStatus = LiveSocket.combinedStatus(document.getElementById("live-status"), { words: words });
  var figuresMarks = [];

  function startBoard(board) {
    var initial = JSON.parse(board.querySelector('script[type="application/json"]').textContent);
    receiveBroadcast(board, initial.payload.broadcast);
    render(board, initial.payload.queue);
    roomWatcher.observe(board.querySelector(".board-next"));
    var live = new LiveSocket({
      path: "/ws/queue/" + board.dataset.departmentId + "/",
      pollUrl: board.dataset.pollUrl,
      // The wait for a newcomer shortens between changes.
      refreshMs: LiveSocket.WAITS_REFRESH_MS,
      onStatus: function (status) { reportStatus(board.dataset.departmentId, status); },
      staleFigures: Array.prototype.slice.call(board.querySelectorAll("[data-live-figures]")),
      staleNote: board.querySelector("[data-stale-note]"),
      words: words,
      onSnapshot: function (frame) {
        receiveBroadcast(board, frame.payload.broadcast);
        render(board, frame.payload.queue);
      },
      onMessage: function (frame) {
        var called = frame.payload.event === "called" && frame.payload.entry;
        if (called) calledAt.set(called.token, Date.now());
        if (frame.payload.event === "broadcast" && frame.payload.detail) receiveBroadcast(board, frame.payload.detail);
        render(board, frame.payload.queue);
        if (called) announce(called);
      },
    });
    figuresMarks.push(live.figuresMark);
    live.start();
  }

  // The fixed words of the page (headings, legend) and every board in the next language, in turn.
  function showLanguage(index) {
    shownLanguage = index;
    document.querySelectorAll("[data-board-word]").forEach(function (node) {
      node.textContent = words()[node.dataset.boardWord];
      node.lang = words().language;
      node.dir = words().direction;
    });
    lastQueues.forEach(function (queue, board) { render(board, queue); });
    reportStatus.showAgain();
    figuresMarks.forEach(function (figuresMark) { figuresMark.show(); });
    if (calling && pendingCurrent) writeCallOut(pendingCurrent);
  }

  // Words that change by themselves can be stopped (WCAG 2.2.2): the page has the button whenever the boards show
  // more than one language, and its label says what pressing it does.
  var languageButton = document.getElementById("language-switching");
  var languageTimer = null;

  function switchLanguages() {
    languageTimer = setInterval(function () {
      showLanguage((shownLanguage + 1) % BOARD_LANGUAGES.length);
    }, LANGUAGE_SHOWN_MS);
    languageButton.textContent = gettext("Stop switching languages");
  }

  if (languageButton) {
    switchLanguages();
    languageButton.addEventListener("click", function () {
      if (languageTimer === null) {
        switchLanguages();
      } else {
        clearInterval(languageTimer);
        languageTimer = null;
        languageButton.textContent = gettext("Start switching languages again");
      }
    });
  }

  var soundButton = document.getElementById("enable-sound");
  soundButton.addEventListener("click", function () {
    soundOn = !soundOn;
    if (soundOn && !audioContext && (window.AudioContext || window.webkitAudioContext)) {
      audioContext = new (window.AudioContext || window.webkitAudioContext)();
    }
    if (audioContext) audioContext.resume();
    soundButton.textContent = soundOn ? gettext("Sound is on (turn off)") : gettext("Turn on sound");
    if (soundOn) chime();
  });

  // A board is fitted again when the room of its next tokens changes, but not for the room its own fitting took.
  var roomWatcher = new ResizeObserver(function (changes) {
    changes.forEach(function (change) {
      var board = change.target.closest("[data-display-board]");
      if (lastQueues.has(board) && fittedRoom.get(change.target) !== roomOf(change.target)) {
        fitNext(board, lastQueues.get(board));
      }
    });
  });

  document.querySelectorAll("[data-display-board]").forEach(startBoard);
  showLanguage(shownLanguage);
})();
