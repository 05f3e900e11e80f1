import { KSEG0, PAGE_BYTES } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";
import { mapValuesList } from "../intrinsics.js";
import { releaseFrame, unbind } from "../mem/bindings.js";
import { FRAME_FREE } from "../mem/frames.js";
import { ALL_RIGHTS, CAP_SLOT_MASK, Result, Rights } from "../result.js";
import { insertCap, releaseCap } from "./copies.js";

/**
 * The capability calls: allocate a frame (by name or any), ask a capability's frame,
 * free, grant a copy with fewer rights to another environment, drop a slot. Each decodes
 * and checks everything first, then changes state.
 *
 * Quotas (policy): an environment holds at most `frameQuota` frames it allocated, and at most
 * `grantQuota` slots of its list filled by other environments' grants — so a grant flood can
 * never take the slots its own allocations need. A frame it surrendered under a revocation
 * request is withheld from it (by name: Refused; "any" passes it over) until the deadline.
 */

export function allocFrame(k: Kernel, env: Env, frame: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sys.allocFrame"]);
  const frames = k.frames;
  cpu.exec(COSTS["aegis.quota.check"]);
  cpu.exec(COSTS["aegis.revoke.withheld"]);
  const now = cpu.now;
  let f = frame;
  if (f === -1) {
    f = frames.findFree(env.id, now);
    if (frames.skipped > 0) {
      cpu.exec(COSTS["aegis.revoke.withheld"], frames.skipped);
    }
    if (f < 0) return Result.NoMemory;
  } else {
    if (f < 0 || f >= frames.count) return Result.Invalid;
    if (f < k.policy.kernelReservedFrames) return Result.NotOwner;
    if (frames.owner[f] !== FRAME_FREE) return Result.Busy;
    if (frames.withheldCount > 0 && frames.withheld(f, env.id, now)) return Result.Refused;
  }
  if (env.frameCount >= k.policy.frameQuota) return Result.NoMemory;
  if (env.caps.peekFree() < 0) return Result.NoSlot;
  frames.take(f, env.id);
  env.frameCount++;
  // A frame reaches its new owner zeroed: nothing of the previous owner leaks.
  cpu.zero((KSEG0 + f * PAGE_BYTES) >>> 0, PAGE_BYTES);
  return insertCap(k, env, f, frames.gen[f]!, ALL_RIGHTS, false);
}

export function frameOf(k: Kernel, env: Env, cap: number): number {
  k.cpu.exec(COSTS["aegis.cap.lookup"]);
  const slot = env.caps.resolve(cap, k.frames.gen);
  if (slot < 0) return slot;
  k.cpu.exec(COSTS["aegis.sys.frameOf"]);
  return env.caps.frame[slot]!;
}

export function freeFrame(k: Kernel, env: Env, cap: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.cap.lookup"]);
  const slot = env.caps.resolve(cap, k.frames.gen);
  if (slot < 0) return slot;
  if ((env.caps.rights[slot]! & Rights.Own) === 0) return Result.Rights;
  cpu.exec(COSTS["aegis.sys.freeFrame"]);
  const f = env.caps.frame[slot]!;
  releaseCap(k, env, slot);
  // Then every other copy, in every list (caps/copies.ts).
  releaseFrame(k, f);
  return Result.Ok;
}

export function grant(k: Kernel, env: Env, cap: number, target: number, rights: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.cap.lookup"]);
  if (rights < 1 || rights > ALL_RIGHTS) return Result.Invalid;
  const slot = env.caps.resolve(cap, k.frames.gen);
  if (slot < 0) return slot;
  cpu.exec(COSTS["aegis.sys.grant"]);
  if ((rights & ~env.caps.rights[slot]!) !== 0) return Result.Rights;
  const t = k.lookupEnv(target);
  if (t === null) return Result.NoEnv;
  // A copy into another env's list counts against that env's grant quota.
  const foreign = t !== env;
  if (foreign) {
    cpu.exec(COSTS["aegis.quota.check"]);
    if (t.caps.grantedCount >= k.policy.grantQuota) return Result.NoSlot;
  }
  if (t.caps.peekFree() < 0) return Result.NoSlot;
  return insertCap(k, t, env.caps.frame[slot]!, env.caps.frameGen[slot]!, rights, foreign);
}

/** Releases a slot (even one whose frame is gone); mappings made through it are removed. */
export function dropCap(k: Kernel, env: Env, cap: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.cap.lookup"]);
  if (cap < 0) return Result.Invalid;
  const s = cap & CAP_SLOT_MASK;
  const g = cap >>> 12;
  if (s >= env.caps.size) return Result.BadCap;
  if (env.caps.used[s] === 0)
    return env.caps.gen[s] === 0 && g === 0 ? Result.BadCap : Result.Stale;
  if (env.caps.gen[s] !== g) return Result.Stale;
  cpu.exec(COSTS["aegis.sys.dropCap"]);
  const bindings = mapValuesList(env.bindings);
  for (let i = 0; i < bindings.length; i++) {
    const b = bindings[i]!;
    if (b.slot === s) unbind(k, env, b);
  }
  releaseCap(k, env, s);
  return Result.Ok;
}
