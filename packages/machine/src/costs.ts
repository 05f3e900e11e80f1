import { defineCosts } from "./cost.js";

/**
 * The machine's own `exec` charges: instructions it executes on behalf of an architectural
 * operation (everything else it charges is a memory, TLB, coprocessor-0 or device operation
 * whose cycles come from the profile).
 */
export const COSTS = defineCosts({
  "load-delay.nop": {
    instructions: 1,
    source:
      "MIPS I has no load interlock: the instruction after a load must not use its result, so when nothing independent fits there the assembler fills the load-delay slot with a nop (Kane & Heinrich, MIPS RISC Architecture, the load-delay slot); charged by `load32Used`",
  },
  "cp1.op": {
    instructions: 1,
    source: "a coprocessor-1 (floating-point) instruction that executes: one instruction issue",
  },
});
