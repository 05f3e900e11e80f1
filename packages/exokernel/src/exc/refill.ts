import {
  type Cpu,
  ExcCode,
  entryHi,
  entryLo,
  Resolution,
  TLB_D,
  TLB_V,
} from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { REFILL_INDEX } from "../env/env.js";
import { dispatchToUser } from "./dispatch.js";

/**
 * The TLB refill path. The kernel first probes its software TLB (the paper's 18
 * instructions on a hit: index, load tag, compare, load EntryLo, tlbwr, rfe), then the
 * env's guaranteed mappings; only a miss in both is upcalled to the env's "refill" handler,
 * which typically walks its own page table and calls `tlbWrite`.
 */
export function refill(k: Kernel, cpu: Cpu): Resolution {
  const env = k.activeEnv();
  // A doomed env's code that went on (it caught the error of a failed kernel call): unwind.
  if (env !== null && !env.alive) throw k.abortActive(env.deathReason);
  const vpn = cpu.badVaddr >>> 12;
  const asid = cpu.asid;
  cpu.exec(COSTS["aegis.refill.stlbProbe"]);
  if (k.stlb.probeTag(cpu, vpn, asid)) {
    cpu.exec(COSTS["aegis.refill.stlbHit"]);
    const lo = k.stlb.loadLo(cpu, vpn, asid);
    cpu.tlbWriteRandom(entryHi(vpn, asid), lo);
    k.stats.stlbHits++;
    cpu.rfe();
    return Resolution.Retry;
  }
  k.stats.stlbMisses++;
  cpu.exec(COSTS["aegis.refill.guaranteedProbe"]);
  const b = env?.bindings.get(vpn);
  if (b?.guaranteed === true && env !== null && b.asid === asid) {
    const lo = entryLo(b.frame, TLB_V | (b.writable ? TLB_D : 0));
    cpu.tlbWriteRandom(entryHi(vpn, asid), lo);
    k.stlb.write(cpu, vpn, asid, lo);
    k.stats.guaranteedHits++;
    cpu.rfe();
    return Resolution.Retry;
  }
  k.stats.refillUpcalls++;
  const code = (cpu.cause >>> 2) & 31;
  return dispatchToUser(
    k,
    cpu,
    code === ExcCode.TLBS ? ExcCode.TLBS : ExcCode.TLBL,
    REFILL_INDEX,
    COSTS["aegis.refill.upcall"],
  );
}

export function installRefill(k: Kernel): void {
  k.machine.setRefillHandler((cpu) => refill(k, cpu));
  // Invalid entries and kseg2 misses come through the general vector: same path.
  k.machine.setExceptionHandler(ExcCode.TLBL, (cpu) => refill(k, cpu));
  k.machine.setExceptionHandler(ExcCode.TLBS, (cpu) => refill(k, cpu));
}
