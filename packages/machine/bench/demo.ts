/**
 * The repo's main job today: a short deterministic run of the bare machine under a tiny demo
 * kernel (bench/workload.ts: three address spaces, a page table in memory, TLB refills with
 * seeded random replacement, Mod faults, syscalls, timer preemption), printing what it did.
 * It runs the workload twice and checks that the trace hash is identical.
 */
import { performance } from "node:perf_hooks";
import { CATEGORY_NAMES, cyclesToMicros } from "../src/privileged.js";
import { runWorkload } from "./workload.js";

const options = { seed: 1, trace: true, contexts: 3, accesses: 20_000, pagesPerSpace: 40 };

const t0 = performance.now();
const r = runWorkload(options);
const hostMs = performance.now() - t0;
const m = r.machine;
const again = runWorkload(options).machine;
const hash = m.tracer!.hash();
const same = again.tracer!.hash() === hash && again.now === m.now;

const table = m.accounting.table;
const byCategory = CATEGORY_NAMES.map((name, c) => {
  let cycles = 0;
  for (let o = 0; o < m.accounting.owners.length; o++)
    cycles += table[o * CATEGORY_NAMES.length + c]!;
  return { name, cycles };
});
const byOwner = m.accounting.owners.map((o) => {
  let cycles = 0;
  for (let c = 0; c < CATEGORY_NAMES.length; c++)
    cycles += table[o.id * CATEGORY_NAMES.length + c]!;
  return { name: o.name, cycles };
});
const total = byCategory.reduce((s, x) => s + x.cycles, 0);
const pct = (x: number) => `${((100 * x) / total).toFixed(1)}%`.padStart(6);
const num = (x: number) => x.toLocaleString("en-US").padStart(12);

console.log(`ExoLab machine demo: ${m.profile.description}`);
console.log(
  `  ${options.contexts} address spaces x ${options.accesses.toLocaleString("en-US")} references, ` +
    `seed ${options.seed}, timer period 2000 cycles\n`,
);
console.log(`  cycles                 ${num(m.now)}`);
console.log(`  simulated time         ${num(Math.round(cyclesToMicros(m.profile, m.now)))} µs`);
console.log(`  TLB refills            ${num(r.refills)}`);
console.log(`  TLB modify faults      ${num(r.mods)}`);
console.log(`  syscalls               ${num(r.syscalls)}`);
console.log(`  timer interrupts       ${num(r.interrupts)}`);
console.log(`  context switches       ${num(r.switches)}`);
console.log(`  frames allocated       ${num(r.framesAllocated)}`);
console.log(`  trace spans            ${num(m.tracer!.starts.length)}`);
console.log(
  `  trace hash             ${hash.padStart(12)}  (re-run: ${same ? "identical" : "DIFFERENT"})`,
);
console.log(`  host time              ${num(Math.round(hostMs))} ms\n`);
console.log("  where the cycles went, by category:");
for (const { name, cycles } of byCategory) {
  if (cycles > 0) console.log(`    ${name.padEnd(12)} ${num(cycles)} ${pct(cycles)}`);
}
console.log("  by owner:");
for (const { name, cycles } of byOwner) {
  if (cycles > 0) console.log(`    ${name.padEnd(12)} ${num(cycles)} ${pct(cycles)}`);
}
console.log(`    ${"total".padEnd(12)} ${num(total)} ${total === m.now ? "= cycles" : "MISMATCH"}`);
if (!same || total !== m.now) process.exitCode = 1;
