import { entryHi, entryLo, PAGE_BYTES, TLB_D, TLB_V } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";
import { Result, Rights } from "../result.js";
import type { Binding } from "./frames.js";

/**
 * Secure bindings: a mapping (env, vpn) -> frame is installed only after the kernel checked
 * a capability for the frame with the needed rights. Every installed mapping is recorded
 * (in the env and in the frame's list), so that freeing, repossessing, dropping the
 * capability or destroying the env removes it from the TLB and the software TLB at once.
 *
 * Invariant: a valid TLB or STLB entry tagged with an env's ASID always corresponds to a
 * recorded binding of that env, whose capability is live and carries Read (and Write if the
 * entry is writable).
 */

/** Decodes a user virtual page address: an int32 in kuseg, page aligned. Returns vpn or -1. */
export function decodePageVa(va: number): number {
  if (va < 0 || (va & 0xfff) !== 0) return -1;
  return va >>> 12;
}

/** Checks a (cap, writable) pair for a mapping; returns the slot or a Result. Changes nothing. */
export function checkMapping(k: Kernel, env: Env, cap: number, writable: number): number {
  if (writable !== 0 && writable !== 1) return Result.Invalid;
  k.cpu.exec(COSTS.capLookup.instructions, COSTS.capLookup.label);
  const slot = env.caps.resolve(cap, k.frames.gen);
  if (slot < 0) return slot;
  const rights = env.caps.rights[slot]!;
  if ((rights & Rights.Read) === 0) return Result.Rights;
  if (writable === 1 && (rights & Rights.Write) === 0) return Result.Rights;
  return slot;
}

/** Installs (env, vpn) -> the slot's frame in the TLB and the STLB and records it. */
export function bind(
  k: Kernel,
  env: Env,
  vpn: number,
  slot: number,
  writable: boolean,
  guaranteed: boolean,
): void {
  const cpu = k.cpu;
  const old = env.bindings.get(vpn);
  if (old !== undefined) forget(k, env, old);
  const frame = env.caps.frame[slot]!;
  const b: Binding = { envId: env.id, asid: env.asid, vpn, frame, writable, slot, guaranteed };
  env.bindings.set(vpn, b);
  if (guaranteed) {
    env.guaranteedCount++;
    if (writable) retargetSaveAreas(k, env, vpn, frame);
  }
  k.frames.addBinding(b);
  const lo = entryLo(frame, TLB_V | (writable ? TLB_D : 0));
  const hi = entryHi(vpn, env.asid);
  const i = cpu.tlbProbe(vpn, env.asid);
  if (i >= 0) cpu.tlbWriteIndexed(i, hi, lo);
  else cpu.tlbWriteRandom(hi, lo);
  k.stlb.write(cpu, vpn, env.asid, lo);
}

/** Removes the bookkeeping of a binding (the caller rewrites or invalidates the entries). */
function forget(k: Kernel, env: Env, b: Binding): void {
  env.bindings.delete(b.vpn);
  if (b.guaranteed) {
    env.guaranteedCount--;
    retargetSaveAreas(k, env, b.vpn, -1);
  }
  k.frames.removeBinding(b);
}

/**
 * Keeps the save areas in step with the guaranteed mappings they lie in: when the mapping
 * of `vpn` goes (frame -1) the save areas in it are disabled, so the kernel never stores
 * into a frame the env may no longer write (an exception then finds no save area and is
 * fatal, as with no handler); when a writable guaranteed mapping of `vpn` is made, the save
 * areas in it point at its frame. A real kernel keeps one flag per guaranteed mapping; the
 * per-handler table is host-side, its test counted in `aegis.mem.saveAreas`.
 */
function retargetSaveAreas(k: Kernel, env: Env, vpn: number, frame: number): void {
  k.cpu.exec(COSTS.saveAreas.instructions, COSTS.saveAreas.label);
  const vas = env.saveAreaVa;
  for (let i = 0; i < vas.length; i++) {
    const va = vas[i]!;
    if (va < 0 || va >>> 12 !== vpn) continue;
    if (frame < 0) {
      env.saveAreaPa[i] = -1;
    } else {
      env.saveAreaPa[i] = frame * PAGE_BYTES + (va & 0xfff);
      env.saveFrameGen[i] = k.frames.gen[frame]!;
    }
  }
}

/** Removes a binding: bookkeeping, TLB entry (tlbp + tlbwi) and STLB entry. */
export function unbind(k: Kernel, env: Env, b: Binding): void {
  const cpu = k.cpu;
  forget(k, env, b);
  cpu.exec(COSTS.unbind.instructions, COSTS.unbind.label);
  cpu.tlbInvalidate(b.vpn, b.asid);
  k.stlb.invalidate(cpu, b.vpn, b.asid);
}

/** Removes every binding of a frame, in every environment. */
export function unbindFrame(k: Kernel, frame: number): void {
  const set = k.frames.bindings[frame];
  if (set === undefined || set.size === 0) return;
  for (const b of [...set]) {
    const owner = k.envs.get(b.envId);
    if (owner !== undefined) unbind(k, owner, b);
  }
}

/** Frees a frame: unbinds it everywhere and moves its generation on (all caps go stale). */
export function releaseFrame(k: Kernel, frame: number): void {
  const ownerEnv = k.envs.get(k.frames.owner[frame]!);
  if (ownerEnv?.revokeWanted.delete(frame) === true) k.pendingRevocations--;
  unbindFrame(k, frame);
  k.frames.release(frame);
}

// ---- the calls ------------------------------------------------------------------------------

export function tlbWrite(k: Kernel, env: Env, va: number, cap: number, writable: number): number {
  k.cpu.exec(COSTS.tlbWrite.instructions, COSTS.tlbWrite.label);
  const vpn = decodePageVa(va);
  if (vpn < 0) return Result.Invalid;
  const slot = checkMapping(k, env, cap, writable);
  if (slot < 0) return slot;
  const old = env.bindings.get(vpn);
  if (old?.guaranteed === true) return Result.Busy;
  bind(k, env, vpn, slot, writable === 1, false);
  return Result.Ok;
}

export function guarantee(k: Kernel, env: Env, va: number, cap: number, writable: number): number {
  k.cpu.exec(COSTS.guarantee.instructions, COSTS.guarantee.label);
  const vpn = decodePageVa(va);
  if (vpn < 0) return Result.Invalid;
  const slot = checkMapping(k, env, cap, writable);
  if (slot < 0) return slot;
  const old = env.bindings.get(vpn);
  if (old?.guaranteed !== true && env.guaranteedCount >= k.policy.maxGuaranteedPerEnv) {
    return Result.NoSlot;
  }
  bind(k, env, vpn, slot, writable === 1, true);
  return Result.Ok;
}

export function tlbDelete(k: Kernel, env: Env, va: number): number {
  k.cpu.exec(COSTS.tlbDelete.instructions, COSTS.tlbDelete.label);
  const vpn = decodePageVa(va);
  if (vpn < 0) return Result.Invalid;
  const b = env.bindings.get(vpn);
  if (b !== undefined) unbind(k, env, b);
  return Result.Ok;
}
