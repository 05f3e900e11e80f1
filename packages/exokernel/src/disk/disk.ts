import { type Cpu, KSEG0, PAGE_BYTES, Reg, Resolution } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";
import type { EnvHandle } from "../env/handle-types.js";
import { killActive, upcall } from "../exc/upcall.js";
import { newList, SafeMap } from "../intrinsics.js";
import { FRAME_FREE } from "../mem/frames.js";
import { netPending } from "../net/state.js";
import { ALL_RIGHTS, Result, Rights } from "../result.js";
import { ExtentCaps } from "./extents.js";
import type { DiskEnv, Request } from "./state.js";

/**
 * The exported disk: extents named by capability, requests queued in the kernel and served
 * in order by the machine's disk, completions delivered as the "disk" device interrupt.
 *
 * - `allocExtent(start, blocks)` (start -1: the first run of free blocks that fits) refuses
 *   a range past the disk (Invalid), one overlapping a held extent (Busy), past the
 *   env's `extentQuota` (NoMemory).
 * - `diskRead/diskWrite(extentCap, blockOffset, blocks, frameCap)`: the extent capability
 *   must cover `[offset, offset + blocks)` (read right to read the disk, write right to
 *   write it), the frame capability must be the caller's with write right for a read into
 *   memory (read right for a write out of it), and `blocks * blockBytes` must fit the frame
 *   (DMA at the frame's first byte). Past `diskQueueQuota` requests queued, on the disk or
 *   completed and not yet delivered: NoSlot. Returns the request's id (>= 0).
 * - The disk serves the queue in order (FIFO). Each request is checked again as it starts
 *   (its frame and extent still the ones named): one whose frame or extent went away
 *   completes at once with Stale and touches nothing.
 * - A frame freed while the disk DMAs into or out of it is held by the kernel until the
 *   request completes (it reaches no one else before); an extent whose owner died while
 *   its request is on the disk keeps its blocks until then (dying).
 * - Completion (IRQ.Disk): acknowledge, record (id, result) for the owner, start the next
 *   request; charged to the request's owner. Delivery follows the alarm's rules, on its
 *   own software interrupt (IP1): posted at once if the owner's code is on the CPU,
 *   otherwise when the dispatcher next resumes the owner; its handler gets t1 = the id,
 *   t2 = the result (0, or Stale); with no handler the completion is dropped (counted).
 */

/** Cause.IP1, the second software interrupt: the kernel's "disk completion pending" doorbell. */
export const SOFT_DISK = 1 << 9;

function stateOf(k: Kernel, env: Env): DiskEnv {
  let d = k.disk.perEnv.get(env.id);
  if (d === undefined) {
    d = {
      caps: new ExtentCaps(k.policy.extentQuota + k.policy.extentGrantQuota),
      outstanding: 0,
      doneIds: newList(),
      doneResults: newList(),
      doneHead: 0,
      handler: undefined,
      saveAreaPa: -1,
      saveFrameGen: 0,
      wanted: new SafeMap(),
      withheldStart: newList(),
      withheldLength: newList(),
      withheldUntil: newList(),
      repossessed: newList(),
    };
    k.disk.perEnv.set(env.id, d);
  }
  return d;
}

// ---- extents ---------------------------------------------------------------------------------

export function allocExtent(k: Kernel, env: Env, start: number, blocks: number): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sys.allocExtent"]);
  const total = k.machine.disk.geometry.blocks;
  if (blocks < 1 || blocks > total) return Result.Invalid;
  if (start !== -1 && (start < 0 || start > total - blocks)) return Result.Invalid;
  cpu.exec(COSTS["aegis.quota.check"]);
  const d = stateOf(k, env);
  if (d.caps.count >= k.policy.extentQuota) return Result.NoMemory;
  const slot = d.caps.freeSlot();
  if (slot < 0) return Result.NoSlot;
  const table = k.disk.extents;
  const x = table.freeEntry();
  if (x < 0) return Result.NoMemory;
  let at = start;
  if (at === -1) {
    at = 0;
    for (;;) {
      const o = table.overlapping(at, blocks);
      cpu.exec(COSTS["aegis.disk.extentScan"], table.scanned);
      if (o >= 0) at = table.start[o]! + table.length[o]!;
      else {
        const w = withheldOverlap(k, d, at, blocks);
        if (w < 0) break;
        at = d.withheldStart[w]! + d.withheldLength[w]!;
      }
      if (at > total - blocks) return Result.NoMemory;
    }
  } else {
    const o = table.overlapping(at, blocks);
    cpu.exec(COSTS["aegis.disk.extentScan"], table.scanned);
    if (o >= 0) return Result.Busy;
    // Blocks it surrendered under a request: not its again before the deadline.
    if (withheldOverlap(k, d, at, blocks) >= 0) return Result.Refused;
  }
  table.take(x, at, blocks, env.id);
  return d.caps.insert(slot, x, table.gen[x]!, ALL_RIGHTS);
}

