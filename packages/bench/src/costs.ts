import { type Cost, defineCosts } from "@exolab/machine";

/**
 * Instruction counts of the workloads' own user-level code (the application side, identical
 * on every system). Each is counted from the MIPS code a C compiler emits for it.
 */
export const COSTS = defineCosts({
  "app.rt.work": {
    instructions: 1,
    source:
      "a real-time job's straight-line work: one instruction, charged as many times as the step's cycles less its load and store (the load's delay slot before the increment holds one of these independent instructions: no nop)",
  },
  "app.rt.step": {
    instructions: 3,
    source: "a job's step loop: subu left, bgtz + delay slot",
  },
  "app.rt.wait": {
    instructions: 4,
    source:
      "waiting for a release (threads, processes): read the cycle counter (mfc0-style read, 1), compare with the release (sltu), branch + slot",
  },
  "app.db.file.fetch": {
    instructions: 12,
    source:
      "the monolithic db port's fetch (glue/db-file.ts): prologue/epilogue 6, free-slot and fresh tests 4, slot address 2 (the lseek + read system calls and the slot scan are charged by themselves)",
  },
  "app.db.file.slot": {
    instructions: 4,
    source:
      "per slot of the port's table examined: address (sll, addu), compare (bne + slot); the word's load is charged",
  },
  "app.db.file.unpin": {
    instructions: 6,
    source:
      "the port's unpin: slot address 2, decrement 1, zero test and release 3 (loads and stores charged)",
  },
  "app.db.file.modify": {
    instructions: 6,
    source:
      "the port's willModify: slot address 2, dirty test 2, pin and the transaction's count 2 (loads and stores charged)",
  },
  "app.db.pick": {
    instructions: 9,
    source:
      "the db mix's next operation: a xorshift32 step (sll, xor, srl, xor, sll, xor: 6), its remainder by the range (divu + mfhi: 2, the divide's stall not counted), loop (1)",
  },
  "app.spin": {
    instructions: 1,
    source: "best-effort load: one instruction of a spin loop, charged in steps",
  },
  "app.loop": {
    instructions: 2,
    source: "benchmark loop: addiu i,i,1; bne i,n,top (branch-delay slot filled by the body)",
  },
  "app.proc-call": {
    instructions: 4,
    source: "null procedure call: jal f; nop (delay slot); f: jr ra; nop (delay slot)",
  },
  "app.check": {
    instructions: 2,
    source: "compare the value received with the one expected: bne v0,t0,fail; nop",
  },
  "app.increment": {
    instructions: 1,
    source: "addiu v0,v0,1 on the counter received",
  },
  "app.matmul.inner": {
    instructions: 4,
    source:
      "inner product step after the two loads and the product: addu sum; addiu pa,4; addiu pb,600; bne (delay slot filled). The second load's delay slot (mult uses y next) holds addiu pa,4, which needs neither value: no nop (the loads are `load32`, not `load32Used`). The `mult` and `mflo` are `cpu.multiply`'s, charged the profile's multiply latency (multiplyCycles, 12 on the R3000) once: counting them here too charged them twice (6 before issue 12)",
  },
  "app.matmul.row": {
    instructions: 6,
    source: "per (i,j): reset sum, compute row/column pointers (2 addu, 2 sll), loop test",
  },
  "app.signal-skip": {
    instructions: 2,
    source:
      "the monolithic system's user handler for an exception (a signal handler) that resumes after the faulting instruction by stepping the saved pc: lw t0,SC_PC(a2); addiu t0,t0,4; jr ra; sw t0,SC_PC(a2) (delay slot) — the lw and sw are its charged accesses; saving and restoring the registers is sendsig's and sigreturn's",
  },
});

export const ALL_COSTS: readonly Cost[] = Object.values(COSTS);

/**
 * The bare environment's own code (the `exokernel` system: raw kernel primitives from an
 * environment with no libOS). Counted from the MIPS a hand-written handler needs.
 */
export const BARE_COSTS = defineCosts({
  "bare.exc-handler": {
    instructions: 3,
    source:
      "user-level exception handler that resumes after the faulting instruction: addiu (EPC + 4 into a scratch register), lui (the save area's base), jr (resume); the three scratch-register restores are its charged loads, the last one in jr's delay slot",
  },
  "bare.pct-callee": {
    instructions: 2,
    source:
      "the callee of a protected control transfer: addiu v0,v0,1 (the counter); the branch back to the caller",
  },
});

/**
 * Application glue the adapters add on top of a system's own API, identical in kind on every
 * system: the loop that waits for its turn on a shared flag.
 */
export const GLUE_COSTS = defineCosts({
  "app.turn.poll": {
    instructions: 2,
    source: "compare the shared turn word with mine and branch: bne t0,t1,wait; nop",
  },
  "app.stride.work": {
    instructions: 100,
    source:
      "the body of each stride member's counting loop: a fixed 100 instructions of work per increment, so that a run of many slices stays short on the host (the shares do not depend on it)",
  },
  "app.stride.check": {
    instructions: 4,
    source: "the stride run's observer: read the cycle counter, subtract, compare, branch",
  },
});
