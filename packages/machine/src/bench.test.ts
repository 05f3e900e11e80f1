/**
 * The README's benchmark command works (a smoke run with a tiny time budget: no speed is
 * asserted here; host speed is the benchmark's business, never a test's).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));

function bench(env: Record<string, string>) {
  return spawnSync("pnpm", ["--filter", "@exolab/machine", "bench"], {
    cwd: pkg,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 240_000,
  });
}

describe("pnpm --filter @exolab/machine bench", () => {
  it("runs every case and writes the figures BENCH_JSON names", () => {
    const out = join(tmpdir(), `machine-bench-${process.pid}.json`);
    const r = bench({
      BENCH_MAX_TIME: "0.01",
      BENCH_PROCESSES: "1",
      BENCH_MIN_SAMPLES: "2",
      BENCH_JSON: out,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/model on \/ off, TLB-hit load/);
    expect(r.stdout).toMatch(/exact-model floor/);
    const j = JSON.parse(readFileSync(out, "utf8")) as Record<string, number>;
    rmSync(out);
    for (const k of [
      "tlbHitLoadVsRaw",
      "tlbHitStoreVsRaw",
      "modelOnOffLoad",
      "modelOnOffCacheHitLoad",
      "modelOnOffStore",
      "floorLoadVsRaw",
      "floorStoreVsRaw",
      "exceptionRoundTripNs",
      "memory64MiBHostBytes",
    ]) {
      expect(Number.isFinite(j[k]) && j[k]! > 0, k).toBe(true);
    }
    // The refill case's miss rate is simulated, not timed: the same every run.
    expect(j.refillMissRate).toBeGreaterThan(0.7);
  }, 240_000);

  for (const [name, value, message] of [
    ["BENCH_MAX_TIME", "fast", /BENCH_MAX_TIME must be a positive number of seconds/],
    ["BENCH_PROCESSES", "0", /BENCH_PROCESSES must be a positive integer/],
    ["BENCH_MEMORY_SYSTEM", "maybe", /BENCH_MEMORY_SYSTEM must be "on" or "off"/],
  ] as const) {
    it(`a bad ${name} gets one clear line and exit 2`, () => {
      const r = bench({ [name]: value });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    }, 60_000);
  }
});
