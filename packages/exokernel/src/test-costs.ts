import { defineCosts } from "./index.js";

const ONE = "test code: one instruction, charged `times` times";

/**
 * The labels the exokernel's tests and fuzz charge from environment code: one instruction
 * each, charged as `exec(cost, n)` for n instructions of work. Test code (not in the build).
 */
export const TEST_COSTS = defineCosts({
  "callback.work": { instructions: 1, source: ONE },
  "client.idle": { instructions: 1, source: ONE },
  "client.work": { instructions: 1, source: ONE },
  "clock.tick": { instructions: 1, source: ONE },
  "diver.spin": { instructions: 1, source: ONE },
  "diver.work": { instructions: 1, source: ONE },
  "flooder.idle": { instructions: 1, source: ONE },
  "honest.work": { instructions: 1, source: ONE },
  "hostile.async": { instructions: 1, source: ONE },
  "hostile.serve": { instructions: 1, source: ONE },
  "hostile.spin": { instructions: 1, source: ONE },
  "hostile.work": { instructions: 1, source: ONE },
  "libos.work": { instructions: 1, source: ONE },
  "libos.x": { instructions: 1, source: ONE },
  "model.spin": { instructions: 1, source: ONE },
  "model.work": { instructions: 1, source: ONE },
  "patcher.idle": { instructions: 1, source: ONE },
  "reader.work": { instructions: 1, source: ONE },
  "schemer.work": { instructions: 1, source: ONE },
  scribble: { instructions: 1, source: ONE },
  spin: { instructions: 1, source: ONE },
  "test.after": { instructions: 1, source: ONE },
  "test.alone": { instructions: 1, source: ONE },
  "test.async": { instructions: 1, source: ONE },
  "test.b": { instructions: 1, source: ONE },
  "test.c": { instructions: 1, source: ONE },
  "test.echo": { instructions: 1, source: ONE },
  "test.handler.jr": { instructions: 1, source: ONE },
  "test.idle": { instructions: 1, source: ONE },
  "test.pad": { instructions: 1, source: ONE },
  "test.pagetable.walk": { instructions: 1, source: ONE },
  "test.peer": { instructions: 1, source: ONE },
  "test.send": { instructions: 1, source: ONE },
  "test.serve": { instructions: 1, source: ONE },
  "test.short": { instructions: 1, source: ONE },
  "test.spin": { instructions: 1, source: ONE },
  "test.work": { instructions: 1, source: ONE },
  "thrower.work": { instructions: 1, source: ONE },
  "victim.work": { instructions: 1, source: ONE },
  w: { instructions: 1, source: ONE },
  x: { instructions: 1, source: ONE },
});

/** A libOS's own table that names a kernel label: defineCosts allows it, a CPU view refuses it. */
export const KERNEL_LABEL_COSTS = defineCosts({
  "aegis.sys.crossing": {
    instructions: 1,
    source: "test code: a user table naming a kernel label",
  },
});
