/**
 * Every `exec` label and instruction count of the exokernel, with its source. Loads and
 * stores are charged by the accesses themselves (house rule 2); these counts are the other
 * instructions. Where the paper gives an Aegis path length, the count is that length minus
 * the loads, stores, TLB writes and `rfe` the path performs as separate charged operations.
 * COSTS.md walks every path step by step.
 */
export interface CostEntry {
  readonly label: string;
  readonly instructions: number;
  readonly source: string;
}

function cost(label: string, instructions: number, source: string): CostEntry {
  return Object.freeze({ label, instructions, source });
}

export const COSTS = Object.freeze({
  // ---- user side of the ABI ------------------------------------------------------------
  /** `li v0, N; syscall`, plus one `move`/`li` per argument register (added per call). */
  stub: cost("aegis.abi.stub", 2, "counted: li v0,N + syscall; +1 per argument register"),

  // ---- exceptions ----------------------------------------------------------------------
  /**
   * Exception dispatch: the paper's 18 instructions (save 3 scratch registers, load EPC,
   * BadVAddr and Cause, jump) minus the 3 stores and the `rfe` charged separately.
   */
  excDispatch: cost("aegis.exc.dispatch", 14, "paper §5: dispatch 18 = 3 sw + 14 + rfe"),
  /** Identify an exception with no user handler (or over the nesting bound) before destroy. */
  excUnhandled: cost("aegis.exc.unhandled", 6, "counted: load handler slot, test, branch x2"),

  // ---- TLB refill -------------------------------------------------------------------------
  /**
   * Software-TLB probe: the first part of the paper's 18-instruction STLB hit: index from
   * (vpn, asid) (srl, xor, sll, andi, addu = 5), compare the tag loaded (1 load charged)
   * (xor, bne = 2), mfc0 BadVAddr/EntryHi (2). 9 instructions.
   */
  stlbProbe: cost(
    "aegis.refill.stlbProbe",
    9,
    "paper §5: STLB hit 18 = 9 + lw tag + 3 + lw lo + 3 cp0 + rfe",
  ),
  /** STLB hit tail: mtc0 EntryLo setup (move), mfc0 EPC, jr: 3 (+1 load, tlbwr 3, rfe 1). */
  stlbHit: cost("aegis.refill.stlbHit", 3, "paper §5: remainder of the 18-instruction STLB hit"),
  /** Guaranteed-mapping probe after an STLB miss: per-env table hash + compare + branch. */
  guaranteedProbe: cost(
    "aegis.refill.guaranteedProbe",
    8,
    "counted: hash vpn (2), index table (2), load + compare key (2), branch (2); table kept host-side",
  ),
  /** Refill upcall: the same 18-instruction dispatch as any exception. */
  refillUpcall: cost("aegis.refill.upcall", 14, "paper §5: dispatch 18 = 3 sw + 14 + rfe"),

  // ---- system calls ------------------------------------------------------------------------
  /**
   * A kernel/user crossing: decode Cause and the call number, branch, return (mfc0 EPC,
   * addiu, jr). The paper's 18 instructions minus the `rfe`.
   */
  crossing: cost("aegis.sys.crossing", 17, "paper §5: kernel/user crossing 18 = 17 + rfe"),
  /**
   * The path with a stack: load the kernel stack pointer (lui, addiu), keep the user sp
   * (move), call the C body (jal, prologue addiu, epilogue addiu, jr ra), switch sp back
   * (move) = 8; plus 4 stores (sp, ra, gp, fp) and 4 loads, charged as RegSave/RegRestore.
   */
  stackPath: cost("aegis.sys.stack", 8, "counted: kernel stack set-up and C call frame"),

  // Bodies of the calls (stack path). Capability lists are kept host-side; their loads are
  // counted here as instructions (1 cycle each on every profile, like a cached load).
  capLookup: cost(
    "aegis.cap.lookup",
    8,
    "counted: split name (andi, srl), bound check (sltiu, beq), load slot gen + compare, load frame gen + compare",
  ),
  allocFrame: cost(
    "aegis.sys.allocFrame",
    14,
    "counted: bounds, free-map word load + find-first-set (6), mark owner, bump gen, fill cap slot (4 stores as instr)",
  ),
  frameOf: cost("aegis.sys.frameOf", 2, "counted: load frame field, move to v0"),
  freeFrame: cost(
    "aegis.sys.freeFrame",
    10,
    "counted: rights test, bump frame gen, clear owner, release slot; per binding see unbind",
  ),
  unbind: cost(
    "aegis.mem.unbind",
    6,
    "counted per binding: compute STLB index, compare tag, clear; tlbp/tlbwi charged",
  ),
  saveAreas: cost(
    "aegis.mem.saveAreas",
    2,
    "counted per guaranteed mapping made or removed: load its save-area flag, branch (the save-area table is host-side)",
  ),
  grant: cost(
    "aegis.sys.grant",
    16,
    "counted: target lookup (4), rights subset (3), free-slot pop (3), copy cap (6)",
  ),
  dropCap: cost("aegis.sys.dropCap", 6, "counted: clear slot, bump gen, push free list"),
  tlbWrite: cost(
    "aegis.sys.tlbWrite",
    12,
    "counted: va checks (4), rights test (3), build EntryHi/EntryLo (3), STLB index (2); tlbp/tlbw and 2 STLB stores charged",
  ),
  tlbDelete: cost("aegis.sys.tlbDelete", 6, "counted: va checks, binding lookup"),
  guarantee: cost("aegis.sys.guarantee", 10, "counted: as tlbWrite's checks plus table insert"),
  setHandler: cost(
    "aegis.sys.setHandler",
    10,
    "counted: code check, save-area translation and checks, two stores",
  ),
  setUpcall: cost("aegis.sys.setUpcall", 4, "counted: store the entry in the environment record"),
  allocSlice: cost(
    "aegis.sys.allocSlice",
    8,
    "counted: bound, scan for a free position, store owner",
  ),
  freeSlice: cost("aegis.sys.freeSlice", 5, "counted: bound, owner compare, clear"),
  repossessed: cost("aegis.sys.repossessed", 3, "counted: load vector pointer and length"),
  yieldSlice: cost("aegis.sched.yieldSlice", 6, "counted: mark slice over, request switch"),

  // ---- protected control transfer ---------------------------------------------------------
  /**
   * Synchronous PCT: the paper's 30 instructions (10 to tell the call apart, 20 to set the
   * status, coprocessor and address-tag registers) minus the `rfe`.
   */
  pctSync: cost("aegis.pct.sync", 29, "paper §5: synchronous PCT 30 = 29 + rfe"),
  /** Asynchronous PCT: the same path; only the donation differs. */
  pctAsync: cost("aegis.pct.async", 29, "paper §5: same path as synchronous PCT"),
  /** Directed yield: a transfer of the rest of the slice, the same path as an async PCT. */
  yieldTo: cost("aegis.sched.yieldTo", 29, "paper §5: the PCT path (30 = 29 + rfe)"),

  // ---- scheduling and interrupts ------------------------------------------------------------
  /**
   * A plain `yield` that resumes the same context (no switch was due): on a real machine the
   * thread trapped into the kernel and came back, one kernel/user crossing. Charging it keeps
   * simulated time moving under a loop of bare yields, so the timer still ends the slice.
   */
  plainYield: cost(
    "aegis.sched.plainYield",
    18,
    "paper §5: one kernel/user crossing, 18 (in and out)",
  ),
  /** Timer interrupt: decode Cause (mfc0, andi, branch), load slice state, compare (8). */
  interrupt: cost("aegis.int.timer", 8, "counted: decode Cause.IP, load/update slice state"),
  /** End-of-slice upcall: the dispatch path to the env's handler (no save area). */
  endOfSlice: cost(
    "aegis.int.endOfSlice",
    14,
    "paper §5: dispatch 18 = 14 + 3 sw (not needed) + rfe",
  ),
  /** Slice switch: advance the position, load owner, check forfeits, set ASID (mtc0), jump. */
  sliceSwitch: cost(
    "aegis.sched.sliceSwitch",
    16,
    "counted: next position (3), load owner (2), forfeit test (3), ASID set (2), start-of-slice jump (6)",
  ),

  /**
   * The rest of a donated slice goes back to its position's owner when the holder has nothing
   * to run: load the position's owner (2), compare with the holder and branch (2), store the
   * holder (1), ASID set (2). The owner's context is then resumed as after any switch.
   */
  sliceReturn: cost(
    "aegis.sched.sliceReturn",
    7,
    "counted: load position owner (2), compare + branch (2), store holder (1), ASID set (2)",
  ),

  // ---- revocation and destruction ---------------------------------------------------------------
  revokeRequest: cost(
    "aegis.revoke.request",
    12,
    "counted: build the request record, upcall set-up",
  ),
  repossessFrame: cost(
    "aegis.revoke.repossess",
    10,
    "counted per frame: clear owner, bump gen, append to vector",
  ),
  // ---- isolation: quotas, capability copies, withholding, recovery -------------------------
  /**
   * A quota check on an allocation (frames, slices, slots filled by grants): load the env's
   * count (1), compare with the policy's quota (1), branch (1), store the count plus one (1).
   */
  quotaCheck: cost(
    "aegis.quota.check",
    4,
    "counted: load count, compare with quota, branch, store incremented count",
  ),
  /** The count given back when a frame or slice is released: load, decrement, store. */
  quotaRelease: cost("aegis.quota.release", 3, "counted: load count, decrement, store"),
  /**
   * A resource surrendered under a revocation request is withheld from its env until the
   * deadline: load the frame's (or position's) withheld-from word (1), compare with the
   * caller (1), branch (1); charged once per allocation and once per candidate passed over.
   */
  withheldCheck: cost(
    "aegis.revoke.withheld",
    3,
    "counted: load withheld-from word, compare with caller, branch",
  ),
  /**
   * Linking a new capability into its frame's list of copies (threaded through the slots):
   * load the list head (1), store it as the slot's next (1), store the slot as the old
   * head's prev (1), store the slot as the head (1).
   */
  copyLink: cost(
    "aegis.cap.copyLink",
    4,
    "counted: load head, store slot's next, store old head's prev, store head",
  ),
  /** Unlinking a released slot: load prev and next (2), store each into the other (2). */
  copyUnlink: cost("aegis.cap.copyUnlink", 4, "counted: load prev, load next, 2 stores"),
  /**
   * Releasing one copy when its frame is freed or repossessed: load the copy's name from the
   * list head (1), split it into ASID and slot (1), then the slot release of dropCap (clear
   * slot, bump generation, push free list: 6); its unlink is aegis.cap.copyUnlink.
   */
  reclaimCopy: cost(
    "aegis.cap.reclaim",
    8,
    "counted: load the head's name, split asid|slot, then clear slot, bump gen, push free list (6, as dropCap)",
  ),
  /**
   * Reaping an env a host error doomed: its ASID is scrubbed from the TLB (per slot: tlbr,
   * mfc0 EntryHi, compare ASID, branch = 4; a matching slot's tlbwi is charged) and from the
   * software TLB (per entry, after the charged tag load: extract ASID 2, compare + branch 1).
   * Never on a measured path: only after a host error crossed a kernel call.
   */
  scrubTlb: cost(
    "aegis.env.scrubTlb",
    4,
    "counted per TLB slot: tlbr, mfc0 EntryHi, compare ASID, branch",
  ),
  scrubStlb: cost(
    "aegis.env.scrubStlb",
    3,
    "counted per STLB entry (+ the tag load charged): extract ASID (2), compare and branch (1)",
  ),
  /**
   * A synchronous transfer's registers saved when its slice ended with the other side not yet
   * run (a pair transferring back and forth past its slice): compute the area from the ASID
   * (sll, addu: 2), then 33 stores charged (RegSave); restored the same way before the other
   * side resumes (2, then 33 loads, RegRestore).
   */
  messageSave: cost(
    "aegis.pct.messageSave",
    2,
    "counted: area address from the ASID (sll, addu); + 33 sw (r1..r31, HI, LO) charged",
  ),
  messageRestore: cost(
    "aegis.pct.messageRestore",
    2,
    "counted: area address from the ASID (sll, addu); + 33 lw charged",
  ),
  exit: cost(
    "aegis.sys.exit",
    3,
    "counted: move the status from a0, store it in the environment record, branch to destroy",
  ),
  destroy: cost(
    "aegis.env.destroy",
    40,
    "counted: unlink contexts, release ASID, clear handler table",
  ),
} as const);

