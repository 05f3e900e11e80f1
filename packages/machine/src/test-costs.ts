import { Category } from "./accounting.js";
import { defineCosts } from "./cost.js";
import { type MachineProfile, PROFILES, type ProfileName } from "./profiles.js";

const ONE = "test code: one instruction, charged `times` times";

/**
 * The labels the machine's tests charge: one instruction each, charged as `exec(cost, n)` for
 * n instructions of work. Test code (not in the build).
 */
export const TEST_COSTS = defineCosts({
  "machine.test.work": { instructions: 1, source: ONE },
  "t.h": { instructions: 1, source: ONE },
  "t.sys": { instructions: 1, source: ONE },
  "t.user": { instructions: 1, source: ONE },
  "t.work": { instructions: 1, source: ONE },
  "test.bad": { instructions: 1, source: ONE },
  "test.before": { instructions: 1, source: ONE },
  "test.kick": { instructions: 1, source: ONE },
  "test.libos": { instructions: 1, source: ONE },
  "test.long": { instructions: 1, source: ONE },
  "test.loop": { instructions: 1, source: ONE },
  "test.masked": { instructions: 1, source: ONE },
  "test.ok": { instructions: 1, source: ONE },
  "test.poll": { instructions: 1, source: ONE },
  "test.refill": { instructions: 1, category: Category.Kernel, source: ONE },
  "test.step": { instructions: 1, source: ONE },
  "test.sys": { instructions: 1, source: ONE },
  "test.syscall.body": { instructions: 1, source: ONE },
  "test.tail": { instructions: 1, source: ONE },
  "test.user": { instructions: 1, source: ONE },
  "test.work": { instructions: 1, source: ONE },
});

/**
 * A profile with the memory system off (every cached access a one-cycle hit, no write-buffer
 * stall, no instruction fetch): for the tests of other mechanisms (translation, exceptions,
 * events, attribution), whose cycle arithmetic it keeps readable. The memory system has its
 * own tests (memory-system.test.ts), on the real profiles.
 */
export function hitsOnly(name: ProfileName = "dec5000_125"): MachineProfile {
  return { ...PROFILES[name], memorySystem: false };
}
export const HITS_ONLY = hitsOnly();
