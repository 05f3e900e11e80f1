import { beforeAll, describe, expect, it } from "vitest";
import { ADAPTERS, adapterFor } from "./adapters/index.js";
import { traceBenchmark } from "./inspect.js";
import { benchmarkJsTimer } from "./node/host.js";
import type { BenchReport, BenchResult } from "./result.js";
import { runBenchmark } from "./runner.js";
import { runSuite } from "./suite.js";
import { PAPER_SUITE } from "./workloads/index.js";

/**
 * What each row measures: the event counts per operation pin down the paper's definitions
 * (one way = one transfer, appel1/appel2 per page = one fault, trap without the handler's
 * fix, an exception handler that resumes), whatever the cycle costs of the systems are.
 */
let report: BenchReport;
/**
 * The rows these tests read (the suite's other rows, matmul above all, would only cost time:
 * each row runs on a fresh seeded system, so a slice measures the same figures).
 */
const READ = [
  "getpid",
  "getpid-stack",
  "getpid-lib",
  "exc-unalign",
  "exc-overflow",
  "exc-coproc",
  "exc-prot",
  "pct",
  "pipe",
  "pipe-inline",
  "shm",
  "lrpc",
  "tlrpc",
  "dirty",
  "trap",
  "appel1",
  "appel2",
];
beforeAll(() => {
  report = runSuite({
    suite: "paper",
    workloads: PAPER_SUITE.filter((w) => READ.includes(w.id)),
    adapters: ADAPTERS,
    profile: "dec5000_125",
    seed: 1,
  });
}, 300_000);

function row(benchmark: string, system: string): BenchResult {
  const r = report.results.find((x) => x.benchmark === benchmark && x.system === system);
  if (r === undefined || !r.supported) throw new Error(`${benchmark} on ${system} did not run`);
  return r;
}

const label = (r: BenchResult, name: string) => r.labels.find((l) => l.label === name);

describe("each row measures what the paper's row defines", () => {
  it("pct is one way: one transfer (and one kernel entry) per operation", () => {
    const r = row("pct", "exokernel");
    expect(r.counts.transfers).toBe(1);
    expect(r.counts.syscalls).toBe(1);
  });

  it("pipe, pipe' and shm are one way: the counter crosses once per operation", () => {
    for (const b of ["pipe", "pipe-inline", "shm"]) {
      const r = row(b, "exos");
      // Each round trip checks one reply and increments once: half of each per one-way op.
      expect(label(r, "app.check")!.calls, b).toBe(r.iterations.measured);
      expect(label(r, "app.increment")!.calls, b).toBe(r.iterations.measured);
      expect(label(r, "app.check")!.instructions / r.iterations.measured, b).toBe(2);
      expect(r.attribution.user, b).toBeGreaterThan(0);
    }
    // One way = one write by the sender and one read by the receiver.
    expect(row("pipe", "monolithic").counts.syscalls).toBe(2);
    // Two writes per round trip: one per one-way operation (the labels are totals).
    expect(label(row("pipe", "exos"), "exos.pipe.write.step")!.calls).toBe(
      2 * row("pipe", "exos").iterations.measured,
    );
  });

  it("lrpc and tlrpc are round trips: two transfers per operation", () => {
    for (const b of ["lrpc", "tlrpc"]) expect(row(b, "exos").counts.transfers, b).toBe(2);
  });

  it("appel1 and appel2 are per page: one protection fault per operation", () => {
    for (const b of ["appel1", "appel2"]) {
      expect(row(b, "exos").counts.exceptions, b).toBe(1);
      expect(row(b, "exos").counts.upcalls, b).toBe(1);
      expect(row(b, "monolithic").counts.signals, b).toBe(1);
    }
  });

  it("trap leaves the handler's fix out: no unprotect call inside the measured trap", () => {
    const exos = row("trap", "exos");
    expect(exos.counts.exceptions).toBe(1);
    expect(exos.counts.syscalls).toBe(0);
    expect(label(exos, "exos.vm.protect.step")).toBeUndefined();
    const mono = row("trap", "monolithic");
    expect(mono.counts.signals).toBe(1);
    expect(mono.counts.syscalls).toBe(1); // sigreturn only: the handler's mprotect is left out
  });

  it("the bare exception handler restores its three scratch registers and resumes", () => {
    for (const b of ["exc-unalign", "exc-overflow", "exc-coproc", "exc-prot"]) {
      const r = row(b, "exokernel");
      expect(r.counts.exceptions, b).toBe(1);
      expect(label(r, "bare.exc-handler")!.calls, b).toBe(r.iterations.measured);
      // Three saves by the kernel's dispatch, three restores (loads) by the handler.
      expect(r.attribution.regSave, b).toBe(3);
      expect(r.attribution.memory, b).toBeGreaterThanOrEqual(3);
    }
    for (const b of ["exc-overflow", "exc-prot"]) {
      const r = row(b, "monolithic");
      expect(r.counts.signals, b).toBe(1);
      expect(label(r, "app.signal-skip")!.calls, b).toBe(r.iterations.measured);
    }
  });

  it("getpid-stack and getpid-lib are set against Ultrix's getpid", () => {
    const base = row("getpid", "monolithic");
    for (const [b, s] of [
      ["getpid", "exokernel"],
      ["getpid-stack", "exokernel"],
      ["getpid-lib", "exos"],
    ] as const) {
      const r = row(b, s);
      expect(r.baselineBenchmark).toBe("getpid");
      expect(r.ratioToBaseline).toBeCloseTo(base.simulatedCycles / r.simulatedCycles, 12);
    }
  });

  it("Ultrix's missing rows are marked unsupported with a reason", () => {
    for (const b of ["dirty", "exc-unalign", "exc-coproc", "lrpc", "tlrpc", "pct"]) {
      const r = report.results.find((x) => x.benchmark === b && x.system === "monolithic")!;
      expect(r.supported, b).toBe(false);
      expect(r.reason, b).toMatch(/\w/);
    }
  });
});

