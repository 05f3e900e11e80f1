/**
 * A small deterministic kernel and workload on the bare machine, shared by the demo
 * (bench/demo.ts) and by the determinism and fast-index tests. It exercises every
 * mechanism at once: several contexts in their own address spaces, a page table in
 * physical memory read and written through kseg0 (charged), TLB refills with seeded random
 * replacement, Mod faults on first store, syscalls, a periodic timer whose interrupt asks for
 * a switch, safepoints, and a round-robin dispatcher that saves and restores registers
 * through charged stores and loads.
 *
 * The instruction counts below are the demo kernel's own, not any real kernel's: this file
 * measures nothing; it only drives the machine.
 */
import {
  CALLEE_SAVED,
  Category,
  type Cpu,
  defineCosts,
  ExcCode,
  type ExecutionContext,
  entryHi,
  entryLo,
  KSEG0,
  Machine,
  type MachineProfile,
  Resolution,
  SeededRandom,
  SR_KERNEL_IE,
  safepoint,
  type Thread,
  TLB_D,
  TLB_V,
} from "../src/privileged.js";

export interface WorkloadOptions {
  /** Machine seed: drives the TLB's random replacement. */
  seed?: number;
  /** Seed of the workload's own choices (addresses, loads vs stores), fixed by default. */
  workloadSeed?: number;
  trace?: boolean;
  fastTlbIndex?: boolean;
  /** A profile (name or object); default the default profile. */
  profile?: string | MachineProfile;
  /** Address spaces, one context each. */
  contexts?: number;
  /** Memory references per context. */
  accesses?: number;
  /** Pages each address space touches (more than the TLB holds, so it refills). */
  pagesPerSpace?: number;
  timerPeriodCycles?: number;
}

export interface WorkloadResult {
  machine: Machine;
  refills: number;
  mods: number;
  syscalls: number;
  interrupts: number;
  switches: number;
  /** Slots chosen by tlbWriteRandom, in order. */
  randomSlots: number[];
  /** Sum of every value the contexts loaded (checks that data survived every switch). */
  checksum: number;
  framesAllocated: number;
}

/** Demo kernel path lengths (instructions), counted from the steps each handler does. */
const DEMO_COSTS = defineCosts({
  "demo.refill": {
    instructions: 8,
    source: "compute the PTE address (4), branch on empty (1), build EntryHi/Lo (3)",
  },
  "demo.allocate": { instructions: 6, source: "bump the free-frame pointer and build the PTE" },
  "demo.mod": {
    instructions: 10,
    source: "PTE address (4), set D (2), probe/rewrite set-up (4)",
  },
  "demo.syscall": { instructions: 12, source: "decode, dispatch, return value" },
  "demo.tick": { instructions: 5, source: "acknowledge and set the switch flag" },
  "demo.dispatch": {
    instructions: 18,
    category: Category.Kernel,
    source: "pick the next context and switch ASID",
  },
  "demo.compute": {
    instructions: 1,
    source: "one instruction of the application's work: 3 to 7 per step (the seeded generator)",
  },
});

const PT_BASE = 0x10000; // physical: page tables, 64 KiB per address space (16 Ki PTEs)
const PT_BYTES_PER_SPACE = 0x10000;
const SAVE_BASE = 0x8000; // physical: register save areas, 256 bytes per context
const FIRST_FREE_FRAME = 0x100; // frames below hold the kernel's tables

