// Prints static/js/wait-words.js's unbroken duration for each wait (minutes) given on the command line, as JSON, in
// English: the ends of a range on the status page; test_wait_words.py compares them with the server's.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const context = { interpolate: (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name])) };
context.window = context;
vm.createContext(context);
vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js/wait-words.js"), "utf8"), context);
const units = { minutes: "%(minutes)s min", hours: "%(hours)s h", hours_minutes: "%(hours)s h %(minutes)s min" };
const words = Object.fromEntries(
  process.argv.slice(2).map((minutes) => [minutes, context.WaitWords.unbroken(context.WaitWords.duration(Number(minutes), units))])
);
process.stdout.write(JSON.stringify(words));
