// Prints static/js/wait-words.js's words for each wait (minutes) given on the command line, as JSON, in the words of
// the first argument (the server's waits.wait_units, as JSON); with --unbroken next, as the ends of a range on the
// status page are kept whole; with --without-plural-rules, as a browser without Intl.PluralRules draws them.
// test_wait_words.py compares them with the server's.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const context = { interpolate: (format, values) => format.replace(/%\((\w+)\)s/g, (match, name) => String(values[name])) };
context.window = context;
vm.createContext(context);
const units = JSON.parse(process.argv[2]);
let args = process.argv.slice(3);
if (args[0] === "--without-plural-rules") {
  vm.runInContext("Intl.PluralRules = undefined;", context);
  args = args.slice(1);
}
vm.runInContext(fs.readFileSync(path.join(__dirname, "../../../static/js/wait-words.js"), "utf8"), context);
const unbroken = args[0] === "--unbroken";
const asWords = (minutes) => {
  const words = context.WaitWords.duration(Number(minutes), units);
  return unbroken ? context.WaitWords.unbroken(words) : words;
};
const words = Object.fromEntries(args.slice(unbroken ? 1 : 0).map((minutes) => [minutes, asWords(minutes)]));
process.stdout.write(JSON.stringify(words));