export function freeExtent(k: Kernel, env: Env, cap: number): number {
  k.cpu.exec(COSTS["aegis.cap.lookup"]);
  const d = stateOf(k, env);
  const table = k.disk.extents;
  const s = d.caps.resolve(cap, table.gen);
  if (s < 0) return s;
  const x = d.caps.extent[s]!;
  if (d.caps.foreign[s] === 1) {
    // A grant from another env: only the copy goes.
    k.cpu.exec(COSTS["aegis.sys.dropCap"]);
    table.copies[x] = table.copies[x]! - 1;
    d.caps.release(s);
    return Result.Ok;
  }
  if ((d.caps.rights[s]! & Rights.Own) === 0) return Result.Rights;
  if (table.busy[x]! > 0) return Result.Busy;
  k.cpu.exec(COSTS["aegis.sys.freeExtent"]);
  const deadline = d.wanted.get(x);
  if (deadline !== undefined) {
    // Surrendered under a request: withheld from it until the deadline.
    d.wanted.delete(x);
    k.pendingRevocations--;
    if (k.cpu.now < deadline) {
      d.withheldStart[d.withheldStart.length] = table.start[x]!;
      d.withheldLength[d.withheldLength.length] = table.length[x]!;
      d.withheldUntil[d.withheldUntil.length] = deadline;
    }
  }
  d.caps.release(s);
  dropExtent(k, x);
  return Result.Ok;
}

/**
 * Extent x (its owner's name already released) is freed: every granted copy goes, its
 * generation moves on (every name goes Stale), and its blocks are free — at once, or, with
 * requests of it outstanding, when the last one is over (dying).
 */
function dropExtent(k: Kernel, x: number): void {
  const ds = k.disk;
  const table = ds.extents;
  reclaimCopies(k, x);
  const busy = table.busy[x]! > 0;
  table.release(x, busy);
  if (!busy) ds.blocksFreed(x);
}

/** Releases every copy of extent x's capability granted into other lists. */
function reclaimCopies(k: Kernel, x: number): void {
  const table = k.disk.extents;
  if (table.copies[x] === 0) return;
  const cpu = k.cpu;
  k.disk.perEnv.forEach((d) => {
    const caps = d.caps;
    for (let s = 0; s < caps.size; s++) {
      if (caps.used[s] === 1 && caps.foreign[s] === 1 && caps.extent[s] === x) {
        cpu.exec(COSTS["aegis.disk.copyReclaim"]);
        caps.release(s);
      }
    }
  });
  table.copies[x] = 0;
}

/** The first of `env`'s withheld ranges overlapping `[at, at + blocks)` now, or -1. */
function withheldOverlap(k: Kernel, d: DiskEnv, at: number, blocks: number): number {
  const n = d.withheldStart.length;
  if (n === 0) return -1;
  const now = k.cpu.now;
  let found = -1;
  let w = 0;
  for (let i = 0; i < n; i++) {
    const until = d.withheldUntil[i]!;
    if (now >= until) continue; // the deadline passed: dropped
    d.withheldStart[w] = d.withheldStart[i]!;
    d.withheldLength[w] = d.withheldLength[i]!;
    d.withheldUntil[w] = until;
    const s = d.withheldStart[w]!;
    if (found < 0 && s < at + blocks && at < s + d.withheldLength[w]!) found = w;
    w++;
  }
  d.withheldStart.length = w;
  d.withheldLength.length = w;
  d.withheldUntil.length = w;
  k.cpu.exec(COSTS["aegis.disk.extentScan"], n);
  return found;
}

/**
 * `grantExtent(cap, target, rights)`: copies the caller's extent capability into `target`'s
 * list with `rights` (Read, or Read | Write; never Own): the grantee may read (write) the
 * extent's blocks through its own frames, and loses the copy when the extent is freed,
 * taken back or revoked. Copies count against the target's `extentGrantQuota`.
 */
