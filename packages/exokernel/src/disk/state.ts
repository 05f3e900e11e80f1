import type { Kernel } from "../core.js";
import type { Env } from "../env/env.js";
import type { EnvHandle } from "../env/handle-types.js";
import { newList, SafeMap } from "../intrinsics.js";
import { FRAME_KERNEL } from "../mem/frames.js";
import type { ExtentCaps } from "./extents.js";
import { ExtentTable } from "./extents.js";

/**
 * The disk's kernel state (disk/disk.ts has the calls and the interrupt paths), and the two
 * hooks the frame and lifecycle code call: a leaf module (no runtime import of the upcall
 * path), so that mem/ and env/ may import it without a cycle.
 */

/** One queued request (the kernel's record; checked when made and again as it starts). */
export interface Request {
  readonly id: number;
  readonly env: Env;
  readonly write: boolean;
  readonly extent: number;
  readonly extentGen: number;
  readonly block: number;
  readonly blocks: number;
  readonly frame: number;
  readonly frameGen: number;
}

/** An environment's disk state. */
export interface DiskEnv {
  readonly caps: ExtentCaps;
  /** Requests queued, on the disk, or completed and not delivered (the quota's count). */
  outstanding: number;
  /** Completions to deliver: request id and result, in completion order. */
  readonly doneIds: number[];
  readonly doneResults: number[];
  /** The next completion to deliver (index into doneIds / doneResults). */
  doneHead: number;
  handler: ((h: EnvHandle) => void) | undefined;
  saveAreaPa: number;
  saveFrameGen: number;
}

export interface DiskStats {
  requests: number;
  completed: number;
  cancelled: number;
  delivered: number;
  dropped: number;
}

export class DiskState {
  readonly extents: ExtentTable;
  readonly perEnv = new SafeMap<number, DiskEnv>();
  readonly queue: Request[] = newList();
  queueHead = 0;
  onDisk: Request | null = null;
  /** A frame freed during its DMA (held by the kernel until completion), or -1. */
  heldFrame = -1;
  nextId = 0;
  readonly stats: DiskStats = { requests: 0, completed: 0, cancelled: 0, delivered: 0, dropped: 0 };

  constructor(extentEntries: number) {
    this.extents = new ExtentTable(extentEntries);
  }
}

/**
 * Called by `releaseFrame` before it frees frame f: true if the disk is DMAing into or out
 * of it (the frame is then held by the kernel until the request completes).
 */
export function holdIfOnDisk(k: Kernel, f: number): boolean {
  const r = k.disk.onDisk;
  if (r === null || r.frame !== f || k.disk.heldFrame >= 0) return false;
  k.disk.heldFrame = f;
  k.frames.owner[f] = FRAME_KERNEL;
  return true;
}

// ---- destruction -----------------------------------------------------------------------------

/** `env` is destroyed: its queued requests go, its extents are freed (dying if on the disk). */
export function reclaimDisk(k: Kernel, env: Env): void {
  const ds = k.disk;
  const d = ds.perEnv.get(env.id);
  if (d === undefined) return;
  const table = ds.extents;
  const q = ds.queue;
  let w = ds.queueHead;
  for (let i = ds.queueHead; i < q.length; i++) {
    const r = q[i]!;
    if (r.env === env) {
      table.busy[r.extent] = table.busy[r.extent]! - 1;
      continue;
    }
    q[w++] = r;
  }
  q.length = w;
  for (let s = 0; s < d.caps.size; s++) {
    if (d.caps.used[s] === 0) continue;
    const x = d.caps.extent[s]!;
    d.caps.release(s);
    if (table.owner[x] === env.id) table.release(x, table.busy[x]! > 0);
  }
  ds.perEnv.delete(env.id);
}
