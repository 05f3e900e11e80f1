import { runFuzz } from "./fuzz.js";

/**
 * The fuzz command (`pnpm --filter @exolab/monolithic fuzz`, see main.ts): reads FUZZ_CALLS
 * (default 1,000,000) and FUZZ_SEED (default 1) from `env`, runs the fuzz, prints its report
 * and returns the exit code: 0 when there is no breach and the heap after a forced GC at the
 * end is within 10 % of its size at a tenth of the calls, 1 otherwise, 2 for a bad variable
 * (one line on `err`). The heap is measured when the host exposes `gc` (the script runs node
 * with --expose-gc).
 */
export async function fuzzCommand(
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const read = (name: string, fallback: number, max: number): number | null => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const v = Number(raw);
    if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(v) || v < 1 || v > max) {
      err(`${name} must be an integer in [1, ${max}], got "${raw}"`);
      return null;
    }
    return v;
  };
  const calls = read("FUZZ_CALLS", 1_000_000, 1_000_000_000);
  const seed = read("FUZZ_SEED", 1, 0xffffffff);
  if (calls === null || seed === null) return 2;
  const heap = typeof (globalThis as { gc?: unknown }).gc === "function";
  const t0 = Date.now();
  const r = await runFuzz({ calls, seed, heap, log: out });
  const seconds = (Date.now() - t0) / 1000;
  out("");
  out(
    `monolithic hostile fuzz: seed ${seed}, ${r.calls} calls, ${r.chunks} runs, ${r.simulatedCycles} simulated cycles, ${seconds.toFixed(1)} s`,
  );
  out("breaches (each must be 0):");
  for (const [k, v] of Object.entries(r.breaches)) out(`  ${k.padEnd(26)} ${v}`);
  out(`deaths by cause: ${JSON.stringify(r.deaths)}`);
  out(
    `attacks: ${r.tally.dives} dives, ${r.tally.storms} faulting copies/accesses, ${r.tally.throws} throws, ${r.tally.refusals} typed refusals, ${r.tally.callbacksRefused} host callbacks refused`,
  );
  out(
    `honest: ${r.honestGroups} groups, ${r.tally.honestChecks} checks, ${r.honestSetupFailed} set-ups refused (no memory or slot), ${r.honestOutOfMemory} out of memory; ${r.reaped} sleepers ended; ${r.spawnsRefused} spawns refused (memory full)`,
  );
  for (const p of r.problems) out(`  problem: ${p}`);
  let heapOk = true;
  if (r.heap !== undefined) {
    const h = r.heap;
    heapOk = h.ratio <= 1.1;
    out(
      `heap after GC: ${(h.tenthBytes / 1e6).toFixed(2)} MB at a tenth, ${(h.endBytes / 1e6).toFixed(2)} MB at the end (x${h.ratio.toFixed(3)})`,
    );
  } else out("heap: not measured (run node with --expose-gc)");
  out(`digest ${r.digest}`);
  const ok = r.totalBreaches === 0 && heapOk;
  out(ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
