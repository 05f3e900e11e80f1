/**
 * The long run of the monolithic kernel's hostile fuzz (see fuzz.ts):
 *
 *   pnpm --filter @exolab/monolithic fuzz                      (100,000 calls, seed 1)
 *   FUZZ_CALLS=1000000 FUZZ_SEED=7 pnpm --filter @exolab/monolithic fuzz
 *
 * Prints the breaches (each must be 0), the deaths by cause, the digest (same seed, same
 * digest) and the heap after a forced collection at a tenth of the calls and at the end
 * (within 10 %). Exits 1 if a breach was found or the heap grew more than 10 %.
 */
import { runFuzz } from "./fuzz.js";

function envInt(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > max) {
    console.error(`${name} must be an integer in [1, ${max}], got "${raw}"`);
    process.exit(2);
  }
  return v;
}

const calls = envInt("FUZZ_CALLS", 100_000, 1_000_000_000);
const seed = envInt("FUZZ_SEED", 1, 0xffffffff);
const t0 = Date.now();
const r = await runFuzz({ calls, seed, heap: true, log: (l) => console.log(l) });
const seconds = (Date.now() - t0) / 1000;
console.log(
  `\nmonolithic hostile fuzz: seed ${seed}, ${r.calls} calls, ${r.chunks} runs, ${r.simulatedCycles} simulated cycles, ${seconds.toFixed(1)} s`,
);
console.log("breaches (each must be 0):");
for (const [k, v] of Object.entries(r.breaches)) console.log(`  ${k.padEnd(26)} ${v}`);
console.log(`deaths by cause: ${JSON.stringify(r.deaths)}`);
console.log(
  `attacks: ${r.tally.dives} dives, ${r.tally.storms} faulting copies/accesses, ${r.tally.throws} throws, ${r.tally.refusals} typed refusals, ${r.tally.callbacksRefused} host callbacks refused`,
);
console.log(
  `honest: ${r.honestGroups} groups, ${r.tally.honestChecks} checks, ${r.honestSetupFailed} set-ups refused (no memory or slot), ${r.honestOutOfMemory} out of memory; ${r.reaped} sleepers ended`,
);
for (const p of r.problems) console.log(`  problem: ${p}`);
const heap = r.heap!;
console.log(
  `heap after GC: ${(heap.tenthBytes / 1e6).toFixed(2)} MB at a tenth, ${(heap.endBytes / 1e6).toFixed(2)} MB at the end (x${heap.ratio.toFixed(3)})`,
);
console.log(`digest ${r.digest}`);
const ok = r.totalBreaches === 0 && heap.ratio <= 1.1;
console.log(ok ? "OK" : "FAILED");
process.exit(ok ? 0 : 1);
