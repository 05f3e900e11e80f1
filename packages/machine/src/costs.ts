import { defineCosts } from "./cost.js";

/**
 * The machine's own `exec` charges: instructions it executes on behalf of an architectural
 * operation (everything else it charges is a memory, TLB, coprocessor-0 or device operation
 * whose cycles come from the profile).
 */
export const COSTS = defineCosts({
  "cp1.op": {
    instructions: 1,
    source: "a coprocessor-1 (floating-point) instruction that executes: one instruction issue",
  },
});
