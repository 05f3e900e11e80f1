#!/usr/bin/env node
import { writeFileSync } from "node:fs";
import { runCli } from "./cli.js";

const code = runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  writeFile: (path, text) => writeFileSync(path, text),
  progress: process.stderr.isTTY === true ? process.stderr : null,
});
process.exitCode = code;
