import { defineCosts } from "@exolab/exokernel";

/**
 * Every `exec` label ExOS charges, with its instruction count and where the count comes
 * from. Loads and stores are NOT counted here: each is charged by the access itself (the
 * page table, save areas, rings and contexts live in simulated memory). Kernel paths
 * (system calls, exception dispatch, protected control transfer) are charged by the
 * exokernel, not here. COSTS.md walks through each count step by step; none was chosen to
 * approach a paper figure. A step is charged with `cpu.exec(COSTS[label])`, a loop of n
 * steps with `cpu.exec(COSTS[label], n)` (one charge); COSTS.md's label table is generated
 * from this file.
 *
 * MIPS conventions used in the counts: a taken or untaken branch and a jump each have a
 * delay slot that is counted as an instruction (a nop when nothing useful fits); a 32-bit
 * constant takes two instructions (lui, ori). Load-delay slots (MIPS I has no load
 * interlock): in generator code the order of CPU operations is the instruction order. A
 * `load32` whose value the very next operation uses — the first instruction of the next
 * counted sequence tests, shifts or adds it, it is the next access's address, it is stored
 * next, it is a multiply operand — is `load32Used` (the machine charges the slot's nop,
 * `load-delay.nop`), unless an instruction independent of the value sits between them or in
 * that next sequence (or, for a step charged just before the loads it uses, in that step
 * and need not precede the load) and can fill the slot. Register restore runs and bursts of loads
 * fill each other's slots (the last of a run only pays when its register is used at once);
 * a value used only later keeps `load32`. COSTS.md lists every load site and its verdict.
 * A record that lists a load of its own counts that slot too: a `nop` (+1, "nop in lw x's
 * delay slot: … uses it") when the next listed instruction uses the value and no listed one
 * independent of it can move there; else its source names the filler.
 */
