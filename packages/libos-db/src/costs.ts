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
  // ---- the disk (storage/io.ts) ----
  "db.disk.request": {
    instructions: 8,
    source:
      "a page transfer: block offset = page × 8 (sll 3), count (li 8), extent and frame names to a0..a3 (4 moves), result test (bltz + slot); the kernel call's stub charges its own",
  },
  "db.disk.handler": {
    instructions: 4,
    source:
      "the disk interrupt handler: id from t1 (move), wait-slot base (lui), jr ra + slot; the slot loads, the result store and the wake are charged",
  },
  "db.disk.slot": {
    instructions: 4,
    source:
      "per wait slot the handler looks at: next slot address (addiu 8), compare with the id (bne + slot), loop (1); the id load is charged",
  },
  "db.relocate": {
    instructions: 12,
    source:
      "a relocation's set-up: which store (beq + slot), the extent's block count (lw folded, sll 3; the li -1 below fills the lw's delay slot), the allocExtent arguments (li -1 for any, move), result test (bltz + slot), the copy loop's bounds (move, li 0), the switch of the store's extent word (sw folded), the old name to a0 (move); the checkpoint, the copy's transfers and the kernel calls charge themselves",
  },
  "db.revoke.handler": {
    instructions: 6,
    source:
      "the revocation upcall, per extent named: compare its first block with the data and log extents' (2 × bne + slot), record the request (sw folded), spawn or note the mover (jal + slot)",
  },
  // ---- the buffer pool (pool/*.ts) ----
  "db.pool.hash": {
    instructions: 7,
    source:
      "bucket of a page number: multiplier (lui, ori), multu + mflo, mask (and), sll 2, base (lui) folded into the head load's offset; the head load is charged",
  },
  "db.pool.walk": {
    instructions: 6,
    source:
      "per hash-chain entry: slot = link - 1 (addiu), descriptor address (sll 5, addu), page compare (beq + slot), next (the next load is charged) and loop (bnez + slot counted as 1)",
  },
  "db.pool.hit": {
    instructions: 4,
    source:
      "hit path: pins + 1 (addiu; the load and store are charged), policy call (jal + slot), return (1)",
  },
  "db.pool.miss": {
    instructions: 6,
    source:
      "miss path: fresh-slot test (slt, beqz + slot), the read call's set-up (2 moves), result test (1); the hash insert's 3 loads/stores are charged",
  },
  "db.pool.evict": {
    instructions: 6,
    source:
      "victim taken: dirty test (andi, beqz + slot), unhash call (jal + slot), page = -1 (li)",
  },
  "db.pool.unpin": {
    instructions: 3,
    source: "pins - 1 (addiu; load and store charged), jr ra + slot",
  },
  "db.pool.list": {
    instructions: 8,
    source:
      "a doubly-linked queue operation (push at head or remove): link arithmetic (addiu × 2), null tests (beqz + slot × 2), queue-word address (sll, addu); its 5-7 loads and stores are charged",
  },
  "db.pool.victim.step": {
    instructions: 5,
    source:
      "per slot looked at from a queue's tail: pinned test (bnez + slot), prev link (addiu), loop (bgez + slot counted as 1)",
  },
  "db.pool.lru.touch": {
    instructions: 3,
    source: "LRU hit: already-at-head test (bne + slot), slot + 1 (addiu)",
  },
  "db.pool.clock.touch": {
    instructions: 2,
    source:
      "clock hit: li 1 (the reference-bit store is charged), jr folded into the caller's return (1)",
  },
  "db.pool.clock.step": {
    instructions: 8,
    source:
      "per slot the hand passes: hand + 1 and wrap (addiu, bne + slot, move 0), pinned test (bnez + slot), reference test (beqz + slot)",
  },
  "db.pool.2q.touch": {
    instructions: 4,
    source: "2Q hit: queue-id test (li AM, bne + slot), at-head test (1)",
  },
  "db.pool.2q.choose": {
    instructions: 5,
    source: "victim choice: |A1in| > Kin (li, slt, beqz + slot), fall-back test (1)",
  },
  "db.pool.2q.promote": {
    instructions: 3,
    source: "a ghost hit: queue id AM (li), ghost index to the drop (move), branch (1)",
  },
  "db.pool.2q.ghost.step": {
    instructions: 5,
    source:
      "per ghost looked at: address (sll 2, addu), compare (beq + slot), loop (1); the load is charged",
  },
  "db.pool.2q.ghost.add": {
    instructions: 9,
    source:
      "ghost ring append: entry address (sll 2, addu), index + 1 and wrap (addiu, bne + slot, move 0), not-full test (slt, beqz + slot); loads and stores charged",
  },
  "db.pool.lru2.touch": {
    instructions: 3,
    source:
      "LRU-2 hit: tick + 1 (addiu; the counter's load and store and the two history stores are charged), jr folded (1), move (1)",
  },
  "db.pool.lru2.step": {
    instructions: 9,
    source:
      "per slot of the victim search: pinned test (bnez + slot), (second, last) against the best (slt, bne + slot, slt, beqz + slot: counted 5), loop (addiu, bne counted 1)",
  },
  "db.pool.lru2.history.step": {
    instructions: 5,
    source:
      "per history entry looked at: address (sll 3, addu), compare (beq + slot), loop (1); the page load is charged",
  },
  "db.pool.lru2.history.add": {
    instructions: 9,
    source:
      "history append: entry address (sll 3, addu), index + 1 and wrap (addiu, bne + slot, move 0), not-full test (slt, beqz + slot); loads and stores charged",
  },
  "db.pool.flush.step": {
    instructions: 6,
    source:
      "per slot of a checkpoint's sweep: empty test (bltz + slot), dirty test (andi, beqz + slot), loop (1)",
  },
  // ---- the B+-tree (engine/btree.ts) ----
  "db.bt.search.step": {
    instructions: 7,
    source:
      "one binary-search step: mid = (lo + hi) >> 1 (addu, srl), key address (sll 2, addu), compare (slt, beqz + slot), lo/hi update folded into the slot; the key load is charged",
  },
  "db.bt.descend": {
    instructions: 8,
    source:
      "per internal level: kind test (lui, ori, bne + slot), child address (sll 2, addu), the fetch call (jal + slot); count and child loads charged",
  },
  "db.bt.scan.step": {
    instructions: 8,
    source:
      "per entry scanned: key and value addresses (sll 2, addu × 2), upper-bound test (slt, bnez + slot), visit call folded as (addiu count, loop bne): 2; the two loads are charged",
  },
  "db.bt.scan.leaf": {
    instructions: 5,
    source:
      "end of a leaf: next-page test (beqz + slot), unpin and fetch calls' set-up (2 moves), i = 0 (move)",
  },
  "db.bt.insert": {
    instructions: 8,
    source:
      "put in the leaf: count load's use, equal-key test (sll, addu, bne + slot), room test (slti, beqz + slot), one move",
  },
  "db.bt.shift": {
    instructions: 10,
    source:
      "an in-node insert: the two shifts' start addresses (sll 2, addu × 2), child offset (addu), key, value and count stores' addresses (sll, addu, addiu × 2); the stores are charged",
  },
  "db.bt.shift.step": {
    instructions: 3,
    source:
      "per word moved up by one: pointer step (addiu), loop (bne + slot); the load and store are charged",
  },
  "db.bt.split": {
    instructions: 12,
    source:
      "a node split: half = n >> 1 (srl), the moved run's source, destination and length (sll × 3, addu × 3), counts (2 stores charged; 2 moves), the block copy's call (jal + slot): the copy's loads and stores are charged by the machine",
  },
  "db.bt.insert.up": {
    instructions: 7,
    source:
      "per level a separator goes up: path pop (lw of the slot, counted here: the path is kept host-side; addiu, beqz + slot; the lw reads below the old pointer, so the addiu fills its delay slot before beqz tests it), room test (slti, beqz + slot)",
    loads: 1,
  },
  "db.bt.path.push": {
    instructions: 2,
    source:
      "an insert's descent, per internal level: push the node's slot on the path (sw, counted here: the path is kept host-side; addiu of the path pointer)",
    stores: 1,
  },
  "db.bt.newpage": {
    instructions: 8,
    source:
      "a page from the meta page's counter: counter + 1 (addiu; load and store charged), kind and number stores' set-up (lui, ori, move), the fetch call (jal + slot), one move",
  },
  "db.bt.delete": {
    instructions: 8,
    source:
      "delete in the leaf: equal-key test (sll, addu, bne + slot), shift length (subu, addiu, sll), count - 1 (addiu); the block copies' loads and stores are charged",
  },
  // ---- transactions, the log, checkpoint and recovery (engine/db.ts) ----
  "db.txn.begin": {
    instructions: 4,
    source:
      "open test (bnez + slot), li 1 and the two stores' set-up (move) (the loads and stores are charged)",
  },
  "db.txn.find.step": {
    instructions: 5,
    source:
      "per page of the transaction's list looked at: address (sll 3, addu), compare (beq + slot), loop (1)",
  },
  "db.txn.undo": {
    instructions: 10,
    source:
      "a page's first change in a transaction: full test (slt, beqz + slot), undo frame address (sll 12, lui, addu), the list entry (sll 3, addu), block copy call (jal + slot counted 1); the 4 KiB copy's loads and stores are charged",
  },
  "db.txn.log.page": {
    instructions: 10,
    source:
      "per page logged: list entry (sll 3, addu), frame address (sll 12, lui, addu), index | count << 16 (sll, or), log slot (addu), the write call's set-up (2 moves); the 3 header stores, the page's copy into its log buffer frame (the machine's block copy), the in-flight list store and the pin's store are charged",
  },
  "db.txn.end.page": {
    instructions: 6,
    source:
      "per page at commit or abort: list entry (sll 3, addu), undo test (beqz + slot), the unpin call (jal + slot counted 1); an abort's copy back is charged by the machine",
  },
  "db.ckpt": {
    instructions: 12,
    source:
      "a checkpoint: epoch + 1 (addiu), the meta page's two stores' set-up (4), log position reset (store charged; move), the flush and write calls (jal + slot × 2)",
  },
  "db.recover.slot": {
    instructions: 16,
    source:
      "per log slot at recovery: magic (lui, and, bne + slot), epoch and transaction compares (bne + slot × 2), index and count (andi, srl, bne + slot, sltu, beqz + slot), the read call's set-up (1); the header loads are charged",
  },
  // ---- batched request queues (ipc/queue.ts) ----
  "db.queue.add": {
    instructions: 8,
    source:
      "a client appends a request: full test (slti, beqz + slot), entry address (sll 4, addu, addiu 16), count + 1 (addiu), return (jr + slot folded: 1); the 5 loads and stores are charged",
  },
  "db.queue.entry": {
    instructions: 12,
    source:
      "the server's entry: queue number from a0 (move), range test (sltiu, beqz + slot), page address (sll 12, lui, addu), owner test (bne + slot), count range (sltiu, beqz + slot); loads charged",
  },
  "db.queue.request": {
    instructions: 10,
    source:
      "per request: entry address (addiu 16), the operation's dispatch (li, beq + slot × 3: 7 of them counted), the call's set-up (2); the loads and the result's store are charged",
  },
  "db.queue.retry": {
    instructions: 4,
    source:
      "a refused transfer (the server busy with another client): Busy test (li, bne + slot), loop back (1)",
  },
  // ---- threads (sched/threads.ts) ----
  "db.sched.pick": {
    instructions: 7,
    source:
      "round robin, per thread looked at: addiu index, wrap (sltu, bnez + slot, move 0), live test (beqz + slot); the state word's load (runnable or blocked) is charged",
  },
  "db.sched.block": {
    instructions: 5,
    source:
      "block: state word address (index * 256: sll 8, lui, addu), the re-test of the wait (bne + slot: its load is charged), then the jump to the slice loop; the blocked-state store is charged",
  },
  "db.sched.wake": {
    instructions: 3,
    source:
      "wake from the handler: the thread's state word address (sll 8, lui, addu); the runnable-state store is charged",
  },
  "db.sched.idle": {
    instructions: 4,
    source:
      "one iteration of the idle loop while every thread waits: lw of a state word (counted here as one instruction: the word stays in the data cache while it does not change); nop in lw's delay slot: bne uses it; bne + slot",
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
