/**
 * Test helpers (excluded from the build). Tests import "@exolab/exokernel/kernel" to create
 * the kernel and its environments: that is the privileged side a shell or the bench plays.
 */
import { Aegis, type AegisOptions } from "@exolab/exokernel/kernel";
import { type ExosApi, type ExosOptions, exos } from "../index.js";

export interface World {
  aegis: Aegis;
  spawn(options?: ExosOptions): ExosApi;
  /** Runs until `done()` or the cycle budget; returns the outcome. */
  runUntil(done: () => boolean, maxCycles?: number): string;
}

export function world(opts: AegisOptions = {}): World {
  const aegis = new Aegis(opts);
  return {
    aegis,
    spawn(options: ExosOptions = {}) {
      return aegis.boot(exos, options).api;
    },
    runUntil(done, maxCycles = 50_000_000) {
      const start = aegis.machine.now;
      return aegis.run({ stopWhen: done, untilCycle: start + maxCycles }).outcome;
    },
  };
}

/** Microseconds of `cycles` on the DEC5000/125 (40 ns per cycle). */
export const micros = (cycles: number): number => (cycles * 40) / 1000;
