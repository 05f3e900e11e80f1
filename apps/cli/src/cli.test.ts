import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { captureIo } from "./test-io.js";

const capture = captureIo;

describe("exolab argument handling", () => {
  it("--help for the program and for every command exits 0 and lists the commands/options", () => {
    const c = capture();
    expect(runCli(["--help"], c.io)).toBe(0);
    for (const cmd of ["bench", "trace", "explain", "profiles", "list"])
      expect(c.outText()).toContain(cmd);
    for (const cmd of ["bench", "trace", "explain", "profiles", "list"]) {
      const d = capture();
      expect(runCli([cmd, "--help"], d.io)).toBe(0);
      expect(d.outText()).toContain(`Usage: exolab ${cmd}`);
    }
    const b = capture();
    runCli(["bench", "--help"], b.io);
    for (const flag of [
      "--suite",
      "--profile",
      "--system",
      "--seed",
      "--json",
      "--md",
      "--html",
      "--quick",
    ]) {
      expect(b.outText()).toContain(flag);
    }
  });

  const oneLineError = (args: string[], ...mustContain: string[]) => {
    const c = capture();
    expect(runCli(args, c.io)).not.toBe(0);
    const text = c.errText().trimEnd();
    expect(text.split("\n")).toHaveLength(1);
    for (const s of mustContain) expect(text).toContain(s);
  };

  it("a wrong profile names the valid ones", () => {
    oneLineError(["bench", "--profile", "vax780"], "vax780", "dec5000_125", "dec3100", "dec2100");
  });

  it("an unknown flag names the valid options", () => {
    oneLineError(["bench", "--fast"], "--fast", "--quick", "--profile");
  });

  it("a wrong system names the valid ones", () => {
    oneLineError(["bench", "--system", "windows"], "windows", "valid systems");
  });

  it("a wrong benchmark names the valid ones", () => {
    oneLineError(
      ["explain", "fork-bomb", "--system", "monolithic"],
      "fork-bomb",
      "getpid",
      "appel2",
    );
    oneLineError(
      ["trace", "fork-bomb", "--system", "monolithic", "--out", "x.json"],
      "fork-bomb",
      "valid benchmarks",
    );
  });

  it("a bad seed and a missing required option are one-line errors", () => {
    oneLineError(["bench", "--seed", "-3"], "seed");
    oneLineError(["bench", "--seed", "1.5"], "seed");
    oneLineError(["explain", "getpid"], "--system");
  });

  it("an unknown command is refused, naming the valid commands", () => {
    oneLineError(["benchmark"], "unknown command", "bench", "trace", "explain", "profiles", "list");
  });

  it("a wrong suite names the valid ones", () => {
    oneLineError(["bench", "--suite", "spec92"], "spec92", "valid suites: paper");
  });

  it("an option given without its value names the valid values", () => {
    oneLineError(["bench", "--profile"], "--profile", "dec5000_125", "dec3100", "dec2100");
    oneLineError(["bench", "--system"], "--system", "monolithic, exokernel, exos");
    oneLineError(["explain", "getpid", "--system"], "--system", "monolithic, exokernel, exos");
  });

  it("a missing benchmark names the valid ones; a command without options names --help", () => {
    oneLineError(
      ["trace", "--system", "exos", "--out", "x.json"],
      "benchmark",
      "proc-call",
      "stride",
    );
    oneLineError(["list", "--bogus"], "--bogus", "--help");
    oneLineError(["bench", "extra"], "too many arguments", "--help");
  });

  it("a pair the system cannot run names the systems that run it", () => {
    oneLineError(
      ["explain", "getpid", "--system", "exos"],
      "getpid",
      "exos",
      "monolithic, exokernel",
    );
    oneLineError(["trace", "dirty", "--system", "monolithic", "--out", "t.json"], "dirty", "exos");
  });

  it("profiles lists the three machines", () => {
    const c = capture();
    expect(runCli(["profiles"], c.io)).toBe(0);
    for (const p of ["dec5000_125", "dec3100", "dec2100"]) expect(c.outText()).toContain(p);
  });

  it("list names every benchmark of the paper suite", () => {
    const c = capture();
    expect(runCli(["list"], c.io)).toBe(0);
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
    ]) {
      expect(c.outText()).toContain(b);
    }
  });
});
