import { entryHi, OwnerKind, TLB_V } from "@exolab/machine/privileged";
import { releaseCap } from "../caps/copies.js";
import type { Death, Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { reclaimDisk } from "../disk/state.js";
import { mapValuesList, ObjectFreeze } from "../intrinsics.js";
import { releaseFrame, unbind } from "../mem/bindings.js";
import { reclaimNet } from "../net/state.js";
import { Result } from "../result.js";
import { Env } from "./env.js";

/**
 * Environment creation and destruction. Creation takes a free ASID (1..63) and registers a
 * libOS owner for accounting. Destruction reclaims everything: bindings (TLB and STLB
 * entries), the frames it allocated (every copy of their capabilities, in every list, is
 * released), its own capability slots, its slices, its contexts; callers parked on it are
 * resumed with Result.NoEnv.
 *
 * Doom, then reap: a host error inside one of an environment's kernel calls (an exhausted JS
 * stack, say) leaves that call half done; the environment is doomed on the spot (a field
 * write, `Kernel.noteHostThrow`) and reaped at the next shallow boundary (`boundary`): a full
 * destroy, which every step of is idempotent (so a destroy cut short is finished), then a
 * scrub of its ASID from the TLB and the software TLB (an unbind cut short may have left an
 * entry its records no longer show).
 */
export function createEnv(k: Kernel, name: string): Env | null {
  let asid = -1;
  for (let a = 1; a < 64; a++) {
    if (k.asids[a] === null) {
      asid = a;
      break;
    }
  }
  if (asid < 0 || liveCount(k) >= k.policy.maxEnvironments) return null;
  const id = k.nextEnvId++;
  const owner = k.machine.registerOwner(OwnerKind.LibOS, id, name);
  const env = new Env(
    id,
    name,
    asid,
    owner,
    k.policy.capSlots,
    k.policy.maxExceptionDepth,
    k.policy.sliceQuota,
  );
  k.asids[asid] = env;
  k.envs.set(id, env);
  return env;
}

function liveCount(k: Kernel): number {
  let n = 0;
  for (let a = 1; a < 64; a++) if (k.asids[a]?.alive === true) n++;
  return n;
}

/**
 * The `exit` call (kernel side, on the stack path): the calling environment ends itself.
 * Everything is reclaimed as by `destroyEnv`, the status is recorded with its death, and its
 * code (the context, or the host window, that made the call) is unwound by the ContextAbort
 * this throws. It never returns: nothing is left to return to.
 */
export function exitEnv(k: Kernel, env: Env, status: number): never {
  k.cpu.exec(COSTS["aegis.sys.exit"]);
  const reason = `exit(${status})`;
  env.exitStatus = status;
  destroyEnv(k, env, reason);
  throw k.abortActive(reason);
}

/**
 * Destroys an environment (kernel mode; charged to the kernel). Does not unwind its code:
 * a caller that destroys the active env throws the ContextAbort `k.abortActive` returns.
 * `thrown` (with `hasThrown`) is what its code threw when that is why it dies: it goes to
 * the host's death hook uninspected.
 *
 * Restartable: each step is idempotent and access is removed before bookkeeping, so a
 * destroy cut short by a host error leaves the env doomed, and the reap finishes it.
 */
export function destroyEnv(
  k: Kernel,
  env: Env,
  reason: string,
  thrown: unknown = undefined,
  hasThrown = false,
): void {
  if (env.reaped) return;
  const cpu = k.cpu;
  if (env.alive) {
    env.alive = false;
    env.deathReason = reason;
  }
  // Until the reclaiming below ends, the env is to be reaped: a host error that cuts it
  // short (an exhausted stack) leaves it so, and the next boundary finishes it.
  k.reapNeeded = true;
  if (hasThrown && !env.hasThrown) {
    env.thrown = thrown;
    env.hasThrown = true;
  }
  if (cpu.userMode) {
    // Called from a guard around libOS code: the reclaiming is kernel work (kseg0 accesses).
    k.asKernel(() => reclaim(k, env));
  } else {
    reclaim(k, env);
  }
}

function reclaim(k: Kernel, env: Env): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.env.destroy"]);
  // Nothing of its code runs again: entries, handlers and contexts go first.
  env.sliceCtx = null;
  env.syncCtx = null;
  env.asyncCtx = null;
  for (let i = 0; i < env.handlers.length; i++) env.handlers[i] = undefined;
  env.endOfSlice = undefined;
  env.startOfSlice = undefined;
  env.alarmHandler = undefined;
  env.alarmPendingCycle = -1;
  if (env.alarmAtCycle >= 0) {
    // Disarmed (as sched/alarm.ts `disarm`), and the timer reprogrammed without it.
    env.alarmAtCycle = -1;
    k.alarmsArmed--;
    k.sched.program();
  }
  // Before the frames: its queued requests go, its extents are freed.
  reclaimDisk(k, env);
  reclaimNet(k, env);
  env.syncEntry = undefined;
  env.asyncEntry = undefined;
  env.revokeHandler = undefined;
  const bindings = mapValuesList(env.bindings);
  for (let i = 0; i < bindings.length; i++) unbind(k, env, bindings[i]!);
  const owner = k.frames.owner;
  for (let f = 0; f < k.frames.count; f++) if (owner[f] === env.id) releaseFrame(k, f);
  const caps = env.caps;
  for (let s = 0; s < caps.highWater; s++) if (caps.used[s] === 1) releaseCap(k, env, s);
  k.pendingRevocations -= env.revokeWanted.size + env.slicesWanted.size;
  env.revokeWanted.clear();
  env.slicesWanted.clear();
  env.pendingUpcalls.length = 0;
  env.upcallHead = 0;
  k.sched.releaseSlices(env);
  // Contexts: parked callers get NoEnv; whoever this env was parked on stops serving it.
  for (let a = 1; a < 64; a++) {
    const other = k.asids[a];
    if (other === null || other === undefined) continue;
    if (other.parkedOn === env) {
      other.parkedOn = null;
      if (other.parkedCtx !== null) k.transferResult.set(other.parkedCtx, Result.NoEnv);
      other.parkedCtx = null;
    }
    if (other.servingFor === env) other.servingFor = null;
  }
  env.parkedOn = null;
  env.parkedCtx = null;
  env.servingFor = null;
  env.savedMessageFor = null;
  k.sched.onDestroyed(env);
  const death: Death = { envId: env.id, name: env.name, reason: env.deathReason, atCycle: cpu.now };
  const record = ObjectFreeze(
    env.exitStatus === null ? death : { ...death, exitStatus: env.exitStatus },
  );
  k.recordDeath(record);
  k.notice(record, env.thrown, env.hasThrown);
  env.reaped = true;
  k.asids[env.asid] = null;
  // Nothing is kept of it but its death record (and its accounting owner, in the machine):
  // the kernel's tables forget it; a host that still holds its handle keeps the trimmed
  // record alive itself.
  k.envs.delete(env.id);
  env.trim();
}