export function grantExtent(
  k: Kernel,
  env: Env,
  cap: number,
  target: number,
  rights: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.cap.lookup"]);
  if (rights < 1 || rights > (Rights.Read | Rights.Write)) return Result.Invalid;
  const d = stateOf(k, env);
  const table = k.disk.extents;
  const s = d.caps.resolve(cap, table.gen);
  if (s < 0) return s;
  cpu.exec(COSTS["aegis.sys.grant"]);
  if ((rights & ~d.caps.rights[s]!) !== 0) return Result.Rights;
  const t = k.lookupEnv(target);
  if (t === null || !t.alive) return Result.NoEnv;
  if (t === env) return Result.Invalid;
  const td = stateOf(k, t);
  cpu.exec(COSTS["aegis.quota.check"]);
  if (td.caps.granted >= k.policy.extentGrantQuota) return Result.NoSlot;
  const slot = td.caps.freeSlot();
  if (slot < 0) return Result.NoSlot;
  const x = d.caps.extent[s]!;
  table.copies[x] = table.copies[x]! + 1;
  return td.caps.insert(slot, x, table.gen[x]!, rights, true);
}

/**
 * Revocation, forced (revoke/revoke.ts, past the deadline): extent x is taken from `env`.
 * Returns its first block (for the repossession vector).
 */
export function takeExtent(k: Kernel, env: Env, x: number): number {
  const d = stateOf(k, env);
  const table = k.disk.extents;
  const start = table.start[x]!;
  k.cpu.exec(COSTS["aegis.revoke.repossess"]);
  for (let s = 0; s < d.caps.size; s++) {
    if (d.caps.used[s] === 1 && d.caps.foreign[s] === 0 && d.caps.extent[s] === x) {
      d.caps.release(s);
    }
  }
  if (d.wanted.delete(x)) k.pendingRevocations--;
  dropExtent(k, x);
  d.repossessed[d.repossessed.length] = start;
  return start;
}

/** The kernel asks `env` for extents back: each wanted by the deadline (revoke/revoke.ts). */
export function wantExtents(k: Kernel, env: Env, xs: readonly number[], deadline: number): void {
  const d = stateOf(k, env);
  for (let i = 0; i < xs.length; i++) {
    if (!d.wanted.has(xs[i]!)) k.pendingRevocations++;
    d.wanted.set(xs[i]!, deadline);
  }
}

/** The first blocks of `env`'s live extents (for `inspect`). */
export function extentStarts(k: Kernel, env: Env): number[] {
  const xs = ownedExtents(k, env);
  for (let i = 0; i < xs.length; i++) xs[i] = k.disk.extents.start[xs[i]!]!;
  return xs;
}

/** `env`'s live extents (entries), in its list's order: what a revocation may ask for. */
export function ownedExtents(k: Kernel, env: Env): number[] {
  const out = newList<number>();
  const d = k.disk.perEnv.get(env.id);
  if (d === undefined) return out;
  for (let s = 0; s < d.caps.size; s++) {
    if (d.caps.used[s] === 1 && d.caps.foreign[s] === 0) {
      const x = d.caps.extent[s]!;
      if (k.disk.extents.owner[x] === env.id) out[out.length] = x;
    }
  }
  return out;
}

/** The extent's first block (for `extentOf`): a read of the caller's own capability. */
export function extentOf(k: Kernel, env: Env, cap: number): number {
  k.cpu.exec(COSTS["aegis.cap.lookup"]);
  const d = stateOf(k, env);
  const s = d.caps.resolve(cap, k.disk.extents.gen);
  if (s < 0) return s;
  return k.disk.extents.start[d.caps.extent[s]!]!;
}

// ---- requests --------------------------------------------------------------------------------

/** Decodes and checks a request completely, then queues it (and starts the disk if idle). */
export function diskRequest(
  k: Kernel,
  env: Env,
  write: boolean,
  extentCap: number,
  offset: number,
  blocks: number,
  frameCap: number,
): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sys.diskRequest"]);
  const blockBytes = k.machine.disk.geometry.blockBytes;
  if (blocks < 1 || blocks * blockBytes > PAGE_BYTES || offset < 0) return Result.Invalid;
  cpu.exec(COSTS["aegis.cap.lookup"]);
  const d = stateOf(k, env);
  const table = k.disk.extents;
  const s = d.caps.resolve(extentCap, table.gen);
  if (s < 0) return s;
  if ((d.caps.rights[s]! & (write ? Rights.Write : Rights.Read)) === 0) return Result.Rights;
  const x = d.caps.extent[s]!;
  // The extent covers every block the request touches.
  if (offset > table.length[x]! - blocks) return Result.Invalid;
  cpu.exec(COSTS["aegis.cap.lookup"]);
  const fs = env.caps.resolve(frameCap, k.frames.gen);
  if (fs < 0) return fs;
  // Into memory: the frame is written (write right); out of memory: read (read right).
  if ((env.caps.rights[fs]! & (write ? Rights.Read : Rights.Write)) === 0) return Result.Rights;
  const frame = env.caps.frame[fs]!;
  if (k.frames.owner[frame] !== env.id) return Result.NotOwner;
  cpu.exec(COSTS["aegis.quota.check"]);
  if (d.outstanding >= k.policy.diskQueueQuota) return Result.NoSlot;
  cpu.exec(COSTS["aegis.disk.enqueue"]);
  const ds = k.disk;
  const id = ds.nextId;
  ds.nextId = (ds.nextId + 1) & 0x7fffffff;
  const r: Request = {
    id,
    env,
    write,
    extent: x,
    extentGen: table.gen[x]!,
    block: table.start[x]! + offset,
    blocks,
    frame,
    frameGen: k.frames.gen[frame]!,
  };
  d.outstanding++;
  table.busy[x] = table.busy[x]! + 1;
  ds.queue[ds.queue.length] = r;
  ds.stats.requests++;
  if (ds.onDisk === null) startNext(k);
  return id;
}

