import { Category, defineCosts } from "@exolab/machine";

/**
 * Every `exec` label of the monolithic kernel with its instruction count and where the count
 * comes from. Loads and stores are charged by the accesses themselves (convention of the
 * project); the counts below are the OTHER instructions of each step. C function prologues and
 * epilogues (stack adjust, spill and reload of ra/s-registers) are counted here as instructions:
 * a cached spill is one cycle either way. COSTS.md walks each measured path step by step.
 *
 * Sources: the R3000 exception model (MIPS RISC Architecture, Kane 1988, ch. 5-6), the
 * structure of 4.3BSD's machine-independent code (kern_sig.c, kern_synch.c, sys_generic.c,
 * vm_page.c, kern_exit.c, kern_fork.c) and of Ultrix/MIPS locore (exception vectors, utlbmiss,
 * resume). Counts are of the code path this package executes, one line of C taken as the
 * MIPS instructions it compiles to (a load/store plus its address arithmetic, a compare and
 * branch with its delay slot). None is fitted to a measured figure.
 *
 * A step is charged with `cpu.exec(COSTS[label])` (or `cpu.exec(COSTS[label], times)` for a
 * per-item step, in one call); its category, when given, is the record's (absent: the mode's,
 * kernel — or user in user mode). COSTS.md's label table is generated from this file.
 */
const T = Category.TrapEntry;
const X = Category.TrapExit;
const L = Category.Tlb;
const U = Category.User;