/**
 * Removes every TLB and software-TLB entry tagged with `asid` (a doomed env's reap: an
 * unbind cut short may have left one that its records no longer show).
 */
function scrubAsid(k: Kernel, asid: number): void {
  const cpu = k.cpu;
  const tlb = k.machine.tlb;
  cpu.exec(COSTS["aegis.env.scrubTlb"], tlb.size);
  for (let i = 0; i < tlb.size; i++) {
    if (((tlb.hi[i]! >>> 6) & 63) === asid && (tlb.lo[i]! & TLB_V) !== 0) {
      cpu.tlbWriteIndexed(i, entryHi(0x80000 + i, 0), 0);
    }
  }
  const stlb = k.stlb;
  cpu.exec(COSTS["aegis.env.scrubStlb"], stlb.entries);
  for (let i = 0; i < stlb.entries; i++) {
    const va = stlb.entryVa(i);
    const tag = cpu.load32(va);
    if ((tag & 1) !== 0 && ((tag >>> 6) & 63) === asid) cpu.store32(va, 0);
  }
}

/** Reaps every doomed environment: a full destroy, then its ASID scrubbed (kernel mode). */
export function reap(k: Kernel): void {
  k.reapNeeded = false;
  for (let a = 1; a < 64; a++) {
    const env = k.asids[a];
    if (env === null || env === undefined || env.alive || env.reaped) continue;
    k.asKernel(() => {
      destroyEnv(k, env, env.deathReason);
      scrubAsid(k, a);
    });
    k.stats.reaped++;
  }
}

/**
 * A shallow kernel boundary (the dispatcher's pickNext, the end of a host window, the end
 * of Aegis.run or of a privileged call): a host error the CPU recorded but whose hook could
 * not run is charged to `env` (the environment whose code just ran), doomed environments are
 * reaped, and deaths are delivered to the host's hook.
 */
export function boundary(k: Kernel, env: Env | null): void {
  if (k.cpu.hostThrowPending) k.noteHostThrow(env);
  if (k.reapNeeded) reap(k);
  if (k.noticesPending) k.flushNotices();
}
