import {
  type Cpu,
  KERNEL_OWNER,
  KSEG0,
  NET_STATUS_MISS,
  PAGE_BYTES,
  Reg,
  Resolution,
} from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { COSTS, NET_COSTS } from "../costs.js";
import { diskPending, SOFT_DISK } from "../disk/disk.js";
import type { Env } from "../env/env.js";
import type { EnvHandle } from "../env/handle-types.js";
import { killActive, upcall } from "../exc/upcall.js";
import { Result } from "../result.js";
import { NO_OWNER } from "./dpf/engine.js";
import { type FilterRec, netPending, RING } from "./state.js";

/**
 * The receive path. IRQ.Network (kernel mode, interrupts off): read and acknowledge the card's
 * status, then for each frame the card returned, in ring order:
 *   1. classify it with the compiled DPF demultiplexer (charged to the kernel: the engine's
 *      counted work); no filter accepts it → dropped (counted);
 *   2. the rest is charged to the filter's owner. If the filter has an ASH, run it on the
 *      frame in the kernel's buffer (it may write the frame, the frame the owner bound at
 *      download if still the owner's, and queue sends, made now); an ASH that returns 0
 *      consumed the frame;
 *   3. otherwise write the frame into the owner's ring (its frame, through kseg0: charged
 *      loads and stores), if it is still the owner's and has room; else dropped (counted);
 *   4. hand the buffer back to the card.
 * No env's ring ever receives a frame its own filter did not accept: the only write into a
 * ring is step 3, for the filter the demultiplexer named, whose record names its owner.
 *
 * Delivery: an env with a handler ("net") and frames written since its handler last ran gets
 * one upcall, on software interrupt IP1 (shared with the disk: the interrupt serves the disk
 * first, then the network), posted at once if its code is on the CPU, else when the
 * dispatcher next resumes it: t1 = frames written since the last upcall, t2 = 0.
 */

const D = RING.dataBytes;

/** IRQ.Network: drain the frames the card returned (see above). */
export function netInterrupt(k: Kernel, cpu: Cpu): Resolution {
  const card = k.machine.net;
  const prev = cpu.setOwner(KERNEL_OWNER);
  const status = card.readStatus();
  card.acknowledge(status);
  cpu.exec(COSTS["aegis.int.net"]);
  const ns = k.net;
  const slots = ns.rxSlotPa.length;
  if ((status & NET_STATUS_MISS) !== 0) ns.stats.cardMissed = card.framesDropped;
  for (let i = 0; i < slots; i++) {
    const slot = ns.rxHead;
    const length = card.receivedLength(slot);
    if (length === 0) break;
    cpu.exec(COSTS["aegis.net.rxSlot"]);
    ns.stats.received++;
    receiveOne(k, cpu, ns.rxSlotPa[slot]!, length);
    cpu.setOwner(KERNEL_OWNER);
    card.giveReceiveBuffer(slot, ns.rxSlotPa[slot]!);
    ns.rxHead = slot + 1 === slots ? 0 : slot + 1;
  }
  cpu.setOwner(prev);
  cpu.rfe();
  return Resolution.Retry;
}

function receiveOne(k: Kernel, cpu: Cpu, pa: number, length: number): void {
  const ns = k.net;
  const engine = ns.engine;
  const owner = engine.demuxAt(k.machine.memory.u8, pa, length);
  cpu.exec(NET_COSTS["aegis.dpf.counted"], engine.work.instructions);
  if (owner === NO_OWNER) {
    ns.stats.unclaimed++;
    return;
  }
  const rec = ns.filters.get(engine.lastFilter);
  if (rec === undefined || rec.env.id !== owner || !rec.env.alive) {
    ns.stats.unclaimed++;
    return;
  }
  cpu.exec(COSTS["aegis.net.owner"]);
  cpu.setOwner(rec.env.owner);
  if (rec.ash !== null && runAsh(k, cpu, rec, pa, length)) return;
  if (writeRing(k, cpu, rec, pa, length)) {
    ns.stats.delivered++;
    const n = ns.perEnv.get(rec.env.id);
    if (n !== undefined && n.handler !== undefined) {
      n.pending++;
      if (rec.env === k.activeEnv()) cpu.cause = (cpu.cause | SOFT_DISK) >>> 0;
    }
  }
}

/** Runs the filter's ASH; true if it consumed the frame (it returned 0 without a fault). */
function runAsh(k: Kernel, cpu: Cpu, rec: FilterRec, pa: number, length: number): boolean {
  const ns = k.net;
  const ash = rec.ash!;
  if (rec.ashGrantFrame >= 0) {
    cpu.exec(COSTS["aegis.net.ashGrant"]);
    const f = rec.ashGrantFrame;
    if (k.frames.gen[f] !== rec.ashGrantGen || k.frames.owner[f] !== rec.env.id) return false;
  }
  ns.stats.ashRuns++;
  const status = ash.run(k.machine.memory.u8, pa, length);
  cpu.exec(NET_COSTS["aegis.ash.counted"], ash.instructions);
  if (status !== Result.Ok) {
    ns.stats.ashFaults++;
    return false;
  }
  const card = k.machine.net;
  const q = ash.sends;
  for (let i = 0; i < ash.sendCount; i++) {
    cpu.exec(COSTS["aegis.net.ashSend"]);
    const region = q[3 * i]!;
    const base = region === 0 ? pa : rec.ashGrantFrame * PAGE_BYTES;
    if (card.transmitsInFlight >= card.params.receiveRingSlots) {
      ns.stats.ashSendsDropped++;
      continue;
    }
    card.transmit(base + q[3 * i + 1]!, q[3 * i + 2]!);
    ns.stats.ashSent++;
  }
  if (ash.value !== 0) return false;
  ns.stats.ashConsumed++;
  return true;
}

