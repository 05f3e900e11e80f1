import { KSEG0, PAGE_BYTES } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";
import { releaseFrame, unbind } from "../mem/bindings.js";
import { FRAME_FREE } from "../mem/frames.js";
import { ALL_RIGHTS, CAP_SLOT_MASK, Result, Rights } from "../result.js";

/**
 * The capability calls: allocate a frame (by name or any), ask a capability's frame,
 * free, grant a copy with fewer rights to another environment, drop a slot. Each decodes
 * and checks everything first, then changes state.
 */

export function allocFrame(k: Kernel, env: Env, frame: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.allocFrame.instructions, COSTS.allocFrame.label);
  const frames = k.frames;
  let f = frame;
  if (f === -1) {
    f = frames.findFree();
    if (f < 0) return Result.NoMemory;
  } else {
    if (f < 0 || f >= frames.count) return Result.Invalid;
    if (f < k.policy.kernelReservedFrames) return Result.NotOwner;
    if (frames.owner[f] !== FRAME_FREE) return Result.Busy;
  }
  if (env.caps.peekFree() < 0) return Result.NoSlot;
  frames.take(f, env.id);
  // A frame reaches its new owner zeroed: nothing of the previous owner leaks.
  cpu.zero((KSEG0 + f * PAGE_BYTES) >>> 0, PAGE_BYTES);
  return env.caps.insert(f, frames.gen[f]!, ALL_RIGHTS);
}

export function frameOf(k: Kernel, env: Env, cap: number): number {
  k.cpu.exec(COSTS.capLookup.instructions, COSTS.capLookup.label);
  const slot = env.caps.resolve(cap, k.frames.gen);
  if (slot < 0) return slot;
  k.cpu.exec(COSTS.frameOf.instructions, COSTS.frameOf.label);
  return env.caps.frame[slot]!;
}

export function freeFrame(k: Kernel, env: Env, cap: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.capLookup.instructions, COSTS.capLookup.label);
  const slot = env.caps.resolve(cap, k.frames.gen);
  if (slot < 0) return slot;
  if ((env.caps.rights[slot]! & Rights.Own) === 0) return Result.Rights;
  cpu.exec(COSTS.freeFrame.instructions, COSTS.freeFrame.label);
  const f = env.caps.frame[slot]!;
  releaseFrame(k, f);
  env.caps.release(slot);
  return Result.Ok;
}

export function grant(k: Kernel, env: Env, cap: number, target: number, rights: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.capLookup.instructions, COSTS.capLookup.label);
  if (rights < 1 || rights > ALL_RIGHTS) return Result.Invalid;
  const slot = env.caps.resolve(cap, k.frames.gen);
  if (slot < 0) return slot;
  cpu.exec(COSTS.grant.instructions, COSTS.grant.label);
  if ((rights & ~env.caps.rights[slot]!) !== 0) return Result.Rights;
  const t = k.lookupEnv(target);
  if (t === null) return Result.NoEnv;
  if (t.caps.peekFree() < 0) return Result.NoSlot;
  return t.caps.insert(env.caps.frame[slot]!, env.caps.frameGen[slot]!, rights);
}

/** Releases a slot (even one whose frame is gone); mappings made through it are removed. */
export function dropCap(k: Kernel, env: Env, cap: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS.capLookup.instructions, COSTS.capLookup.label);
  if (cap < 0) return Result.Invalid;
  const s = cap & CAP_SLOT_MASK;
  const g = cap >>> 12;
  if (s >= env.caps.size) return Result.BadCap;
  if (env.caps.used[s] === 0)
    return env.caps.gen[s] === 0 && g === 0 ? Result.BadCap : Result.Stale;
  if (env.caps.gen[s] !== g) return Result.Stale;
  cpu.exec(COSTS.dropCap.instructions, COSTS.dropCap.label);
  for (const b of [...env.bindings.values()]) if (b.slot === s) unbind(k, env, b);
  env.caps.release(s);
  return Result.Ok;
}
