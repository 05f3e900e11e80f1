/**
 * `pnpm --filter @exolab/exokernel fuzz`: the seeded hostile fuzz (src/fuzz/test-fuzz.ts), long.
 *
 *   FUZZ_CALLS   hostile calls to make (default 1000000)
 *   FUZZ_SEED    the seed (default 1)
 *   FUZZ_PROBES  a stack-dive probe world every this many calls (default 20000; 0: none)
 *   FUZZ_DISK    1: disk-heavy (two fifths of the calls at the disk; default 0)
 *
 * Prints the report and its digest (same seed, same digest). With `node --expose-gc` (the
 * package script passes it) it also measures the heap after a forced collection at each
 * tenth of the calls and at the end (the world still alive), and fails if the end is more
 * than 10% above the first tenth (judged from 100,000 calls on: a shorter run still warms up). Exits 1 on any
 * breach, host throw or heap growth; 2 on a bad setting.
 */
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
const HEAP_JUDGED_FROM = 100_000;
let heapTenth = 0;
let heapEnd = 0;
const heapSamples: number[] = [];
const started = performance.now();
let lastPrint = started;

const report = await runFuzz({
  seed,
  calls,
  probeEvery,
  diskHeavy: diskHeavy === 1,
  onTenth: (tenth) => {
    const h = heap();
    heapSamples.push(h);
    if (tenth === 1) heapTenth = h;
    if (tenth === 10) heapEnd = h;
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
let heapOk = true;
if (gc !== undefined && heapTenth > 0) {
  const growth = (heapEnd - heapTenth) / heapTenth;
  // Judged from 100,000 calls on: a shorter run still warms up (JIT code, caches).
  heapOk = growth <= 0.1 || calls < HEAP_JUDGED_FROM;
  console.log(
    `  heap after a forced GC: ${(heapTenth / MiB).toFixed(2)} MiB at a tenth, ${(heapEnd / MiB).toFixed(2)} MiB at the end (${(100 * growth).toFixed(1)}%, limit 10%${calls < HEAP_JUDGED_FROM ? ", judged from 100000 calls" : ""})`,
  );
  console.log(
    `  heap at each tenth (MiB): ${heapSamples.map((h) => (h / MiB).toFixed(2)).join(" ")}`,
  );
} else {
  console.log("  heap: not measured (run under node --expose-gc)");
}
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
