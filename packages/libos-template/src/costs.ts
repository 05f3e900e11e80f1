/**
 * Every `exec` label the library charges, with its instruction count and where the count
 * comes from. Loads and stores are not counted here: each is charged by the access itself
 * (the page table, the save area and the thread contexts live in simulated memory). Kernel
 * work (system calls, exception dispatch, protected control transfer, TLB writes) is
 * charged by the exokernel under its own `aegis.*` labels. COSTS.md walks through each
 * count step by step; none was chosen to approach a figure.
 *
 * MIPS conventions in the counts: a branch or jump has a delay slot, counted (a `nop` when
 * nothing useful fits); a 32-bit constant takes two instructions (`lui`, `ori`). Load-delay
 * slots (MIPS I has no load interlock): in generator code the order of CPU operations is the
 * instruction order. A `load32` whose value the very next operation uses — the first
 * instruction of the next counted sequence tests, shifts or adds it, it is the next access's
 * address, it is stored next, it is a multiply operand — is `load32Used` (the machine
 * charges the slot's nop, `load-delay.nop`), unless an instruction independent of the value
 * sits between them or in that next sequence (or, for a step charged just before the loads
 * it uses, in that step and need not precede the load) and can fill the slot. Register restore runs
 * and bursts of loads fill each other's slots (the last of a run only pays when its register
 * is used at once); a value used only later keeps `load32`. COSTS.md lists every load site
 * and its verdict. A record that lists a load of its own counts that slot too: a `nop`
 * (+1, "nop in lw x's delay slot: … uses it") when the next listed instruction uses the
 * value and no listed one independent of it can move there; else its source names the
 * filler. A step is charged with `cpu.exec(COSTS[label])`, a loop of n steps with
 * `cpu.exec(COSTS[label], n)`;
 * COSTS.md's label table is generated from this file (`pnpm costs:md`).
 */
import { defineCosts } from "@exolab/exokernel";

// #region refill-costs
export const COSTS = defineCosts({
  // ---- the refill handler (vm/vm.ts) ----
  "template.refill.entry": {
    instructions: 12,
    source:
      "handler entry: index = (t1 - APP_BASE) >> 12 (lui, subu, srl), bound (li pages, sltu, beqz + slot), entry address (sll 2, lui table base, addu), not-mapped test (beqz + slot); the entry load and the 4 saves are charged",
  },
  "template.refill.zero": {
    instructions: 6,
    source:
      "demand-zero: DEMAND test (li, bne + slot), allocFrame's result test (bltz v0 + slot), entry = cap + 2 (addiu); the entry store is charged, the stub charges its own",
  },
  "template.refill.install": {
    instructions: 5,
    source:
      "tlbWrite's arguments: page address (srl, sll of t1), capability (addiu entry - 2, or move v0); result test (bltz v0 + slot)",
  },
  "template.refill.return": {
    instructions: 2,
    source:
      "back to the faulting instruction: jr EPC + delay slot (the 7 restores are charged loads)",
  },
  // #endregion refill-costs
  // ---- map and unmap (vm/vm.ts) ----
  "template.vm.range": {
    instructions: 17,
    source:
      "library call (jal + slot, jr ra + slot: 4), alignment (andi, bnez + slot), count (blez + slot), index (lui, subu, srl), end (addu), bound (li pages, sltu, bnez + slot)",
  },
  "template.vm.scan.step": {
    instructions: 4,
    source:
      "per page of map's scan (the entry load is charged): mapped test (bnez + the pointer's addiu in its slot), loop (bne + slot)",
  },
  "template.vm.fill.step": {
    instructions: 3,
    source: "per page of map's fill (the entry store is charged): addiu pointer, loop (bne + slot)",
  },
  "template.vm.unmap.step": {
    instructions: 6,
    source:
      "per page of unmap (the entry load and store are charged): frame test (sltiu 2, bnez + slot), addiu pointer, loop (bne + slot)",
  },
  "template.vm.unmap.free": {
    instructions: 3,
    source:
      "per page with a frame: freeFrame's argument (addiu entry - 2), result test (bltz v0 + slot); the stub charges its own",
  },
  // ---- threads (sched/threads.ts) ----
  "template.sched.pick": {
    instructions: 7,
    source:
      "round robin, per thread looked at: addiu index, wrap (sltu, bnez + slot, move 0), live test (beqz + slot)",
  },
  "template.sched.switch": {
    instructions: 3,
    source:
      "a thread's context address: index * 256 (sll 8), the area's base (lui), addu; the 33 register loads or stores and the running-thread store are charged",
  },
  // ---- calls by protected control transfer (ipc/call.ts) ----
  "template.call.client": {
    instructions: 4,
    source:
      "argument to a0 (move), save-area address (lui, addiu), result from a0 (move); the 12 callee-saved stores and loads are charged",
  },
  "template.call.server": {
    instructions: 6,
    source:
      "entry: argument from a0 (move), call the procedure (jal + slot, jr + slot), result to a0 (move)",
  },
});

export type CostLabel = keyof typeof COSTS;
