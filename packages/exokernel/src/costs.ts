import { defineCosts } from "@exolab/machine";

/**
 * Every `exec` label and instruction count of the exokernel, with its source. Loads and
 * stores are charged by the accesses themselves (house rule 2); these counts are the other
 * instructions. Where the paper gives an Aegis path length, the count is that length minus
 * the loads, stores, TLB writes and `rfe` the path performs as separate charged operations.
 * COSTS.md walks every path step by step; its label tables are generated from this file
 * (`pnpm costs:md`).
 */
export const COSTS = defineCosts({
  // ---- user side of the ABI ------------------------------------------------------------
  /** `li v0, N; syscall`, plus one `move`/`li` per argument register (added per call). */
  "aegis.abi.stub": {
    instructions: 2,
    source: "counted: `li v0,N`; `syscall` (+ `aegis.abi.arg` per argument register)",
  },
  /** One `move`/`li` per argument register the stub fills (a0..a2, or v1 for a transfer). */
  "aegis.abi.arg": {
    instructions: 1,
    source: "counted: one `move`/`li` per argument register a0..a2 (v1 for a transfer)",
  },

  // ---- exceptions ----------------------------------------------------------------------
  /**
   * Exception dispatch: the paper's 18 instructions (save 3 scratch registers, load EPC,
   * BadVAddr and Cause, jump) minus the 3 stores and the `rfe` charged separately.
   */
  "aegis.exc.dispatch": { instructions: 14, source: "paper §5: dispatch 18 = 3 `sw` + 14 + `rfe`" },
  /** Identify an exception with no user handler (or over the nesting bound) before destroy. */
  "aegis.exc.unhandled": {
    instructions: 6,
    source: "counted: load handler slot, test, branch ×2 (then destroy)",
  },

  // ---- TLB refill -------------------------------------------------------------------------
  /**
   * Software-TLB probe: the first part of the paper's 18-instruction STLB hit: index from
   * (vpn, asid) (srl, xor, sll, andi, addu = 5), compare the tag loaded (1 load charged)
   * (xor, bne = 2), mfc0 BadVAddr/EntryHi (2). 9 instructions.
   */
  "aegis.refill.stlbProbe": {
    instructions: 9,
    source:
      "paper §5: first part of the 18-instruction STLB hit (18 = 9 + `lw` tag + 3 + `lw` EntryLo + 3 cp0 + `rfe`): index from (vpn, asid) (`srl`, `xor`, `sll`, `andi`, `addu`), compare (`xor`, `bne`), `mfc0` BadVAddr/EntryHi",
  },
  /** STLB hit tail: mtc0 EntryLo setup (move), mfc0 EPC, jr: 3 (+1 load, tlbwr 3, rfe 1). */
  "aegis.refill.stlbHit": {
    instructions: 3,
    source:
      "paper §5: remainder of the 18 (move EntryLo, `mfc0` EPC, `jr`); + `lw` EntryLo, `tlbwr` (3), `rfe` charged separately",
  },
  /** Guaranteed-mapping probe after an STLB miss: per-env table hash + compare + branch. */
  "aegis.refill.guaranteedProbe": {
    instructions: 8,
    source:
      "counted: hash vpn 2, index 2, load + compare key 2, branch 2 (the table itself is kept host-side, its load counted here)",
  },
  /** Refill upcall: the same 18-instruction dispatch as any exception. */
  "aegis.refill.upcall": {
    instructions: 14,
    source: "paper §5: the same 18-instruction dispatch as any exception (3 `sw` + 14 + `rfe`)",
  },

  // ---- system calls ------------------------------------------------------------------------
  /**
   * A kernel/user crossing: decode Cause and the call number, branch, return (mfc0 EPC,
   * addiu, jr). The paper's 18 instructions minus the `rfe`.
   */
  "aegis.sys.crossing": {
    instructions: 17,
    source:
      "paper §5: kernel/user crossing 18 = 17 + `rfe` (decode Cause and v0, branch, `mfc0` EPC, `addiu`, `jr`)",
  },
  /**
   * The path with a stack: load the kernel stack pointer (lui, addiu), keep the user sp
   * (move), call the C body (jal, prologue addiu, epilogue addiu, jr ra), switch sp back
   * (move) = 8; plus 4 stores (sp, ra, gp, fp) and 4 loads, charged as RegSave/RegRestore.
   */
  "aegis.sys.stack": {
    instructions: 8,
    source:
      "counted: `lui`/`addiu` kernel sp, `move` user sp, `jal`, prologue `addiu`, epilogue `addiu`, `jr ra`, `move` sp back; + 4 `sw`, 4 `lw` charged",
  },

  // Bodies of the calls (stack path). Capability lists are kept host-side; their loads are
  // counted here as instructions (1 cycle each on every profile, like a cached load).
  "aegis.cap.lookup": {
    instructions: 8,
    source:
      "counted: split the name (`andi`, `srl`), bound (`sltiu`, `beq`), load slot generation + compare, load frame generation + compare (lists host-side; their 2 loads counted here)",
  },
  "aegis.sys.allocFrame": {
    instructions: 14,
    source:
      "counted: bounds, free-map word load + find-first-set (6), mark owner, bump generation, fill the slot (4); + zeroing the frame: 1024 `sw` charged (`memory`)",
  },
  "aegis.sys.frameOf": { instructions: 2, source: "counted: load frame field, move to v0" },
  "aegis.sys.freeFrame": {
    instructions: 10,
    source:
      "counted: rights test, bump frame generation, clear owner, release slot; per mapping removed see `aegis.mem.unbind`",
  },
  "aegis.mem.unbind": {
    instructions: 6,
    source:
      "counted per mapping removed: STLB index, compare tag, clear; `tlbp`/`tlbwi` and the STLB `lw`/`sw` charged",
  },
  "aegis.mem.saveAreas": {
    instructions: 2,
    source:
      "counted per guaranteed mapping made or removed: load the mapping's save-area flag, branch (keeps handler save areas in step with their mapping; the per-handler table is host-side)",
  },
  "aegis.sys.grant": {
    instructions: 16,
    source: "counted: target lookup 4, rights subset 3, free-slot pop 3, copy 6",
  },
  "aegis.sys.dropCap": {
    instructions: 6,
    source: "counted: clear slot, bump generation, push free list",
  },
  "aegis.sys.tlbWrite": {
    instructions: 12,
    source:
      "counted: va checks 4, rights test 3, build EntryHi/EntryLo 3, STLB index 2; `tlbp`, `tlbwr`/`tlbwi`, 2 STLB `sw` charged",
  },
  "aegis.sys.tlbDelete": { instructions: 6, source: "counted: va checks, binding lookup" },
  // The batched binding call (mem/batch.ts): a fixed part, then per entry a check (pass 1)
  // and a bind or an unbind (pass 2). The vector is user memory in a real kernel (12-byte
  // entries): its word loads are counted here (`loads`), as the capability loads are.
  "aegis.sys.bindBatch": {
    instructions: 16,
    source:
      "counted: `bltz` count (slot: `sltiu` count <= max), `beqz` too long (slot: `sll` count 3), `sll` count 2, `addu` ×2 vector end, vector end inside kuseg (`sltu`, `beqz`), `beqz` count 0 (slot: `li` prev vpn -1), slot-array address (`lui`, `addiu`), pass-2 pointers (`move` ×2), result (`move` v0)",
  },
  "aegis.batch.check": {
    instructions: 21,
    loads: 4,
    stores: 1,
    source:
      "counted per entry, pass 1, delay slots filled: `lw` va, `lw` rights, `bltz` va (slot: `andi` offset), `bnez` offset (slot: `srl` vpn), `sltu` prev < vpn, `beqz` (slot: `sltiu` rights < 4), `beqz` (slot: `xori` rights 2), `beqz` (slot: `move` prev = vpn), `beqz` rights 0 skips the capability (slot: `lw` cap), `lw` guaranteed flag of the page, `bnez` Busy (slot: `sw` slot kept), `addiu` entry, `bne` loop (slot: `addiu` slot pointer)",
  },
  "aegis.batch.rights": {
    instructions: 3,
    source:
      "counted per entry that binds, after `aegis.cap.lookup`: the capability's rights cover the entry's (`and`, `bne` + slot)",
  },
  "aegis.batch.bind": {
    instructions: 14,
    loads: 3,
    source:
      "counted per entry that binds, pass 2: `lw` va, `lw` slot, `lw` rights, `bltz` slot → unbind (slot: `srl` vpn), dirty bit (`andi`), build EntryHi/EntryLo 3, STLB index 2, loop (`addiu` ×2, `bne`); `tlbp`, `tlbwr`/`tlbwi`, 2 STLB `sw` charged",
  },
  "aegis.batch.unbind": {
    instructions: 10,
    loads: 3,
    source:
      "counted per entry that unbinds, pass 2: `lw` va, `lw` slot, `bltz` slot (slot: `srl` vpn), binding lookup (`lw`, `beqz` + slot), loop (`addiu` ×2, `bne`); a binding found: + `aegis.mem.unbind`",
  },
  "aegis.sys.guarantee": {
    instructions: 10,
    source: "counted: tlbWrite's checks plus the table insert",
  },
  "aegis.sys.setHandler": {
    instructions: 10,
    source: "counted: code check, save-area translation and checks, two stores",
  },
  "aegis.sys.setUpcall": {
    instructions: 4,
    source: "counted: store the entry in the environment record",
  },
  "aegis.sys.allocSlice": {
    instructions: 8,
    source: "counted: bound, scan for a free position, store owner",
  },
  "aegis.sys.freeSlice": { instructions: 5, source: "counted: bound, owner compare, clear" },
  "aegis.sys.repossessed": { instructions: 3, source: "counted: load vector pointer and length" },
  "aegis.sched.yieldSlice": {
    instructions: 6,
    source: "counted: mark slice over, request switch (on the stack path)",
  },

  // ---- protected control transfer ---------------------------------------------------------
  /**
   * Synchronous PCT: the paper's 30 instructions (10 to tell the call apart, 20 to set the
   * status, coprocessor and address-tag registers) minus the `rfe`.
   */
  "aegis.pct.sync": { instructions: 29, source: "paper §5: synchronous PCT 30 = 29 + rfe" },
  /** Asynchronous PCT: the same path; only the donation differs. */
  "aegis.pct.async": { instructions: 29, source: "paper §5: same path as synchronous PCT" },
  /** Directed yield: a transfer of the rest of the slice, the same path as an async PCT. */
  "aegis.sched.yieldTo": {
    instructions: 29,
    source:
      "paper §5: the PCT path, 30 = 29 + `rfe` (a directed yield is a transfer of the rest of the slice)",
  },

  // ---- scheduling and interrupts ------------------------------------------------------------
  /**
   * A plain `yield` that resumes the same context (no switch was due): on a real machine the
   * thread trapped into the kernel and came back, one kernel/user crossing. Charging it keeps
   * simulated time moving under a loop of bare yields, so the timer still ends the slice.
   */
  "aegis.sched.plainYield": {
    instructions: 18,
    source:
      "paper §5: one kernel/user crossing, 18 in and out (a `yield` that resumes the same context: the thread trapped in and came back); keeps time moving under a loop of bare yields",
  },
  /** Timer interrupt: decode Cause (mfc0, andi, branch), load slice state, compare (8). */
  "aegis.int.timer": {
    instructions: 8,
    source:
      "counted: decode Cause.IP, load/update slice state; + the timer acknowledge (uncached, 15)",
  },
  /** End-of-slice upcall: the dispatch path to the env's handler (no save area). */
  "aegis.int.endOfSlice": {
    instructions: 14,
    source:
      "paper §5: the dispatch path to the env's end-of-slice handler, 18 = 14 + 3 `sw` (not needed: no save area) + `rfe`",
  },
  /** Slice switch: advance the position, load owner, check forfeits, set ASID (mtc0), jump. */
  "aegis.sched.sliceSwitch": {
    instructions: 16,
    source: "counted: next position 3, load owner 2, forfeit test 3, ASID 2, start-of-slice jump 6",
  },

  /**
   * The rest of a donated slice goes back to its position's owner when the holder has nothing
   * to run: load the position's owner (2), compare with the holder and branch (2), store the
   * holder (1), ASID set (2). The owner's context is then resumed as after any switch.
   */
  "aegis.sched.sliceReturn": {
    instructions: 7,
    source:
      "counted: load the position's owner 2, compare with the holder + branch 2, store holder 1, ASID 2 (a donated slice whose holder has nothing to run goes back to its owner)",
  },

  // ---- time: the cycle counter, alarms, slice reservations ------------------------------
  /**
   * `readCycles`, kernel side, on the no-stack path (after the 17-instruction crossing):
   * `lui` the counter's device base (1), the counter load itself is the uncached device
   * access the timer charges; combine with the kernel's high word kept in a register-resident
   * kernel variable: `lw` high word (1), `sltu` wrap test (1), `addu` (1), `move v0`/`move v1`
   * (2). 6 instructions.
   */
  "aegis.sys.readCycles": {
    instructions: 6,
    source:
      "counted: `lui` device base, `lw` kernel high word, `sltu` wrap test, `addu`, `move v0`, `move v1` (+ the counter read: one uncached device access)",
  },
  /** `setInterruptHandler`: device decode (2), then as setHandler: save-area checks and stores. */
  "aegis.sys.setInterruptHandler": {
    instructions: 12,
    source:
      "counted: device decode 2, save-area bounds and alignment 4, binding lookup 3, store handler and save area 3",
  },
  /**
   * `setAlarm`/`cancelAlarm`: decode the two words of the cycle (3), unlink the env's old
   * alarm from the kernel's sorted alarm list (4), store (2); the walk of the list to insert
   * is `aegis.alarm.walk` per alarm passed; reprogramming the timer is its register access.
   */
  "aegis.sys.setAlarm": {
    instructions: 9,
    source:
      "counted: combine the cycle's two words 3, unlink the old alarm 4, store cycle and link 2 (+ `aegis.alarm.walk` per earlier alarm; + the timer register write when the head changes)",
  },
  /** One step of the sorted alarm list walk: load next (1), load its cycle (1), compare and branch (2). */
  "aegis.alarm.walk": {
    instructions: 4,
    source: "counted: `lw` next, `lw` its cycle, `sltu`, `bne` (per armed alarm passed over)",
  },
  /**
   * The timer interrupt when alarms are multiplexed on it: load the list head's cycle and
   * the next slice boundary (2), compare both with now (4), branch (2); then per expired
   * alarm `aegis.alarm.expire`, and the timer reprogrammed for the earlier of the next
   * alarm and the next boundary (its register access).
   */
  "aegis.int.alarmCheck": {
    instructions: 8,
    source:
      "counted: `lw` list head cycle and next boundary 2, compare with now 4, branches 2 (+ the timer register write)",
  },
  /** An expired alarm: unlink the head (3), mark the owner's pending word (2), owner running? (2). */
  "aegis.alarm.expire": {
    instructions: 7,
    source:
      "counted: unlink the head 3, store the owner's pending cycle 2, compare the owner with the running env and branch 2",
  },
  /**
   * A pending alarm posted to its owner when the dispatcher resumes it: test the pending
   * word (2), `mfc0` Cause, `or` IP0, `mtc0` Cause (3): the software interrupt is taken as
   * the owner's code resumes.
   */
  "aegis.int.alarmPost": {
    instructions: 5,
    source: "counted: `lw`+`beqz` pending word, `mfc0` Cause, `ori` IP0, `mtc0` Cause",
  },
  /**
   * Alarm delivery: the exception dispatch path (the paper's 18 = 3 `sw` + 14 + `rfe`), plus
   * clearing the software interrupt (`mfc0`, `and`, `mtc0` = 3) and loading the alarm's cycle
   * into t1 (1).
   */
  "aegis.int.alarmDispatch": {
    instructions: 18,
    source:
      "paper §5: dispatch 18 = 3 `sw` + 14 + `rfe`; + clear IP0 (`mfc0`, `and`, `mtc0`) 3 + load the alarm cycle 1",
  },
  // ---- the disk (disk/disk.ts) -----------------------------------------------------------
  /** `allocExtent`: check the range against the disk (4), quota and free slot (3), build the name (3). */
  "aegis.sys.allocExtent": {
    instructions: 10,
    source:
      "counted: range checks 4, load the env's extent count and a free slot 3, build and store the name 3 (+ `aegis.disk.extentScan` per held extent)",
  },
  /** One held extent examined for overlap: load start and length (2), add, two compares, branch (4). */
  "aegis.disk.extentScan": {
    instructions: 6,
    source: "counted: `lw` start, `lw` length, `addu`, `sltu` ×2, `bnez` (per held extent)",
  },
  /** `freeExtent`: test busy (2), clear owner and bump the generation (4), release the slot (2). */
  "aegis.sys.freeExtent": {
    instructions: 8,
    source: "counted: `lw`+`bnez` busy, clear owner and bump generation 4, release the slot 2",
  },
  /**
   * `diskRead`/`diskWrite` before the capability lookups: the count against the frame size
   * and the offset (4), the rights test for the direction (2), the extent's cover (3).
   */
  "aegis.sys.diskRequest": {
    instructions: 9,
    source:
      "counted: blocks and offset checks 4, direction's right test 2, offset + blocks ≤ length 3 (+ two `aegis.cap.lookup`, `aegis.quota.check`)",
  },
  /** Append a request to the kernel's queue: fill the record (6), link it at the tail (3), count (2). */
  "aegis.disk.enqueue": {
    instructions: 11,
    source: "counted: store id, env, block, count, frame and generations 6, tail link 3, counts 2",
  },
  /** Take the queue's head and re-check its frame and extent generations before the command. */
  "aegis.disk.start": {
    instructions: 10,
    source:
      "counted: unlink the head 3, load and compare frame owner/generation and extent generation 6, branch 1 (+ the controller's 4 register writes)",
  },
  /**
   * The disk's completion interrupt after its acknowledge: find the request on the disk (2),
   * drop the extent's busy count (3), append (id, result) to the owner's completions (4),
   * owner running? post IP1 (3).
   */
  "aegis.int.disk": {
    instructions: 12,
    source:
      "counted: load the request 2, busy count 3, append the completion 4, compare the owner with the running env and post IP1 3",
  },
  /**
   * Per block of a completed request, the deferred zeroing's check: load the block's byte of
   * the must-zero map (`lbu`), branch (`beqz`); for a write, clear it (`sb`). A read of a
   * marked block then zeroes its part of the frame with kseg0 stores (the machine charges them).
   */
  "aegis.disk.zeroCheck": {
    instructions: 3,
    source: "counted: address of the map byte 1, `lbu` + `beqz` 2 (a write's `sb` in the slot)",
  },
  /** One granted copy of a freed extent's capability released from a list (as caps/copies.ts). */
  "aegis.disk.copyReclaim": {
    instructions: 6,
    source: "counted: compare slot's extent 2, clear used 1, bump the slot generation 2, count 1",
  },
  /** A pending completion posted to its owner when the dispatcher resumes it (as the alarm's). */
  "aegis.int.diskPost": {
    instructions: 5,
    source: "counted: `lw`+`beqz` pending count, `mfc0` Cause, `ori` IP1, `mtc0` Cause",
  },
  /**
   * Completion delivery: the exception dispatch path as the alarm's (paper: 18 = 3 `sw` + 14
   * + `rfe`), clear or keep IP1 (3), dequeue the completion's id and result (3).
   */
  "aegis.int.diskDispatch": {
    instructions: 20,
    source:
      "paper §5: dispatch 18 = 3 `sw` + 14 + `rfe`; + IP1 update (`mfc0`, `and`, `mtc0`) 3 + dequeue id and result 3",
  },
  // ---- the network binding (net/calls.ts, net/receive.ts) ---------------------------------
  /** `insertFilter`: the atom count against the limit (2), the ring's right and owner (4), the quota (in `aegis.quota.check`), record the filter (6). */
  "aegis.sys.insertFilter": {
    instructions: 12,
    source:
      "counted: atom count check 2, ring right and owner tests 4, fill the filter record (id, env, ring frame, generation) and link it 6 (+ `aegis.cap.lookup`, `aegis.quota.check`, and the DPF engine's counted insert work)",
  },
  /** `deleteFilter`: find the record (3), owner test (2), unlink and drop the ASH count (4). */
  "aegis.sys.deleteFilter": {
    instructions: 9,
    source:
      "counted: hash the id and load the record 3, compare the owner 2, unlink and counts 4 (+ the engine's counted delete work)",
  },
  /** `netSend`: offset and length bounds (4), right and owner (3), transmit room (2), the address (2). */
  "aegis.sys.netSend": {
    instructions: 11,
    source:
      "counted: offset/length range checks 4, read right and owner 3, in-flight count against the ring 2, frame × 4096 + offset 2 (+ `aegis.cap.lookup` and the card's 2 register writes)",
  },
  /** `downloadAsh`: find the filter (3), owner (2), grant right and owner (4), attach (4). */
  "aegis.sys.downloadAsh": {
    instructions: 13,
    source:
      "counted: load the filter record 3, owner test 2, grant frame right and owner 4, store the handler and its grant, bump the count 4 (+ `aegis.cap.lookup`, `aegis.quota.check`, the verifier's counted work)",
  },
  /** The card's interrupt: read and acknowledge the status (registers charged by the card), test its bits (3), loop set-up (2). */
  "aegis.int.net": {
    instructions: 5,
    source:
      "counted: test RX/TX/MISS bits 3, load the ring head and the slot table 2 (+ the card's status read and acknowledge)",
  },
  /** Per received frame: the slot's address (2), hand it back and advance the head (4). */
  "aegis.net.rxSlot": {
    instructions: 6,
    source:
      "counted: load the slot's buffer address 2, advance the head modulo the ring 4 (+ the card's length read and give-back register accesses)",
  },
  /** The classified frame's owner: filter id to record (3), load env and its accounting (3). */
  "aegis.net.owner": {
    instructions: 6,
    source:
      "counted: index the filter table by id 3, load the env and switch the accounting owner 3",
  },
  /** The owner's ring checked before a write: frame live (4), header validity (6), room (6). */
  "aegis.net.ringCheck": {
    instructions: 16,
    source:
      "counted: ring frame owner and generation compares 4, producer/consumer range and alignment 6, used and needed bytes with the wrap 6 (the two header loads are charged as loads)",
  },
  /** The copy into the ring: bcopy's loop overhead per word (the load and store are charged as accesses). */
  "aegis.net.ringCopy": {
    instructions: 2,
    source:
      "counted: bcopy inner loop per word beyond its `lw`/`sw`: `addiu` (pointers share one index), `bne`",
  },
  /** Publish the record: new producer with the lap (4), count (2) (the stores are charged as accesses). */
  "aegis.net.ringPublish": {
    instructions: 6,
    source: "counted: add the record size, fold the lap 4, bump the pending count 2",
  },
  /** An ASH's bound frame checked live before its run (owner and generation). */
  "aegis.net.ashGrant": {
    instructions: 4,
    source: "counted: load and compare the grant frame's owner and generation",
  },
  /** An ASH's queued send made a transmit: load the entry (3), region base (2), room (2). */
  "aegis.net.ashSend": {
    instructions: 7,
    source:
      "counted: load region, offset, length 3, add the region's base 2, in-flight check 2 (+ the card's 2 register writes)",
  },
  /** Packets pending posted to the owner when the dispatcher resumes it (as the disk's). */
  "aegis.int.netPost": {
    instructions: 5,
    source: "counted: `lw`+`beqz` pending count, `mfc0` Cause, `ori` IP1, `mtc0` Cause",
  },
  /** Delivery: the dispatch path as the alarm's (paper: 18), IP1 update (3), take the count (2). */
  "aegis.int.netDispatch": {
    instructions: 23,
    source:
      "paper §5: dispatch 18 = 3 `sw` + 14 + `rfe`; + IP1 update (`mfc0`, `and`, `mtc0`) 3 + load and clear the pending count 2",
  },
  /** `reserveSlices`/`releaseSlices`: find a reservation entry (3), store its name (2), return (1). */
  "aegis.sys.reserveSlices": {
    instructions: 6,
    source: "counted: find a free reservation entry 3, build and store the name 2, return 1",
  },
  /** Per position checked: bound (2), duplicate mark (3), owner word (2), withheld word (3). */
  "aegis.reserve.check": {
    instructions: 10,
    source:
      "counted per position: bound 2, duplicate mark load/test/store 3, owner word load/test 2, withheld-from load/compare/branch 3",
  },
  /** Per position taken or given back: store owner and reservation word (2), clear the mark (1). */
  "aegis.reserve.take": {
    instructions: 3,
    source: "counted per position: store owner, store reservation word, clear duplicate mark",
  },
  /**
   * Fixed timing: at a slice boundary, the slot's position is `boundary / sliceCycles mod
   * vectorLength` (a shift and a mask with power-of-two settings, else `divu`/`mfhi`: 4),
   * load its reservation word and owner (2), branch (1).
   */
  "aegis.sched.fixedSlot": {
    instructions: 7,
    source:
      "counted: slot = boundary / slice mod vector length (`divu`, `mflo`, `divu`, `mfhi` 4), load reservation word and owner 2, branch 1",
  },

  // ---- revocation and destruction ---------------------------------------------------------------
  "aegis.revoke.request": {
    instructions: 12,
    source: "counted: build the request record, upcall set-up",
  },
  "aegis.revoke.repossess": {
    instructions: 10,
    source: "counted per frame: clear owner, bump generation, append to the vector",
  },
  // ---- isolation: quotas, capability copies, withholding, recovery -------------------------
  /**
   * A quota check on an allocation (frames, slices, slots filled by grants): load the env's
   * count (1), compare with the policy's quota (1), branch (1), store the count plus one (1).
   */
  "aegis.quota.check": {
    instructions: 4,
    source:
      "counted: load the env's count, compare with the policy's quota, branch, store the count plus one (allocFrame: frames; allocSlice: slices; grant to another env: slots filled by grants)",
  },
  /** The count given back when a frame or slice is released: load, decrement, store. */
  "aegis.quota.release": {
    instructions: 3,
    source:
      "counted: load count, decrement, store (per frame released — free, repossession, destroy — and per slice freed)",
  },
  /**
   * A resource surrendered under a revocation request is withheld from its env until the
   * deadline: load the frame's (or position's) withheld-from word (1), compare with the
   * caller (1), branch (1); charged once per allocation and once per candidate passed over.
   */
  "aegis.revoke.withheld": {
    instructions: 3,
    source:
      "counted: load the frame's (or position's) withheld-from word, compare with the caller, branch; once per allocFrame/allocSlice, and once more per free candidate passed over because it is withheld from the caller",
  },
  /**
   * Linking a new capability into its frame's list of copies (threaded through the slots):
   * load the list head (1), store it as the slot's next (1), store the slot as the old
   * head's prev (1), store the slot as the head (1).
   */
  "aegis.cap.copyLink": {
    instructions: 4,
    source:
      "counted: load the frame's copy-list head, store it as the new slot's next, store the slot as the old head's prev, store the slot as the head (every capability inserted: allocFrame, grant)",
  },
  /** Unlinking a released slot: load prev and next (2), store each into the other (2). */
  "aegis.cap.copyUnlink": {
    instructions: 4,
    source:
      "counted: load the slot's prev and next, store each into the other (every slot released: freeFrame, dropCap, reclaim, destroy)",
  },
  /**
   * Releasing one copy when its frame is freed or repossessed: load the copy's name from the
   * list head (1), split it into ASID and slot (1), then the slot release of dropCap (clear
   * slot, bump generation, push free list: 6); its unlink is aegis.cap.copyUnlink.
   */
  "aegis.cap.reclaim": {
    instructions: 8,
    source:
      "counted per copy released when its frame is freed or repossessed: load the head's name, split ASID and slot, then the slot release of `dropCap` (clear, bump generation, push free list: 6)",
  },
  /**
   * Reaping an env a host error doomed: its ASID is scrubbed from the TLB (per slot: tlbr,
   * mfc0 EntryHi, compare ASID, branch = 4; a matching slot's tlbwi is charged) and from the
   * software TLB (per entry, after the charged tag load: extract ASID 2, compare + branch 1).
   * Never on a measured path: only after a host error crossed a kernel call.
   */
  "aegis.env.scrubTlb": {
    instructions: 4,
    source:
      "counted per TLB slot when a doomed env is reaped: `tlbr`, `mfc0` EntryHi, compare ASID, branch (+ a `tlbwi` per matching slot, charged)",
  },
  "aegis.env.scrubStlb": {
    instructions: 3,
    source:
      "counted per STLB entry when a doomed env is reaped: extract the ASID (2), compare and branch (1), after the tag load (charged; + a store per matching entry)",
  },
  /**
   * A synchronous transfer's registers saved when its slice ended with the other side not yet
   * run (a pair transferring back and forth past its slice): compute the area from the ASID
   * (sll, addu: 2), then 33 stores charged (RegSave); restored the same way before the other
   * side resumes (2, then 33 loads, RegRestore).
   */
  "aegis.pct.messageSave": {
    instructions: 2,
    source:
      "counted: the area's address from the ASID (`sll`, `addu`); then r1..r31, HI, LO stored (charged, `regSave`) — only when a synchronous transfer is still in flight as its slice changes hands (a pair transferring past its slice)",
  },
  "aegis.pct.messageRestore": {
    instructions: 2,
    source:
      "counted: the same address; the 33 registers loaded (charged, `regRestore`) just before the other side resumes",
  },
  "aegis.sys.exit": {
    instructions: 3,
    source:
      "counted: move the status from a0, store it in the env record, branch to destroy; on the stack path (stub 3, entry 3, crossing 17, 4 `sw`, 8), then `aegis.env.destroy`: 78 cycles with nothing to reclaim, no return path",
  },
  "aegis.env.destroy": {
    instructions: 40,
    source:
      "counted: unlink contexts, release ASID, clear the handler table (+ per mapping unbind, per frame zeroing on reuse)",
  },
});

