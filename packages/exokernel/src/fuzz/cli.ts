/**
 * `pnpm --filter @exolab/exokernel fuzz`: the seeded hostile fuzz (src/fuzz/fuzz.ts), long.
 *
 *   FUZZ_CALLS   hostile calls to make (default 1000000)
 *   FUZZ_SEED    the seed (default 1)
 *   FUZZ_PROBES  a stack-dive probe world every this many calls (default 20000; 0: none)
 *
 * Prints the report and its digest (same seed, same digest). With `node --expose-gc` (the
 * package script passes it) it also measures the heap after a forced collection once a tenth
 * of the calls is made and at the end, and fails if it grew by more than 10%. Exits 1 on any
 * breach, host throw or heap growth; 2 on a bad setting.
 */
import { runFuzz } from "./fuzz.js";

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
let heapTenth = 0;
const started = performance.now();
let lastPrint = started;

const report = await runFuzz({
  seed,
  calls,
  probeEvery,
  onTenth: () => {
    heapTenth = heap();
  },
  onProgress: (n) => {
    const now = performance.now();
    if (now - lastPrint > 10_000) {
      lastPrint = now;
      process.stderr.write(`  ${n} calls, ${((now - started) / 1000).toFixed(0)} s\n`);
    }
  },
});
const heapEnd = heap();
const seconds = (performance.now() - started) / 1000;

console.log(`exokernel hostile fuzz: seed ${report.seed}, ${report.calls} hostile calls`);
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
  heapOk = growth <= 0.1;
  console.log(
    `  heap after a forced GC: ${(heapTenth / MiB).toFixed(2)} MiB at a tenth, ${(heapEnd / MiB).toFixed(2)} MiB at the end (${(100 * growth).toFixed(1)}%, limit 10%)`,
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
