#!/usr/bin/env node
import { runCli } from "./cli.js";
import type { Io } from "./io.js";
import { CURSOR, SHOW_CURSOR } from "./progress.js";

/**
 * The process around the CLI: standard streams, the terminal for progress, and the way out
 * on Ctrl-C or SIGTERM: every registered undo runs (partial files removed, cursor shown),
 * one line on stderr, exit 130 (SIGINT) or 143 (SIGTERM). A long command awaits between
 * its steps, which is when a signal is handled.
 */
const undos = new Set<() => void>();

function interrupted(signal: "SIGINT" | "SIGTERM"): void {
  for (const undo of [...undos].reverse()) {
    try {
      undo();
    } catch {
      // keep undoing the rest
    }
  }
  undos.clear();
  if (CURSOR.hidden && process.stderr.isTTY === true) process.stderr.write(SHOW_CURSOR);
  process.stderr.write(`\nexolab: interrupted (${signal}); no partial output was left\n`);
  process.exit(signal === "SIGINT" ? 130 : 143);
}

process.on("SIGINT", () => interrupted("SIGINT"));
process.on("SIGTERM", () => interrupted("SIGTERM"));
process.on("exit", () => {
  if (CURSOR.hidden && process.stderr.isTTY === true) process.stderr.write(SHOW_CURSOR);
});
// A closed pipe (`exolab bench | head`) ends the output quietly.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
});

const io: Io = {
  out: (s) => {
    process.stdout.write(s);
  },
  err: (s) => {
    process.stderr.write(s);
  },
  cwd: process.cwd(),
  progress: process.stderr.isTTY === true ? process.stderr : null,
  onInterrupt: (undo) => {
    undos.add(undo);
    return () => {
      undos.delete(undo);
    };
  },
  breathe: () => new Promise((resolve) => setImmediate(resolve)),
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // runCli reports every failure itself; this is the last guard against a stack trace.
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