export type CostLabel = keyof typeof COSTS;

// =============================================================================================
// The network engines (src/net/): dynamic packet filters (DPF) and application-specific safe
// handlers (ASHs). Kept in their own table so that the kernel paths above stay as they are.
// Every count is a MIPS R3000 instruction count of the code the engine stands for, counted
// step by step in COSTS.md ("The network engines"). The engines run host-side (their tables
// are JS objects); the kernel charges their counts with `exec`, as it does for the capability
// lists above. A cached load counts as one instruction here (1 cycle on every profile).
// =============================================================================================

export const NET_COSTS = defineCosts({
  // ---- DPF, the compiled demultiplexer (what our code generator emits, per step) ----------
  "aegis.dpf.entry": {
    instructions: 4,
    source: "counted: `addu` end = start + length, `jal` demux, `jr ra`, `move` the result to v0",
  },
  "aegis.dpf.bounds": {
    instructions: 3,
    source:
      "counted per field read: `addiu t0, base, offset+width`; `sltu t1, end, t0`; `bnez t1, next`",
  },
  "aegis.dpf.load.aligned": {
    instructions: 1,
    source:
      "counted: one `lbu`/`lhu`/`lw` when the field's alignment is known at compile time (the receive buffer is word aligned; a shift of scale ≥ 2 keeps a word alignment, scale 1 a halfword one)",
  },
  "aegis.dpf.load.unalignedHalf": {
    instructions: 4,
    source:
      "counted: the `ulhu` macro, `lbu`, `lbu`, `sll`, `or` (network order); also every halfword a shift reads",
  },
  "aegis.dpf.load.unalignedWord": {
    instructions: 2,
    source: "counted: `lwl` + `lwr` (host order: the constants are swapped instead)",
  },
  "aegis.dpf.load.wordBytes": {
    instructions: 10,
    source: "counted: a word a shift reads in network order, 4 `lbu` + 3 `sll` + 3 `or`",
  },
  "aegis.dpf.mask": {
    instructions: 1,
    source:
      "counted: `andi`, when the mask (byte-swapped if the field was loaded in host order) fits 16 bits; a full mask costs nothing",
  },
  "aegis.dpf.mask.wide": {
    instructions: 3,
    source: "counted: `lui` + `ori` + `and`",
  },
  "aegis.dpf.compare.zero": { instructions: 1, source: "counted: `bnez` (masked value 0)" },
  "aegis.dpf.compare": {
    instructions: 2,
    source: "counted: `xori` + `bnez` (a value that fits 16 bits after the swap)",
  },
  "aegis.dpf.compare.wide": { instructions: 3, source: "counted: `lui` + `ori` + `bne`" },
  "aegis.dpf.probe": {
    instructions: 11,
    source:
      "counted: a disjunction of more than 4 values: hash the field (`srl`, `xor`, `andi`), index (`sll`, `addu`), table base (`lui`, `addiu`), `lw` key, `bne`, `lw` target, `jr`",
  },
  "aegis.dpf.shift": {
    instructions: 2,
    source:
      "counted: `sll` by the scale (emitted also for a scale of 0), `addu` to the base register",
  },
  "aegis.dpf.accept": { instructions: 2, source: "counted: `li v0, slot`; `j out`" },
  "aegis.dpf.reject": { instructions: 1, source: "counted: `li v0, -1` at the end of the trie" },

  // ---- DPF, the interpreter over the same trie (the reference engine) ----------------------
  "aegis.dpf.interp.entry": {
    instructions: 6,
    source:
      "counted: prologue (`addiu sp`, `sw ra`, `sw s0`), load the root, set the backtrack stack, `jr`",
  },
  "aegis.dpf.interp.group": {
    instructions: 8,
    source:
      "counted per group visited: 4 `lw` (kind, offset, width, mask) + a jump-table dispatch (`sll`, `addu`, `lw`, `jr`); plus `aegis.dpf.bounds` (3)",
  },
  "aegis.dpf.interp.load1": { instructions: 1, source: "counted: `lbu`" },
  "aegis.dpf.interp.load2": {
    instructions: 4,
    source: "counted: `lbu`, `lbu`, `sll`, `or`",
  },
  "aegis.dpf.interp.load4": { instructions: 10, source: "counted: 4 `lbu` + 3 `sll` + 3 `or`" },
  "aegis.dpf.interp.mask": {
    instructions: 1,
    source: "counted: `and` with the mask already loaded",
  },
  "aegis.dpf.interp.compare": {
    instructions: 2,
    source:
      "counted: `lw` value, `bne`; a group of 2+ values uses the same hash probe (`aegis.dpf.probe`, 11)",
  },
  "aegis.dpf.interp.descend": {
    instructions: 5,
    source: "counted: `lw` child; push node, group and base (3 `sw`, `addiu`)",
  },
  "aegis.dpf.interp.backtrack": {
    instructions: 4,
    source: "counted: pop them (3 `lw`, `addiu`) after a subtree that did not match",
  },
  "aegis.dpf.interp.next": { instructions: 2, source: "counted: `lw` next group, `bnez`" },
  "aegis.dpf.interp.shift": { instructions: 3, source: "counted: `lw` scale, `sllv`, `addu`" },
  "aegis.dpf.interp.accept": {
    instructions: 2,
    source: "counted: `lw` the node's accept slot, `bltz`",
  },
  "aegis.dpf.interp.return": { instructions: 2, source: "counted: `move v0`, `jr ra`" },
  /** The linear interpreter (one filter after another, as BPF/MPF-style engines do). */
  "aegis.dpf.linear.filter": {
    instructions: 4,
    source:
      "counted per filter the linear interpreter tries: `lw` atom count, `lw` atom pointer, loop test, advance; each atom as a group above (8 + 3 + load + 1 + 2, or + 3 for a shift)",
  },

  // ---- DPF insertion and deletion (the filter syscall's body) -------------------------------
  "aegis.dpf.insert": {
    instructions: 20,
    source:
      "counted: owner and quota checks 4, id allocation 4, table entry 6, recompile call and install 6",
  },
  "aegis.dpf.insert.validate": {
    instructions: 14,
    source:
      "counted per atom read: 5 `lw` (op, offset, width, mask, value), op and width checks 4, range checks 5",
  },
  "aegis.dpf.insert.sort": {
    instructions: 6,
    source:
      "counted per comparison of the insertion sort that canonicalises a segment: 2 `lw` keys, `slt`, branch, 2 `sw`",
  },
  "aegis.dpf.insert.pair": {
    instructions: 6,
    source:
      "counted per live filter of another owner checked for disjointness: `lw` owner, `bne`, `lw` the two constraint lists, loop 2",
  },
  "aegis.dpf.insert.byte": {
    instructions: 7,
    source:
      "counted per step of the merge of two sorted byte-constraint lists: `lw` 2 offsets, compare + branch 2, `xor`, `and`, `bnez`",
  },
  "aegis.dpf.insert.trieStep": {
    instructions: 6,
    source:
      "counted per group compared while walking the trie: 3 `lw` (offset, width, mask) + 3 compare/branch",
  },
  "aegis.dpf.insert.node": {
    instructions: 12,
    source: "counted per node or group created: allocate 3, initialise 6 fields 6, link 3",
  },
  "aegis.dpf.codegen": {
    instructions: 6,
    source:
      "counted per instruction of the regenerated demultiplexer (a VCODE-style emitter: compose opcode, rs, rt, immediate with `sll`, `or`, `or`; `sw`; `addiu`; bound check). The code's size is the sum of the static counts above over the whole trie, plus 2 words per hash-table entry",
  },
  "aegis.dpf.delete": {
    instructions: 12,
    source:
      "counted: id and owner checks 6, unlink 6; then trie steps and the codegen of the recompiled trie as for an insert",
  },

  // ---- ASHs: per executed instruction, as the native code a download compiles to ------------
  "aegis.ash.entry": {
    instructions: 8,
    source:
      "counted: `sw ra`, `lw` message base and length, `lw` the region table, `jal`; on return `move` + `jr` (3)",
  },
  "aegis.ash.alu": {
    instructions: 1,
    source:
      "counted: a register ALU op, `mov`, a shift by an immediate, or an immediate that fits 16 bits (`addiu` signed, `andi`/`ori`/`xori` unsigned)",
  },
  "aegis.ash.alu.wide": {
    instructions: 3,
    source: "counted: `lui` + `ori` + the op (a 32-bit immediate)",
  },
  "aegis.ash.li": { instructions: 1, source: "counted: `li` of a 16-bit immediate" },
  "aegis.ash.li.wide": { instructions: 2, source: "counted: `lui` + `ori`" },
  "aegis.ash.mem": {
    instructions: 2,
    source: "counted: `addu` the region base; `lbu`/`lhu`/`lw`/`sb`/`sh`/`sw`",
  },
  "aegis.ash.memCheck": {
    instructions: 3,
    source: "counted: a bound the verifier could not prove: `addiu` end, `sltu`, `beqz` fault",
  },
  "aegis.ash.alignCheck": {
    instructions: 2,
    source: "counted: an alignment it could not prove: `andi`, `bnez` fault",
  },
  "aegis.ash.branch": { instructions: 1, source: "counted: `beq`/`bne`" },
  "aegis.ash.branch.compare": { instructions: 2, source: "counted: `slt`/`sltu` + `bne`" },
  "aegis.ash.jump": { instructions: 1, source: "counted: `j`" },
  "aegis.ash.loop": {
    instructions: 5,
    source:
      "counted: clamp the count to the limit (`sltu`, `bnez`, `move`, `li`) and skip an empty loop (`beqz`)",
  },
  "aegis.ash.next": { instructions: 2, source: "counted: `addiu` counter −1, `bnez` back" },
  "aegis.ash.len": { instructions: 1, source: "counted: `lw` the region length" },
  "aegis.ash.send": {
    instructions: 10,
    source:
      "counted: bound checks 3, queue-full check 2, store region/offset/length (3 `sw`), bump the count 2 (the transmit itself is the kernel's, charged when it is wired to the card)",
  },
  "aegis.ash.ret": { instructions: 2, source: "counted: `move v0`, `jr ra`" },
  "aegis.dpf.counted": {
    instructions: 1,
    source:
      "one instruction of the DPF engine's counted work (classification or insertion): the engine sums the per-step entries above for what its trie did; the kernel charges the sum",
  },
  "aegis.ash.counted": {
    instructions: 1,
    source:
      "one instruction of an ASH's counted work (its run, or its verification at download): the runner and the verifier sum the per-instruction entries above; the kernel charges the sum to the owner",
  },
  "aegis.ash.verify": {
    instructions: 24,
    source:
      "counted per instruction at download: 5 `lw` fields, opcode table 3, operand ranges 8, branch/loop structure 4, constant tracking 4",
  },
});

export type NetCostLabel = keyof typeof NET_COSTS;
