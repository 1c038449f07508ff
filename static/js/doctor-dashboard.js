// Doctor dashboard: the server renders it (templates/doctors/_dashboard_live.html) and this script
// only swaps fresh copies in. The doctor's socket (/ws/doctor/<id>/) says *that* the department's
// queue changed, but its frames lack what the dashboard shows (waiting minutes, skipped tokens, today's
// statistics), so every frame asks for the fragment again, at most once a second for a burst of frames.
// Buttons post to /doctors/api/ (event delegation on the page, so they work after a swap) and the
// fragment is read once the action is done. While the socket cannot open, the fragment is polled.
// The consultation notes being typed are kept in this tab (sessionStorage, by the visit's entry) until that
// consultation leaves the dashboard: a sign-out for idleness or a reload brings them back on the next load. Notes of a
// consultation that left it unsaved (completed in another tab or device, or ended by the desk) are shown in the notice.
(function () {
  "use strict";
  const root = document.getElementById("doctor-dashboard");
  if (!root) return;
  const apiUrl = root.dataset.apiUrl;
  const REFRESH_AT_MOST_EVERY_MS = 1000;
  const announcer = document.getElementById("dashboard-announcer");
  // The line, the patient with the doctor and today's figures, marked while the socket is lost (LiveSocket).
  const figuresMark = new LiveSocket.FiguresMark(
    Array.from(root.querySelectorAll("[data-live-figures]")), root.querySelector("[data-stale-note]"),
  );
  const swapIn = LiveFragment.refresher(root.dataset.fragmentUrl, figuresMark);
  let waitingCount = document.getElementById("waiting-count").textContent;

  function csrfToken() {
    return root.querySelector("[name=csrfmiddlewaretoken]").value;
  }

  const NOTES_DRAFT_PREFIX = "smartqueue.notes-draft.";

  function notesDraftKey(notes) {
    return NOTES_DRAFT_PREFIX + notes.form.querySelector("[name=entry]").value;
  }

  // A draft lives as long as its consultation is on the dashboard: completed, moved or gone, it is dropped. One this
  // page did not save (the consultation ended in another tab or device, or by the desk) is not dropped unsaid: the
  // notice keeps its words until dismissed, for the doctor to copy into the record; they vanished with the field.
  function keepOnlyTheShownNotesDraft() {
    const notes = document.getElementById("consultation-notes");
    const shown = notes ? notesDraftKey(notes) : null;
    Object.keys(sessionStorage)
      .filter((key) => key.startsWith(NOTES_DRAFT_PREFIX) && key !== shown)
      .forEach((key) => {
        const unsaved = sessionStorage.getItem(key);
        sessionStorage.removeItem(key);
        if (unsaved) {
          focusBeforeNotice = document.activeElement;
          showNotice(
            interpolate(
              gettext("The consultation ended elsewhere before your notes were saved. Your notes: %(notes)s"),
              { notes: unsaved },
              true,
            ),
            "danger",
          );
        }
      });
    if (notes && !notes.value) notes.value = sessionStorage.getItem(shown) || "";
  }

  root.addEventListener("input", (event) => {
    if (event.target.id !== "consultation-notes") return;
    const key = notesDraftKey(event.target);
    if (event.target.value) sessionStorage.setItem(key, event.target.value);
    else sessionStorage.removeItem(key);
  });

  // Say a change of the line's length to screen readers once, not every redrawn row.
  function refresh() {
    return swapIn().then(() => {
      const count = document.getElementById("waiting-count").textContent;
      if (count !== waitingCount) announcer.textContent = interpolate(gettext("%(count)s waiting"), { count: count }, true);
      waitingCount = count;
      keepOnlyTheShownNotesDraft();
    });
  }

  // One notice at a time, in a fixed corner: a new one replaces the last instead of pushing the work down.
  // A success goes by itself; an error stays until dismissed or the next action, however long it takes to read
  // (WCAG 2.2.1).
  const notice = document.getElementById("dashboard-notice");
  const SUCCESS_SHOWN_MS = 6000;
  let noticeTimer = null;
  // Where the doctor was when the notice came: a notice hidden with the focus on its Dismiss gives it back there
  // (else to the page), not to nowhere, from where a screen reader starts again at the top.
  let focusBeforeNotice = null;
  function hideNotice() {
    clearTimeout(noticeTimer);
    const hadFocus = notice.contains(document.activeElement);
    notice.hidden = true;
    if (hadFocus) {
      const back = focusBeforeNotice && focusBeforeNotice.isConnected ? focusBeforeNotice : null;
      (back || document.getElementById("main")).focus();
    }
    root.querySelectorAll("[aria-invalid]").forEach((field) => {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    });
  }
  // A refusal that names a field of the form (a transfer without its department) marks the field, described by the
  // notice, and gives it the focus, where the doctor puts it right (WCAG 3.3.1).
  function markRefusedFields(form, errors) {
    const fields = Object.keys(errors)
      .map((name) => form.querySelector(`[name="${CSS.escape(name)}"]:not([type=hidden])`))
      .filter(Boolean);
    fields.forEach((field) => {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", "dashboard-notice-text");
    });
    if (fields.length) fields[0].focus();
  }
  function showNotice(text, kind) {
    notice.className = `alert alert-${kind} action-notice`;
    notice.setAttribute("role", kind === "danger" ? "alert" : "status");
    notice.querySelector("[data-notice-text]").textContent = text;
    notice.hidden = false;
    clearTimeout(noticeTimer);
    if (kind !== "danger") noticeTimer = setTimeout(hideNotice, SUCCESS_SHOWN_MS);
  }
  notice.querySelector("[data-dismiss-notice]").addEventListener("click", hideNotice);

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-doctor-action]");
    if (!form) return;
    event.preventDefault();
    hideNotice();
    const body = new FormData(form);
    // A form with several actions names the one chosen on its button (as a plain form's submit sends it).
    if (event.submitter && event.submitter.name) body.set(event.submitter.name, event.submitter.value);
    // Going offline with patients waiting may text them that no doctor is coming back (see #offline-question).
    const offline = body.get("availability") === "offline";
    const question = document.getElementById("offline-question");
    if (offline && question && !window.confirm(question.dataset.confirmOffline)) {
      form.reset(); // back to the availability the doctor still has
      return;
    }
    // Notes sent with the action (Complete, Complete and refer) are no draft while it runs, so that the consultation
    // leaving the dashboard as it is saved (the socket's redraw can come before the answer) is not taken for notes
    // lost; refused or unanswered, they are a draft again.
    const notes = form.querySelector("#consultation-notes");
    const sentNotes = notes ? { key: notesDraftKey(notes), text: sessionStorage.getItem(notesDraftKey(notes)) } : null;
    if (sentNotes) sessionStorage.removeItem(sentNotes.key);
    let response = null;
    let answer = null;
    try {
      response = await fetch(apiUrl, {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.status !== 403) answer = await response.json();
    } catch (error) {
      // The connection dropped, or a proxy answered with its own page (a 502 while the server restarts): the
      // press did nothing the doctor could see, and the promise's failure said nothing to anyone.
      answer = null;
    }
    const notesSaved = response && response.ok;
    if (sentNotes && sentNotes.text && !notesSaved) sessionStorage.setItem(sentNotes.key, sentNotes.text);
    if (response && response.status === 403) {
      StaffSession.refused();
      return;
    }
    if (!answer) {
      focusBeforeNotice = document.activeElement;
      // Whether it was done is not known (the answer may be what was lost): the dashboard, drawn again once the
      // connection is back, says.
      showNotice(
        gettext("The server could not be reached, or did not answer. Check the dashboard before trying again."),
        "danger",
      );
      return;
    }
    if (response.ok) {
      showNotice(answer.message, "success");
    } else {
      const errors = answer.errors || { detail: [answer.detail] };
      showNotice(Object.values(errors).flat().join(" "), "danger");
      // A form that shows what the server holds (the availability, its region's key) is drawn again only when that
      // changes: refused, it went on showing the choice that was not made ("On break" with a patient still called).
      if (form.dataset.liveKey !== undefined) form.reset();
      markRefusedFields(form, errors);
    }
    focusBeforeNotice = document.activeElement;
    // A refusal most often means the page is behind (the token moved on elsewhere): its buttons are read again.
    await refresh();
    // A redraw that replaced that control moved the focus to the same one drawn again.
    if (!focusBeforeNotice.isConnected && !notice.contains(document.activeElement)) {
      focusBeforeNotice = document.activeElement;
    }
  });

  keepOnlyTheShownNotesDraft();
  const refreshSoon = LiveSocket.throttle(refresh, REFRESH_AT_MOST_EVERY_MS);
  new LiveSocket({
    path: root.dataset.socketPath,
    pollTask: refresh,
    // Minutes waited grow with no change to announce.
    refreshMs: LiveSocket.WAITS_REFRESH_MS,
    statusElement: document.getElementById("live-status"),
    onSnapshot: refreshSoon,
    onMessage: refreshSoon,
    // Refused at the handshake: most likely the session expired, which the fragment's 403 turns into a reload.
    onStatus: (status) => {
      figuresMark.showStatus(status);
      if (status === "refused") refresh();
    },
  }).start();
})();
