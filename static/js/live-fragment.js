/*
 * live-fragment.js: staff pages whose live part the server renders (doctor dashboard, admin live queues).
 * The page and its fragment URL render the same template; this only fetches the fragment and swaps it in.
 *
 *   const refresh = LiveFragment.refresher(url, figuresMark);
 *                                                // refresh(): fetch url and swap its regions in; the
 *                                                // optional LiveSocket.FiguresMark's time is then now
 *   LiveFragment.swap(html);                     // swap the regions of an HTML fragment into the page
 *
 * A region is an element with an id and data-live-region; each one in the fragment replaces the page's
 * element of the same id. A region whose data-live-key is unchanged, or whose markup is (forms' CSRF tokens
 * aside), is left alone, so a form being filled in (consultation notes) keeps what was typed and its focus,
 * and a screen reader does not read a region again that did not change. When the focus was inside a
 * replaced region, it moves to the same control in the new one (same id, the same action on the same
 * entry, or a link to the same address), else to the region's first visible button unless that acts on another patient than the
 * control that went (a recall of the next token in a list; a button for no patient, "Call next patient",
 * may take it), else to the innermost element with an id around it (a live queues' department card), else to the
 * region itself.
 * A region is redrawn whole, and a screen reader would read a live region in it each time it comes back (a
 * long-wait alert whose minutes grow). So swapped markup holds no live region: an element in it with
 * data-announce-once is read once, by the page's lasting #live-announcer, when a swap brings in a value of
 * data-announce-once the page did not show (a new alert), not when the same one is redrawn.
 * Of several refreshes in flight, an answer older than one already swapped in is dropped.
 * A 403 (the session expired or the role was taken away) goes to StaffSession.refused (staff-session.js): the
 * sign-in page saying why, or a reload, which then shows sign-in. A refresh is the page's own doing, not the
 * person's: it says so (X-Background-Refresh), so that an open page does not keep its session alive past its
 * idle time.
 * While the page's socket is lost, its figures are marked not live (LiveSocket.FiguresMark) on elements around the
 * regions, which a swap leaves in place, and the time the note gives is that of the last fragment swapped in (or
 * found unchanged), not of the last frame, which only asked for one.
 */
