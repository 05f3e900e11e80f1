import { entryHi, entryLo, PAGE_BYTES, TLB_D, TLB_V } from "@exolab/machine/privileged";
import { reclaimCopies } from "../caps/copies.js";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import { holdIfOnDisk } from "../disk/state.js";
import type { Env } from "../env/env.js";
import { SafeSet, setValuesList, TypedArrayLength } from "../intrinsics.js";
import { Result, Rights } from "../result.js";
import { type Binding, FRAME_FREE } from "./frames.js";

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
  k.cpu.exec(COSTS["aegis.cap.lookup"]);
  const slot = env.caps.resolve(cap, k.frames.gen);
  if (slot < 0) return slot;
  const rights = env.caps.rights[slot]!;
  if ((rights & Rights.Read) === 0) return Result.Rights;
  if (writable === 1 && (rights & Rights.Write) === 0) return Result.Rights;
  return slot;
}

/**
 * Installs (env, vpn) -> the slot's frame in the TLB and the STLB and records it. The
 * records come first and the entries last, so that a host error cutting this short never
 * leaves an entry without a record (the env is then doomed, and reaping removes the records).
 */
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
  if (old !== undefined) unbind(k, env, old);
  const frame = env.caps.frame[slot]!;
  const b: Binding = { envId: env.id, asid: env.asid, vpn, frame, writable, slot, guaranteed };
  let set = k.frames.bindings[frame];
  if (set === undefined) {
    set = new SafeSet();
    k.frames.bindings[frame] = set;
  }
  set.add(b);
  env.bindings.set(vpn, b);
  if (guaranteed) {
    env.guaranteedCount++;
    if (writable) retargetSaveAreas(k, env, vpn, frame);
  }
  const lo = entryLo(frame, TLB_V | (writable ? TLB_D : 0));
  const hi = entryHi(vpn, env.asid);
  const i = cpu.tlbProbe(vpn, env.asid);
  if (i >= 0) cpu.tlbWriteIndexed(i, hi, lo);
  else cpu.tlbWriteRandom(hi, lo);
  k.stlb.write(cpu, vpn, env.asid, lo);
}

/** Removes the bookkeeping of a binding (after its entries are gone). */
function forget(k: Kernel, env: Env, b: Binding): void {
  if (env.bindings.get(b.vpn) === b) {
    env.bindings.delete(b.vpn);
    if (b.guaranteed) {
      env.guaranteedCount--;
      retargetSaveAreas(k, env, b.vpn, -1);
    }
  }
  k.frames.bindings[b.frame]?.delete(b);
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
  k.cpu.exec(COSTS["aegis.mem.saveAreas"]);
  const vas = env.saveAreaVa;
  for (let i = 0, n = TypedArrayLength(vas); i < n; i++) {
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

/**
 * Removes a binding: the TLB entry (tlbp + tlbwi) and the STLB entry first, then the
 * bookkeeping (a host error in between leaves a record without entries, never the reverse).
 */
export function unbind(k: Kernel, env: Env, b: Binding): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.mem.unbind"]);
  cpu.tlbInvalidate(b.vpn, b.asid);
  k.stlb.invalidate(cpu, b.vpn, b.asid);
  forget(k, env, b);
}

/** Removes every binding of a frame, in every environment. */
export function unbindFrame(k: Kernel, frame: number): void {
  const set = k.frames.bindings[frame];
  if (set === undefined || set.size === 0) return;
  const list = setValuesList(set);
  for (let i = 0; i < list.length; i++) {
    const b = list[i]!;
    const owner = k.envs.get(b.envId);
    if (owner !== undefined) unbind(k, owner, b);
    else set.delete(b);
  }
}

/**
 * Frees a frame: unbinds it everywhere, moves its generation on and releases every copy of
 * its capability in every list. A frame surrendered under a revocation request is withheld
 * from its owner until the request's deadline (it cannot take it back and keep it).
 */
export function releaseFrame(k: Kernel, frame: number): void {
  const frames = k.frames;
  unbindFrame(k, frame);
  const ownerEnv = k.envs.get(frames.owner[frame]!);
  if (frames.owner[frame] !== FRAME_FREE) {
    const now = k.cpu.now;
    const deadline = ownerEnv?.revokeWanted.get(frame);
    if (ownerEnv !== undefined) k.cpu.exec(COSTS["aegis.quota.release"]);
    // The frame table and the owner's count change together (no call in between).
    // A frame the disk is DMAing into or out of is held by the kernel until the request
    // completes (disk/disk.ts): it reaches no one else before.
    if (!holdIfOnDisk(k, frame)) {
      frames.owner[frame] = FRAME_FREE;
      frames.freeCount++;
    }
    frames.gen[frame] = (frames.gen[frame]! + 1) | 0;
    if (ownerEnv !== undefined) {
      ownerEnv.frameCount--;
      if (deadline !== undefined && now < deadline) frames.withhold(frame, ownerEnv.id, deadline);
    }
  }
  if (ownerEnv?.revokeWanted.delete(frame) === true) k.pendingRevocations--;
  reclaimCopies(k, frame);
}

// ---- the calls ------------------------------------------------------------------------------

export function tlbWrite(k: Kernel, env: Env, va: number, cap: number, writable: number): number {
  k.cpu.exec(COSTS["aegis.sys.tlbWrite"]);
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
  k.cpu.exec(COSTS["aegis.sys.guarantee"]);
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
  k.cpu.exec(COSTS["aegis.sys.tlbDelete"]);
  const vpn = decodePageVa(va);
  if (vpn < 0) return Result.Invalid;
  const b = env.bindings.get(vpn);
  if (b !== undefined) unbind(k, env, b);
  return Result.Ok;
}