/** Starts the first queued request still valid; completes the stale ones at once. */
function startNext(k: Kernel): void {
  const ds = k.disk;
  const cpu = k.cpu;
  while (ds.queueHead < ds.queue.length) {
    const r = ds.queue[ds.queueHead]!;
    ds.queue[ds.queueHead] = undefined as never;
    ds.queueHead++;
    if (ds.queueHead === ds.queue.length) {
      ds.queue.length = 0;
      ds.queueHead = 0;
    }
    const prev = cpu.setOwner(r.env.owner);
    cpu.exec(COSTS["aegis.disk.start"]);
    const valid =
      r.env.alive &&
      k.frames.gen[r.frame] === r.frameGen &&
      k.frames.owner[r.frame] === r.env.id &&
      k.disk.extents.gen[r.extent] === r.extentGen;
    if (!valid) {
      finish(k, r, Result.Stale);
      ds.stats.cancelled++;
      cpu.setOwner(prev);
      continue;
    }
    ds.onDisk = r;
    const pa = r.frame * PAGE_BYTES;
    if (r.write) k.machine.disk.write(r.block, r.blocks, pa);
    else k.machine.disk.read(r.block, r.blocks, pa);
    cpu.setOwner(prev);
    return;
  }
}

/** Request r is over: its extent is free of it; its completion goes to its owner. */
function finish(k: Kernel, r: Request, result: number): void {
  const table = k.disk.extents;
  table.busy[r.extent] = table.busy[r.extent]! - 1;
  if (table.busy[r.extent] === 0 && table.dying[r.extent] === 1) {
    // Its last request: the blocks are free now, and no one's to read.
    table.settle(r.extent);
    k.disk.blocksFreed(r.extent);
  }
  const d = k.disk.perEnv.get(r.env.id);
  if (d === undefined || !r.env.alive) return;
  d.doneIds[d.doneIds.length] = r.id;
  d.doneResults[d.doneResults.length] = result;
  if (r.env === k.activeEnv()) k.cpu.cause = (k.cpu.cause | SOFT_DISK) >>> 0;
}

/** IRQ.Disk (kernel mode, interrupts off): the request on the disk completed. */
export function diskInterrupt(k: Kernel, cpu: Cpu): Resolution {
  const ds = k.disk;
  const disk = k.machine.disk;
  const r = ds.onDisk;
  if (r === null) {
    disk.acknowledge();
    cpu.rfe();
    return Resolution.Retry;
  }
  const prev = cpu.setOwner(r.env.owner);
  disk.acknowledge();
  cpu.exec(COSTS["aegis.int.disk"]);
  ds.onDisk = null;
  ds.stats.completed++;
  if (ds.heldFrame >= 0) {
    // A frame freed during its DMA: free now that the disk is done with it.
    const f = ds.heldFrame;
    ds.heldFrame = -1;
    k.frames.owner[f] = FRAME_FREE;
    k.frames.freeCount++;
  }
  // A request whose extent was freed or taken while on the disk completes Stale (its
  // transfer happened, into or out of the requester's own frame).
  const live = k.disk.extents.gen[r.extent] === r.extentGen;
  if (live) settleBlocks(k, r);
  finish(k, r, live ? Result.Ok : Result.Stale);
  cpu.setOwner(prev);
  startNext(k);
  cpu.rfe();
  return Resolution.Retry;
}

/**
 * Deferred zeroing between owners (state.ts `mustZero`): a completed write makes its blocks
 * the writer's; a completed read of a block no one wrote since its last owner let it go
 * gets zeros in its part of the frame (stores through kseg0, charged to the reader), so no
 * one ever reads what a previous owner left on the disk.
 */
