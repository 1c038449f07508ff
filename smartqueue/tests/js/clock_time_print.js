// Prints static/js/wait-words.js's clock times of the TIMES below (UTC) in each language given on the command line,
// as JSON; test_wait_words.py compares them with the server's.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const context = { Date, Intl };
context.window = context;
vm.createContext(context);
vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js/wait-words.js"), "utf8"), context);
// Midnight and noon have words of their own in English, and whole hours no minutes ("6 p.m.").
const TIMES = [[9, 5], [21, 5], [0, 0], [12, 0], [18, 0], [0, 30], [12, 30]];
const times = Object.fromEntries(
  process.argv.slice(2).map((language) => [
    language,
    TIMES.map(([hour, minute]) =>
      context.WaitWords.clockTime(new Date(Date.UTC(2026, 11, 8, hour, minute)), language, "UTC")
    ),
  ])
);
process.stdout.write(JSON.stringify(times));
