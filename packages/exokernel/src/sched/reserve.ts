import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";
import { listPush, TypedArrayLength } from "../intrinsics.js";
import { batchEntryResult, CAP_GEN_MAX, CAP_SLOT_BITS, CAP_SLOT_MASK, Result } from "../result.js";

/**
 * Slice reservations: several positions of the slice vector taken at once, all or nothing,
 * and named by a capability (`r | generation << 12`, r an entry of the env's reservation
 * list, at most `policy.sliceQuota` entries) that `releaseSlices` gives back.
 *
 * - Every position is decoded and checked before any is taken: out of range or named twice
 *   (Invalid), held by anyone (Busy), surrendered by this env under a revocation whose
 *   deadline has not passed (Refused) — a refused entry i returns `batchEntryResult(i,
 *   code)`; more positions than the quota leaves room for, or no free entry: NoSlot.
 * - Reserved positions count toward `policy.sliceQuota` with the env's other positions.
 * - Revocation: `Aegis.revokeSlice` asks for a reserved position like any other (a
 *   `{kind: "slice"}` request); `freeSlice(position)` gives one position back (the
 *   reservation shrinks), `releaseSlices(cap)` all of them; past the deadline the position is
 *   taken by force and reported in a `"repossessed"` upcall. A reservation whose last
 *   position goes is released (its name goes Stale).
 * - Fixed timing: while any position is reserved, the scheduler runs the vector on a fixed
 *   period (sched/scheduler.ts): position p's slices are `[c, c + sliceCycles)` for every
 *   `c = (m · vectorLength + p) · sliceCycles` — nothing another env does moves them.
 *
 * Invariants: position p is reserved (`sched.reservedBy[p] = r + 1`) iff it is in the list
 * `env.reservationPositions[r]` of the env holding it (`vector[p]`), and entry r is used;
 * `sched.reservedCount` counts the reserved positions.
 */
export function reserveSlices(k: Kernel, env: Env, count: number, words: Int32Array): number {
  const cpu = k.cpu;
  const s = k.sched;
  cpu.exec(COSTS["aegis.sys.reserveSlices"]);
  const n = TypedArrayLength(s.vector);
  if (count < 1 || count > n || TypedArrayLength(words) !== count) return Result.Invalid;
  cpu.exec(COSTS["aegis.quota.check"]);
  const now = cpu.now;
  const mark = s.reserveMark;
  let refused = 0;
  let i = 0;
  for (; i < count; i++) {
    cpu.exec(COSTS["aegis.reserve.check"]);
    const p = words[i]!;
    if (p < 0 || p >= n || mark[p] === 1) {
      refused = batchEntryResult(i, Result.Invalid);
      break;
    }
    mark[p] = 1;
    if (s.vector[p] !== 0) {
      refused = batchEntryResult(i, Result.Busy);
      break;
    }
    if (s.withheldFrom(p, env, now)) {
      refused = batchEntryResult(i, Result.Refused);
      break;
    }
  }
  // The marks are scratch: cleared whatever the outcome (one store each, in `reserve.check`).
  for (let j = 0; j <= i && j < count; j++) {
    const p = words[j]!;
    if (p >= 0 && p < n) mark[p] = 0;
  }
  if (refused !== 0) return refused;
  if (env.slices.size + count > k.policy.sliceQuota) return Result.NoSlot;
  const r = freeEntry(env);
  if (r < 0) return Result.NoSlot;
  // Invoke: nothing below can refuse.
  const list = env.reservationPositions[r]!;
  list.length = 0;
  for (let j = 0; j < count; j++) {
    cpu.exec(COSTS["aegis.reserve.take"]);
    const p = words[j]!;
    s.take(env, p, r + 1);
    listPush(list, p);
  }
  env.reservationUsed[r] = 1;
  return nameOf(env, r);
}

/** `releaseSlices(cap)`: every position of the reservation goes back (as `freeSlice`). */
export function releaseSlices(k: Kernel, env: Env, cap: number): number {
  k.cpu.exec(COSTS["aegis.sys.reserveSlices"]);
  const r = resolve(env, cap);
  if (r < 0) return r;
  const list = env.reservationPositions[r]!;
  // freeSlice removes each position from the list (and releases the entry with the last).
  while (env.reservationUsed[r] === 1 && list.length > 0) {
    k.cpu.exec(COSTS["aegis.reserve.take"]);
    k.sched.freeSlice(env, list[list.length - 1]!);
  }
  if (env.reservationUsed[r] === 1) releaseEntry(env, r);
  return Result.Ok;
}

/** Position p (reserved by `env`'s entry r) left the reservation; the last one releases it. */
export function dropPosition(env: Env, r: number, p: number): void {
  const list = env.reservationPositions[r];
  if (list === undefined) return;
  for (let j = 0; j < list.length; j++) {
    if (list[j] !== p) continue;
    list[j] = list[list.length - 1]!;
    list.length--;
    break;
  }
  if (list.length === 0 && env.reservationUsed[r] === 1) releaseEntry(env, r);
}

/** Decodes a reservation name: the entry (>= 0) or Invalid, BadCap, Stale. */
function resolve(env: Env, name: number): number {
  if (name < 0) return Result.Invalid;
  const r = name & CAP_SLOT_MASK;
  const g = name >>> CAP_SLOT_BITS;
  if (r >= TypedArrayLength(env.reservationUsed)) return Result.BadCap;
  if (env.reservationUsed[r] === 0) {
    return env.reservationGen[r] === 0 && g === 0 ? Result.BadCap : Result.Stale;
  }
  if (env.reservationGen[r] !== g) return Result.Stale;
  return r;
}

function freeEntry(env: Env): number {
  const used = env.reservationUsed;
  for (let r = 0, n = TypedArrayLength(used); r < n; r++) {
    if (used[r] === 0 && env.reservationGen[r]! < CAP_GEN_MAX) return r;
  }
  return -1;
}

function releaseEntry(env: Env, r: number): void {
  env.reservationUsed[r] = 0;
  env.reservationPositions[r]!.length = 0;
  env.reservationGen[r] = env.reservationGen[r]! + 1;
}

function nameOf(env: Env, r: number): number {
  return (r | (env.reservationGen[r]! << CAP_SLOT_BITS)) >>> 0;
}
