import { PAGE_BYTES } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS, NET_COSTS } from "../costs.js";
import type { Env } from "../env/env.js";
import type { EnvHandle } from "../env/handle-types.js";
import {
  newList,
  TypedArrayBuffer,
  TypedArrayByteOffset,
  TypedArrayLength,
  Uint32ArrayCtor,
} from "../intrinsics.js";
import { FRAME_FREE, FRAME_KERNEL } from "../mem/frames.js";
import { Result, Rights } from "../result.js";
import { AshRunner } from "./ash/runner.js";
import { verifyAshWords } from "./ash/verify.js";
import { DPF_LIMITS } from "./dpf/atoms.js";
import { type FilterRec, netEnvOf, RX_SLOT_BYTES } from "./state.js";

/**
 * The network binding's system calls. Each decodes and checks everything, then changes state.
 *
 * - `insertFilter(ringCap, words)`: the filter (DPF atoms, 5 words each, copied beside the
 *   registers by the stub) and the frame its packets land in. The ring's capability is the
 *   filter's: write right, a frame the caller owns. Refusals: Invalid (malformed filter),
 *   Busy (it would take packets another env's filter claims), NoMemory (past filterQuota),
 *   NoSlot (past the kernel's maxFilters), and the capability's codes. Returns the filter id.
 * - `deleteFilter(id)`: Invalid (never issued), Stale (deleted), NotOwner.
 * - `netSend(frameCap, offset, length)`: a frame from the caller's own frame to the card
 *   (read right; [offset, offset+length) inside the frame; 1..maxFrameBytes); Busy while the
 *   card's transmit ring is full.
 * - `downloadAsh(filterId, words, grantCap)`: verified now (a refusal is Invalid, the
 *   verifier's reason in `lastRefusal` of the kernel's net state), attached to the caller's
 *   filter (replacing one it had); grantCap -1 binds no frame, else a frame the caller owns
 *   (writable if the capability has write right). Past ashQuota: NoMemory.
 */

/** Words per ASH instruction in the vector (isa.ts). */
const ASH_WORDS = 5;

// ---- the card's receive buffers ------------------------------------------------------------

/** Takes kernel frames for the card's receive buffers and hands them to the card (once). */
function ensureRxRing(k: Kernel): boolean {
  const ns = k.net;
  if (ns.rxSlotPa.length > 0) return true;
  const card = k.machine.net;
  const slots = card.params.receiveRingSlots;
  const perFrame = (PAGE_BYTES / RX_SLOT_BYTES) | 0;
  const need = ((slots + perFrame - 1) / perFrame) | 0;
  if (k.frames.freeCount < need) return false;
  const frames: number[] = newList();
  for (let i = 0; i < need; i++) {
    const f = k.frames.findFree(0, k.cpu.now);
    if (f < 0) break;
    k.frames.take(f, FRAME_KERNEL);
    frames[frames.length] = f;
  }
  if (frames.length < need) {
    for (let i = 0; i < frames.length; i++) {
      k.frames.owner[frames[i]!] = FRAME_FREE;
      k.frames.freeCount++;
    }
    return false;
  }
  for (let s = 0; s < slots; s++) {
    const pa = frames[(s / perFrame) | 0]! * PAGE_BYTES + (s % perFrame) * RX_SLOT_BYTES;
    ns.rxSlotPa[s] = pa;
    card.giveReceiveBuffer(s, pa);
  }
  ns.rxHead = card.receiveHead;
  return true;
}

/** The frame a capability names, if the caller holds it with `right` and owns it; else a code. */
function ownFrame(k: Kernel, env: Env, cap: number, right: number): number {
  k.cpu.exec(COSTS["aegis.cap.lookup"]);
  const s = env.caps.resolve(cap, k.frames.gen);
  if (s < 0) return s;
  if ((env.caps.rights[s]! & right) === 0) return Result.Rights;
  const frame = env.caps.frame[s]!;
  if (k.frames.owner[frame] !== env.id) return Result.NotOwner;
  return frame;
}

/**
 * The stub's copy of a call's words seen as unsigned (the engines take a Uint32Array): the
 * same bytes, its buffer and offset read through the intrinsic getters.
 */
function wordsView(words: Int32Array, length: number): Uint32Array {
  return new Uint32ArrayCtor(TypedArrayBuffer(words), TypedArrayByteOffset(words), length);
}

// ---- filters -------------------------------------------------------------------------------

export function insertFilter(
  k: Kernel,
  env: Env,
  ringCap: number,
  atomCount: number,
  words: Int32Array,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sys.insertFilter"]);
  if (atomCount < 1 || atomCount > DPF_LIMITS.maxAtoms) return Result.Invalid;
  const length = TypedArrayLength(words);
  if (length !== atomCount * DPF_LIMITS.wordsPerAtom) return Result.Invalid;
  const frame = ownFrame(k, env, ringCap, Rights.Write);
  if (frame < 0) return frame;
  cpu.exec(COSTS["aegis.quota.check"]);
  const n = netEnvOf(k, env);
  if (n.filterIds.length >= k.policy.filterQuota) return Result.NoMemory;
  if (!ensureRxRing(k)) return Result.NoMemory;
  const ns = k.net;
  const u = wordsView(words, length);
  const id = ns.engine.insertWords(env.id, u, atomCount);
  cpu.exec(NET_COSTS["aegis.dpf.counted"], ns.engine.insertWork.instructions);
  if (id < 0) return id;
  const rec: FilterRec = {
    id,
    env,
    ringFrame: frame,
    ringGen: k.frames.gen[frame]!,
    ash: null,
    ashGrantFrame: -1,
    ashGrantGen: 0,
  };
  ns.filters.set(id, rec);
  n.filterIds[n.filterIds.length] = id;
  return id;
}