(function (global) {
  "use strict";

  var document = global.document;

  // What identifies a control across renders: its id, where a link goes (the live queues' "Return to the line" of a
  // token), or the action and entry of its form.
  function controlKey(element) {
    if (element.id) return "#" + element.id;
    if (element.tagName === "A" && element.getAttribute("href")) return "a:" + element.getAttribute("href");
    var form = element.closest && element.closest("form");
    if (!form) return null;
    var action = form.querySelector("[name=action]");
    var entry = form.querySelector("[name=entry]");
    return "form:" + (action ? action.value : "") + ":" + (entry ? entry.value : "") + ":" + element.tagName;
  }

  function findControl(region, key) {
    if (!key) return null;
    if (key.charAt(0) === "#") return region.querySelector(key);
    var controls = region.querySelectorAll("a[href], button, select, textarea, input:not([type=hidden])");
    for (var i = 0; i < controls.length; i += 1) {
      if (controlKey(controls[i]) === key) return controls[i];
    }
    return null;
  }

  function visible(element) {
    return !element.closest("[hidden]");
  }

  // The entry a control's form acts on ("" for none), from its key or the control itself.
  function entryOfKey(key) {
    return key && key.indexOf("form:") === 0 ? key.split(":")[2] : "";
  }

  // The innermost element with an id around the focused control, inside its region (a live queues' department card).
  function placeKey(element, region) {
    for (var node = element.parentElement; node && node !== region; node = node.parentElement) {
      if (node.id) return "#" + node.id;
    }
    return null;
  }

  function moveFocusInto(region, key, place) {
    var target = findControl(region, key);
    if (!target || !visible(target)) {
      target = Array.prototype.filter.call(region.querySelectorAll("button"), visible)[0];
      // "Call next patient", in place of the "Complete consultation" just pressed, acts on no one in particular:
      // only a button for another patient (the recall of the next skipped token) must not take the focus.
      var lostEntry = entryOfKey(key);
      var targetEntry = target ? entryOfKey(controlKey(target)) : "";
      if (lostEntry && targetEntry && targetEntry !== lostEntry) target = null;
    }
    // Gone from its place: the place, drawn again, where there is one; the whole region is read out from its start.
    if (!target) target = place && region.querySelector(place);
    if (target && !target.matches("a[href], button, select, textarea, input, [tabindex]")) {
      target.setAttribute("tabindex", "-1");
    }
    if (!target) {
      region.setAttribute("tabindex", "-1");
      target = region;
    }
    target.focus();
  }

  // A region's markup without its forms' CSRF tokens, which differ on every render, nor the tabindex the focus
  // brought to it or to a place in it.
  function markup(region) {
    var copy = region.cloneNode(true);
    copy.removeAttribute("tabindex");
    copy.querySelectorAll('[tabindex="-1"]').forEach(function (element) {
      element.removeAttribute("tabindex");
    });
    copy.querySelectorAll("[name=csrfmiddlewaretoken]").forEach(function (input) {
      input.removeAttribute("value");
    });
    return copy.innerHTML;
  }

  function announcedKeys(root) {
    return Array.prototype.map.call(root.querySelectorAll("[data-announce-once]"), function (element) {
      return element.dataset.announceOnce;
    });
  }

  // The words of what a region brings in that the page did not show (two departments' new alerts: both).
  function newAnnouncements(fresh, shownBefore) {
    return Array.prototype.filter
      .call(fresh.querySelectorAll("[data-announce-once]"), function (element) {
        return shownBefore.indexOf(element.dataset.announceOnce) === -1;
      })
      .map(function (element) {
        return element.textContent.replace(/\s+/g, " ").trim();
      });
  }

  function swap(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var swapped = [];
    var shownBefore = announcedKeys(document);
    var announcements = [];
    template.content.querySelectorAll("[data-live-region][id]").forEach(function (fresh) {
      var current = document.getElementById(fresh.id);
      if (!current) return;
      if (fresh.dataset.liveKey !== undefined && fresh.dataset.liveKey === current.dataset.liveKey) return;
      if (markup(fresh) === markup(current)) return;
      var focused = document.activeElement;
      var hadFocus = focused && focused !== document.body && current.contains(focused);
      var key = hadFocus ? controlKey(focused) : null;
      var place = hadFocus ? placeKey(focused, current) : null;
      current.replaceWith(fresh);
      if (hadFocus) moveFocusInto(fresh, key, place);
      announcements = announcements.concat(newAnnouncements(fresh, shownBefore));
      swapped.push(fresh.id);
    });
    var announcer = document.getElementById("live-announcer");
    if (announcer && announcements.length) announcer.textContent = announcements.join(" ");
    return swapped;
  }

  function refresher(url, figuresMark) {
    var issued = 0;
    var swappedIn = 0;
    return function refresh() {
      var number = (issued += 1);
      // A refresh the page makes by itself: it does not keep the session alive (smartqueue/sessions.py).
      var headers = { Accept: "text/html", "X-Background-Refresh": "1" };
      return fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" }).then(
        function (response) {
          if (response.status === 403) {
            global.StaffSession.refused();
            return null;
          }
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text().then(function (html) {
            // An answer to an older request than one already swapped in would put back what has changed since
            // (the patient just completed, and the focus moved off its buttons).
            if (number < swappedIn) return [];
            swappedIn = number;
            var swapped = swap(html);
            if (figuresMark) figuresMark.updated();
            return swapped;
          });
        }
      );
    };
  }

  global.LiveFragment = { swap: swap, refresher: refresher };
})(window);
