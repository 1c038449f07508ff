// How an estimated wait reads on the live pages: "~25 min", "about 1 h 15 min", "about 4 h". The same rule as
// patients/templatetags/waits.py, which draws the pages' first state (a test runs both on the same waits).
// `units` holds the words of one language: {minutes, hours, hours_minutes} ("%(minutes)s min" ...).
(function (global) {
  "use strict";

  // From an hour on, hours and minutes (to five minutes); from three hours, hours.
  var HOURS_FROM_MINUTES = 60;
  var WHOLE_HOURS_FROM_MINUTES = 180;

  function nearest(value, step) {
    return Math.floor(value / step + 0.5) * step;
  }

  function duration(minutes, units) {
    if (minutes < HOURS_FROM_MINUTES) return interpolate(units.minutes, { minutes: minutes }, true);
    if (minutes < WHOLE_HOURS_FROM_MINUTES) {
      var rounded = nearest(minutes, 5);
      var hours = Math.floor(rounded / 60);
      var rest = rounded % 60;
      if (rest) return interpolate(units.hours_minutes, { hours: hours, minutes: rest }, true);
      return interpolate(units.hours, { hours: hours }, true);
    }
    return interpolate(units.hours, { hours: nearest(minutes, 60) / 60 }, true);
  }

  global.WaitWords = { duration: duration, inHours: function (minutes) { return minutes >= HOURS_FROM_MINUTES; } };
})(window);
