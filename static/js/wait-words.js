// How an estimated wait reads on the live pages: "about 25 min", "about 1 hour 15 min", "about 4 hours". The same rule as
// patients/templatetags/waits.py, which draws the pages' first state (a test runs both on the same waits).
// `units` holds the words of one language as the server gives them (waits.wait_units): {language, minutes, hours,
// hours_minutes}, the hours' forms by plural category ("1 घंटा", "2 घंटे"). Also when the doctors are expected while
// none is on duty.
(function (global) {
  "use strict";

  // From an hour on, hours and minutes (to five minutes); from three hours, hours.
  var HOURS_FROM_MINUTES = 60;
  var WHOLE_HOURS_FROM_MINUTES = 180;

  function nearest(value, step) {
    return Math.floor(value / step + 0.5) * step;
  }

  // The form of `forms` (by plural category) that agrees with `count` in `language`. A browser without
  // Intl.PluralRules (a board's older TV) takes "one" for 1, as every site language but Arabic's two does.
  function agreeing(forms, count, language) {
    var category = typeof Intl !== "undefined" && Intl.PluralRules
      ? new Intl.PluralRules(inServerDigits(language)).select(count)
      : count === 1 ? "one" : "other";
    return forms[category] || forms.other;
  }

  function duration(minutes, units) {
    if (minutes < HOURS_FROM_MINUTES) return interpolate(units.minutes, { minutes: minutes }, true);
    var hours = nearest(minutes, 60) / 60;
    if (minutes < WHOLE_HOURS_FROM_MINUTES) {
      var rounded = nearest(minutes, 5);
      var rest = rounded % 60;
      hours = Math.floor(rounded / 60);
      if (rest) {
        var hoursMinutes = agreeing(units.hours_minutes, hours, units.language);
        return interpolate(hoursMinutes, { hours: hours, minutes: rest }, true);
      }
    }
    return interpolate(agreeing(units.hours, hours, units.language), { hours: hours }, true);
  }

  // A duration a line may not break inside (waits.py's unbroken): a wide figure wrapped "about 50 min – 1" above
  // "h 35 min".
  function unbroken(words) {
    return words.replace(/ /g, "\u00a0");
  }

  // While no doctor is on duty (a queue's or visit's doctors_on_duty), the time the department's first one is
  // expected (doctors_expected_at), in `language`, if it is still ahead; else null: one who is late is not counted
  // on. Read in the hospital's own time, as the server wrote it, whatever the reader's time zone.
  function doctorsExpectedLater(doctors, language) {
    if (doctors.doctors_on_duty || !doctors.doctors_expected_at) return null;
    if (new Date(doctors.doctors_expected_at).getTime() <= Date.now()) return null;
    return hospitalClockTime(doctors.doctors_expected_at, language);
  }

  // The hours and minutes of a time the server wrote (in the hospital's zone), in the language's way: read off the
  // text, not converted to the phone's zone, so the page agrees with the hospital's clocks and its texts.
  function hospitalClockTime(serverTime, language) {
    var clock = serverTime.match(/T(\d\d):(\d\d)/);
    return clockTime(new Date(Date.UTC(2000, 0, 1, Number(clock[1]), Number(clock[2]))), language, "UTC");
  }

  // `language` with the digits 0-9 the server writes: older browsers' Arabic writes ٩:٠٥ beside the page's 09:05.
  function inServerDigits(language) {
    return (language || "en") + "-u-nu-latn";
  }

  // A time of day on the clock of the server's pages (Django's TIME_FORMAT, smartqueue/formats): 24-hour in the site's
  // other languages, where a browser's Hindi says 9:05 pm for the page's 21:05; in English Django's "P", "6 p.m.",
  // "9:05 a.m.", "midnight", "noon", where a browser says "6:00 PM" beside the server's "hours end at 6 p.m.".
  function clockTime(date, language, timeZone) {
    if ((language || "en").split("-")[0] === "en") return twelveHourTime(date, timeZone);
    return date.toLocaleTimeString(inServerDigits(language), {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: timeZone,
    });
  }

  function twelveHourTime(date, timeZone) {
    var parts = {};
    var format = { hour: "numeric", minute: "numeric", hourCycle: "h23", timeZone: timeZone };
    new Intl.DateTimeFormat("en-u-nu-latn", format)
      .formatToParts(date)
      .forEach(function (part) { parts[part.type] = Number(part.value); });
    var hour = parts.hour % 24;
    var minute = parts.minute;
    if (!minute && hour === 0) return "midnight";
    if (!minute && hour === 12) return "noon";
    var shown = String(hour % 12 || 12) + (minute ? ":" + String(minute).padStart(2, "0") : "");
    return shown + (hour < 12 ? " a.m." : " p.m.");
  }

  global.WaitWords = {
    duration: duration,
    inHours: function (minutes) { return minutes >= HOURS_FROM_MINUTES; },
    unbroken: unbroken,
    doctorsExpectedLater: doctorsExpectedLater,
    clockTime: clockTime,
    hospitalClockTime: hospitalClockTime,
    inServerDigits: inServerDigits,
  };
})(window);