export function deleteFilter(k: Kernel, env: Env, id: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sys.deleteFilter"]);
  const ns = k.net;
  const rec = ns.filters.get(id);
  if (rec === undefined) {
    // Never issued (Invalid), or deleted (Stale): the engine tells them apart.
    const r = id < 0 ? Result.Invalid : ns.engine.delete(env.id, id);
    return r === Result.Ok ? Result.Invalid : r;
  }
  if (rec.env !== env) return Result.NotOwner;
  const r = ns.engine.delete(env.id, id);
  cpu.exec(NET_COSTS["aegis.dpf.counted"], ns.engine.insertWork.instructions);
  if (r !== Result.Ok) return r;
  ns.filters.delete(id);
  const n = netEnvOf(k, env);
  if (rec.ash !== null) n.ashes--;
  const ids = n.filterIds;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== id) continue;
    ids[i] = ids[ids.length - 1]!;
    ids.length--;
    break;
  }
  return Result.Ok;
}

// ---- send ----------------------------------------------------------------------------------

export function netSend(k: Kernel, env: Env, cap: number, offset: number, length: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sys.netSend"]);
  const card = k.machine.net;
  if (length < 1 || length > card.params.maxFrameBytes) return Result.Invalid;
  if (offset < 0 || offset > PAGE_BYTES - length) return Result.Invalid;
  const frame = ownFrame(k, env, cap, Rights.Read);
  if (frame < 0) return frame;
  if (card.transmitsInFlight >= card.params.receiveRingSlots) return Result.Busy;
  card.transmit(frame * PAGE_BYTES + offset, length);
  k.net.stats.sent++;
  return Result.Ok;
}

// ---- ASHs ----------------------------------------------------------------------------------

export function downloadAsh(
  k: Kernel,
  env: Env,
  filterId: number,
  grantCap: number,
  count: number,
  words: Int32Array,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sys.downloadAsh"]);
  const ns = k.net;
  const rec = filterId < 0 ? undefined : ns.filters.get(filterId);
  if (rec === undefined) return Result.Invalid;
  if (rec.env !== env) return Result.NotOwner;
  const length = TypedArrayLength(words);
  if (length !== count * ASH_WORDS) return Result.Invalid;
  let grant = -1;
  let writable = false;
  if (grantCap !== -1) {
    grant = ownFrame(k, env, grantCap, Rights.Read);
    if (grant < 0) return grant;
    const s = env.caps.resolve(grantCap, k.frames.gen);
    writable = (env.caps.rights[s]! & Rights.Write) !== 0;
  }
  cpu.exec(COSTS["aegis.quota.check"]);
  const n = netEnvOf(k, env);
  if (rec.ash === null && n.ashes >= k.policy.ashQuota) return Result.NoMemory;
  const u = wordsView(words, length);
  const v = verifyAshWords(u, count, {
    grants: grant < 0 ? [] : [{ length: PAGE_BYTES, writable }],
    messageWritable: true,
    messageBytes: k.machine.net.params.maxFrameBytes,
  });
  cpu.exec(NET_COSTS["aegis.ash.counted"], v.verifyInstructions);
  if (!v.ok) {
    ns.lastRefusal = v.reason;
    return v.code;
  }
  const mem = k.machine.memory.u8;
  if (rec.ash === null) n.ashes++;
  rec.ash = new AshRunner(v.ash, grant < 0 ? [] : [{ bytes: mem, base: grant * PAGE_BYTES }]);
  rec.ashGrantFrame = grant;
  rec.ashGrantGen = grant < 0 ? 0 : k.frames.gen[grant]!;
  return Result.Ok;
}

// ---- the handler ---------------------------------------------------------------------------

/** `setInterruptHandler("net", …)`: the save area checked as the alarm's. */
export function setNetHandler(k: Kernel, env: Env, va: number, fn: unknown): number {
  const n = netEnvOf(k, env);
  if (fn === null) {
    n.handler = undefined;
    n.saveAreaPa = -1;
    return Result.Ok;
  }
  if (va < 0 || (va & 3) !== 0 || (va & 0xfff) > 4096 - 12) return Result.Invalid;
  const b = env.bindings.get(va >>> 12);
  if (b === undefined || !b.guaranteed || !b.writable) return Result.Fault;
  n.handler = fn as (h: EnvHandle) => void;
  n.saveAreaPa = b.frame * 4096 + (va & 0xfff);
  n.saveFrameGen = k.frames.gen[b.frame]!;
  return Result.Ok;
}