describe("determinism of a traced run", () => {
  it("the same seed gives the same trace, event for event", () => {
    for (const [b, s] of [
      ["getpid", "monolithic"],
      ["pipe", "exos"],
    ] as const) {
      const w = PAPER_SUITE.find((x) => x.id === b)!;
      const one = traceBenchmark(w, adapterFor(s)!, { profile: "dec5000_125", seed: 3 });
      const two = traceBenchmark(w, adapterFor(s)!, { profile: "dec5000_125", seed: 3 });
      expect(one.traceEvents.length).toBeGreaterThan(10);
      expect(two.hash).toBe(one.hash);
    }
  });
});

describe("host time (--host-time, --quick)", () => {
  const w = PAPER_SUITE.find((x) => x.id === "getpid")!;
  const a = adapterFor("exokernel")!;
  const hostFields = (r: BenchResult) => {
    const { hostNsPerOp, simCyclesPerHostSecond, fasterThanRealTime, ...simulated } = r;
    return { host: { hostNsPerOp, simCyclesPerHostSecond, fasterThanRealTime }, simulated };
  };

  it("is not measured by default: the host fields are null", () => {
    const r = runBenchmark(w, a, { profile: "dec5000_125", seed: 1 });
    expect(hostFields(r).host).toEqual({
      hostNsPerOp: null,
      simCyclesPerHostSecond: null,
      fasterThanRealTime: null,
    });
  });

  it("measured, it gives the simulator's speed and changes no simulated figure; --quick only shortens it", () => {
    const plain = hostFields(runBenchmark(w, a, { profile: "dec5000_125", seed: 1 }));
    const quick = hostFields(
      runBenchmark(w, a, {
        profile: "dec5000_125",
        seed: 1,
        hostTime: true,
        hostTimer: benchmarkJsTimer,
        quick: true,
      }),
    );
    const full = hostFields(
      runBenchmark(w, a, {
        profile: "dec5000_125",
        seed: 1,
        hostTime: true,
        hostTimer: benchmarkJsTimer,
        quick: false,
      }),
    );
    for (const h of [quick.host, full.host]) {
      expect(h.hostNsPerOp).toBeGreaterThan(0);
      expect(h.simCyclesPerHostSecond).toBeGreaterThan(0);
      // 25 MHz: faster than real time exactly when more than 25 million cycles a host second.
      expect(h.fasterThanRealTime).toBe(h.simCyclesPerHostSecond! > 25e6);
    }
    expect(quick.simulated).toEqual(plain.simulated);
    expect(full.simulated).toEqual(plain.simulated);
    expect(plain.simulated.simulatedCycles).toBeGreaterThan(0);
  }, 30_000);
});
