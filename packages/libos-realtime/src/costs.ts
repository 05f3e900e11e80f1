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
  "realtime.refill.entry": {
    instructions: 12,
    source:
      "handler entry: index = (t1 - APP_BASE) >> 12 (lui, subu, srl), bound (li pages, sltu, beqz + slot), entry address (sll 2, lui table base, addu), not-mapped test (beqz + slot); the entry load and the 4 saves are charged",
  },
  "realtime.refill.zero": {
    instructions: 6,
    source:
      "demand-zero: DEMAND test (li, bne + slot), allocFrame's result test (bltz v0 + slot), entry = cap + 2 (addiu); the entry store is charged, the stub charges its own",
  },
  "realtime.refill.install": {
    instructions: 5,
    source:
      "tlbWrite's arguments: page address (srl, sll of t1), capability (addiu entry - 2, or move v0); result test (bltz v0 + slot)",
  },
  "realtime.refill.return": {
    instructions: 2,
    source:
      "back to the faulting instruction: jr EPC + delay slot (the 7 restores are charged loads)",
  },
  // #endregion refill-costs
  // ---- map and unmap (vm/vm.ts) ----
  "realtime.vm.range": {
    instructions: 17,
    source:
      "library call (jal + slot, jr ra + slot: 4), alignment (andi, bnez + slot), count (blez + slot), index (lui, subu, srl), end (addu), bound (li pages, sltu, bnez + slot)",
  },
  "realtime.vm.scan.step": {
    instructions: 4,
    source:
      "per page of map's scan (the entry load is charged): mapped test (bnez + the pointer's addiu in its slot), loop (bne + slot)",
  },
  "realtime.vm.fill.step": {
    instructions: 3,
    source: "per page of map's fill (the entry store is charged): addiu pointer, loop (bne + slot)",
  },
  "realtime.vm.unmap.step": {
    instructions: 6,
    source:
      "per page of unmap (the entry load and store are charged): frame test (sltiu 2, bnez + slot), addiu pointer, loop (bne + slot)",
  },
  "realtime.vm.unmap.free": {
    instructions: 3,
    source:
      "per page with a frame: freeFrame's argument (addiu entry - 2), result test (bltz v0 + slot); the stub charges its own",
  },
  // ---- threads (sched/threads.ts) ----
  "realtime.sched.pick": {
    instructions: 7,
    source:
      "round robin, per thread looked at: addiu index, wrap (sltu, bnez + slot, move 0), live test (beqz + slot)",
  },
  "realtime.sched.switch": {
    instructions: 3,
    source:
      "a thread's context address: index * 256 (sll 8), the area's base (lui), addu; the 33 register loads or stores and the running-thread store are charged",
  },
  // ---- pinned memory (vm/pinned.ts) ----
  "realtime.pin.page": {
    instructions: 9,
    source:
      "per page pinned at admission: its address (sll page 12, addu task base), allocFrame's and guarantee's result tests (bltz + slot, twice), the record (sw cap: stores 1), loop (bne + slot counted 1)",
    stores: 1,
  },
  "realtime.pin.migrate": {
    instructions: 14,
    source:
      "a wanted frame that holds a task's page: pop a reserve cap (lw, addiu, sw: loads 1, stores 1; the addiu fills lw's delay slot), scratch address (lui), the three calls' arguments (move x3) and result tests (bltz + slot x2), the record (sw: stores 1), next (b + slot); the copy's 1024 loads and stores are charged",
    loads: 1,
    stores: 2,
  },
  // ---- the real-time dispatcher (sched/dispatcher.ts) ----
  "realtime.rt.release.entry": {
    instructions: 8,
    source:
      "alarm handler entry: jal + slot, the clock's value to a register (move), next-earliest = max (lui, ori), loop index and bound (move, lw n counted: loads 1)",
    loads: 1,
  },
  "realtime.rt.release.step": {
    instructions: 9,
    source:
      "per task: its next release (2 lw: loads 2; the loop's addiu fills the second lw's delay slot, the first's is filled by the second), due test (sltu, beqz + slot), earliest so far (sltu, movn as beqz + move), loop (addiu, bne + slot, counted 1 with the slot)",
    loads: 2,
  },
  "realtime.rt.release.job": {
    instructions: 16,
    source:
      "per job released: its release and deadline (lw period, lw deadline: loads 2; addu x2; sw x2: stores 2), next release += period (addu, sw: stores 1), ready-list link (lw head, sw next, sw head: loads 1, stores 2), release latency (subu), jobs released (addiu); load-delay slots filled: lw deadline fills lw period's, the first addu lw deadline's, the latency subu lw head's (sw next stores head)",
    loads: 3,
    stores: 5,
  },
  "realtime.rt.release.arm": {
    instructions: 4,
    source:
      "re-arm the alarm at the earliest next release: the argument (move), the call's result test (bltz + slot), return (jr ra)",
  },
  "realtime.rt.release.preempt": {
    instructions: 7,
    source:
      "is the new job before the running one: load both keys (2 lw: loads 2; the second fills the first's delay slot, the flag's li the second's), compare (sltu), branch + slot, set the preempt flag (li, sw: stores 1)",
    loads: 2,
    stores: 1,
  },
  "realtime.rt.pick.step": {
    instructions: 7,
    source:
      "per ready job: its key (lw: loads 1), compare with the best (sltu, beqz + slot), best = it (move), next (lw next: loads 1; it fills lw key's delay slot, bnez is 4 further), loop (bnez + slot counted 1)",
    loads: 2,
  },
  "realtime.rt.job.start": {
    instructions: 6,
    source:
      "dispatch the picked job: running = job (sw: stores 1), its context address (sll, addu), call its body (jal + slot)",
    stores: 1,
  },
  "realtime.rt.job.done": {
    instructions: 9,
    source:
      "a job finished: unlink from the ready list (lw prev, lw next, sw: loads 2, stores 1; lw next fills lw prev's delay slot, the running = none store lw next's), running = none (sw: stores 1), jobs done (addiu), back to the pick (b + slot), return from the body (jr ra)",
    loads: 2,
    stores: 2,
  },
  "realtime.rt.idle.spin": {
    instructions: 4,
    source:
      "idle loop, per iteration: the ready-list head (lw: loads 1); nop in lw head's delay slot: bnez uses it; bnez + slot",
    loads: 1,
  },
  // ---- message queues (ipc/queue.ts) ----
  "realtime.queue.send": {
    instructions: 10,
    source:
      "call entry (jal + slot), running job (lw: loads 1), full test (subu, sltu, beqz + slot), slot address (remu as andi with a power-of-two ring: andi, sll, addu); the head, tail, slot and tail accesses are charged",
    loads: 1,
  },
  "realtime.queue.block": {
    instructions: 12,
    source:
      "holder busy: append to the waiters (lw tail, sw link, sw tail: loads 1, stores 2), inheritance (2 lw keys, sltu, beqz + slot, sw: loads 2, stores 1), block flag (li, sw: stores 1); load-delay slots filled: the first key's lw fills lw tail's (sw link uses tail), the flag's li the second key's (sltu uses it)",
    loads: 3,
    stores: 4,
  },
  "realtime.queue.handoff": {
    instructions: 7,
    source:
      "holder = me (sw: stores 1), slot address (andi, sll, addu), call the service (jalr + slot); the head and message loads and the head store are charged",
    stores: 1,
  },
  "realtime.queue.leave": {
    instructions: 10,
    source:
      "holder = none (sw: stores 1), waiters test (lw, beqz + slot: loads 1; the holder store fills lw's delay slot), own keys back (2 lw, 2 sw: loads 2, stores 2; the second lw fills the first's slot, the first sw the second's), return (jr ra + slot)",
    loads: 3,
    stores: 3,
  },
  "realtime.queue.pick.step": {
    instructions: 7,
    source:
      "per waiter: its key (lw: loads 1), compare (sltu, beqz + slot), best = it (move), loop (lw next, bnez + slot counted 1: loads 1); lw next fills lw key's delay slot (bnez is 4 further)",
    loads: 2,
  },
  // ---- channels between environments (ipc/channel.ts) ----
  "realtime.chan.send": {
    instructions: 10,
    source:
      "send entry (jal + slot), full test (subu, sltu, beqz + slot), slot address (remu as andi with a power-of-two ring: andi, sll, addu), tail + 1 (addiu); the head, tail and message loads and stores are charged",
  },
  "realtime.chan.call": {
    instructions: 5,
    source:
      "one handoff attempt: save-area address (lui, addiu), the server's id for the stub (move), loop back (b + slot); the 12 callee-saved stores and the transfer are charged",
  },
  "realtime.chan.result": {
    instructions: 12,
    source:
      "after the transfer: code and waiter from a1, a2 (2 move), the transfer's Busy test (li, bne + slot), the code's test (bnez + slot), the reply's slot address (andi, sll, addu), return (jr ra + slot); the 12 callee-saved loads, the waiting-mark store and the reply load are charged",
  },
  "realtime.chan.entry": {
    instructions: 6,
    source:
      "server entry: caller id (move), table base (lui, addiu), count (lw: loads 1), empty test (beqz + slot counted 1); the caller id's move fills lw count's delay slot",
    loads: 1,
  },
  "realtime.chan.lookup.step": {
    instructions: 5,
    source:
      "per accepted client: its id (lw: loads 1), compare (bne + slot), next record (addiu, which fills lw id's delay slot), loop bound (sltu; the loop's bnez shares the slot)",
    loads: 1,
  },
  "realtime.chan.waiting.step": {
    instructions: 6,
    source:
      "per accepted client: its rank against the caller's (lw, sltu, beqz + slot: loads 1), next record (addiu, which fills lw rank's delay slot); the waiting word's load, when ranked above, is charged (with its nop: its beqz follows, the addiu is taken)",
    loads: 1,
  },
  "realtime.chan.drain": {
    instructions: 4,
    source:
      "a client's ring: pending = tail - head (subu), against the private capacity (sltu, bnez + slot); the head and tail loads are charged",
  },
  "realtime.chan.serve.step": {
    instructions: 9,
    source:
      "per message served: slot address (addu head k, remu as andi, sll, addu base), call the service (jalr + slot, jr ra + slot), head + 1 (addiu); the message load and the reply and head stores are charged",
  },
  "realtime.chan.reply": {
    instructions: 3,
    source:
      "code and waiter to a1, a2 (2 move), the caller's id for the stub (move); the transfer is charged by the kernel",
  },
  // ---- calls by protected control transfer (ipc/call.ts) ----
  "realtime.call.client": {
    instructions: 4,
    source:
      "argument to a0 (move), save-area address (lui, addiu), result from a0 (move); the 12 callee-saved stores and loads are charged",
  },
  "realtime.call.server": {
    instructions: 6,
    source:
      "entry: argument from a0 (move), call the procedure (jal + slot, jr + slot), result to a0 (move)",
  },
});

export type CostLabel = keyof typeof COSTS;
