/**
 * `pnpm --filter @exolab/exokernel fuzz`: the seeded hostile fuzz (src/fuzz/test-fuzz.ts), long.
 *
 *   FUZZ_CALLS   hostile calls to make (default 1000000)
 *   FUZZ_SEED    the seed (default 1)
 *   FUZZ_PROBES  a stack-dive probe world every this many calls (default 20000; 0: none)
 *   FUZZ_DISK    1: disk-heavy (two fifths of the calls at the disk; default 0)
 *
 * Prints the report and its digest (same seed, same digest). With `node --expose-gc` (the
 * package script passes it) it also takes the heap after a forced collection at each
 * twentieth of the calls (the last at the end, the world still alive) and judges the second
 * half of the run (src/fuzz/heap.ts): it fails if the heap's slope there, net of the record
 * kept per hostile death, is above 16 bytes a call (runs of 200,000 calls or more). Exits 1
 * on any breach, host throw or heap growth; 2 on a bad setting.
 */
import { HEAP_CRITERION, HEAP_SAMPLES, type HeapSample, judgeHeap } from "./heap.js";
import { runFuzz } from "./test-fuzz.js";

function setting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) {
    process.stderr.write(`${name} must be an integer >= ${min}, got "${raw}"\n`);
    process.exit(2);
  }
  return v;
}

const calls = setting("FUZZ_CALLS", 1_000_000, 1);
const seed = setting("FUZZ_SEED", 1, 0);
const probeEvery = setting("FUZZ_PROBES", 20_000, 0);
const diskHeavy = setting("FUZZ_DISK", 0, 0);
if (diskHeavy > 1) {
  process.stderr.write(`FUZZ_DISK must be 0 or 1, got "${process.env.FUZZ_DISK}"\n`);
  process.exit(2);
}
if (seed > 0xffffffff) {
  process.stderr.write(`FUZZ_SEED must be below 2^32, got ${seed}\n`);
  process.exit(2);
}

const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => {
  if (gc === undefined) return 0;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const MiB = 1024 * 1024;
const heapSamples: HeapSample[] = [];
const started = performance.now();
let lastPrint = started;

const report = await runFuzz({
  seed,
  calls,
  probeEvery,
  diskHeavy: diskHeavy === 1,
  samples: HEAP_SAMPLES,
  onSample: (at) => {
    if (gc !== undefined) heapSamples.push({ ...at, heapBytes: heap() });
  },
  onProgress: (n) => {
    const now = performance.now();
    if (now - lastPrint > 10_000) {
      lastPrint = now;
      process.stderr.write(`  ${n} calls, ${((now - started) / 1000).toFixed(0)} s\n`);
    }
  },
});
const seconds = (performance.now() - started) / 1000;

console.log(
  `exokernel hostile fuzz: seed ${report.seed}, ${report.calls} hostile calls${diskHeavy === 1 ? ", disk-heavy" : ""}`,
);
console.log(
  `  steps ${report.steps}, ${report.cycles} simulated cycles, ${seconds.toFixed(1)} s host`,
);
console.log(`  breaches ${report.breaches} ${JSON.stringify(report.breachKinds)}`);
console.log(`  host throws out of Aegis.run ${report.hostThrows}`);
console.log(
  `  hostile deaths ${report.hostileDeaths}; honest PCT round trips ${report.honestRoundTrips}, memory checks ${report.honestChecks}; host callbacks refused ${report.callbacks}`,
);
console.log(`  attacks ${JSON.stringify(report.attacks)}`);
console.log(
  `  stack-dive probes ${report.probes.runs} (doomed ${report.probes.doomed}, breaches ${report.probes.breaches}, host throws ${report.probes.hostThrows})`,
);
const heapOk = reportHeap(heapSamples);
console.log(`  digest ${report.digest}`);
const failed =
  report.breaches > 0 ||
  report.hostThrows > 0 ||
  report.probes.breaches > 0 ||
  report.probes.hostThrows > 0 ||
  !heapOk;
if (failed) {
  console.log("FAILED");
  process.exit(1);
}
console.log("ok");

/** Prints the heap figures and the criterion's judgement; false when it fails. */
function reportHeap(samples: readonly HeapSample[]): boolean {
  if (gc === undefined || samples.length === 0) {
    console.log("  heap: not measured (run under node --expose-gc)");
    return true;
  }
  console.log(
    `  heap after a forced GC at each twentieth of the calls (MiB): ${samples.map((s) => (s.heapBytes / MiB).toFixed(2)).join(" ")}`,
  );
  const j = judgeHeap(samples);
  const c = HEAP_CRITERION;
  const perDeath = Number.isNaN(j.bytesPerDeath)
    ? "no hostile death"
    : `${j.bytesPerDeath.toFixed(0)} bytes a hostile death`;
  console.log(
    `  heap over the second half (${j.spanCalls} calls, ${j.spanDeaths} hostile deaths): ${signed(j.bytesPerCall)} bytes a call, ${perDeath}; ` +
      `net of ${c.keptPerDeathBytes} bytes kept per death ${signed(j.netBytesPerCall)} bytes a call (limit ${c.limitBytesPerCall}` +
      `${j.judged ? "" : `; not judged below ${c.judgedFromCalls} calls`})`,
  );
  return j.ok;
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
}
