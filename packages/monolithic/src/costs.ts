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
    category: L,
    source:
      "resume: two wired u-area entries, each: lw pte (from proc entry, built: or) + mtc0 index, mtc0 entryhi, mtc0 entrylo; [tlbwi]",
  },
  // ---- exception entry and exit (Ultrix locore) ----------------------------------------
  "exc.vector": {
    instructions: 4,
    category: T,
    source: "general vector: mfc0 k1,cause; andi k1,EXCMASK; [lw k0,causejmp(k1)]; j k0; nop",
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
  "ast.trap": {
    instructions: 13,
    category: T,
    source: "trap() for an AST: prologue 4, decode cause 2, user-mode test 3, switch jump 4",
  },
  // ---- system calls -------------------------------------------------------------------
  "syscall.decode": {
    instructions: 12,
    category: Category.Kernel,
    source:
      "syscall(): prologue 4 (addiu sp, sw ra/s0/s1), u.u_ar0=regs 1, [lw code], bounds 2, &sysent[code] 3, [lw narg], loop set-up 2",
  },
  "syscall.arg": {
    instructions: 4,
    source: "per argument: [lw regs[A0+i]]; [sw u_arg[i]]; addiu; addiu; bne; nop",
  },
  "syscall.call": {
    instructions: 3,
    source:
      "[sw u_error=0] [sw r_val1=0] [lw regs[V1]] [sw r_val2]; [lw sy_call]; move a0,uap; jalr; nop",
  },
  "syscall.result": {
    instructions: 3,
    source:
      "success (the body's [sw r_val1], then syscall()): [lw u_error] beqz + delay slot 2; [lw r_val1] [sw regs[V0]] [lw r_val2] [sw regs[V1]] [sw regs[A3]=0]; EPC+=4: [lw] addiu [sw] 1",
  },
  "syscall.error": {
    instructions: 3,
    source:
      "error (the body's [sw u_error], then syscall()): [lw u_error] beqz, li t0,1 in its delay slot 2; [sw regs[V0]] [sw regs[A3]]; EPC+=4: [lw] addiu [sw] 1",
  },
  "syscall.nosys": { instructions: 3, source: "nosys(): return ENOSYS" },
  userret: {
    instructions: 17,
    source:
      "p_pri=p_usrpri 2; ISSIG test on [p_sig] [p_sigmask] 4; [lw runrun] beqz 2; profiling test 2; curpri= 1; epilogue 6 (lw ra/s0/s1, addiu, jr, nop)",
  },
  "trap.decode": {
    instructions: 13,
    source:
      "trap(): prologue 4, type=(cause&EXCMASK)>>2 2, USERMODE(sr) test 3, switch jump table 4",
  },
  "trap.onfault": {
    instructions: 7,
    source:
      "4.3BSD trap() on a kernel-mode fault vm_fault could not resolve: lw u.u_pcb.pcb_onfault, beqz (set: no panic), store it as the frame's pc 2; copyerr (locore): li v0,EFAULT, sw zero to pcb_onfault, j ra",
  },
  // ---- system-call bodies ---------------------------------------------------------------
  "sys.getpid": {
    instructions: 2,
    source:
      "getpid(): [lw curproc] [lw p_pid] [sw r_val1] (the dispatcher's store of the returned value) [lw p_ppid] [sw r_val2]; jr ra; nop",
  },
  "sys.mprotect": {
    instructions: 18,
    source:
      "mprotect(): prologue/epilogue 6, page-align test 3, length round-up 3, end overflow test 2, prot decode 4",
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
    source: "sbrk(): prologue/epilogue 6, new break 2, limit tests 4, page rounding 4",
  },
  "sys.fork": {
    instructions: 40,
    source:
      "fork1()/newproc(): prologue 6, proc slot search set-up 6, pid 4, proc fields copy 16, setrq call 4, rval 4",
  },
  "fork.page": {
    instructions: 12,
    source: "vmdup per page: pte address, test, memall call, bcopy call, new pte build, loop",
  },
  "sys.exit": {
    instructions: 30,
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
  "sys.wait": { instructions: 14, source: "wait1(): prologue/epilogue 6, loop set-up 4, result 4" },
  "wait.scan": {
    instructions: 5,
    source: "per proc entry: [lw p_pptr/p_ppid] compare, [lw p_stat] compare, next",
  },
  "sys.kill": {
    instructions: 12,
    source: "kill(): prologue/epilogue 6, signal range 2, pfind call 4",
  },
  "pfind.entry": { instructions: 4, source: "per proc entry: [lw p_pid], compare, bne, next" },
  "vm.memall": {
    instructions: 20,
    source: "memall/memfree of one frame: cmap free-list unlink/link and entry fields",
  },
  "copy.call": {
    instructions: 12,
    source:
      "copyin/copyout/bcopy: call, u_onfault set and clear, alignment tests, loop set-up, return",
  },
  "copy.loop": {
    instructions: 2,
    source: "bcopy/bzero unrolled 4 words per iteration: addiu, bne per 16 bytes",
  },
  useracc: {
    instructions: 8,
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
      "pagein()/vm_fault entry: vpn 1, user-space bound 2, pte address 3, [lw pte], allocated test 3, protection test 3",
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
    source:
      "Ultrix fixade(): fetch the instruction at EPC (address/lw 3), decode op/rt/base/offset (10), effective address from the saved base (4), per-byte access loop set-up (5), merge bytes (shifts/ors 10), write rt in the frame and EPC+=4 (8)",
  },
  "cpfault.fp": {
    instructions: 8,
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
    instructions: 22,
    source:
      "sendsig(): prologue/epilogue 6, scp=(sp-sizeof)&~7 3, fields (onstack, mask, pc, ownedfp, mdhi/lo, cause, badvaddr) 7, frame set-up for the handler (a0..a3, sp, EPC) 6",
  },
  "sendsig.reg": {
    instructions: 3,
    source:
      "per register slot 0..31 of the frame into sc_regs (the frame's register area copied whole, sc_regs[0] written 0): [lw frame] [sw user]; addiu; addiu; bne",
  },
  "sys.sigreturn": {
    instructions: 18,
    source:
      "sigreturn(): prologue/epilogue 6, scp alignment 2, mask & ~cantmask 3, pc/hi/lo/mask restore 5, EJUSTRETURN (li; [sw u_error]; syscall()'s [lw u_error] and beq) 2",
  },
  "sigreturn.reg": {
    instructions: 3,
    source:
      "per register 1..31 from sc_regs into the frame (k0/k1 slots included: the exit path never reloads them): [lw user] [sw frame]; addiu; addiu; bne",
  },
  "sys.sigaction": {
    instructions: 20,
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
    instructions: 16,
    source:
      "sleep(): splhigh 3, [sw p_wchan], p_pri 1, hash 3, [lw slpque] [sw p_link] [sw slpque], [sw p_stat], p_slptime 1, PCATCH issig test 4, call swtch 2, spl 2",
  },
  "sleep.resume": {
    instructions: 8,
    source: "sleep() after swtch returns: splx 2, PCATCH issig on [p_sig] [p_sigmask] 3, return 3",
  },
  wakeup: {
    instructions: 10,
    source: "wakeup(): splhigh 3, hash 3, [lw slpque], loop set-up 2, splx 2",
  },
  "wakeup.scan": {
    instructions: 4,
    source: "per sleeping proc in the bucket: [lw p_wchan], bne, [lw p_link], next",
  },
  "wakeup.match": {
    instructions: 8,
    source:
      "match: unlink [sw], [sw p_wchan=0], p_slptime, [sw p_stat=SRUN], setrq call 2, p_pri<curpri test 3",
  },
  setrq: {
    instructions: 6,
    source: "setrq(): queue from p_pri 3, [lw tail] [sw links] [sw tail], whichqs bit 3",
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
      "resume(): mtc0 entryhi (new ASID) 3, PTEBase into Context (sll, or, mtc0) 3, return 2 (PCB loads, mtc0 SR charged)",
  },
  "swtch.idle": {
    instructions: 4,
    source: "idle loop iteration of swtch: spl0, test whichqs, branch",
  },
  // ---- clock -------------------------------------------------------------------------------
  "intr.dispatch": {
    instructions: 16,
    source: "interrupt(): prologue 4, cause & SR & IM 3, highest pending line 5, handler table 4",
  },
  hardclock: {
    instructions: 15,
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
    source:
      "read()/write(): uio and iovec set-up 12, len<0 test 2, fo_rw dispatch 3, residual to rval 3",
  },
  "pipe.read": {
    instructions: 20,
    source:
      "pipe receive: [lw count] empty test 2, EOF test on [lw writers] 2, min 3, ring wrap 4, copy call 3, [sw rpos] [sw count] 4, [lw state] WANTW test 2",
  },
  "pipe.write": {
    instructions: 22,
    source:
      "pipe send: [lw readers] test 2, [lw count] space 3, atomicity test 3, ring wrap 4, copy call 3, [sw wpos] [sw count] 4, [lw state] WANTR test 2, loop 1",
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
    source: "shmget(): prologue/epilogue 6, key search set-up 4, size tests 6, slot fields 8",
  },
  "sys.shmat": {
    instructions: 26,
    source:
      "shmat(): prologue/epilogue 6, id decode 4, attach slot search 4, address choice 6, mapping set-up 6",
  },
  "shm.page": {
    instructions: 6,
    source: "per page mapped or unmapped: pte address, [lw frame], build pte 2, [sw pte], loop",
  },
  "sys.shmdt": {
    instructions: 18,
    source: "shmdt(): prologue/epilogue 6, attach search 6, nattch/removal 6",
  },
  "sys.shmctl": {
    instructions: 14,
    source: "shmctl(IPC_RMID): prologue/epilogue 6, id decode 4, flags 4",
  },
  "pt.alloc": {
    instructions: 10,
    source:
      "page-table page allocation: root entry build 3, [sw root], kseg2 invalidation call 3, loop 4",
  },
});

export type CostLabel = keyof typeof COSTS;
