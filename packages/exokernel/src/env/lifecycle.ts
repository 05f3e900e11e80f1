import { OwnerKind } from "@exolab/machine/privileged";
import type { Death, Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { releaseFrame, unbind } from "../mem/bindings.js";
import { Result } from "../result.js";
import { Env } from "./env.js";

/**
 * Environment creation and destruction. Creation takes a free ASID (1..63) and registers a
 * libOS owner for accounting. Destruction reclaims everything: bindings (TLB and STLB
 * entries), the frames it allocated (so capabilities granted from them go stale in every
 * list), its slices, its contexts; callers parked on it are resumed with Result.NoEnv.
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
  const env = new Env(id, name, asid, owner, k.policy.capSlots, k.policy.maxExceptionDepth);
  k.asids[asid] = env;
  k.envs.set(id, env);
  return env;
}

function liveCount(k: Kernel): number {
  let n = 0;
  for (const e of k.envs.values()) if (e.alive) n++;
  return n;
}

/**
 * The `exit` call (kernel side, on the stack path): the calling environment ends itself.
 * Everything is reclaimed as by `destroyEnv`, the status is recorded with its death, and its
 * code (the context, or the set-up call, that made the call) is unwound by the ContextAbort
 * this throws. It never returns: nothing is left to return to.
 */
export function exitEnv(k: Kernel, env: Env, status: number): never {
  k.cpu.exec(COSTS.exit.instructions, COSTS.exit.label);
  const reason = `exit(${status})`;
  env.exitStatus = status;
  destroyEnv(k, env, reason);
  throw k.abortActive(reason);
}

/**
 * Destroys an environment (kernel mode; charged to the kernel). Does not unwind its code:
 * a caller that destroys the active env throws the ContextAbort `k.abortActive` returns.
 */
export function destroyEnv(k: Kernel, env: Env, reason: string): void {
  if (!env.alive) return;
  const cpu = k.cpu;
  if (cpu.userMode) {
    // Called from a guard around libOS code: the reclaiming is kernel work (kseg0 accesses).
    k.asKernel(() => destroyEnv(k, env, reason));
    return;
  }
  cpu.exec(COSTS.destroy.instructions, COSTS.destroy.label);
  env.alive = false;
  env.deathReason = reason;
  for (const b of [...env.bindings.values()]) unbind(k, env, b);
  for (let f = 0; f < k.frames.count; f++) if (k.frames.owner[f] === env.id) releaseFrame(k, f);
  k.pendingRevocations -= env.revokeWanted.size + env.slicesWanted.size;
  env.revokeWanted.clear();
  env.slicesWanted.clear();
  env.pendingUpcalls.length = 0;
  for (const s of env.caps.slots()) env.caps.release(s);
  k.sched.releaseSlices(env);
  // Contexts: parked callers get NoEnv; whoever this env was parked on stops serving it.
  for (const other of k.envs.values()) {
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
  env.sliceCtx = null;
  env.syncCtx = null;
  env.asyncCtx = null;
  env.handlers.fill(undefined);
  env.endOfSlice = undefined;
  env.startOfSlice = undefined;
  env.syncEntry = undefined;
  env.asyncEntry = undefined;
  env.revokeHandler = undefined;
  k.asids[env.asid] = null;
  k.sched.onDestroyed(env);
  const death: Death = { envId: env.id, name: env.name, reason, atCycle: cpu.now };
  k.deaths.push(
    Object.freeze(env.exitStatus === null ? death : { ...death, exitStatus: env.exitStatus }),
  );
}
