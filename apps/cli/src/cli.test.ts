import { readFileSync } from "node:fs";
import { SYSTEM_IDS } from "@exolab/bench";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { captureIo as capture } from "./test-io.js";

const COMMANDS = ["bench", "trace", "explain", "compare", "profiles", "list"];

/** Runs the CLI and checks it failed with exactly one line on stderr containing each string. */
async function oneLineError(args: string[], status: number, ...mustContain: string[]) {
  const c = capture();
  expect(await runCli(args, c.io)).toBe(status);
  const text = c.errText().trimEnd();
  expect(text.split("\n"), text).toHaveLength(1);
  expect(text).toMatch(/^error: /);
  for (const s of mustContain) expect(text).toContain(s);
  expect(c.outText()).toBe("");
  // Refused before any work: nothing written, nothing left to undo.
  expect(c.entries()).toEqual([]);
  expect(c.pendingUndos()).toBe(0);
  return text;
}

describe("exolab argument handling", () => {
  it("--help for the program and for every command exits 0 and lists the commands/options", async () => {
    const c = capture();
    expect(await runCli(["--help"], c.io)).toBe(0);
    for (const cmd of COMMANDS) expect(c.outText()).toContain(cmd);
    for (const cmd of COMMANDS) {
      const d = capture();
      expect(await runCli([cmd, "--help"], d.io)).toBe(0);
      expect(d.outText()).toContain(`Usage: exolab ${cmd}`);
    }
    const b = capture();
    await runCli(["bench", "--help"], b.io);
    for (const flag of [
      "--suite",
      "--profile",
      "--system",
      "--benchmark",
      "--seed",
      "--json",
      "--md",
      "--html",
      "--host-time",
      "--quick",
    ])
      expect(b.outText()).toContain(flag);
    const t = capture();
    await runCli(["trace", "--help"], t.io);
    for (const flag of ["--ops", "--from", "--to", "--category", "--owner", "--max-spans"])
      expect(t.outText()).toContain(flag);
  });

  it("--version prints the version of the CLI's package.json", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    for (const flag of ["--version", "-V"]) {
      const c = capture();
      expect(await runCli([flag], c.io)).toBe(0);
      expect(c.outText()).toBe(`exolab ${pkg.version}\n`);
    }
  });

  it("a wrong profile names the valid ones", async () => {
    await oneLineError(
      ["bench", "--profile", "vax780"],
      2,
      "vax780",
      "dec5000_125",
      "dec3100",
      "dec2100",
    );
  });

  it("an unknown flag names the valid options", async () => {
    await oneLineError(["bench", "--fast"], 2, "--fast", "--quick", "--profile");
  });

  it("a wrong system names the valid ones", async () => {
    await oneLineError(["bench", "--system", "windows"], 2, "windows", "valid systems");
    await oneLineError(["bench", "--profile", "dec9+memory"], 2, "dec9+memory", "NAME+counted");
  });

  it("--system accepts every registered system, the examples too, and names each when missing", async () => {
    expect(SYSTEM_IDS).toEqual(
      expect.arrayContaining(["monolithic", "exokernel", "exos", "template"]),
    );
    for (const id of SYSTEM_IDS) {
      const c = capture();
      expect(await runCli(["bench", "--system", id, "--benchmark", "proc-call"], c.io), id).toBe(0);
      expect(c.outText(), id).toMatch(new RegExp(`\\s${id} \\(paper\\)`));
      expect(c.errText(), id).toBe("");
    }
    await oneLineError(["bench", "--system"], 2, `valid systems: ${SYSTEM_IDS.join(", ")}`);
  });

  it("an empty selection is refused with the valid choices, not run as an empty table", async () => {
    for (const empty of ["", ",", " , ,"]) {
      await oneLineError(
        ["bench", "--system", empty],
        2,
        "--system selects no system",
        "valid systems: monolithic, exokernel, exos",
      );
      await oneLineError(
        ["bench", "--benchmark", empty],
        2,
        "--benchmark selects no benchmark",
        "valid benchmarks: proc-call",
      );
    }
    await oneLineError(["list", "--system", ","], 2, "selects no system");
  });

  it("an unknown benchmark in a selection names the valid ones", async () => {
    await oneLineError(
      ["bench", "--benchmark", "getpid,fork-bomb"],
      2,
      '"fork-bomb"',
      "getpid",
      "stride",
    );
    await oneLineError(
      ["explain", "getpid,fork-bomb", "--system", "monolithic"],
      2,
      "fork-bomb",
      "appel2",
    );
    await oneLineError(["explain", ",", "--system", "monolithic"], 2, "selects no benchmark");
  });

  it("a wrong benchmark names the valid ones", async () => {
    await oneLineError(
      ["explain", "fork-bomb", "--system", "monolithic"],
      2,
      "fork-bomb",
      "getpid",
      "appel2",
    );
    await oneLineError(
      ["trace", "fork-bomb", "--system", "monolithic", "--out", "x.json"],
      2,
      "fork-bomb",
      "valid benchmarks",
    );
  });

  it("a bad seed, a bad window and a missing required option are one-line errors", async () => {
    await oneLineError(["bench", "--seed", "-3"], 2, "seed");
    await oneLineError(["bench", "--seed", "1.5"], 2, "seed");
    await oneLineError(["explain", "getpid"], 2, "--system");
    const trace = ["trace", "getpid", "--system", "exokernel", "--out", "t.json"];
    await oneLineError([...trace, "--ops", "0"], 2, "--ops takes N");
    await oneLineError([...trace, "--ops", "5..3"], 2, "--ops takes N");
    await oneLineError([...trace, "--ops", "3", "--from", "10"], 2, "give one of them");
    await oneLineError([...trace, "--to", "0"], 2, "--to must be an integer of at least 1");
    await oneLineError([...trace, "--max-spans", "0"], 2, "--max-spans");
    await oneLineError(
      [...trace, "--category", "cache"],
      2,
      'unknown category "cache"',
      "valid categories: user, kernel",
    );
    await oneLineError([...trace, "--owner", ","], 2, "selects no owner");
  });

  it("an unknown command is refused, naming the valid commands", async () => {
    await oneLineError(["benchmark"], 2, "unknown command", ...COMMANDS);
  });

  it("a wrong suite names the valid ones", async () => {
    await oneLineError(["bench", "--suite", "spec92"], 2, "spec92", "valid suites: paper");
  });

  it("an option given without its value names the valid values", async () => {
    await oneLineError(["bench", "--profile"], 2, "--profile", "dec5000_125", "dec3100", "dec2100");
    await oneLineError(["bench", "--system"], 2, "--system", "monolithic, exokernel, exos");
    await oneLineError(["bench", "--benchmark"], 2, "--benchmark", "proc-call");
    await oneLineError(
      ["explain", "getpid", "--system"],
      2,
      "--system",
      "monolithic, exokernel, exos",
    );
  });

  it("a missing benchmark names the valid ones; a command without options names --help", async () => {
    await oneLineError(
      ["trace", "--system", "exos", "--out", "x.json"],
      2,
      "benchmark",
      "proc-call",
      "stride",
    );
    await oneLineError(["list", "--bogus"], 2, "--bogus", "--help");
    await oneLineError(["bench", "extra"], 2, "too many arguments", "--help");
    await oneLineError(["compare", "a.json"], 2, "missing required argument 'new'");
  });

  it("a pair the system cannot run names the systems that run it", async () => {
    await oneLineError(
      ["explain", "getpid", "--system", "exos"],
      2,
      "getpid",
      "exos",
      "monolithic, exokernel",
    );
    await oneLineError(
      ["trace", "dirty", "--system", "monolithic", "--out", "t.json"],
      2,
      "dirty",
      "exos",
    );
    // The README's old example: getpid does not run on exos.
    await oneLineError(
      ["trace", "getpid", "--system", "exos", "--out", "t.json"],
      2,
      "valid systems for getpid: monolithic, exokernel",
    );
  });

  it("profiles lists the three machines", async () => {
    const c = capture();
    expect(await runCli(["profiles"], c.io)).toBe(0);
    for (const p of ["dec5000_125", "dec3100", "dec2100"]) expect(c.outText()).toContain(p);
    // Each with the memory system it models (the 5000/125's retire time and miss).
    expect(c.outText()).toContain(
      "memory system: 4-stage write buffer retiring a word in 15 cycles, 64 KiB I + 64 KiB D cache, a miss 14 cycles",
    );
    expect(c.outText()).toContain("NAME+counted");
  });

  it("list names every benchmark of the paper suite; --benchmark and --system narrow it", async () => {
    const c = capture();
    expect(await runCli(["list"], c.io)).toBe(0);
    for (const b of [
      "proc-call",
      "getpid",
      "exc-prot",
      "pct",
      "pipe",
      "lrpc",
      "appel2",
      "matmul",
      "stride",
    ])
      expect(c.outText()).toContain(b);
    const n = capture();
    expect(await runCli(["list", "--benchmark", "getpid,pipe", "--system", "exos"], n.io)).toBe(0);
    const lines = n.outText().trimEnd().split("\n");
    expect(lines[0]).toBe("suite paper (systems: exos)");
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[0])).toEqual(["getpid", "pipe"]);
    expect(lines[1]).toMatch(/\(none of these\)$/);
    expect(lines[2]).toMatch(/ exos$/);
  });

  it("explain takes several benchmarks, as text or as a JSON array", async () => {
    const c = capture();
    expect(await runCli(["explain", "getpid,exc-prot", "--system", "monolithic"], c.io)).toBe(0);
    expect(c.outText()).toMatch(/^getpid on monolithic/m);
    expect(c.outText()).toMatch(/^exc-prot on monolithic/m);
    const j = capture();
    expect(await runCli(["explain", "getpid,pct", "--system", "exokernel", "--json"], j.io)).toBe(
      0,
    );
    const parsed = JSON.parse(j.outText());
    expect(parsed.map((e: { benchmark: string }) => e.benchmark)).toEqual(["getpid", "pct"]);
  });
});