function settleBlocks(k: Kernel, r: Request): void {
  const cpu = k.cpu;
  const must = k.disk.mustZero;
  const blockBytes = k.machine.disk.geometry.blockBytes;
  for (let i = 0; i < r.blocks; i++) {
    cpu.exec(COSTS["aegis.disk.zeroCheck"]);
    const b = r.block + i;
    if (must[b] === 0) continue;
    if (r.write) must[b] = 0;
    else cpu.zero((KSEG0 + r.frame * PAGE_BYTES + i * blockBytes) >>> 0, blockBytes);
  }
}

// ---- delivery --------------------------------------------------------------------------------

/** `setInterruptHandler("disk", …)`: the save area checked as the alarm's. */
export function setDiskHandler(k: Kernel, env: Env, va: number, fn: unknown): number {
  const d = stateOf(k, env);
  if (fn === null) {
    d.handler = undefined;
    d.saveAreaPa = -1;
    return Result.Ok;
  }
  if (va < 0 || (va & 3) !== 0 || (va & 0xfff) > 4096 - 12) return Result.Invalid;
  const b = env.bindings.get(va >>> 12);
  if (b === undefined || !b.guaranteed || !b.writable) return Result.Fault;
  d.handler = fn as (h: EnvHandle) => void;
  d.saveAreaPa = b.frame * 4096 + (va & 0xfff);
  d.saveFrameGen = k.frames.gen[b.frame]!;
  return Result.Ok;
}

/** Whether `env` has a completion to deliver (the dispatcher posts IP1 for it). */
export function diskPending(k: Kernel, env: Env): boolean {
  const d = k.disk.perEnv.get(env.id);
  return d !== undefined && d.doneIds.length > d.doneHead;
}

/** The IP1 interrupt: delivers the running env's oldest completion to its handler. */
export function diskDeliver(k: Kernel, cpu: Cpu): Resolution {
  const env = k.activeEnv();
  const d = env === null ? undefined : k.disk.perEnv.get(env.id);
  if (env === null || !env.alive || d === undefined || d.doneIds.length === d.doneHead) {
    cpu.cause = (cpu.cause & ~SOFT_DISK) >>> 0;
    cpu.rfe();
    return Resolution.Retry;
  }
  const id = d.doneIds[d.doneHead]!;
  const result = d.doneResults[d.doneHead]!;
  d.doneHead++;
  if (d.doneHead === d.doneIds.length) {
    d.doneIds.length = 0;
    d.doneResults.length = 0;
    d.doneHead = 0;
  }
  // One completion per delivery: IP1 is cleared while its handler runs (it is not nested
  // in itself) and posted again after it when more are pending.
  cpu.cause = (cpu.cause & ~SOFT_DISK) >>> 0;
  d.outstanding--;
  const handler = d.handler;
  if (handler === undefined) {
    k.disk.stats.dropped++;
    if (d.doneIds.length > d.doneHead || netPending(k, env))
      cpu.cause = (cpu.cause | SOFT_DISK) >>> 0;
    cpu.rfe();
    return Resolution.Retry;
  }
  if (cpu.exceptionDepth - k.baseDepth > k.policy.maxExceptionDepth) {
    cpu.exec(COSTS["aegis.exc.unhandled"]);
    throw killActive(k, env, `exception nesting above ${k.policy.maxExceptionDepth}`);
  }
  const pa = d.saveAreaPa;
  const frame = pa >>> 12;
  if (pa < 0 || k.frames.gen[frame] !== d.saveFrameGen || k.frames.owner[frame] !== env.id) {
    cpu.exec(COSTS["aegis.exc.unhandled"]);
    throw killActive(k, env, "disk interrupt with no usable save area");
  }
  const base = (KSEG0 + pa) >>> 0;
  cpu.storeReg(base, Reg.t0);
  cpu.storeReg(base + 4, Reg.t1);
  cpu.storeReg(base + 8, Reg.t2);
  cpu.exec(COSTS["aegis.int.diskDispatch"]);
  cpu.setReg(Reg.t0, cpu.epc | 0);
  cpu.setReg(Reg.t1, id | 0);
  cpu.setReg(Reg.t2, result | 0);
  k.disk.stats.delivered++;
  const h = env.handle as EnvHandle;
  upcall(k, cpu, env, "a disk interrupt handler", () => handler(h));
  if (d.doneIds.length > d.doneHead || netPending(k, env))
    cpu.cause = (cpu.cause | SOFT_DISK) >>> 0;
  return Resolution.Retry;
}
