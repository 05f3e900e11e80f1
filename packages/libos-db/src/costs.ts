/**
 * Every `exec` label the library charges, with its instruction count and where the count
 * comes from. Loads and stores are not counted here: each is charged by the access itself
 * (the page table, the save area and the thread contexts live in simulated memory). Kernel
 * work (system calls, exception dispatch, protected control transfer, TLB writes) is
 * charged by the exokernel under its own `aegis.*` labels. COSTS.md walks through each
 * count step by step; none was chosen to approach a figure.
 *
 * MIPS conventions in the counts: a branch or jump has a delay slot, counted (a `nop` when
 * nothing useful fits); a 32-bit constant takes two instructions (`lui`, `ori`). A step is
 * charged with `cpu.exec(COSTS[label])`, a loop of n steps with `cpu.exec(COSTS[label], n)`;
 * COSTS.md's label table is generated from this file (`pnpm costs:md`).
 */
import { defineCosts } from "@exolab/exokernel";

// #region refill-costs
export const COSTS = defineCosts({
  // ---- the inverted page table (vm/ipt.ts) ----
  "db.ipt.hash": {
    instructions: 8,
    source:
      "bucket of a vpn: multiplier (lui, ori), multu + mflo, bucket mask (li, and), sll 2, table base (lui, addu) less one folded into addu; the head load is charged",
  },
  "db.ipt.walk": {
    instructions: 7,
    source:
      "per chain entry: index = link - 1 (addiu), entry address (sll 4, addu), compare vpn (bne + slot), next (beqz + slot); the vpn and next loads are charged",
  },
  "db.ipt.insert": {
    instructions: 10,
    source:
      "free-list pop (beqz + slot, addiu, sll 4, addu), bucket address as db.ipt.hash's last 3 (sll, lui, addu), head link = index + 1 (addiu); the 7 loads/stores are charged (the hash itself as db.ipt.hash's arithmetic is folded: the caller computed it for find)",
  },
  // ---- the refill / modify handler (vm/vm.ts) ----
  "db.refill.entry": {
    instructions: 10,
    source:
      "handler entry: cause code (srl 2, andi 31), store test (li TLBS, beq, li Mod, beq + slots: 6), range test (lui APP_BASE, sltu, lui MAPPED_END, sltu, and/or fold: counted 2); the 4 saves are charged",
  },
  "db.refill.check": {
    instructions: 6,
    source:
      "rights test: pick READ or WRITE (movn-equivalent: 2), and, beqz + slot; dirty test folded into the next branch (1)",
  },
  "db.refill.install": {
    instructions: 8,
    source:
      "set DIRTY on a store (ori, store charged), writable = WRITE && DIRTY (andi, andi, sltu-fold: 3), page address (srl, sll), result test (bltz + slot)",
  },
  "db.refill.return": {
    instructions: 2,
    source:
      "back to the faulting instruction: jr EPC + delay slot (the 7 restores are charged loads)",
  },
  "db.fault.upcall": {
    instructions: 8,
    source:
      "exception frame address (sll 5, lui, addu), depth + 1 (addiu; load/store charged), call the application's handler (jalr + slot, return jr + slot); the 28-byte copy is charged",
  },
  // #endregion refill-costs
  // ---- map, unmap and the Appel-Li primitives (vm/vm.ts) ----
  "db.vm.range": {
    instructions: 17,
    source:
      "library call (jal + slot, jr ra + slot: 4), alignment (andi, bnez + slot), count (blez + slot), lower bound (lui, sltu, bnez + slot), upper bound (lui, subu, srl, sltu, bnez + slot), vpn (srl)",
  },
  "db.vm.map.step": {
    instructions: 5,
    source:
      "per page of map: vpn + p (addu), flags constant (li), find's result test (bgez + slot), loop (bne counted with the slot in the caller: 1)",
  },
  "db.vm.unmap.step": {
    instructions: 7,
    source:
      "per page of unmap: page address (sll 12), OWNED test (andi, beqz + slot), loop (addiu, bne + slot); find, remove, tlbDelete and freeFrame are charged by themselves",
  },
  "db.vm.call": {
    instructions: 4,
    source: "library call: jal + slot, jr ra + slot",
  },
  "db.vm.dirty": {
    instructions: 4,
    source:
      "DIRTY test: andi, sltu (0/1 result), the flags load is charged; return value move (1), range test folded (1)",
  },
  "db.vm.protect.setup": {
    instructions: 6,
    source:
      "open/close choice (beqz + slot), batch pointer and count (lui, addiu, move), single-page test (1)",
  },
  "db.vm.protect.step": {
    instructions: 9,
    source:
      "per page: want = READ | (MAXWRITE ? WRITE : 0) (andi, srl, or, ori: 4, or li 0), new flags (and, or), unchanged test (beq + slot), loop (1)",
  },
  "db.vm.batch.entry": {
    instructions: 6,
    source:
      "per entry written into the vector: page address (sll 12), rights choice (2), three stores into the vector (charged as the vector's words: counted as 3 sw here, the vector is the kernel call's argument page)",
  },
  "db.vm.batch.call": {
    instructions: 3,
    source:
      "the vector's address and entry count to a0/a1 (lui/addiu folded: 2), count reset (move); the crossing is the kernel's",
  },
  // ---- threads (sched/threads.ts) ----
  "db.sched.pick": {
    instructions: 7,
    source:
      "round robin, per thread looked at: addiu index, wrap (sltu, bnez + slot, move 0), live test (beqz + slot)",
  },
  "db.sched.switch": {
    instructions: 3,
    source:
      "a thread's context address: index * 256 (sll 8), the area's base (lui), addu; the 33 register loads or stores and the running-thread store are charged",
  },
  // ---- calls by protected control transfer (ipc/call.ts) ----
  "db.call.client": {
    instructions: 4,
    source:
      "argument to a0 (move), save-area address (lui, addiu), result from a0 (move); the 12 callee-saved stores and loads are charged",
  },
  "db.call.server": {
    instructions: 6,
    source:
      "entry: argument from a0 (move), call the procedure (jal + slot, jr + slot), result to a0 (move)",
  },
});

export type CostLabel = keyof typeof COSTS;
