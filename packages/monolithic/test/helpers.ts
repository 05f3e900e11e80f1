import { attributionBetween, withMemorySystem } from "@exolab/machine/privileged";
import {
  type KernelOptions,
  MonolithicKernel,
  type ProcessDeath,
  type ProcessHandle,
  type UserMain,
} from "../src/index.js";

/**
 * The death hook of every test world: a process whose code threw (an `expect` that failed
 * inside it) makes `run` throw what it threw, so that the test fails with that error. (The
 * kernel itself never lets a process's throw out of `run`.)
 */
export function failOnThrow(d: ProcessDeath, thrown?: unknown): void {
  if (d.cause === "threw") throw thrown;
}

export function boot(policy = {}, opts: KernelOptions = {}): MonolithicKernel {
  return new MonolithicKernel({ machine: { seed: 7 }, policy, onDeath: failOnThrow, ...opts });
}

/**
 * dec5000_125 with its memory system on, named: the path tests that pin a path's counted part
 * and its memory-system part apart (write-buffer stalls, cache misses) boot with it whatever
 * the named profile's default.
 */
export const WITH_MEMORY = withMemorySystem("dec5000_125", true);

/** `boot` on WITH_MEMORY. */
export function bootWithMemory(policy = {}): MonolithicKernel {
  return boot(policy, { machine: { seed: 7, profile: WITH_MEMORY } });
}

/** Runs one program to completion in a fresh kernel; returns the kernel. */
export function runOne(main: UserMain, policy = {}): MonolithicKernel {
  const k = boot(policy);
  k.spawn("t", main);
  k.run({ maxResumes: 100_000 });
  return k;
}

/** Cycles and attribution of `fn` run inside a process (measured between two snapshots). */
export function measure(k: MonolithicKernel, fn: () => void) {
  const acc = k.machine.accounting;
  const before = k.machine.snapshot();
  const t0 = k.machine.now;
  fn();
  const cycles = k.machine.now - t0;
  const report = attributionBetween(acc, before, k.machine.snapshot());
  // The memory system's part (write-buffer stalls and cache misses): the rest is the counted
  // path, which COSTS.md adds up step by step.
  const memoryCycles = (report.byCategory.writeStall ?? 0) + (report.byCategory.cacheMiss ?? 0);
  return { cycles, report, memoryCycles };
}

export type { ProcessHandle };
