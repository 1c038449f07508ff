// Prints static/js/wait-words.js's clock times of 09:05 and 21:05 (UTC) in each language given on the command line,
// as JSON; test_wait_words.py compares them with the server's.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const context = { Date, Intl };
context.window = context;
vm.createContext(context);
vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js/wait-words.js"), "utf8"), context);
const times = Object.fromEntries(
  process.argv.slice(2).map((language) => [
    language,
    [9, 21].map((hour) => context.WaitWords.clockTime(new Date(Date.UTC(2026, 11, 8, hour, 5)), language, "UTC")),
  ])
);
process.stdout.write(JSON.stringify(times));