export const COSTS = defineCosts({
  // ---- procedure linkage ----
  "exos.call": {
    instructions: 4,
    source: "library procedure call: jal + delay slot, jr ra + delay slot",
  },
  // ---- page table ----
  "exos.pt.search.setup": {
    instructions: 5,
    source: "binary search entry: srl vpn; lui+ori table base; lo = 0; final not-found negate",
  },
  "exos.pt.search.step": {
    instructions: 12,
    source:
      "one probe: addu lo+hi, srl 1, sll 3, addu base (the load is charged), srl 12, beq found + slot, sltu, beq + slot (lo = mid+1 in it), move hi, loop bne (its slot holds the next addu)",
  },
  "exos.pt.insert": {
    instructions: 8,
    source:
      "insert set-up: count + k vs capacity (addu, sltu, beq + slot), tail address (sll, addu, addu), return",
  },
  "exos.pt.move.step": {
    instructions: 4,
    source:
      "move loop per 8-byte entry (2 loads + 2 stores charged by the copy): addiu src, addiu dst, bne + slot",
  },
  "exos.pt.fill.step": {
    instructions: 6,
    source: "new entry: sll vpn, or flags (2 stores charged), addiu vpn, addiu ptr, bne + slot",
  },
  "exos.pt.remove": {
    instructions: 8,
    source:
      "remove set-up: tail = n - i - k (2 subu), addresses (sll, addu x2), bgtz + slot, count update subu",
  },
  // ---- faults ----
  "exos.fault.decode": {
    instructions: 11,
    source:
      "handler entry: srl+andi exception code of t2; 2 compares (TLBS, Mod) + or; page of t1 (and with lui'd mask: 2); range check sltu x2 + bnez + slot",
  },
  "exos.fault.check": {
    instructions: 8,
    source:
      "pte flags: andi need + beqz + slot; andi ZERO + beqz + slot; andi COW + combine with write",
  },
  "exos.fault.install": {
    instructions: 8,
    source:
      "writable = WRITE && !COW && DIRTY (3 andi, 2 sltu/and); arguments a0..a2 for tlbWrite (3 moves)",
  },
  "exos.fault.return": {
    instructions: 2,
    source:
      "back to the faulting instruction: jr EPC + delay slot (t0..t2 reloads are charged loads)",
  },
  "exos.trap.decode": {
    instructions: 5,
    source:
      "trap handler entry: table index from the code (sll, addu), load of the application's handler (the table is host-side: counted as an instruction, as the exokernel counts its capability loads), bnez + slot; the v0 save that follows (sw v0, independent, made on this path) fills the lw's delay slot",
    loads: 1,
  },
  "exos.fault.upcall": {
    instructions: 7,
    source:
      "frame address (sll, addu), depth+1 (addiu), call of the application handler: jal + slot, jr + slot",
  },
  "exos.vm.zerofill": {
    instructions: 6,
    source:
      "demand-zero bookkeeping: allocFrame arguments (li a0 -1), result test bltz + slot, flags (and ~ZERO, or PRESENT), move cap (the kernel zeroes the frame, charged to it)",
  },
  "exos.vm.cow": {
    instructions: 522,
    source:
      "bcopy of 4096 bytes, loads and stores charged: 128 iterations of 8 lw/sw pairs + (addiu x2, bne, slot) = 512, plus 10 set-up",
  },
  "exos.vm.libcap": {
    instructions: 4,
    source:
      "per library page, on mapShared: its capability name (the list is host-side: counted as an instruction, as the trap table); nop in lw name's delay slot: bne uses it; bne + slot",
    loads: 1,
  },
  // ---- Appel–Li primitives ----
  "exos.vm.dirty": {
    instructions: 2,
    source: "andi DIRTY, sltu to 0/1 (the lookup is the binary search)",
  },
  "exos.vm.protect.setup": {
    instructions: 10,
    source:
      "range check: alignment (andi, bnez + slot), end = va + (n << 12) (sll, addu), bounds (2 sltu, or, bnez + slot)",
  },
  "exos.vm.protect.step": {
    instructions: 14,
    source:
      "per page: new flags (andi, or), beq unchanged + slot, andi PRESENT + beqz + slot, lowered test (xor, andi), loop (addiu x2, bne + slot), page va addiu",
  },
  "exos.vm.protect.pick": {
    instructions: 2,
    source:
      "one page or a range: `beq` pages, 1 + delay slot (a range goes through the exokernel's `bindBatch`)",
  },
  "exos.vm.batch.entry": {
    instructions: 8,
    stores: 3,
    source:
      "per page of a range whose binding changes: the vector entry, 3 `sw` (va; cap, zero for an unbind; rights) into the library's vector (counted here: the model keeps the vector host-side), rights = writable << 1 | 1 (`sll`, `ori`; 0 when lowered, in the branch already counted), `addiu` pointer, full test `beq` + slot (`addiu` count)",
  },
  "exos.vm.batch.call": {
    instructions: 3,
    source:
      "per `bindBatch` call: vector address into a0 (`lui`, `addiu`), entry count into a1 (`move`); the stub and the kernel's path are the exokernel's",
  },
  "exos.vm.unmap": {
    instructions: 8,
    source: "range check: alignment (andi), end (sll, addu), bounds (2 sltu, or, bnez + slot)",
  },
  "exos.vm.unmap.step": {
    instructions: 8,
    source:
      "per page: andi PRESENT + beqz + slot, andi FOREIGN|COW + bnez + slot, loop addiu + bne",
  },
  // ---- threads and slices ----
  "exos.sched.safepoint": {
    instructions: 4,
    source:
      "switch wanted: critical-depth test (bnez + slot), deferral budget (subu, sltu) (loads charged)",
  },
  "exos.sched.critical": {
    instructions: 3,
    source: "enter/leave: addiu depth, beq first/last + slot (loads and stores charged)",
  },
  "exos.sched.yieldTo": {
    instructions: 3,
    source:
      "directed yield wrapper: target to a0 (move), save-area address (lui, addiu); 12 callee-saved sw/lw charged",
  },
  "exos.sched.yieldSlice": {
    instructions: 2,
    source:
      "slice yield wrapper, the fallback after a refused directed yield: save-area address (lui, addiu); 12 callee-saved sw/lw charged",
  },
  "exos.yield.check": {
    instructions: 2,
    source: "a directed yield's result (pipes, pipe', stride): bltz v0 + delay slot",
  },
  "exos.yield.refused": {
    instructions: 3,
    source:
      "a refused directed yield: is the target gone? (li NoEnv, beq + slot); if not (it is parked in a transfer), a pipe gives the slice up instead and a stride donor keeps it",
  },
  "exos.sched.endOfSlice": {
    instructions: 5,
    source: "end-of-slice upcall: li 1, flag address (lui, ori), critical-depth test (beqz + slot)",
  },
  "exos.sched.pick": {
    instructions: 7,
    source: "round robin: addiu index, wrap (sltu, bnez + slot, move 0), live test (beqz + slot)",
  },
  "exos.stride.enter": {
    instructions: 8,
    source:
      "slice start: group address (lui, ori), chosen == me (xor, bnez + slot), member count bounded to the page (sltiu, bnez + slot): the page is shared, a member may scribble it",
  },
  "exos.stride.scan": {
    instructions: 8,
    source:
      "per member: addiu ptr, bltz dead + slot, sltu pass < best, beqz + slot, loop bne + slot",
  },
  // ---- descriptors, pipes, LRPC ----
  "exos.fd.lookup": {
    instructions: 7,
    source:
      "descriptor: bound (sltiu, beqz + slot), entry address (sll, addu), kind compare bne + slot",
  },
  "exos.fd.scan": {
    instructions: 5,
    source: "free-descriptor scan per entry: addiu, bnez + slot, loop bne + slot",
  },
  "exos.pipe.args": {
    instructions: 2,
    source: "byte count: blez a2 + delay slot (zero returns 0 at once, negative is refused)",
  },
  "exos.pipe.write.step": {
    instructions: 16,
    source:
      "reader-closed test (bnez + slot), used = head - tail (subu), full test (sltu, beqz + slot), at = head & (size-1) (addiu, and), n = min of three (the R3000 has no conditional move: 2 x (sltu, beqz + slot, move))",
  },
  "exos.pipe.read.step": {
    instructions: 14,
    source:
      "avail = head - tail (subu), bnez + slot, at = tail & (size-1) (addiu, and), n = min of three (2 x (sltu, beqz + slot, move)), move count to v0",
  },
  "exos.bcopy.setup": {
    instructions: 9,
    source:
      "bcopy call (jal + slot, jr + slot), alignment test (or, andi, bnez + slot), word count srl",
  },
  "exos.bcopy.word": {
    instructions: 3,
    source: "word loop beyond its lw/sw (charged): addiu src, addiu dst, bne (lw in its slot)",
  },
  "exos.pipe1.put": {
    instructions: 11,
    source:
      "inlined write: reader-closed test (bnez + slot), used (subu), room (addiu, sltu, beqz + slot), index (addiu, and size-1, and ~3, addu)",
  },
  "exos.pipe1.get": {
    instructions: 8,
    source:
      "inlined read: head == tail (beq + slot), index (addiu, and size-1, and ~3, addu), tail + 4 (addiu), value to v0 (move)",
  },
  "exos.lrpc.client": {
    instructions: 4,
    source:
      "argument to a0 (move), save-area address (lui, addiu), result from a0 (move); 12 sw + 12 lw charged when untrusted",
  },
  "exos.lrpc.server": {
    instructions: 6,
    source:
      "entry: argument from a0 (move), call the procedure (jal + slot, jr + slot), result to a0 (move)",
  },
  // ---- fork ----
  "exos.fork.entry": {
    instructions: 15,
    source:
      "per entry: image slot address (srl, andi, sll, addu x2), flag mapping (3 andi/or), PRESENT test (beqz + slot), grant arguments (3 moves), loop bne + slot",
  },
  "exos.fork.check": {
    instructions: 6,
    source:
      "per entry, before any change: andi ALIAS, bnez refuse + slot, addiu ptr, bne loop + slot (the entry load is charged)",
  },
  "exos.fork.accept.check": {
    instructions: 12,
    source:
      "per image entry, before any change: vpn (srl), above the last (sltu, beqz + slot), below APP_LIMIT and from APP_BASE (2 sltu/sltiu, and, beqz + slot), loop (addiu, bne + slot) (the entry load is charged)",
  },
  "exos.fork.accept.flags": {
    instructions: 11,
    source:
      "per image entry: keep the legitimate flags (lui, ori, and), PRESENT test (andi, beqz + slot), COW = MAXWRITE >> 3 (andi, srl), or FOREIGN|CAPRO (ori), or COW, clear ZERO (and)",
  },
  "exos.fork.cow": {
    instructions: 9,
    source:
      "per entry: PRESENT, FOREIGN and MAXWRITE test (andi, xor, bnez + slot), or COW, page address (and), loop (addiu, bne + slot)",
  },
  // ---- UDP/IP over the exokernel's filters and rings (net/udp.ts) ----
  "exos.udp.send": {
    instructions: 9,
    source:
      "send set-up: socket table index and bound (sll, addu, sltu, beq + slot), load send page and connected length (2 lw counted as instructions: JS-side table; the length first, the page's lw fills its delay slot), compare with the length (bne + slot)",
    loads: 2,
  },
  "exos.udp.copy": {
    instructions: 2,
    source: "bcopy inner loop per word beyond its lw/sw (charged as accesses): addiu, bne",
  },
  "exos.udp.checksum": {
    instructions: 3,
    source:
      "per IP header halfword re-summed for another length: addu, addiu pointer, bne (the load is charged)",
  },
  "exos.udp.poll": {
    instructions: 6,
    source:
      "ring poll: ring address from the socket (2), producer vs consumer (bne + slot), lap constants (lui, ori)",
  },
  "exos.udp.record": {
    instructions: 14,
    source:
      "per record: position from the lap counter (sltu, subu, 2 with the branch), record address (addu), wrap-marker test (beqz + slot), length round-up and advance (addiu, and, addu, sltu, subu), header checks: IHL and length (andi, bne + slot)",
  },
  "exos.udp.handler": {
    instructions: 8,
    source:
      "net handler entry: save-slot address (lui, addiu), socket loop set-up (lw count counted, move: the move fills lw's delay slot), return path (jr + slot), restore bookkeeping 2",
    loads: 1,
  },
  "exos.udp.socket": {
    instructions: 7,
    source:
      "per socket in the handler: load the entry; nop in lw entry's delay slot: the null test uses it; null test (its slot holds the callback's lw); nop in lw callback's delay slot: beqz uses it; beqz + slot",
    loads: 2,
  },
});

export type CostLabel = keyof typeof COSTS;