/**
 * Writes one record into the owner's ring (layout: RING). The header words are the owner's
 * memory, so they are checked as untrusted: a producer or consumer that is not a ring's
 * position, or a ring with no room, drops the frame (counted in the ring and the stats).
 */
function writeRing(k: Kernel, cpu: Cpu, rec: FilterRec, pa: number, length: number): boolean {
  const ns = k.net;
  const f = rec.ringFrame;
  cpu.exec(COSTS["aegis.net.ringCheck"]);
  if (k.frames.gen[f] !== rec.ringGen || k.frames.owner[f] !== rec.env.id) {
    ns.stats.ringGone++;
    return false;
  }
  const base = (KSEG0 + f * PAGE_BYTES) >>> 0;
  const prod = cpu.load32(base + RING.producer) >>> 0;
  const cons = cpu.load32(base + RING.consumer) >>> 0;
  const used = prod >= cons ? prod - cons : prod + 2 * D - cons;
  const p = prod >= D ? prod - D : prod;
  const padded = (length + 3) & ~3;
  const size = RING.headerBytes + padded;
  const skip = p + size > D ? D - p : 0;
  if (
    prod >= 2 * D ||
    cons >= 2 * D ||
    (prod & 3) !== 0 ||
    (cons & 3) !== 0 ||
    used > D ||
    skip + size > D - used
  ) {
    cpu.store32(base + RING.dropped, (cpu.load32(base + RING.dropped) + 1) | 0);
    ns.stats.ringFull++;
    return false;
  }
  const data = base + RING.data;
  let at = prod;
  if (skip > 0) {
    cpu.store32(data + p, 0);
    at = advance(at, skip);
  }
  const q = at >= D ? at - D : at;
  cpu.store32(data + q, length);
  cpu.copy(data + q + RING.headerBytes, (KSEG0 + pa) >>> 0, padded);
  cpu.exec(COSTS["aegis.net.ringCopy"], padded >>> 2);
  cpu.exec(COSTS["aegis.net.ringPublish"]);
  cpu.store32(base + RING.producer, advance(at, size));
  return true;
}

/** A ring position moved forward by `bytes`, in [0, 2D). */
function advance(pos: number, bytes: number): number {
  const x = pos + bytes;
  return x >= 2 * D ? x - 2 * D : x;
}

// ---- delivery ------------------------------------------------------------------------------

/** The dispatcher resumes `env`: post IP1 if it has frames to announce. */
export function postNet(k: Kernel, env: Env): boolean {
  if (!netPending(k, env)) return false;
  k.cpu.exec(COSTS["aegis.int.netPost"]);
  k.cpu.cause = (k.cpu.cause | SOFT_DISK) >>> 0;
  return true;
}

/** IP1 with no disk completion pending: the running env's network upcall. */
export function netDeliver(k: Kernel, cpu: Cpu): Resolution {
  cpu.cause = (cpu.cause & ~SOFT_DISK) >>> 0;
  const env = k.activeEnv();
  const n = env === null ? undefined : k.net.perEnv.get(env.id);
  if (env === null || !env.alive || n === undefined || n.pending === 0) {
    cpu.rfe();
    return Resolution.Retry;
  }
  const count = n.pending;
  n.pending = 0;
  const handler = n.handler;
  if (handler === undefined) {
    cpu.rfe();
    return Resolution.Retry;
  }
  if (cpu.exceptionDepth - k.baseDepth > k.policy.maxExceptionDepth) {
    cpu.exec(COSTS["aegis.exc.unhandled"]);
    throw killActive(k, env, `exception nesting above ${k.policy.maxExceptionDepth}`);
  }
  const pa = n.saveAreaPa;
  const frame = pa >>> 12;
  if (pa < 0 || k.frames.gen[frame] !== n.saveFrameGen || k.frames.owner[frame] !== env.id) {
    cpu.exec(COSTS["aegis.exc.unhandled"]);
    throw killActive(k, env, "network interrupt with no usable save area");
  }
  const base = (KSEG0 + pa) >>> 0;
  cpu.storeReg(base, Reg.t0);
  cpu.storeReg(base + 4, Reg.t1);
  cpu.storeReg(base + 8, Reg.t2);
  cpu.exec(COSTS["aegis.int.netDispatch"]);
  cpu.setReg(Reg.t0, cpu.epc | 0);
  cpu.setReg(Reg.t1, count | 0);
  cpu.setReg(Reg.t2, 0);
  k.net.stats.upcalls++;
  const h = env.handle as EnvHandle;
  upcall(k, cpu, env, "a network interrupt handler", () => handler(h));
  if (diskPending(k, env) || netPending(k, env)) cpu.cause = (cpu.cause | SOFT_DISK) >>> 0;
  return Resolution.Retry;
}
