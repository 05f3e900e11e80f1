import { Category } from "./accounting.js";
import { defineCosts } from "./cost.js";

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