export type CostName = keyof typeof COSTS;

// =============================================================================================
// The network engines (src/net/): dynamic packet filters (DPF) and application-specific safe
// handlers (ASHs). Kept in their own table so that the kernel paths above stay as they are.
// Every count is a MIPS R3000 instruction count of the code the engine stands for, counted
// step by step in COSTS.md ("The network engines"). The engines run host-side (their tables
// are JS objects); the kernel charges their counts with `exec`, as it does for the capability
// lists above. A cached load counts as one instruction here (1 cycle on every profile).
// =============================================================================================

export const NET_COSTS = Object.freeze({
  // ---- DPF, the compiled demultiplexer (what our code generator emits, per step) ----------
  dpfEntry: cost(
    "aegis.dpf.entry",
    4,
    "counted: addu end = start + length, jal demux, jr ra, move the result to v0",
  ),
  dpfBounds: cost(
    "aegis.dpf.bounds",
    3,
    "counted per field read: addiu t0, base, offset+width; sltu t1, end, t0; bnez t1, next",
  ),
  dpfLoadAligned: cost(
    "aegis.dpf.load.aligned",
    1,
    "counted: one lbu / lhu / lw when the field is naturally aligned (known at compile time)",
  ),
  dpfLoadUnalignedHalf: cost(
    "aegis.dpf.load.unalignedHalf",
    4,
    "counted: the ulhu macro, lbu + lbu + sll + or (also every halfword a shift reads)",
  ),
  dpfLoadUnalignedWord: cost(
    "aegis.dpf.load.unalignedWord",
    2,
    "counted: the ulw macro, lwl + lwr (host byte order; the constants are swapped instead)",
  ),
  dpfLoadWordBytes: cost(
    "aegis.dpf.load.wordBytes",
    10,
    "counted: a word a shift reads in network order: 4 lbu + 3 sll + 3 or",
  ),
  dpfMask: cost("aegis.dpf.mask", 1, "counted: andi (the mask fits 16 bits); none for a full mask"),
  dpfMaskWide: cost(
    "aegis.dpf.mask.wide",
    3,
    "counted: lui + ori + and (a mask wider than 16 bits)",
  ),
  dpfCompareZero: cost("aegis.dpf.compare.zero", 1, "counted: bnez (a masked value of 0)"),
  dpfCompare: cost("aegis.dpf.compare", 2, "counted: xori + bnez (a value that fits 16 bits)"),
  dpfCompareWide: cost("aegis.dpf.compare.wide", 3, "counted: lui + ori + bne (a wider value)"),
  dpfProbe: cost(
    "aegis.dpf.probe",
    11,
    "counted: hash a disjunction's field (srl, xor, andi), index (sll, addu), table base (lui, addiu), lw key, bne, lw target, jr",
  ),
  dpfShift: cost(
    "aegis.dpf.shift",
    2,
    "counted: sll by the scale (emitted also for a scale of 0), addu to the base register",
  ),
  dpfAccept: cost("aegis.dpf.accept", 2, "counted: li v0, slot; j out"),
  dpfReject: cost("aegis.dpf.reject", 1, "counted: li v0, -1 at the end of the trie"),

  // ---- DPF, the interpreter over the same trie (the reference engine) ----------------------
  dpfInterpEntry: cost(
    "aegis.dpf.interp.entry",
    6,
    "counted: prologue (addiu sp, sw ra, sw s0), load the root, set the backtrack stack, jr",
  ),
  dpfInterpGroup: cost(
    "aegis.dpf.interp.group",
    8,
    "counted: 4 lw (kind, offset, width, mask) + jump-table dispatch (sll, addu, lw, jr)",
  ),
  dpfInterpLoad1: cost("aegis.dpf.interp.load1", 1, "counted: lbu"),
  dpfInterpLoad2: cost("aegis.dpf.interp.load2", 4, "counted: lbu, lbu, sll, or (network order)"),
  dpfInterpLoad4: cost("aegis.dpf.interp.load4", 10, "counted: 4 lbu + 3 sll + 3 or"),
  dpfInterpMask: cost("aegis.dpf.interp.mask", 1, "counted: and with the mask already loaded"),
  dpfInterpCompare: cost("aegis.dpf.interp.compare", 2, "counted: lw value, bne"),
  dpfInterpDescend: cost(
    "aegis.dpf.interp.descend",
    5,
    "counted: lw child; push node, group and base on the backtrack stack (3 sw, addiu)",
  ),
  dpfInterpBacktrack: cost(
    "aegis.dpf.interp.backtrack",
    4,
    "counted: pop node, group and base (3 lw, addiu) after a subtree that did not match",
  ),
  dpfInterpNext: cost("aegis.dpf.interp.next", 2, "counted: lw next group, bnez"),
  dpfInterpShift: cost("aegis.dpf.interp.shift", 3, "counted: lw scale, sllv, addu"),
  dpfInterpAccept: cost("aegis.dpf.interp.accept", 2, "counted: lw the node's accept slot, bltz"),
  dpfInterpReturn: cost("aegis.dpf.interp.return", 2, "counted: move v0, jr ra"),
  /** The linear interpreter (one filter after another, as BPF/MPF-style engines do). */
  dpfLinearFilter: cost(
    "aegis.dpf.linear.filter",
    4,
    "counted per filter tried: lw atom count, lw atom pointer, loop test, advance",
  ),

  // ---- DPF insertion and deletion (the filter syscall's body) -------------------------------
  dpfInsert: cost(
    "aegis.dpf.insert",
    20,
    "counted: owner and quota checks (4), id allocation (4), table entry (6), recompile call and install (6)",
  ),
  dpfValidateAtom: cost(
    "aegis.dpf.insert.validate",
    14,
    "counted per atom: 5 lw (op, offset, width, mask, value), op and width checks (4), range checks (5)",
  ),
  dpfSortStep: cost(
    "aegis.dpf.insert.sort",
    6,
    "counted per comparison of the insertion sort: 2 lw keys, slt, branch, 2 sw (swap)",
  ),
  dpfDisjointPair: cost(
    "aegis.dpf.insert.pair",
    6,
    "counted per live filter of another owner: lw owner, bne, lw constraint lists (2), loop (2)",
  ),
  dpfDisjointByte: cost(
    "aegis.dpf.insert.byte",
    7,
    "counted per step of the byte-constraint merge: lw 2 offsets, compare + branch (2), xor, and, bnez",
  ),
  dpfTrieStep: cost(
    "aegis.dpf.insert.trieStep",
    6,
    "counted per group compared while walking the trie: 3 lw (offset, width, mask) + 3 compare/branch",
  ),
  dpfTrieNode: cost(
    "aegis.dpf.insert.node",
    12,
    "counted per group or node created: allocate (3), initialise 6 fields (6), link (3)",
  ),
  dpfCodegen: cost(
    "aegis.dpf.codegen",
    6,
    "counted per generated instruction (VCODE-style emitter): compose opcode|rs|rt|imm (sll, or, or), sw, advance (addiu), bound check",
  ),
  dpfDelete: cost(
    "aegis.dpf.delete",
    12,
    "counted: id and owner checks (6), unlink from the table (6); trie steps and codegen as insert",
  ),

  // ---- ASHs: per executed instruction, as the native code a download compiles to ------------
  ashEntry: cost(
    "aegis.ash.entry",
    8,
    "counted: save ra (sw), load the message base and length (2 lw), the region table (lw), jal, on return move + jr (3)",
  ),
  ashAlu: cost("aegis.ash.alu", 1, "counted: one R-type or 16-bit-immediate ALU instruction"),
  ashAluWide: cost("aegis.ash.alu.wide", 3, "counted: lui + ori + the ALU op (a 32-bit immediate)"),
  ashLi: cost("aegis.ash.li", 1, "counted: li of a 16-bit immediate (addiu / ori)"),
  ashLiWide: cost("aegis.ash.li.wide", 2, "counted: lui + ori"),
  ashMem: cost("aegis.ash.mem", 2, "counted: addu the region base; lbu/lhu/lw/sb/sh/sw"),
  ashMemCheck: cost(
    "aegis.ash.memCheck",
    3,
    "counted: a bound the verifier could not prove: addiu end, sltu, beqz fault",
  ),
  ashAlignCheck: cost(
    "aegis.ash.alignCheck",
    2,
    "counted: an alignment the verifier could not prove: andi, bnez fault",
  ),
  ashBranch: cost("aegis.ash.branch", 1, "counted: beq / bne"),
  ashBranchCompare: cost("aegis.ash.branch.compare", 2, "counted: slt/sltu + bne"),
  ashJump: cost("aegis.ash.jump", 1, "counted: j"),
  ashLoop: cost(
    "aegis.ash.loop",
    5,
    "counted: clamp the count (sltu, bnez, move, li) and skip an empty loop (beqz)",
  ),
  ashNext: cost("aegis.ash.next", 2, "counted: addiu counter, -1; bnez back"),
  ashLen: cost("aegis.ash.len", 1, "counted: lw the region length"),
  ashSend: cost(
    "aegis.ash.send",
    10,
    "counted: bound checks (3), queue-full check (2), store region/offset/length (3 sw), bump count (2)",
  ),
  ashRet: cost("aegis.ash.ret", 2, "counted: move v0, jr ra"),
  ashVerify: cost(
    "aegis.ash.verify",
    24,
    "counted per instruction at download: 5 lw fields, opcode table (3), operand ranges (8), branch/loop structure (4), constant tracking (4)",
  ),
} as const);

export type NetCostName = keyof typeof NET_COSTS;