export const COSTS = defineCosts({
  // ---- user level ------------------------------------------------------------------------
  "user.nullcall": {
    instructions: 4,
    category: U,
    source: "jal f; nop (delay slot); f: jr ra; nop (delay slot)",
  },
  "libc.stub": {
    instructions: 7,
    category: U,
    source:
      "jal stub; nop; li v0,SYS_n; [syscall]; bnez a3,cerror; nop; jr ra; nop (Ultrix libc syscall stub)",
  },
  "libc.arg": { instructions: 1, category: U, source: "one move/li into a0..a3 per argument" },
  "libc.sigtramp": {
    instructions: 4,
    category: U,
    source:
      "sigtramp: jalr handler; nop; [handler]; addiu a0,sp,SCOFF; li v0,SYS_sigreturn; [syscall]",
  },
  // ---- TLB ---------------------------------------------------------------------------------
  "utlb.refill": {
    instructions: 6,
    category: L,
    source:
      "Ultrix utlbmiss: mfc0 k0,context; mfc0 k1,epc; [lw k0,0(k0)]; nop; mtc0 k0,entrylo; nop; [tlbwr]; j k1; [rfe]",
  },
  "ktlb.miss": {
    instructions: 29,
    category: L,
    source:
      "general vector (mfc0 cause, andi, j, nop: 4) + kseg2 miss: mfc0 badvaddr 1, kseg2 window test 3, window index 2, proc entry address 3, root index address 4, present test 2, build EntryLo 3, mtc0 entrylo 1, restore the interrupted UTLB miss's EntryHi from BadVAddr (and, srl, or ASID, mtc0) 4, mfc0 epc 1, j 1",
  },
  "tlb.dropin": {
    instructions: 8,
    category: L,
    source:
      "tlbdropin: build EntryHi (sll, or) + mtc0 entryhi; [tlbp]; mfc0 index; bltz; mtc0 entrylo; [tlbwi|tlbwr]; mtc0 entryhi (restore ASID)",
  },
  "tlb.unmap": {
    instructions: 6,
    category: L,
    source:
      "unmaptlb: build EntryHi (sll, or), mtc0 entryhi; [tlbp]; mfc0 index; bltz; nop; [tlbwi invalid]",
  },
  "tlb.flushpid.entry": {
    instructions: 5,
    category: L,
    source: "flush of one ASID, per TLB entry: mtc0 index; tlbr; mfc0 entryhi; andi asid; bne",
  },
  "tlb.wired": {
    instructions: 8,
    loads: 2,
    category: L,
    source:
      "resume: two wired u-area entries, each: lw pte (from proc entry, built: or) + mtc0 index, mtc0 entryhi, mtc0 entrylo; [tlbwi]",
  },
  // ---- exception entry and exit (Ultrix locore) ----------------------------------------
  "exc.vector": {
    instructions: 12,
    category: T,
    source:
      "locore.s 8.1 MachException: mfc0 k0,SR; mfc0 k1,cause; and k0,KU_PREV; sll k0,3 (user table); and k1,EXC_CODE; or k1,k0; la k0,machExceptionTable (lui, addiu); addu; [lw k0 (the jump-table load, charged)]; nop; j k0; nop (the reference's vector: 13 with the load)",
  },
  "exc.kstack.user": {
    instructions: 3,
    category: T,
    source: "from user mode: move k1,sp; lui/addiu sp to KERNELSTACK-EF_SIZE",
  },
  "exc.kstack.kernel": {
    instructions: 2,
    category: T,
    source: "from kernel mode: move k1,sp; addiu sp,-EF_SIZE",
  },
  "exc.save.special": {
    instructions: 6,
    category: T,
    source: "mfhi, mflo, mfc0 SR, mfc0 EPC, mfc0 CAUSE, mfc0 BADVADDR (their stores charged)",
  },
  "exc.callc": {
    instructions: 3,
    category: T,
    source: "move a0,sp (frame); jal trap|syscall|interrupt; nop",
  },
  "exc.restore.special": {
    instructions: 3,
    category: X,
    source: "mthi, mtlo, j k0 (lw SR + mtc0 SR, lw EPC and rfe charged by their ops)",
  },
  "ast.entry": {
    instructions: 0,
    category: T,
    source:
      "label of the hardware side of the AST exception taken at a safepoint: the profile's exceptionEntryCycles (pipeline), charged with cpu.charge, no instructions",
  },
  "trap.prologue": {
    instructions: 14,
    stores: 9,
    category: T,
    source:
      "trap.c 7.20 trap() prologue: addiu sp,-frame; sw ra, s0-s7 (9 stores: the second register save, after locore's); move s0-s3 <- statusReg, causeReg, vadr, pc (4)",
  },
  "trap.epilogue": {
    instructions: 12,
    loads: 9,
    category: X,
    source: "trap.c 7.20 trap() epilogue: lw ra, s0-s7 (9 loads); addiu sp; jr ra; nop",
  },
  "spl.call": {
    instructions: 10,
    source:
      "an spl call as a real function call (locore.s 8.1 splx/splhigh/spl0...): jal; nop; mfc0 v0,SR; li t0,~mask (lui, ori); and; or; mtc0 SR; j ra; nop",
  },
  // ---- system calls -------------------------------------------------------------------
  "syscall.decode": {
    instructions: 20,
    loads: 2,
    stores: 1,
    category: Category.Kernel,
    source:
      "trap.c 7.20 case T_SYSCALL: cnt.v_syscall++ (lui, lw, addiu, sw) 4; locr0 = p->p_md.md_regs (lw) 1; DELAYBRANCH(cause) (bltz, nop) 2; callp = sysent (lui, addiu) 2; [lw code=locr0[V0]] (charged); switch (code) SYS_syscall / SYS___syscall (li, beq, nop) x2 6; code >= numsys (sltiu, beqz, nop) 3; callp += code (sll, addu) 2; [lw i=callp->sy_narg] (charged)",
  },
  "syscall.args": {
    instructions: 3,
    source:
      "trap.c 7.20: args.i[0..3] = locr0[A0..A3] (4 charged lw/sw pairs, copied whatever narg is); if (i > 4) copyin the rest (slti, beqz, nop)",
  },
  "syscall.qsave": {
    instructions: 20,
    stores: 11,
    source:
      "Ultrix/4.3BSD syscall(): if (setjmp(&u.u_qsave)): la a0 (lui, addiu) 2; jal setjmp; nop; setjmp (locore): sw s0-s7, sp, s8, ra (11 stores); move v0,zero; j ra; nop; bnez v0; nop. 4.4BSD's trap.c 7.20 dropped it (tsleep returns EINTR/ERESTART): this kernel is of Ultrix's 4.3BSD lineage",
  },
  "syscall.call": {
    instructions: 5,
    source:
      "trap.c 7.20: rval[0] = 0 [sw]; rval[1] = locr0[V1] [lw] [sw]; (here also u_error = 0 [sw], Ultrix's u-area result); i = (*callp->sy_call)(p, &args, rval): [lw sy_call]; move a0,p; addiu a1,args; addiu a2,rval; jalr; nop",
  },
  "syscall.result": {
    instructions: 5,
    source:
      "trap.c 7.20 after the call: switch (i) case 0 (bnez, nop) 2; [lw u_error] (Ultrix); locr0[V0] = rval[0]; locr0[V1] = rval[1]; locr0[A3] = 0 ([lw] [sw] [lw] [sw] [sw]); break (j, nop) 2; locr0[PC] += 4 ([lw] addiu [sw]: trap.c does it before the call) 1",
  },
  "syscall.error": {
    instructions: 6,
    source:
      "trap.c 7.20 after the call: switch (i): not 0, ERESTART, EJUSTRETURN (bnez, li, beq, li, beq) 5; [lw u_error] (Ultrix); locr0[V0] = i [sw]; locr0[A3] = 1 (li 1 in a delay slot) [sw]; EPC += 4 ([lw] addiu [sw]) 1",
  },
  "syscall.nosys": { instructions: 3, source: "nosys(): return ENOSYS" },
  userret: {
    instructions: 17,
    loads: 3,
    stores: 3,
    source:
      "trap.c 7.20 end of trap() for a return to user mode: while (CURSIG(p)) psig: [lw p_sig] [lw p_sigmask] (charged) beqz, nop 2; p->p_pri = p->p_usrpri (lbu, sb) 2; astpending = 0 (lui, sw) 2; if (want_resched) ([lw] charged: runrun) lui, beqz, nop 3; if (p->p_flag & SPROFIL) (lw, andi, beqz, nop) 4; curpri = p->p_pri (lbu, lui, sb) 3; return pc (move v0) 1",
  },
  "trap.decode": {
    instructions: 26,
    loads: 4,
    stores: 1,
    source:
      "trap.c 7.20 trap(): cnt.v_trap++ (lui, lw, addiu, sw) 4; type = (cause & EXC_CODE) >> 2 (andi, srl) 2; if (USERMODE(sr)) type |= T_USER (andi, beqz, nop, ori) 4; sticks = p->p_sticks (lui, lw curproc, lw) 3; if (sr & INT_ENA_PREV) (andi, beqz, nop) 3 then splx (spl.call); switch (type) (sltiu, beqz, nop, sll, lui, addu, lw, nop, j, nop) 10",
  },
  "trap.onfault": {
    instructions: 7,
    loads: 1,
    stores: 2,
    source:
      "4.3BSD trap() on a kernel-mode fault vm_fault could not resolve: lw u.u_pcb.pcb_onfault, beqz (set: no panic), store it as the frame's pc 2; copyerr (locore): li v0,EFAULT, sw zero to pcb_onfault, j ra",
  },
  // ---- system-call bodies ---------------------------------------------------------------
  "sys.getpid": {
    instructions: 3,
    source:
      "kern_prot.c getpid(): *retval = p->p_pid; retval[1] = p->p_pptr->p_pid ([lw curproc] [lw p_pid] [sw r_val1] [lw p_ppid] [sw r_val2], charged); move v0,zero; jr ra; nop",
  },
  "sys.mprotect": {
    instructions: 52,
    loads: 10,
    stores: 7,
    source:
      "vm_mmap.c 8.1 mprotect(): prologue/epilogue (2 sw, 2 lw) 8; addr & PAGE_MASK (andi, bnez, nop) 3; len < 0 (bltz, nop) 2; prot &= VM_PROT_ALL 1; &p->p_vmspace->vm_map (lw, addiu) 2; call vm_map_protect (4 moves, jal, nop) 6; vm_map.c 8.1 vm_map_protect(): prologue/epilogue (5 sw, 5 lw) 14, VM_MAP_RANGE_CHECK (lw min_offset, lw max_offset, 4 compares and branches) 8, lookup-entry call and clip branch 4; mprotect's switch on the result 4",
  },
  "vm.map.lock": {
    instructions: 28,
    loads: 7,
    stores: 3,
    source:
      "vm_map_lock (vm_map.h 8.1) = lock_write (kern_lock.c 8.1): &map->lock 2; call, prologue/epilogue (2 sw, 2 lw) 6; recursive-owner test (lw l->thread, lw current, beq, nop) 4; want_write wait loop test (lw, bnez, nop) 3; want_write = TRUE (li, sw) 2; read_count/want_upgrade test (lw, lw, or, bnez, nop) 5; return 2; map->timestamp++ ([lw] [sw] charged, addiu) 1; +3 lui/addiu for the globals (the reference's map lock: 60 with the unlock)",
  },
  "vm.map.unlock": {
    instructions: 30,
    loads: 5,
    stores: 4,
    source:
      "vm_map_unlock = lock_done (kern_lock.c 8.1): &map->lock 2; call, prologue/epilogue (2 sw, 2 lw) 6; read_count test (lw, beqz, nop) 3; want_upgrade test (lw, beqz, nop) 3; want_write = FALSE (sw) 1; thread = -1 (li, sw) 2; waiting test for thread_wakeup (lw, beqz, nop) 3; recursion depth test (lw, bnez, nop) 3; return 2; +5 branch delay nops and address set-up",
  },
  "vm.map.lookup": {
    instructions: 16,
    loads: 1,
    stores: 3,
    source:
      "vm_map.c 8.1 vm_map_lookup_entry(): call, prologue/epilogue (2 sw, 2 lw... counted 1 load) 8; cur = map->hint ([lw] charged); cur == &map->header test 3; address >= cur->start ([lw] charged, sltu, beqz, nop) 3; *entry = cur (sw) 1; return TRUE (li) 1; the walk from the head or the hint: vm.map.walk per entry",
  },
  "vm.map.walk": {
    instructions: 5,
    source:
      "vm_map_lookup_entry's loop, per entry visited: [lw end] (charged), sltu, bnez, nop; [lw next] (charged); j, nop... (5 with the branch)",
  },
  "vm.map.check": {
    instructions: 10,
    loads: 2,
    source:
      "vm_map_protect's first pass, per entry: is_sub_map (lw, andi, bnez, nop) 4; (new_prot & max_protection) != new_prot (lw, and, bne, nop) 4; [lw end/next] (charged); sltu, bnez 2",
  },
  "vm.map.clip": {
    instructions: 80,
    loads: 27,
    stores: 25,
    source:
      "vm_map.c 8.1 _vm_map_clip_start/_end, one side (the reference: about 90 with the malloc'd entry): call, prologue/epilogue (2 sw, 2 lw) 8; vm_map_simplify_entry first 12 (4 loads); vm_map_entry_create = malloc(M_VMMAPENT) with kmemstats 36 (10 loads, 8 stores); *new_entry = *entry: 13 words, 4 of them here charged ([lw]/[sw] start, end, prot, next), the other 9 (object, offset, flags, max_protection, inheritance, wired_count, prev...) 9 loads + 9 stores 18; new_entry->end / entry->start and offset += (lw, addu, sw) 3 (1/1); vm_map_entry_link: nentries++ ([lw] [sw] charged), prev/next links (3 sw hidden, 1 charged) 3; vm_object_reference (lw, lw, addiu, sw ... ) 0 here: an anonymous entry has its object reference counted in the 36 above",
  },
  "vm.map.setprot": {
    instructions: 20,
    loads: 3,
    source:
      "vm_map_protect's second pass, per entry: vm_map_clip_end test ([lw end] charged, sltu, beqz, nop) 3; old_prot ([lw] charged); set_max test (beqz, nop) 2; current->protection = new_prot ([sw] charged); changed test (beq, nop) 2; is_a_map test (lw, andi, bnez, nop) 4; MASK(copy_on_write) (lw, andi, li, ...) 4; pmap_protect(map->pmap, start, end, prot) (lw pmap, [lw start] [lw end] charged, move, jal, nop) 4; current = current->next 1",
  },
  "vm.map.simplify": {
    instructions: 16,
    loads: 6,
    source:
      "vm_map_simplify_entry (vm_map.c 8.1), per neighbour pair compared: [lw next], [lw start], [lw prot] x2 (charged); end == start, object, offset + size, inheritance, wired_count, max_protection, copy_on_write/needs_copy compared (6 lw hidden, 10 compares and branches)",
  },
  "vm.map.merge": {
    instructions: 50,
    loads: 12,
    stores: 10,
    source:
      "vm_map_simplify_entry merging two entries: prev->end = entry->end ([lw] [sw] charged); vm_map_entry_unlink (nentries-- [lw] [sw] charged, prev/next links 3 sw hidden, next charged) 4; vm_object_deallocate of the merged entry's object reference (call, tests) 12 (4 loads, 2 stores); vm_map_entry_dispose = free(M_VMMAPENT) with kmemstats 30 (8 loads, 5 stores); hint fix-up (lw, bne, sw) 4",
  },
  "vm.map.faultcheck": {
    instructions: 12,
    loads: 2,
    source:
      "vm_map.c 8.1 vm_map_lookup() after the entry is found: is_sub_map / is_a_map tests (lw, andi, bnez, nop) x2 8 (2 loads); prot = entry->protection ([lw] charged); (fault_type & prot) != fault_type (and, bne, nop) 3; the hint ([sw] charged) 1",
  },
  "pmap.protect": {
    instructions: 26,
    loads: 4,
    stores: 4,
    source:
      "pmap.c 8.1 pmap_protect() (called once per changed entry): call, prologue/epilogue (4 sw, 4 lw) 12; pmap == NULL 2; prot & READ / WRITE tests (andi, beqz, andi, bnez) 4; p = PG_RO or PG_RW 2; kernel-pmap test 3; loop set-up 3",
  },
  "pmap.protect.page": {
    instructions: 20,
    loads: 4,
    source:
      "pmap.c 8.1 pmap_protect() per page (the reference: about 22 C): pte address through the segment table (lw segtab, srl, sll, addu, lw, sll, addu, ...) 8 (2 loads); [lw pte] (charged); PG_V test 2; new entry (and ~(PG_M|PG_RO), or p) 3; [sw pte] (charged); pm_tlbgen == tlbpid_gen (lw, lw, bne) 3 (2 loads); MachTLBUpdate(va | pid, entry) call (sll, or, jal, nop) 4",
  },
  "tlb.update": {
    instructions: 15,
    category: L,
    source:
      "locore.s 8.1 MachTLBUpdate (the reference: 17 with tlbp and the write): mfc0 v1,SR; mtc0 zero,SR; mfc0 t0,TLB_HI; mtc0 a0,TLB_HI; mtc0 a1,TLB_LOW; nop; [tlbp]; mfc0 v0,TLB_INDEX; nop; bltz v0; nop; [tlbwi, or tlbwr when the page was not in the TLB]; mtc0 t0,TLB_HI; j ra; mtc0 v1,SR",
  },
  "mprotect.segment": {
    instructions: 4,
    source:
      "range-in-segment (or overlap) test per segment, in mprotect and sbrk: sltu, sltu, or, bnez",
  },
  "mprotect.page": {
    instructions: 7,
    source:
      "per page: pte address (addiu), [lw pte], clear prot bits (and), or new bits (or, valid/dirty select 2), [sw pte], loop (addiu, bne)",
  },
  "sys.sbrk": {
    instructions: 16,
    loads: 2,
    stores: 2,
    source: "sbrk(): prologue/epilogue 6, new break 2, limit tests 4, page rounding 4",
  },
  "sys.fork": {
    instructions: 40,
    loads: 2,
    stores: 2,
    source:
      "fork1()/newproc(): prologue 6, proc slot search set-up 6, pid 4, proc fields copy 16, setrq call 4, rval 4",
  },
  "fork.page": {
    instructions: 12,
    source: "vmdup per page: pte address, test, memall call, bcopy call, new pte build, loop",
  },
  "sys.exit": {
    instructions: 30,
    loads: 2,
    stores: 2,
    source:
      "exit(): prologue 6, signal state reset 6, vrelvm call 4, zombie fields 8, parent wakeup call 6",
  },
  "fd.scan": {
    instructions: 4,
    source:
      "per slot of a u-area table (descriptors in exit, fork, pipe; shm attachments in shmat, shmdt, mprotect, sbrk): [lw slot], beqz, addiu, bne",
  },
  "exit.page": {
    instructions: 6,
    source: "vmfree per page: pte address, [lw pte], test, memfree call, loop",
  },
  "sys.wait": {
    instructions: 14,
    loads: 2,
    stores: 2,
    source: "wait1(): prologue/epilogue 6, loop set-up 4, result 4",
  },
  "wait.scan": {
    instructions: 5,
    source: "per proc entry: [lw p_pptr/p_ppid] compare, [lw p_stat] compare, next",
  },
  "sys.kill": {
    instructions: 12,
    loads: 2,
    stores: 2,
    source: "kill(): prologue/epilogue 6, signal range 2, pfind call 4",
  },
  "pfind.entry": { instructions: 4, source: "per proc entry: [lw p_pid], compare, bne, next" },
  "vm.memall": {
    instructions: 20,
    source: "memall/memfree of one frame: cmap free-list unlink/link and entry fields",
  },
  "copy.call": {
    instructions: 12,
    stores: 2,
    source:
      "copyin/copyout/bcopy: call, pcb_onfault set and clear (2 stores), alignment tests, loop set-up, return",
  },
  "copy.loop": {
    instructions: 2,
    source: "bcopy/bzero unrolled 4 words per iteration: addiu, bne per 16 bytes",
  },
  useracc: {
    instructions: 8,
    loads: 1,
    stores: 1,
    source: "useracc(): prologue/epilogue 4, range end, overflow test 2, loop set-up 2",
  },
  "useracc.page": {
    instructions: 6,
    source: "per page: vpn to pte address 2, [lw pte], segment/permission test 3, loop 1",
  },
  // ---- faults ----------------------------------------------------------------------------
  "vm.fault": {
    instructions: 12,
    source:
      "the pmap side of the fault (the model's linear page table): vpn 1, user-space bound 2, pte address 3, [lw pte], allocated test 3, protection test 3",
  },
  "vm.fault.entry": {
    instructions: 32,
    loads: 10,
    stores: 10,
    source:
      "vm_fault.c 8.1 vm_fault(): prologue/epilogue (addiu sp, sw/lw ra s0-s8: 10 stores, 9 loads + jr, nop) 22; cnt.v_faults++ (lui, lw, addiu, sw) 4 (1 load); RetryFault: vm_map_lookup(&map, vaddr, fault_type, &entry, ...) call (6 argument set-ups, jal) 6; then vm_map_lookup: vm.map.lock (read), vm.map.lookup, vm.map.faultcheck, vm.map.unlock",
  },
  "vm.segcheck": {
    instructions: 6,
    source: "isadsv/isassv: [lw data start/brk/stack low/top], two range tests of 3",
  },
  "vm.fill": {
    instructions: 6,
    source: "fill-on-demand: new pte from frame (sll, or x3), [sw pte], call tlbdropin",
  },
  "unaligned.fixup": {
    instructions: 40,
    loads: 1,
    source:
      "Ultrix fixade(): fetch the instruction at EPC (address/lw 3), decode op/rt/base/offset (10), effective address from the saved base (4), per-byte access loop set-up (5), merge bytes (shifts/ors 10), write rt in the frame and EPC+=4 (8)",
  },
  "cpfault.fp": {
    instructions: 8,
    loads: 1,
    stores: 1,
    source:
      "Ultrix checkfp on a CpU for cp1: owner test 2, cfc1/ctc1 of the FP csr 2, set CU1 in the saved SR (or) 1, fpowner= 1, return 2 (the 32 FP registers and csr: one store each into the old owner's PCB, one load each from the new one's, charged)",
  },
  // ---- signals ---------------------------------------------------------------------------
  psignal: {
    instructions: 13,
    source:
      "psignal(): mask 3, [lw p_sigignore] test 2, [lw p_sigmask]/[lw p_sigcatch] action 4, [sw p_sig] 1, [lw p_stat] switch 3",
  },
  "psignal.setrun": {
    instructions: 6,
    source: "psignal: sleeping and catchable: unsleep/setrun call and p_stat",
  },
  psig: {
    instructions: 20,
    source:
      "psig(): ffs of pending 5, mask 3, [lw handler] [lw sa_mask], [sw p_sig] clear 1, handler test 2, SOMASK test 3 (oldmask), [sw p_sigmask] 2, call sendsig 2, default-action test 2",
  },
  sendsig: {
    instructions: 51,
    loads: 12,
    stores: 5,
    source:
      "machdep.c 8.1 sendsig(): prologue/epilogue (addiu sp, sw/lw ra s0-s3: 5 stores, 5 loads, jr, nop) 13; regs = p->p_md.md_regs (lw) 1; psp = p->p_sigacts (lw) 1; oonstack (lw ss_flags, andi) 2; SAS_ALTSTACK test (lw, andi, beqz, nop) 4; fp = regs[SP] - fsize ([lw] charged, subu) 1; grow() test (lw p_vmspace, lw vm_ssize, sll, lui, subu, sltu, beqz, nop) 8; ksc.sc_onstack/mask/pc/regs[ZERO]=magic ([sw] x4, [lw regs[PC]] charged; lui/ori magic) 2; bcopy call (addiu x2, li, jal, nop) 5; sc_fpused = md_flags & MDP_FPUSED (lw, andi, [sw] charged, beqz, nop) 4; copyout call and test (addiu x2, li, jal, nop, bnez, nop) 7; the handler's arguments ([sw] regs[A0..A3], SP, PC charged; la ra) 3",
  },
  "sys.sigreturn": {
    instructions: 39,
    loads: 6,
    stores: 4,
    source:
      "machdep.c 8.1 sigreturn(): prologue/epilogue (sw/lw ra s0 s1: 3 stores, 3 loads, addiu x2, jr, nop) 10; regs = p->p_md.md_regs (lw) 1; copyin call and test (addiu, li, jal, nop, bnez, nop) 6; ksc.sc_regs[ZERO] != 0xACEDBADE ([lw] charged, lui, ori, bne, nop) 4; onstack ([lw] charged, andi, beqz, lw psp, lw ss_flags, or, sw) 6; p_sigmask = sc_mask & ~sigcantmask ([lw] [sw] charged; lui, ori, and) 3; regs[PC] = sc_pc ([lw] [sw] charged); bcopy call (addiu x2, li, jal, nop) 5; sc_fpused test ([lw] charged, beqz, nop) 2; return EJUSTRETURN (li; [sw u_error]; trap()'s [lw u_error] and beq) 2",
  },
  "sys.sigaction": {
    instructions: 20,
    loads: 2,
    stores: 2,
    source:
      "sigvec(): prologue/epilogue 6, signal range/KILL/STOP tests 4, copyin/out calls 4, setsigvec bit updates 6",
  },
  "sys.sigmask": {
    instructions: 6,
    source: "sigblock/sigsetmask: [lw p_sigmask]; and ~cantmask; or/move; [sw]; return",
  },
  "sys.sigpause": {
    instructions: 10,
    source: "sigpause(): [sw u_oldmask], SOMASK flag 3, [sw p_sigmask], sleep call 4",
  },
  // ---- scheduler -------------------------------------------------------------------------
  sleep: {
    instructions: 50,
    loads: 10,
    stores: 7,
    source:
      "kern_synch.c 8.1 tsleep() up to mi_switch: call, prologue/epilogue (5 sw, 5 lw) 14; s = splhigh() (spl.call); panicstr test (lw) 3; p_wchan = chan ([sw] charged), p_wmesg, p_slptime = 0, p_priority = pri & PRIMASK (3 sw) 4; qp = &slpque[LOOKUP(chan)] (srl, andi, sll, addu) 4; sq_head == 0 test and the tail insert ([lw] [sw] [sw] charged; lw sq_tailp, sw) 6; timo test 2; catch: p_flag |= P_SINTR (lw, or, sw) 3, CURSIG(p) (lw p_sig, beqz) 3, p_wchan == 0 test (lw) 2; p_stat = SSLEEP ([sw] charged); ru_nvcsw++ (lw, lw, addiu, sw) 4; mi_switch() call 2; + address set-ups 3",
  },
  "sleep.resume": {
    instructions: 24,
    loads: 6,
    stores: 2,
    source:
      "kern_synch.c 8.1 tsleep() after mi_switch returns: curpriority = p->p_usrpri (lbu, sb) 3; splx(s) (spl.call); p_flag &= ~P_SINTR (lw, and, sw) 3; P_TIMEOUT test (lw) 3; timo / untimeout test 2; catch && CURSIG(p) ([lw p_sig] [lw p_sigmask] charged) 4; SA_RESTART test for ERESTART (lw) 3; return 0 1; epilogue (5 lw, jr, nop, addiu) counted in sleep... 5",
  },
  wakeup: {
    instructions: 14,
    loads: 1,
    source:
      "kern_synch.c 8.1 wakeup(): call, prologue/epilogue 6; s = splhigh() (spl.call); qp = &slpque[LOOKUP(ident)] (srl, andi, sll, addu) 4; restart: q = &qp->sq_head ([lw] charged) 2; splx(s) (spl.call)",
  },
  "wakeup.scan": {
    instructions: 4,
    source: "per sleeping proc in the bucket: [lw p_wchan], bne, [lw p_link], next",
  },
  "wakeup.match": {
    instructions: 16,
    loads: 2,
    stores: 3,
    source:
      "kern_synch.c 8.1 wakeup(), a match: p_back / p_stat sanity test (lw) 3; p_wchan = 0 ([sw] charged); *q = p->p_forw ([sw] charged); sq_tailp fix-up (lw, bne, sw) 3; p_stat == SSLEEP test 2; p_slptime > 1 test (lw), p_slptime = 0 (sw) 3; p_stat = SRUN ([sw] charged); P_INMEM test (lw) 2, setrunqueue(p) call 2 (setrq); need_resched(): want_resched = 1 ([sw] charged), astpending = 1 (sw) 2; goto restart 1",
  },
  setrq: {
    instructions: 12,
    loads: 2,
    stores: 1,
    source:
      "locore.s 8.1 setrunqueue(p): p_back != 0 panic test (lw) 3; lbu p_priority, srl 2 (queue), sll 3 2; la qs 2; whichqs |= bit (lw, li, sllv, or, sw) 3; insque at the tail ([lw] ph_rlink, [sw] p_forw / p_back / ph_rlink charged) 2 (the 4.3BSD single-queue form here: one FIFO)",
  },
  "swtch.pick": {
    instructions: 12,
    source:
      "swtch(): [lw whichqs]-style empty test 2, ffs 3, [lw head] [lw p_link] [sw head] remque, clear whichqs bit 3, runrun=0 1, p==curproc test 3",
  },
  "swtch.save": {
    instructions: 3,
    source: "savectx: mfc0 SR (its store and 11 register stores charged), return 2",
  },
  "swtch.resume": {
    instructions: 8,
    source:
      "cpu_switch's resume part (locore.s 8.1): mtc0 entryhi (new ASID) 3, PTEBase into Context (sll, or, mtc0) 3, return 2 (PCB loads, mtc0 SR charged)",
  },
  "swtch.mi": {
    instructions: 114,
    loads: 22,
    stores: 12,
    source:
      "kern_synch.c 8.1 mi_switch() (the reference's swtch() C, about 180 with its calls): call, prologue/epilogue (4 sw, 4 lw) 12; microtime(&tv) (kern_clock/clock.c: splhigh/splx (spl.call x2), *tvp = time (2 lw, 2 sw), the clock chip's microsecond counter read and scale 12, tv_usec >= 1000000 normalisation and the lasttime monotonic fix (4 lw, 2 sw) 12) 30; u = p_rtime.tv_usec + (tv.tv_usec - runtime.tv_usec), s = p_rtime.tv_sec + (tv.tv_sec - runtime.tv_sec), the u < 0 / u >= 1000000 carries, p_rtime stored (6 lw, 2 sw) 25; the RLIMIT_CPU test (3 lw) 10; cnt.v_swtch++ (lui, lw, addiu, sw) 4; cpu_switch(p) call 3; microtime(&runtime) after it (spl.call x2) 30",
  },
  "swtch.cpu": {
    instructions: 20,
    loads: 4,
    stores: 3,
    source:
      "locore.s 8.1 cpu_switch, besides savectx/resume/the wired entries (counted apart; the reference: 81-86 + 4 per run-queue bit): mtc0 zero,SR (interrupts off) 1; sw zero,curproc 2; lw whichqs, beq idle 3 (the scan: swtch.ffs); remque from its queue (lw p_forw, lw p_back, 2 sw, bne empty, clear the whichqs bit: lw, and, sw) 8; sw zero,want_resched 2; lw p_addr, lw p_upte 2; cnt... 2",
  },
  "swtch.ffs": {
    instructions: 4,
    source:
      "locore.s 8.1 cpu_switch's run-queue scan, per whichqs bit scanned from bit 0 (srl, andi... addiu, beq): the user-priority queue (PUSER 50 >> 2 = 12) takes 13",
  },
  "swtch.asid": {
    instructions: 18,
    loads: 3,
    source:
      "pmap.c 8.1 pmap_alloc_tlbpid() (the reference: ASID allocation 18-27, the lean path): call, prologue/epilogue 6; pm_tlbgen != tlbpid_gen test (2 lw) 4; id = pmap->pm_tlbpid (lw) 1; ASID into the new process's P_PMAP entry 4; return 3",
  },
  "trap.resched": {
    instructions: 14,
    loads: 3,
    stores: 1,
    source:
      "trap.c 7.20 trap()'s return with want_resched set: s = splstatclock() (spl.call); setrunqueue(p) call 2 (setrq); p->p_stats->p_ru.ru_nivcsw++ (lw, lw, addiu, sw) 4; mi_switch() call 2 (swtch.mi and swtch.cpu, charged at the switch); splx(s) after it 2; while (i = CURSIG(p)) postsig(i) (lw p_sig, beqz) 4",
  },
  "userret.resched": {
    instructions: 10,
    loads: 2,
    stores: 1,
    source:
      "trap.c 7.20 trap() after mi_switch returns: splx (its call in trap.resched); CURSIG(p) ([lw p_sig] [lw p_sigmask] charged, beqz, nop) 2; SPROFIL test (lw, andi, beqz, nop) 4; curpriority = p->p_priority (lbu, lui, sb) 3; return pc 1",
  },
  "swtch.idle": {
    instructions: 4,
    source: "idle loop iteration of swtch: spl0, test whichqs, branch",
  },
  // ---- clock -------------------------------------------------------------------------------
  "intr.dispatch": {
    instructions: 16,
    loads: 1,
    stores: 2,
    source: "interrupt(): prologue 4, cause & SR & IM 3, highest pending line 5, handler table 4",
  },
  hardclock: {
    instructions: 15,
    loads: 2,
    stores: 2,
    source:
      "hardclock(): [lw/sw ticks], time update 4, p_cpu++ 3, callout test 4, roundrobin countdown [lw/sw] 4",
  },
  // ---- files and pipes -------------------------------------------------------------------
  getf: {
    instructions: 10,
    source:
      "getf(): fd bound 2, &u_ofile[fd] 2, [lw], null test 1, &file[i] 3, [lw f_flag] mode test 2",
  },
  rwuio: {
    instructions: 20,
    loads: 2,
    stores: 8,
    source:
      "read()/write(): uio and iovec set-up 12, len<0 test 2, fo_rw dispatch 3, residual to rval 3",
  },
  // ---- pipes: a socket pair (uipc_socket.c, uipc_socket2.c, uipc_usrreq.c, sys_socket.c,
  // kern_malloc.c 8.1, mbuf.h 8.1) ----------------------------------------------------------
  "soo.rw": {
    instructions: 15,
    loads: 3,
    stores: 2,
    source:
      "sys_socket.c 8.1 soo_read/soo_write: call, prologue/epilogue (2 sw, 2 lw) 8; so = fp->f_data (lw) 1; soreceive/sosend(so, 0, uio, 0, 0, 0) argument set-up and call 6",
  },
  sosend: {
    instructions: 78,
    loads: 22,
    stores: 12,
    source:
      "uipc_socket.c 8.1 sosend(), once per call: prologue/epilogue (addiu, 9 sw, 9 lw, jr, nop) 22; resid = uio->uio_resid (lw) 1; atomic = sosendallatonce(so) || top (lw so_proto, lw pr_flags, andi, ...) 5; ru_msgsnd++ (lw, lw, addiu, sw) 4; restart: sblock(&so->so_snd) (lw sb_flags, andi SB_LOCK, bnez, or, sw) 5; so_state tests SS_CANTSENDMORE, so_error, SS_ISCONNECTED (3 lw) 9; sbspace(&so->so_snd) (4 lw, 2 subu, slt, movn) 8; MSG_OOB 2; atomic and hiwat tests 4; space < resid test 6; release: sbunlock(&so->so_snd) (lw, and, sw, lw SB_WANT, bnez) 6; m_freem(top) test 2; return 4 (splnet/splx: spl.call)",
  },
  "sosend.mbuf": {
    instructions: 30,
    loads: 6,
    stores: 4,
    source:
      "uipc_socket.c 8.1 sosend(), per mbuf sent: [lw so_state] SS_CANTSENDMORE recheck (charged: the readers count) 2; MGET (mbuf.get); resid >= MINCLSIZE and space >= MCLBYTES tests 4; len = min(min(mlen, resid), space) 6; MH_ALIGN test 3; space -= len 1; uiomove call (uiomove); resid = uio->uio_resid (lw) 1; m->m_len = len ([sw] charged); *mp = m, top->m_pkthdr.len += len, mp = &m->m_next (lw, addu, 3 sw) 5; resid <= 0 test 2; (*so->so_proto->pr_usrreq)(so, PRU_SEND, top, addr, control) (lw so_proto, lw pr_usrreq, 5 argument set-ups, jalr, nop) 9 (the loads: 2 + 4 above)",
  },
  "mbuf.get": {
    instructions: 61,
    loads: 13,
    stores: 8,
    source:
      "mbuf.h 8.1 MGET = MALLOC(m, struct mbuf *, MSIZE, mbtypes[type], M_WAIT) → kern_malloc.c 8.1 malloc(): call, prologue/epilogue (3 sw, 3 lw) 10; indx = BUCKETINDX(size) 6; s = splimp() (spl.call); kbp = &bucket[indx], ksp = &kmemstats[type] 4; ks_memuse >= ks_limit test (2 lw) 4; ks_size |= 1 << indx (lw, or, sw) 3; kbp->kb_next == NULL test (lw) 3; va = kbp->kb_next; kbp->kb_next = *(caddr_t *)va ([lw] [lw] [sw] charged: the pool's free list) 2; kup = btokup(va), kup->ku_indx test 5 (1 lw); kb_totalfree-- (lw, addiu, sw) 3; ks_memuse += size, ks_inuse++, ks_calls++ (3 lw, 3 addu, 3 sw) 9; ks_inuse > ks_maxused test 3; splx(s) (spl.call); return va 2; then MGET: m_type = type ([sw] charged); MBUFLOCK(mbstat.m_mtypes[type]++) (splimp/splx: spl.call x2; lw, addiu, sw) 3; m_next = 0, m_nextpkt = 0, m_data = m_dat ([sw] x3 charged); m_flags = 0 (sw) 1; NULL test 2; + address set-ups 4",
  },
  "mbuf.free": {
    instructions: 52,
    loads: 14,
    stores: 7,
    source:
      "mbuf.h 8.1 MFREE(m, nn): MBUFLOCK(mbstat.m_mtypes[m->m_type]--) (splimp/splx: spl.call x2; lw type, lw, addiu, sw) 4; M_EXT test (lw, andi, beqz, nop) 4; nn = m->m_next ([lw] charged); FREE(m, mbtypes[type]) → kern_malloc.c 8.1 free(): call, prologue/epilogue (3 sw, 3 lw) 10; kup = btokup(addr), size = 1 << kup->ku_indx (lw, sllv...) 6; kbp = &bucket[ku_indx] 3; s = splimp() (spl.call); ksp = &kmemstats[type] 3; size > MAXALLOCSAVE test 3; freep->type = type (sw) 1; kb_totalfree++ and ks_memuse -= size, ks_inuse-- (3 lw, 3 addu, 3 sw) 9; ks_memuse + size >= ks_limit test (lw) 3; kbp->kb_next = addr, *(caddr_t *)addr = old head ([lw] [sw] [sw] charged: the pool's free list) 1; splx(s) (spl.call); return 2; + address set-ups 6",
  },
  "mbuf.poolinit": {
    instructions: 2,
    source:
      "setting up a pipe's mbuf pool, per mbuf: the free-list link ([sw] charged), addiu, bne (4.4BSD's malloc buckets are filled by kmem_malloc; this model gives each pipe its own two frames)",
  },
  uiomove: {
    instructions: 35,
    loads: 10,
    stores: 7,
    source:
      "kern_subr.c 8.1 uiomove(): call, prologue/epilogue (3 sw, 3 lw) 10; while (n > 0 && uio->uio_resid) (lw, blez) 3; iov = uio->uio_iov, cnt = iov->iov_len (2 lw), cnt == 0 test, cnt > n 5; switch (uio_segflg) (lw, bnez) 2; uio_rw == UIO_READ test (lw, beqz) 2; copyout/copyin call (args, jal, nop: the copy itself is copy.call) 4; iov_base += cnt, iov_len -= cnt, uio_resid -= cnt, uio_offset += cnt (4 lw, 4 addu, 4 sw... 2 lw among the above) 8; cp += cnt, n -= cnt 1",
  },
  "uipc.send": {
    instructions: 70,
    loads: 22,
    stores: 9,
    source:
      "uipc_usrreq.c 8.1 uipc_usrreq(PRU_SEND) on a SOCK_STREAM: call, prologue/epilogue (5 sw, 5 lw) 14; unp = sotounpcb(so) (lw) 1; PRU_CONTROL and rights tests 6; switch (req) jump table (lw) 6; control test 2; switch (so->so_type) (lw) 4; SS_CANTSENDMORE test (lw) 3; unp->unp_conn == 0 test (lw) 3; so2 = unp->unp_conn->unp_socket (2 lw) 2; sbappend(rcv, m) call 3 (sbappend); snd->sb_mbmax -= rcv->sb_mbcnt - unp_conn->unp_mbcnt (4 lw, 2 subu, sw) 7; unp_conn->unp_mbcnt = rcv->sb_mbcnt (2 lw, sw) 3; snd->sb_hiwat -= rcv->sb_cc - unp_conn->unp_cc 7; unp_conn->unp_cc = rcv->sb_cc 3; sorwakeup(so2) call 3 (sowakeup); m = 0, release: control/m tests 6",
  },
  sbappend: {
    instructions: 20,
    loads: 3,
    stores: 2,
    source:
      "uipc_socket2.c 8.1 sbappend(): call, prologue/epilogue (2 sw, 2 lw) 8; m == 0 test 2; n = sb->sb_mb ([lw] charged), null test 2; while (n->m_nextpkt) (lw) 3; the walk to the last mbuf (sbappend.walk); sbcompress(sb, m, n) call 5",
  },
  "sbappend.walk": {
    instructions: 6,
    loads: 1,
    source:
      "sbappend's do { M_EOR test (lw m_flags, andi, bnez) } while (n->m_next && (n = n->m_next)) ([lw m_next] charged, beqz, move, b) per mbuf of the chain",
  },
  sbcompress: {
    instructions: 40,
    loads: 8,
    stores: 5,
    source:
      "uipc_socket2.c 8.1 sbcompress(): call, prologue/epilogue (3 sw, 3 lw) 10; eor |= m_flags & M_EOR (lw) 3; m_len == 0 test ([lw m_len] charged) 3; n && !M_EOR && M_TRAILINGSPACE(n) >= m_len && same type ([lw] n's m_len and m_data charged; lw m_flags, lw m_type x2, compares) 10; either bcopy into n (kcopy), n->m_len += ([sw] charged), sb_cc += ([lw] [sw] charged), m = m_free(m) (mbuf.free), or: n->m_next = m / sb->sb_mb = m ([sw] charged), sballoc: sb_cc += m_len, sb_mbcnt += MSIZE ([lw] [sw] x2 charged), M_EXT test (lw) 3, n = m, m_flags &= ~M_EOR (lw, and, sw) 3, m = m->m_next (lw), n->m_next = 0 (sw) 4; loop and eor tests 4",
  },
  sowakeup: {
    instructions: 22,
    loads: 4,
    stores: 3,
    source:
      "uipc_socket2.c 8.1 sowakeup(so, sb) (sorwakeup/sowwakeup): call, prologue/epilogue (2 sw, 2 lw) 8; selwakeup(&sb->sb_sel) call 3 (selwakeup); sb_flags &= ~SB_SEL (lw, and, sw: the flags word [lw] charged) 3; SB_WAIT test (andi, beqz, nop) 3, then sb_flags &= ~SB_WAIT ([sw] charged) and wakeup(&sb->sb_cc) (wakeup); so_state & SS_ASYNC test (lw, andi, beqz) 3; sb_flags & SB_ASYNC... 2",
  },
  selwakeup: {
    instructions: 12,
    loads: 2,
    stores: 1,
    source:
      "sys_generic.c 8.1 selwakeup(sip): call, prologue/epilogue 6; sip->si_pid == 0 test (lw, beqz, nop) 3; si_flags & SI_COLL test 2 (lw); return 1",
  },
  sbwait: {
    instructions: 14,
    loads: 2,
    stores: 2,
    source:
      "uipc_socket2.c 8.1 sbwait(): call, prologue/epilogue (1 sw, 1 lw) 6; sb_flags |= SB_WAIT ([lw] [sw] charged, or) 1; tsleep((caddr_t)&sb->sb_cc, SB_NOINTR test (lw, andi) → PSOCK | PCATCH, netio, sb_timeo (lw)) 7 (sleep: the sleep itself)",
  },
  soreceive: {
    instructions: 118,
    loads: 34,
    stores: 13,
    source:
      "uipc_socket.c 8.1 soreceive(), once per call: prologue/epilogue (addiu, 9 sw, 9 lw, jr, nop) 22; paddr/controlp/flagsp/MSG_OOB/mp tests 10; SS_ISCONFIRMING test (lw) 4; restart: sblock(&so->so_rcv) (lw, andi, bnez, or, sw) 5; m = so_rcv.sb_mb ([lw] charged); the wait test: m == 0 or sb_cc < resid and sb_cc < sb_lowat ... m_nextpkt, PR_ATOMIC (4 lw) 12; ru_msgrcv++ (3 lw, addiu, sw) 5; nextrecord = m->m_nextpkt (lw) 1; PR_ADDR test (2 lw) 4; MT_CONTROL loop test (lw) 4; m_nextpkt = nextrecord, type = m_type, MT_OOBDATA (lw, sw) 6; moff = offset = 0 2; after the loop: MSG_PEEK test, sb_mb = nextrecord (sw) 4; PR_WANTRCVD && so_pcb test (2 lw) 4; (*pr->pr_usrreq)(so, PRU_RCVD, ...) (lw, lw, 5 argument set-ups, jalr, nop) 9 (uipc.rcvd); orig_resid test (lw so_state) 6; *flagsp (sw) 2; release: sbunlock(&so->so_rcv) (lw, and, sw, lw, bnez) 6; return 2 (splnet x2 / splx x2: spl.call)",
  },
  "soreceive.mbuf": {
    instructions: 30,
    loads: 8,
    stores: 3,
    source:
      "uipc_socket.c 8.1 soreceive(), per mbuf read: loop test m && resid > 0 && !error (lw resid) 4; m_type tests (lw) 4; so_state &= ~SS_RCVATMARK (lw, and, sw) 3; len = uio_resid (lw); so_oobmark test (lw) 3; len > m_len - moff ([lw m_len] [lw m_data] charged) 3; splx, uiomove, splnet (spl.call, uiomove); len == m_len - moff test 2; M_EOR test (lw) 3; MSG_PEEK test 2; nextrecord = m_nextpkt (lw) 1; sbfree(&so->so_rcv, m): sb_cc -= m_len, sb_mbcnt -= MSIZE ([lw] [sw] x2 charged), M_EXT test (lw) 3; MFREE(m, so_rcv.sb_mb) (mbuf.free; [sw] sb_mb charged); m = sb_mb; m->m_nextpkt = nextrecord (sw) 2; (a partial mbuf instead: m_data += len, m_len -= len, sb_cc -= len, charged); so_oobmark and MSG_EOR tests 4",
  },
  "uipc.rcvd": {
    instructions: 50,
    loads: 18,
    stores: 8,
    source:
      "uipc_usrreq.c 8.1 uipc_usrreq(PRU_RCVD) on a SOCK_STREAM: call, prologue/epilogue (5 sw, 5 lw) 14; unp = sotounpcb(so) (lw) 1; control tests 4; switch (req) (lw) 6; switch (so->so_type) (lw) 4; unp->unp_conn == 0 test (lw) 2; so2 = unp->unp_conn->unp_socket (2 lw) 2; snd->sb_mbmax += unp->unp_mbcnt - rcv->sb_mbcnt (3 lw, 2 addu, sw) 6; unp->unp_mbcnt = rcv->sb_mbcnt (lw, sw) 2; snd->sb_hiwat += unp->unp_cc - rcv->sb_cc 6; unp->unp_cc = rcv->sb_cc 2; sowwakeup(so2) call (sowakeup) 1",
  },
  // ---- the network stack (src/net/, src/dev/le.ts): 4.4BSD netinet/*.c 8.x, kern/uipc_*.c
  // 8.1, pmax/dev/if_le.c 8.1. The reference (bsd-pmax-paths.md) has no count for any of
  // these paths: every count below is an ESTIMATE from reading the routine (one line of C as
  // the MIPS instructions it compiles to), ±50 %, not measured and not fitted. -----------------
  "le.intr": {
    instructions: 34,
    source:
      "ESTIMATE if_le.c 8.1 leintr(): call, prologue/epilogue (4 sw, 4 lw) 12; sc = &le_softc[unit] 3; isr = csr0 read ([device access] charged), ERR/MISS/BABL tests 8; csr0 write-back of the interrupt bits ([device access] charged) 2; RINT test and lerint call 4, TINT test and letint call 4; return 1",
  },
  "le.rint.slot": {
    instructions: 24,
    source:
      "ESTIMATE if_le.c 8.1 lerint(), per ring descriptor: rmd = &ler_rmd[sc_rmd] 4; OWN test ([device access] charged) 3; ERR/STP/ENP tests 6; len = rmd->rmd_mcnt - 4 (the CRC) 3; leread call 3; rmd flags = OWN (hand back, [device access] charged) 2; sc_rmd = (sc_rmd + 1) & RMASK 3",
  },
  "le.read": {
    instructions: 42,
    source:
      "ESTIMATE if_le.c 8.1 leread(): call, prologue/epilogue (4 sw, 4 lw) 12; if_ipackets++ (lw, addiu, sw) 3; len <= sizeof eh / > ETHERMTU tests 6; eh copied from the buffer (copyfrombuf of 14 bytes: its loads charged) 4; type = ntohs(eh->ether_type) 4; trailer tests (type >= ETHERTYPE_TRAIL ...) 5; m_devget call (args: buffer, len, off, ifp, copy function) 6; m == 0 test 2",
  },
  "m-devget.mbuf": {
    instructions: 22,
    source:
      "ESTIMATE uipc_mbuf.c 8.2 m_devget(), per mbuf: MGETHDR/MGET (mbuf.get) ... first: m_pkthdr.rcvif, m_pkthdr.len ([sw] charged) 2; len = min(totlen, MHLEN/MLEN), MINCLSIZE test 6; the copy (copyfrombuf: kcopy) call 3; m_len = len ([sw] charged), *mp = m, mp = &m->m_next 3; cp += len, totlen -= len, loop 5; + address set-ups 3",
  },
  "ether-input": {
    instructions: 48,
    source:
      "ESTIMATE if_ethersubr.c 8.1 ether_input(): call, prologue/epilogue (3 sw, 3 lw) 10; IFF_UP test (lw) 3; microtime(&ifp->if_lastchange) call 8; if_ibytes += m_pkthdr.len + sizeof eh (lw, lw, addu, sw) 4; broadcast/multicast tests of ether_dhost (lbu, andi) 5; switch (eh->ether_type) ETHERTYPE_IP 4; schednetisr(NETISR_IP) (lw, or, sw) 3, inq = &ipintrq 1; s = splimp() (spl.call); IF_QFULL(inq) test (2 lw) 3; IF_ENQUEUE(inq, m) ([lw] [sw] charged: tail, next, head, len) 5; splx(s) (spl.call); return 2",
  },
  "netisr.ip": {
    instructions: 12,
    source:
      "ESTIMATE pmax trap.c 7.20 interrupt()'s soft-net: MACH_SOFT_INT_MASK_1 test, clearsoftnet 4; netisr & (1 << NETISR_IP) test (lw, andi) 3, netisr &= ~ (and, sw) 2; ipintr call 3",
  },
  ipintr: {
    instructions: 96,
    source:
      "ESTIMATE ip_input.c 8.2 ipintr(), per packet: next: s = splimp(), IF_DEQUEUE(&ipintrq, m) ([lw] [sw] charged), splx(s) (spl.call x2) 5; m == 0 test 2; M_PKTHDR test (lw) 3; in_ifaddr == 0 test (lw) 2; ipstat.ips_total++ 3; m_len < sizeof (struct ip) test and m_pullup call 4; ip = mtod(m) 2; ip_v != IPVERSION test (lbu, srl, bne) 4; hlen = ip_hl << 2, hlen < sizeof ip, hlen > m_len tests 7; ip_sum = in_cksum(m, hlen) call and test (in_cksum) 5; NTOHS(ip_len), len < hlen test 5; NTOHS(ip_id), NTOHS(ip_off) 8; m_pkthdr.len < ip_len test, trim test 6; ip_nhops = 0; hlen > sizeof ip (options) test 3; the in_ifaddr walk (ipintr.ours); ip_off & ~IP_DF (fragment) test 4; inetsw[ip_protox[ip->ip_p]].pr_input(m, hlen) (lbu, 2 lw, jalr, nop) 8; goto next 1; + address set-ups 8",
  },
  "ipintr.ours": {
    instructions: 14,
    source:
      "ESTIMATE ip_input.c 8.2 ipintr(), per in_ifaddr examined: IA_SIN(ia)->sin_addr.s_addr == ip_dst test (lw, lw, beq) 4; IFF_BROADCAST test (lw, andi) 3, broadcast addresses compares (2 lw, 2 beq) 5; ia = ia->ia_next 2",
  },
  "in-cksum": {
    instructions: 34,
    source:
      "ESTIMATE netinet/in_cksum.c 8.1 in_cksum(m, len): call, prologue/epilogue (4 sw, 4 lw) 12; sum/mlen/byte_swapped set-up 4; REDUCE (the fold: 2 shifts, 2 adds, masks) 8; return ~sum & 0xffff 3; + loop exit tests 7",
  },
  "in-cksum.mbuf": {
    instructions: 22,
    source:
      "ESTIMATE in_cksum.c 8.1, per mbuf: m_len == 0 test 3; w = mtod(m, u_short *) 2; the odd-byte carry-over test (s_util) 4; mlen > len clip 3; the alignment test ((int)w & 1) and byte swap 4; the 32/8/2-word loop entries and the trailing odd byte 6",
  },
  "in-cksum.word": {
    instructions: 1,
    source:
      "ESTIMATE in_cksum.c 8.1, per 16-bit word summed: `sum += w[i]` (addu; the lhu is the charged load) in its 16-word unrolled loop (the loop tests amortised into in_cksum.mbuf)",
  },
  "udp-input": {
    instructions: 64,
    source:
      "ESTIMATE udp_usrreq.c 8.4 udp_input(m, iphlen): call, prologue/epilogue (5 sw, 5 lw) 14; udpstat.udps_ipackets++ 3; iphlen > sizeof ip (options) test 2; m_len < sizeof udpiphdr test and m_pullup 4; ip, uh pointers 3; len = ntohs(uh_ulen) 4; ip_len != len tests (len > ip_len: badlen; m_adj) 6; save_ip = *ip (only the options case) 2; uh_sum test (lhu charged) 2, then the overlay for the pseudo-header: ti_next = ti_prev = 0, ti_x1 = 0, ti_len = uh_ulen ([sw] charged) 4, in_cksum(m, len + sizeof ip) call and test (in_cksum) 6; IN_MULTICAST/in_broadcast tests 8; + address set-ups 6",
  },
  "udp-input.deliver": {
    instructions: 52,
    source:
      "ESTIMATE udp_usrreq.c 8.4 udp_input(), unicast delivery: inp = udp_last_inpcb; the cache test (lport, fport, faddr, laddr: 4 lw, 4 bne) 10, else in_pcblookup(&udb, src, sport, dst, dport, INPLOOKUP_WILDCARD) call 6 and udp_last_inpcb = inp (sw) 1; inp == 0: udps_noport (below); udp_in.sin_port = uh_sport, udp_in.sin_addr = ip_src ([lw] [sw] charged) 4; inp_flags & INP_CONTROLOPTS test 3; iphlen += sizeof udphdr, m_len -= iphlen, m_pkthdr.len -= iphlen, m_data += iphlen (lw, subu, sw x3) 9; sbappendaddr(&so_rcv, &udp_in, m, opts) call and == 0 test 7; sorwakeup(so) call 3 (sowakeup); return 2; + address set-ups 7",
  },
  "udp-input.drop": {
    instructions: 10,
    source:
      "ESTIMATE udp_usrreq.c 8.4 udp_input(), a drop: the udpstat counter (udps_noport, udps_badsum, udps_badlen or udps_fullsock: lw, addiu, sw) 3; M_BCAST|M_MCAST test before icmp_error (not sent here: README) 3; bad: m_freem(m) call 2 (m_freem), return 2",
  },
  "in-pcblookup": {
    instructions: 18,
    source:
      "ESTIMATE in_pcb.c 8.2 in_pcblookup(): call, prologue/epilogue (3 sw, 3 lw) 10; lport = lport_arg, matchwild = 3 3; the loop head, return match 5",
  },
  "in-pcblookup.entry": {
    instructions: 16,
    source:
      "ESTIMATE in_pcb.c 8.2 in_pcblookup(), per pcb on udb: inp_lport != lport test ([lw] charged, bne) 2; wildcard = 0; inp_laddr test and compare ([lw] charged) 4; inp_faddr test and compare ([lw] charged), inp_fport compare ([lw] charged) 5; INPLOOKUP_WILDCARD and wildcard < matchwild tests 3; inp = inp->inp_next ([lw] charged) 2",
  },
  sbappendaddr: {
    instructions: 58,
    source:
      "ESTIMATE uipc_socket2.c 8.1 sbappendaddr(sb, asa, m0, control): call, prologue/epilogue (4 sw, 4 lw) 12; space = asa->sa_len (4.3 sockaddr: 16) 2; m0 && !M_PKTHDR panic test (lw) 3; space += m0->m_pkthdr.len ([lw] charged) 2; control walk (none) 3; space > sbspace(sb) test (sb_hiwat - sb_cc, sb_mbmax - sb_mbcnt, min: [lw] x4 charged) 8; MGET(m, M_DONTWAIT, MT_SONAME) (mbuf.get), m == 0 test 2; m_len = asa->sa_len ([sw] charged) 1; bcopy(asa, mtod(m), sa_len) call (kcopy); n = control or m0, m->m_next = n ([sw] charged) 2; for (n = m; n; n = n->m_next) sballoc(sb, n) (sb_cc += m_len, sb_mbcnt += MSIZE: [lw] [sw] charged, M_EXT test) per mbuf 6 (sbappendaddr.walk); n = sb->sb_mb ([lw] charged), the walk of records to the last (nextpkt) 4; n->m_nextpkt = m or sb->sb_mb = m ([sw] charged) 2; return 1 2",
  },
  "sbappendaddr.mbuf": {
    instructions: 7,
    source:
      "ESTIMATE sbappendaddr's sballoc loop, per mbuf of the record: sb_cc += m_len, sb_mbcnt += MSIZE (the [lw] [sw] charged), M_EXT test (lw, andi, beqz), n = n->m_next ([lw] charged), loop test",
  },
  "sbappendaddr.record": {
    instructions: 5,
    source:
      "ESTIMATE sbappendaddr's walk to the last record, per record passed: while (n->m_nextpkt) ([lw] charged, beqz, nop), n = n->m_nextpkt (move), b",
  },
  "m-freem": {
    instructions: 8,
    source:
      "ESTIMATE uipc_mbuf.c 8.2 m_freem(m): call, prologue/epilogue (2 sw, 2 lw) 6; m == NULL test 2 (each mbuf: MFREE, mbuf.free)",
  },
  "sys.sendto": {
    instructions: 72,
    source:
      "ESTIMATE uipc_syscalls.c 8.4 sendto() → sendit(): sendto: msg.msg_name/namelen/iov/iovlen/control set-up (7 sw) 10, sendit call 3; sendit: call, prologue/epilogue (5 sw, 5 lw) 14; getsock(fdp, s, &fp) (getf) + f_type != DTYPE_SOCKET test (lw) 3; auio set-up (iov, iovcnt, segflg, rw, offset, resid: 6 sw) 8; the iov loop: iov_len < 0 and resid overflow tests 6; msg_name: sockargs(&to, name, namelen, MT_SONAME) call 4 (sys.sockargs); control 2; len = auio.uio_resid 1; sosend(so, to, &auio, 0, control, flags) call 6 (sosend); error and EPIPE tests 5; *retsize = len - auio.uio_resid 3; bad: m_freem(to) call (m_freem) 3; the 5th and 6th arguments copied in from the user stack by trap.c (copyin of 8 bytes: copy.call) 4",
  },
  "sys.sockargs": {
    instructions: 28,
    source:
      "ESTIMATE uipc_syscalls.c 8.4 sockargs(mp, buf, buflen, type): call, prologue/epilogue (3 sw, 3 lw) 10; buflen > MLEN test 3; m = m_get(M_WAIT, type) (mbuf.get) and NULL test 2; m_len = buflen ([sw] charged) 1; copyin(buf, mtod(m), buflen) call (copy.call) 4; *mp = m 1; the COMPAT_OLDSOCK sa_family fix-up (type == MT_SONAME, lhu, sb, sh) 5; return 2",
  },
  "udp.send": {
    instructions: 66,
    source:
      "ESTIMATE udp_usrreq.c 8.4 udp_usrreq(PRU_SEND): call, prologue/epilogue (5 sw, 5 lw) 14; inp = sotoinpcb(so) (lw) 1; PRU_CONTROL test 2; inp == 0 && req != PRU_ATTACH test 3; switch (req) (lw, sltiu, sll, lw, jr) 6; udp_output(inp, m, addr, control) call 5; then in udp_output: addr != 0: laddr = inp_laddr (lw) 1, inp_faddr != INADDR_ANY (EISCONN) test ([lw] charged) 2, s = splnet() (spl.call), in_pcbconnect(inp, addr) call 3 (in_pcbconnect); else inp_faddr == INADDR_ANY (ENOTCONN) test 3; after ip_output: in_pcbdisconnect(inp) (inp_faddr = 0, inp_fport = 0: [sw] charged; SS_NOFDREF test, lw) 5, inp_laddr = laddr ([sw] charged) 1, splx(s) (spl.call); release/return 8; + address set-ups 12",
  },
  "in-pcbconnect": {
    instructions: 84,
    source:
      "ESTIMATE in_pcb.c 8.2 in_pcbconnect(inp, nam): call, prologue/epilogue (4 sw, 4 lw) 12; nam->m_len != sizeof (*sin) test 3; sin_family != AF_INET test (lhu) 3; sin_port == 0 test (lhu) 2; in_ifaddr && INADDR_ANY/BROADCAST rewrite tests (lw) 6; inp_laddr == INADDR_ANY: the route (ro = &inp_route; ro->ro_rt && (ro_dst.sin_addr != sin_addr || SO_DONTROUTE) tests: rtfree/rtalloc skipped when cached) 14; ia = ifatoia(ro_rt->rt_ifa) (2 lw) 3, ia == 0 fallbacks 4; ifaddr = IA_SIN(ia) 2; in_pcblookup(inp->inp_head, sin_addr, sin_port, laddr or ifaddr, inp_lport, 0) call 6 (in_pcblookup); != 0: EADDRINUSE 2; inp_laddr == INADDR_ANY: inp_lport == 0 → in_pcbbind(inp, 0) call 3, inp_laddr = ifaddr->sin_addr ([sw] charged) 1; inp_faddr = sin_addr, inp_fport = sin_port ([sw] charged) 2; return 0 2; + address set-ups 9",
  },
  "in-pcbbind": {
    instructions: 58,
    source:
      "ESTIMATE in_pcb.c 8.2 in_pcbbind(inp, nam): call, prologue/epilogue (4 sw, 4 lw) 12; in_ifaddr == 0 test (lw) 2; inp_lport || inp_laddr != INADDR_ANY (EINVAL) test ([lw] charged) 4; SO_REUSEADDR/REUSEPORT tests (lh so_options) 4; nam: m_len, sin_family tests (lhu) 6, sin_addr != INADDR_ANY: ifa_ifwithaddr(nam) call and NULL test (the in_ifaddr walk: ipintr.ours) 4; lport = sin_port, lport < IPPORT_RESERVED && suser test 5; in_pcblookup(head, zeroin_addr, 0, sin_addr, lport, wildcard) call and test 6 (in_pcblookup); inp_laddr = sin_addr ([sw] charged) 1; lport == 0: the ephemeral loop (in_pcbbind.try) 2; inp_lport = lport ([sw] charged) 1; return 0 2; + address set-ups 9",
  },
  "in-pcbbind.try": {
    instructions: 14,
    source:
      "ESTIMATE in_pcbbind's ephemeral port loop, per port tried: head->inp_lport++ < IPPORT_RESERVED || > IPPORT_USERRESERVED wrap tests ([lw] [sw] charged) 6; lport = htons(head->inp_lport) 4; in_pcblookup(head, zeroin_addr, 0, inp_laddr, lport, 0) call 4 (in_pcblookup)",
  },
  "udp-output": {
    instructions: 70,
    source:
      "ESTIMATE udp_usrreq.c 8.4 udp_output(): len = m->m_pkthdr.len 1; M_PREPEND(m, sizeof (struct udpiphdr), M_DONTWAIT) (m_prepend) and m == 0 test 2; ui = mtod(m) 1; ui_next = ui_prev = 0, ui_x1 = 0, ui_pr = IPPROTO_UDP, ui_len = htons(sizeof udphdr + len), ui_src/ui_dst = inp_laddr/inp_faddr, ui_sport/ui_dport = inp_lport/inp_fport, ui_ulen = ui_len ([lw]/[sw] charged: the overlay's words and halfwords) 14 (with the htons 4); udpcksum test (lw) 2: ui_sum = 0, in_cksum(m, sizeof udpiphdr + len) call (in_cksum), ui_sum == 0 → 0xffff 6; ip_len = sizeof udpiphdr + len, ip_ttl = ip_defttl (lw), ip_tos = inp_ip.ip_tos (lbu) ([sw] charged) 6; udpstat.udps_opackets++ 3; ip_output(m, inp_options, &inp_route, so_options & (SO_DONTROUTE|SO_BROADCAST), inp_moptions) (3 lw, 5 argument set-ups, jal) 10; return 2; + address set-ups 21",
  },
  "m-prepend": {
    instructions: 10,
    source:
      "ESTIMATE mbuf.h 8.1 M_PREPEND(m, plen) with M_LEADINGSPACE(m) >= plen: M_LEADINGSPACE (m_flags & M_EXT, M_PKTHDR tests, m_data - m_pktdat: lw, andi x2, subu) 6; m_data -= plen, m_len += plen ([lw] [sw] charged) 2; M_PKTHDR: m_pkthdr.len += plen ([lw] [sw] charged) 2 (no room: m_prepend() allocates a new leading mbuf, m_prepend.new)",
  },
  "m-prepend.new": {
    instructions: 24,
    source:
      "ESTIMATE uipc_mbuf.c 8.2 m_prepend(): call, prologue/epilogue 8; MGET (mbuf.get) and NULL test 2; M_PKTHDR: M_COPY_PKTHDR (rcvif, len, flags: [lw]/[sw] charged) 4, m->m_flags &= ~M_PKTHDR 3; mn->m_next = m ([sw] charged) 1; len < MHLEN: MH_ALIGN(m, len) 4; m_len = len ([sw] charged) 1; return 1",
  },
  "ip-output": {
    instructions: 112,
    source:
      "ESTIMATE ip_output.c 8.3 ip_output(): call, prologue/epilogue (addiu, 8 sw, 8 lw, jr) 20; M_PKTHDR panic test (lw) 3; opt test 2; hlen = sizeof ip 1; !(flags & (IP_FORWARDING|IP_RAWOUTPUT)): ip_v = IPVERSION, ip_off &= IP_DF, ip_id = htons(ip_id++) (lw, addiu, sw), ip_hl = hlen >> 2 ([sb]/[sh] charged), ipstat.ips_localout++ 12; ro == 0 test 2; dst = (struct sockaddr_in *)&ro->ro_dst 1; ro->ro_rt && ((ro_rt->rt_flags & RTF_UP) == 0 || dst->sin_addr != ip_dst) test (3 lw, compares: the route cached in the pcb) 9; IP_ROUTETOIF test 2; ia = ifatoia(ro_rt->rt_ifa), ifp = ro_rt->rt_ifp, rt_use++ (3 lw, addiu, sw) 6; RTF_GATEWAY test (lw) 3; IN_MULTICAST(ip_dst) test 3; ip_src == INADDR_ANY fix 3; in_broadcast(dst) test (call: the in_ifaddr walk, 1 interface) 10; sendit: ip_len <= ifp->if_mtu test (lhu, lw) 4; ip_len = htons(ip_len), ip_off = htons(ip_off) ([lhu] [sh] charged) 8; ip_sum = 0, ip_sum = in_cksum(m, hlen) call ([sh] charged; in_cksum) 5; (*ifp->if_output)(ifp, m, dst, ro_rt) (lw, 4 argument set-ups, jalr, nop) 7; done: ro == &iproute rtfree test 3; return 2; + address set-ups 6",
  },
  "ether-output": {
    instructions: 84,
    source:
      "ESTIMATE if_ethersubr.c 8.1 ether_output(ifp, m0, dst, rt0): call, prologue/epilogue (addiu, 6 sw, 6 lw, jr) 16; (ifp->if_flags & (IFF_UP|IFF_RUNNING)) test (lw) 3; ifp->if_lastchange = time 4; rt = rt0, RTF_UP/RTF_GATEWAY/RTF_REJECT tests (3 lw) 9; switch (dst->sa_family) AF_INET 4: arpresolve(ac, rt, m, dst, edst) call 5 (arpresolve); M_BCAST && SIMPLEX test 3; type = ETHERTYPE_IP 1; M_PREPEND(m, sizeof ether_header) (m_prepend); eh = mtod(m) 1; type = htons(type), bcopy type into eh ([sh] charged) 4; bcopy(edst, eh->ether_dhost, 6), bcopy(ac_enaddr, eh->ether_shost, 6) (2 calls: their bytes charged) 8; s = splimp() (spl.call); IF_QFULL(&ifp->if_snd) test (2 lw) 3; IF_ENQUEUE(&ifp->if_snd, m) ([lw] [sw] charged) 5; (ifp->if_flags & IFF_OACTIVE) == 0 → (*ifp->if_start)(ifp) (lw, jalr, nop) 5 (lestart); splx(s) (spl.call); if_obytes += len + sizeof eh, M_MCAST test 5; return 2",
  },
  arpresolve: {
    instructions: 30,
    source:
      "ESTIMATE if_ether.c 8.1 arpresolve(ac, rt, m, dst, desten): call, prologue/epilogue (3 sw, 3 lw) 10; M_BCAST test 3; M_MCAST test 3; rt ? la = rt->rt_llinfo : arplookup 4 (here: the static table, arpresolve.entry); la && rt: sdl = SDL(rt->rt_gateway) 2; rt_expire == 0 || > time test 4; sdl_family == AF_LINK && sdl_alen != 0: bcopy(LLADDR(sdl), desten, sdl_alen) (its bytes charged) 3; return 1 1",
  },
  "arpresolve.entry": {
    instructions: 6,
    source:
      "ESTIMATE the link-layer entry looked up, per static ARP entry examined (here a table; 4.4BSD keeps it on the route: one lookup): [lw ip] compare, beq, addiu, bne",
  },
  lestart: {
    instructions: 46,
    source:
      "ESTIMATE if_le.c 8.1 lestart(ifp): call, prologue/epilogue (4 sw, 4 lw) 12; IFF_RUNNING test (lw) 3; tmd = &ler_tmd[sc_tmd], the OWN test of the next descriptor (the card's transmit room) 5; IF_DEQUEUE(&ifp->if_snd, m) ([lw] [sw] charged) 5; m == 0 test 2; len = leput(sc, buffer, m) call 4 (lestart.mbuf per mbuf: copytobuf and MFREE); tmd->tmd_bcnt = -len, tmd flags = OWN|STP|ENP (device: the transmit command, charged) 4; csr0 = TDMD|INEA (charged with the transmit) 2; sc_tmd = (sc_tmd + 1) & TMASK, the ring-full test → IFF_OACTIVE 6; loop 3",
  },
  "lestart.mbuf": {
    instructions: 14,
    source:
      "ESTIMATE if_le.c 8.1 leput(sc, buf, m), per mbuf: len = m_len ([lw] charged), len == 0 test 3; copytobuf(mtod(m), buf, len) call 4 (the copy: kcopy); buf += len, tlen += len 2; MFREE(m, mp) (mbuf.free) call 2; m = mp 1; loop 2",
  },
  letint: {
    instructions: 30,
    source:
      "ESTIMATE if_le.c 8.1 letint(unit): call, prologue/epilogue (3 sw, 3 lw) 10; sc_tmd/sc_txcnt tests 4; per completed descriptor: OWN test, ERR test (device, charged with the status read) 4; if_opackets++ (lw, addiu, sw) 3; ifp->if_flags &= ~IFF_OACTIVE (lw, and, sw) 3; lestart(ifp) call 3 (lestart); return 3",
  },
  "sys.socket": {
    instructions: 190,
    source:
      "ESTIMATE uipc_syscalls.c 8.4 socket() 20 (falloc: fd.scan, falloc.scan; fp fields: f_flag, f_type = DTYPE_SOCKET, f_ops, f_data: [sw] charged) → uipc_socket.c 8.1 socreate() 60 (pffindproto: the inetsw scan for (type, protocol) 16; MALLOC(so) with malloc's statistics 30 — as mbuf.get's malloc; bzero(so) of 136 bytes 10; so_options, so_state, so_type, so_proto 4) → udp_usrreq(PRU_ATTACH) 110: inp != 0 (EINVAL) test 3; s = splnet(); in_pcballoc(so, &udb): MALLOC(inp) 30, bzero(inp) 10, inp_head, insque(inp, head) 8 (the udb link: [lw]/[sw] charged), so_pcb 2 12; splx 4; soreserve(so, udp_sendspace, udp_recvspace): sbreserve x2 (hiwat, mbmax, lowat: [sw] charged) 24; ((struct inpcb *)so_pcb)->inp_ip.ip_ttl = ip_defttl 3; return 4",
  },
  "sys.bind": {
    instructions: 44,
    source:
      "ESTIMATE uipc_syscalls.c 8.4 bind(): getsock (getf) + DTYPE_SOCKET test 4; sockargs(&nam, name, namelen, MT_SONAME) call 4 (sys.sockargs); sobind(so, nam) → s = splnet(), udp_usrreq(PRU_BIND) (the usrreq prologue and switch 24) → in_pcbbind (in_pcbbind), splx 12; m_freem(nam) call 3 (m_freem)",
  },
  "sys.connect": {
    instructions: 70,
    source:
      "ESTIMATE uipc_syscalls.c 8.4 connect(): getsock (getf) + DTYPE_SOCKET test 4; SS_NBIO && SS_ISCONNECTING test 3; sockargs (sys.sockargs) 4; soconnect(so, nam): SO_ACCEPTCONN test 3, s = splnet(), SS_ISCONNECTED|SS_ISCONNECTING and PR_CONNREQUIRED tests, sodisconnect test 8, udp_usrreq(PRU_CONNECT) (prologue and switch 24): inp_faddr != INADDR_ANY (EISCONN) test 3, s = splnet(), in_pcbconnect (in_pcbconnect), splx, soisconnected(so) (so_state &= ~(..), |= SS_ISCONNECTED ([sw] charged), wakeup(&so_timeo), sorwakeup, sowwakeup calls 12); splx 2; connect(): SS_NBIO test, while SS_ISCONNECTING tsleep (not taken) 4; so_error test 3; m_freem(nam) call 3 (m_freem)",
  },
  "sys.recvfrom": {
    instructions: 76,
    source:
      "ESTIMATE uipc_syscalls.c 8.4 recvfrom(): fromlenaddr: copyin(&fromlen) (its copy.call and the loads) 5; msg set-up (7 sw) 8; recvit(p, s, &msg, fromlenaddr, retsize) call 3: call, prologue/epilogue (5 sw, 5 lw) 14; getsock (getf) + DTYPE_SOCKET test 4; auio set-up 8; the iov loop's tests 6; soreceive(so, &from, &auio, 0, controlp, &flags) call 6 (soreceive); len -= auio.uio_resid, *retsize 4; mp->msg_name: len = msg_namelen, len <= 0 || from == 0 → 0 tests 4; len > from->m_len clip (lw) 3; the COMPAT_OLDSOCK sa_family fix-up (lhu, sh) 3; copyout(mtod(from), msg_name, len) call (copy.call) 4; msg_namelen = len, fromlenaddr: copyout(&len, namelenp) (copy.call) 4; out: m_freem(from) call (m_freem) 3",
  },
  "soreceive.addr": {
    instructions: 22,
    source:
      "ESTIMATE uipc_socket.c 8.1 soreceive(), the PR_ADDR record's MT_SONAME mbuf: m_type != MT_SONAME panic test (lw) 3; orig_resid = 0 1; MSG_PEEK test 2; else: sbfree(&so_rcv, m) (sb_cc -= m_len, sb_mbcnt -= MSIZE: [lw] [sw] charged) 6; paddr: *paddr = m, so_rcv.sb_mb = m->m_next ([lw] [sw] charged), m->m_next = 0 ([sw] charged) 6; m = so_rcv.sb_mb 1; the atomic record's trailing-data drop test (MSG_TRUNC) 3",
  },
  soclose: {
    instructions: 130,
    source:
      "ESTIMATE uipc_socket.c 8.1 soclose(so) 30 (s = splnet(), SO_ACCEPTCONN test, so_pcb == 0 test, SS_ISCONNECTED → sodisconnect tests, drop: udp_usrreq(PRU_DETACH)) → udp_detach: in_pcbdetach(inp) 50 (so_pcb = 0, sofree(so) → sbrelease(&so_snd), sorflush(so): sblock, socantrcvmore, sbrelease(asb): sbflush (m_freem of every record: mbuf.free each), ip_freemoptions, inp_route.ro_rt test, remque(inp) (the udb link: [lw]/[sw] charged), FREE(inp) as mbuf.free's free()) → FREE(so) 30; splx 4; closef's soo_close 16",
  },
  "sys.pipe": { instructions: 30, source: "pipe(): falloc x2, pipe header init, u_ofile, copyout" },
  "falloc.scan": { instructions: 4, source: "per slot examined: [lw], test, addiu, bne" },
  "sys.close": {
    instructions: 14,
    source: "close()/closef(): [lw u_ofile] clear, f_count--, last-close test",
  },
  "pipe.close": {
    instructions: 12,
    source: "pipe end close: readers/writers--, wakeups, free test",
  },
  // ---- shm -------------------------------------------------------------------------------
  "sys.shmget": {
    instructions: 24,
    loads: 2,
    stores: 2,
    source: "shmget(): prologue/epilogue 6, key search set-up 4, size tests 6, slot fields 8",
  },
  "sys.shmat": {
    instructions: 26,
    loads: 2,
    stores: 2,
    source:
      "shmat(): prologue/epilogue 6, id decode 4, attach slot search 4, address choice 6, mapping set-up 6",
  },
  "shm.page": {
    instructions: 6,
    source: "per page mapped or unmapped: pte address, [lw frame], build pte 2, [sw pte], loop",
  },
  "sys.shmdt": {
    instructions: 18,
    loads: 2,
    stores: 2,
    source: "shmdt(): prologue/epilogue 6, attach search 6, nattch/removal 6",
  },
  "sys.shmctl": {
    instructions: 14,
    loads: 2,
    stores: 2,
    source: "shmctl(IPC_RMID): prologue/epilogue 6, id decode 4, flags 4",
  },
  // ---- disk driver, buffer cache, file system (issue 14) ---------------------------------
  // Estimates (marked so): counted from the structure of the 4.4BSD routines named, as the
  // other C paths of this file, without single-stepping the compiled code; allow ±25 %.
  "rz.strategy": {
    instructions: 30,
    source:
      "estimate, 4.4BSD pmax rz.c 8.1 rzstrategy: prologue/epilogue 6, partition bounds check 8, b_resid/b_actf 4, queue append 6, active test and rzstart call 6",
  },
  "rz.start": {
    instructions: 60,
    source:
      "estimate, 4.4BSD pmax rz.c 8.1 rzstart + scsi glue: prologue/epilogue 6, SCSI READ(10)/WRITE(10) command block built (10 bytes) 24, DMA address and length 10, controller go call 20 (the register writes themselves are the device's uncached accesses)",
  },
  "rz.intr": {
    instructions: 50,
    source:
      "estimate, 4.4BSD pmax rz.c 8.1 rzdone + the controller's interrupt routine: prologue/epilogue 8, status decode and sense test 14, b_resid and error 6, dequeue 8, biodone call 4, next command test 10",
  },
  "intr.disk": {
    instructions: 8,
    source: "interrupt(): the disk line's test and the call of its handler (as the clock's)",
  },
  "bio.getblk": {
    instructions: 36,
    source:
      "estimate, 4.4BSD vfs_bio.c 8.6 getblk: prologue/epilogue 8, incore call and bucket hash 8, B_BUSY test 4, bremfree call and B_BUSY set 8, b_vp/tag 4, loop 4",
  },
  "bio.hash.step": {
    instructions: 5,
    source:
      "per buffer on a hash chain (incore/bremhash): [lw b_blkno], compare, [lw b_hash next], bnez, nop",
  },
  "bio.getnewbuf": {
    instructions: 40,
    source:
      "estimate, 4.4BSD vfs_bio.c 8.6 getnewbuf: prologue/epilogue 8, free-queue choice 6, B_DELWRI test 4, bremhash/binshash calls 8, flags, b_dev, b_blkno, b_bcount, b_resid init 14",
  },
  "bio.freelist": {
    instructions: 6,
    source:
      "bremfree / binstailfree: the TAILQ link and unlink arithmetic around its loads and stores",
  },
  "bio.bread": {
    instructions: 22,
    source:
      "estimate, 4.4BSD vfs_bio.c 8.6 bread: prologue/epilogue 6, getblk call 4, B_CACHE test 3, B_READ set and b_rcred 4, VOP_STRATEGY call 5",
  },
  "bio.biowait": {
    instructions: 10,
    source:
      "estimate, 4.4BSD vfs_bio.c 8.6 biowait: splbio, B_DONE test, tsleep call (tsleep's own is sleep)",
  },
  "bio.brelse": {
    instructions: 36,
    source:
      "estimate, 4.4BSD vfs_bio.c 8.6 brelse: prologue/epilogue 8, B_WANTED and needbuffer tests and wakeup calls 8, queue choice (B_INVAL/B_AGE/B_LOCKED) 8, binstailfree call 4, flags clear 4, splx 4",
  },
  "bio.bwrite": {
    instructions: 34,
    source:
      "estimate, 4.4BSD vfs_bio.c 8.6 bwrite (async: bawrite): prologue/epilogue 8, flags (B_DONE, B_ERROR, B_DELWRI) 8, reassignbuf call 8, VOP_STRATEGY call 6, async test 4",
  },
  "bio.bdwrite": {
    instructions: 20,
    source:
      "estimate, 4.4BSD vfs_bio.c 8.6 bdwrite: prologue/epilogue 6, B_DELWRI test and set, reassignbuf 8, brelse call 6",
  },
  "bio.biodone": {
    instructions: 24,
    source:
      "estimate, 4.4BSD vfs_bio.c 8.6 biodone: prologue/epilogue 6, B_DONE set 4, write accounting (vwakeup) 6, B_CALL/B_ASYNC tests 8",
  },
  "ufs.rw": {
    instructions: 60,
    source:
      "estimate, 4.4BSD vn_read/vn_write (vfs_vnops.c 8.1) + ufs_read/ufs_write (ufs_readwrite.c 8.7) entry: uio set-up 12, VOP_LOCK/UNLOCK 12, mode and size checks 14, IO_APPEND and offset 10, prologue/epilogue 12",
  },
  "ufs.rw.block": {
    instructions: 40,
    source:
      "estimate, ufs_readwrite.c 8.7, per block: lblkno, blkoff, xfersize (min of three) 14, bytesinfile test 6, VOP_BMAP / VOP_BALLOC call 8, uiomove call 6, loop 6",
  },
  "ufs.bmap": {
    instructions: 24,
    source:
      "estimate, ufs_bmap.c 8.6 ufs_bmaparray, direct block: prologue/epilogue 8, bounds 6, i_db[lbn] 4, result 6",
  },
  "ufs.bmap.indir": {
    instructions: 30,
    source:
      "estimate, ufs_bmap.c 8.6 ufs_getlbns + the indirect level: index arithmetic 12, bread call 6, the entry 4, brelse call 8",
  },
  "ufs.balloc": {
    instructions: 50,
    source:
      "estimate, ffs_balloc.c 8.4 (direct/indirect case) + a bitmap allocator in place of ffs_alloc's cylinder groups: prologue/epilogue 10, cases 14, getblk call 6, i_db/indirect update 8, bdwrite/clrbuf calls 12",
  },
  "ufs.balloc.scan": {
    instructions: 5,
    source: "per bitmap word scanned for a zero bit: [lw], compare with ~0, bne, addiu, loop",
  },
  "ufs.bfree": {
    instructions: 12,
    source:
      "per block freed (ffs_blkfree reduced to a bitmap): word index, bit, [lw], or/and, [sw], incore test",
  },
  "ufs.ialloc": {
    instructions: 40,
    source:
      "estimate, ffs_valloc/ffs_nodealloccg reduced to an inode table scan: prologue/epilogue 10, set-up 10, inode init 20",
  },
  "ufs.ialloc.scan": {
    instructions: 4,
    source: "per inode examined for a free one: [lw i_mode], beqz, addiu, loop",
  },
  namei: {
    instructions: 70,
    source:
      "estimate, 4.4BSD vfs_lookup.c 8.6 namei + lookup: prologue/epilogue 12, pathname buffer (copyinstr call) 10, root and cwd references 10, the component loop set-up 14, vrele/vput 24",
  },
  "namei.component": {
    instructions: 40,
    source:
      "estimate, lookup() per component: length and hash 14 (plus copyinstr's per byte), ISDOTDOT tests 8, VOP_LOOKUP call 10, loop 8",
  },
  "copyinstr.byte": {
    instructions: 4,
    source:
      "copyinstr per byte: [lbu], [sb], bnez, addiu (the pathname copied into the kernel's buffer)",
  },
  "ufs.lookup.entry": {
    instructions: 10,
    source:
      "ufs_lookup per directory entry: d_ino test, namlen compare, then the name compared a word at a time (its loads charged)",
  },
  "ufs.direnter": {
    instructions: 40,
    source:
      "estimate, ufs_direnter: prologue/epilogue 10, entry built (ino, name copied) 20, size update 10",
  },
  "ufs.dirremove": {
    instructions: 24,
    source: "estimate, ufs_dirremove: prologue/epilogue 8, entry cleared 8, bdwrite call 8",
  },
  "ufs.itrunc": {
    instructions: 40,
    source:
      "estimate, ufs_truncate (ffs_truncate 8.4) to 0: prologue/epilogue 10, size and block pointers cleared 18, indirect level 12 (per block: ufs.bfree)",
  },
  "sys.open": {
    instructions: 40,
    source:
      "estimate, vfs_syscalls.c 8.x open + vn_open: prologue/epilogue 10, falloc 10, flag conversion (FFLAGS) 6, vn_open's mode checks 14",
  },
  "sys.lseek": {
    instructions: 24,
    source:
      "estimate, vfs_syscalls.c lseek: getf, DTYPE_VNODE test, whence switch 8, new offset checks 8, prologue/epilogue 8",
  },
  "sys.fsync": {
    instructions: 30,
    source:
      "estimate, vfs_syscalls.c fsync + ffs_fsync: getvnode, VOP_LOCK, the dirty-buffer loop set-up, VOP_UPDATE call",
  },
  "fsync.scan": {
    instructions: 5,
    source:
      "per buffer header examined by fsync (not 4.4BSD, which walks the vnode's dirty list): [lw b_ino], compare, [lw flags], test, loop",
  },
  "sys.mkdir": {
    instructions: 40,
    source:
      "estimate, vfs_syscalls.c mkdir + ufs_mkdir: prologue/epilogue 10, vattr 10, the new directory's inode 20",
  },
  "sys.unlink": {
    instructions: 40,
    source:
      "estimate, vfs_syscalls.c unlink + ufs_remove: prologue/epilogue 10, the checks (directory, busy) 14, nlink and vput 16",
  },
  "pt.alloc": {
    instructions: 10,
    source:
      "page-table page allocation: root entry build 3, [sw root], kseg2 invalidation call 3, loop 4",
  },
});

export type CostLabel = keyof typeof COSTS;
