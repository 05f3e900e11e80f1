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

const pkg = fileURLToPath(new URL("../..", import.meta.url));

function bench(env: Record<string, string>) {
  return spawnSync("pnpm", ["--filter", "@exolab/exokernel", "bench"], {
    cwd: pkg,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 240_000,
  });
}

describe("pnpm --filter @exolab/exokernel bench", () => {
  it("runs and writes the figures BENCH_JSON names", () => {
    const out = join(tmpdir(), `exokernel-net-bench-${process.pid}.json`);
    const r = bench({
      BENCH_MAX_TIME: "0.01",
      BENCH_PROCESSES: "1",
      BENCH_MIN_SAMPLES: "2",
      BENCH_JSON: out,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/DPF, 64 filters: compiled demux/);
    const j = JSON.parse(readFileSync(out, "utf8")) as Record<string, number>;
    rmSync(out);
    for (const k of [
      "dpfCompiledVsInterpreted",
      "dpfNsPerPacket64",
      "dpfVsRawRead",
      "dpfInsertMicros",
    ]) {
      expect(Number.isFinite(j[k]) && j[k]! > 0, k).toBe(true);
    }
    // The simulated figures are deterministic (counted work, not host time).
    expect(j.sim10Compiled).toBe(54);
    expect(j.simAshReply).toBe(170);
  }, 240_000);

  it("a bad BENCH_MAX_TIME gets one clear line and a non-zero exit", () => {
    const r = bench({ BENCH_MAX_TIME: "fast" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/BENCH_MAX_TIME must be a positive number of seconds/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  }, 60_000);
});