/** Runs the workload to completion and returns what happened. */
export function runWorkload(opts: WorkloadOptions = {}): WorkloadResult {
  const contexts = opts.contexts ?? 3;
  const accesses = opts.accesses ?? 3000;
  const pages = opts.pagesPerSpace ?? 40;
  const m = new Machine({
    ...(opts.profile === undefined ? {} : { profile: opts.profile }),
    seed: opts.seed ?? 1,
    trace: opts.trace ?? false,
    fastTlbIndex: opts.fastTlbIndex ?? true,
    memoryBytes: 16 * 1024 * 1024,
  });
  const r: WorkloadResult = {
    machine: m,
    refills: 0,
    mods: 0,
    syscalls: 0,
    interrupts: 0,
    switches: 0,
    randomSlots: [],
    checksum: 0,
    framesAllocated: 0,
  };
  let nextFrame = FIRST_FREE_FRAME;
  const pteVa = (asid: number, vpn: number) =>
    KSEG0 + PT_BASE + (asid - 1) * PT_BYTES_PER_SPACE + (vpn & 0x3fff) * 4;

  // UTLB refill: load the PTE (allocating a clean frame on first touch), then tlbwr.
  m.setRefillHandler((cpu: Cpu) => {
    r.refills++;
    const vpn = cpu.badVaddr >>> 12;
    const pa = pteVa(cpu.asid, vpn);
    cpu.exec(DEMO_COSTS["demo.refill"]);
    let pte = cpu.load32(pa);
    if (pte === 0) {
      cpu.exec(DEMO_COSTS["demo.allocate"]);
      pte = entryLo(nextFrame++, TLB_V);
      r.framesAllocated++;
      cpu.store32(pa, pte);
    }
    r.randomSlots.push(cpu.tlbWriteRandom(entryHi(vpn, cpu.asid), pte));
    cpu.rfe();
    return Resolution.Retry;
  });
  // Mod: first store to a page: mark it dirty in the PTE and in the TLB entry.
  m.setExceptionHandler(ExcCode.Mod, (cpu: Cpu) => {
    r.mods++;
    const vpn = cpu.badVaddr >>> 12;
    const pa = pteVa(cpu.asid, vpn);
    cpu.exec(DEMO_COSTS["demo.mod"]);
    const pte = (cpu.load32(pa) | TLB_D) >>> 0;
    cpu.store32(pa, pte);
    const i = cpu.tlbProbe(vpn, cpu.asid);
    cpu.tlbWriteIndexed(i, entryHi(vpn, cpu.asid), pte);
    cpu.rfe();
    return Resolution.Retry;
  });
  m.setExceptionHandler(ExcCode.Sys, (cpu: Cpu) => {
    r.syscalls++;
    cpu.exec(DEMO_COSTS["demo.syscall"]);
    cpu.setReg(2, cpu.reg(4) + 1); // v0 = a0 + 1
    cpu.rfe();
    return Resolution.Retry;
  });
  m.setExceptionHandler(ExcCode.Int, (cpu: Cpu) => {
    r.interrupts++;
    m.timer.acknowledge();
    cpu.exec(DEMO_COSTS["demo.tick"]);
    m.requestSwitch();
    cpu.rfe();
    return Resolution.Retry;
  });

  const rng = new SeededRandom(opts.workloadSeed ?? 0x5eed);
  function* app(index: number): Thread {
    const cpu = m.cpu;
    const mine = new Map<number, number>();
    for (let i = 0; i < accesses; i++) {
      const page = rng.below(pages);
      const va = 0x400000 + page * 4096 + rng.below(1024) * 4;
      if (rng.below(3) === 0) {
        const v = (index * 1_000_003 + i) >>> 0;
        cpu.store32(va, v);
        mine.set(va, v);
      } else {
        const v = cpu.load32(va);
        const expected = mine.get(va) ?? 0;
        if (v !== expected)
          throw new Error(`context ${index} read ${v} at ${va}, wrote ${expected}`);
        r.checksum = (r.checksum + v) >>> 0;
      }
      cpu.exec(DEMO_COSTS["demo.compute"], 3 + rng.below(5));
      if (i % 97 === 0) {
        cpu.setReg(4, i);
        cpu.syscall();
        if (cpu.reg(2) !== i + 1) throw new Error("syscall result lost");
      }
      yield* safepoint(cpu);
    }
  }

  const owners: number[] = [];
  const ctxs: ExecutionContext[] = [];
  for (let i = 0; i < contexts; i++) {
    owners.push(m.registerOwner(2, i + 1, `app${i + 1}`));
    const ctx = m.createContext(`app${i + 1}`, owners[i]!, app(i));
    ctx.tag = i + 1; // its ASID
    ctxs.push(ctx);
  }

  // Round robin, as a kernel: save the outgoing registers, restore the incoming, switch ASID.
  let last: ExecutionContext | null = null;
  let turn = 0;
  const dispatcher = {
    pickNext(): ExecutionContext | null {
      const live = ctxs.filter((c) => !c.finished);
      if (live.length === 0) return null;
      const next = live[turn++ % live.length]!;
      if (next === last) return next;
      const cpu = m.cpu;
      cpu.status = SR_KERNEL_IE;
      const prevOwner = cpu.setOwner(0);
      cpu.exec(DEMO_COSTS["demo.dispatch"]);
      if (last !== null && !last.finished) {
        const area = KSEG0 + SAVE_BASE + (last.tag as number) * 256;
        for (const reg of CALLEE_SAVED) cpu.storeReg(area + reg * 4, reg);
      }
      const area = KSEG0 + SAVE_BASE + (next.tag as number) * 256;
      for (const reg of CALLEE_SAVED) cpu.loadReg(area + reg * 4, reg);
      cpu.setAsid(next.tag as number);
      cpu.setOwner(prevOwner);
      r.switches++;
      last = next;
      return next;
    },
  };

  m.timer.start(opts.timerPeriodCycles ?? 2000);
  m.run(dispatcher, { stopWhen: () => ctxs.every((c) => c.finished) });
  m.timer.stop();
  return r;
}
