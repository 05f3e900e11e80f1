import type { Kernel } from "../core.js";
import type { Env } from "../env/env.js";
import type { EnvHandle } from "../env/handle-types.js";
import { newList, SafeMap, Uint8ArrayCtor } from "../intrinsics.js";
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
  /** Extents the kernel asked back (entry → deadline cycle), as `Env.revokeWanted`. */
  readonly wanted: SafeMap<number, number>;
  /** Ranges it surrendered under a request, withheld from it until the deadline. */
  readonly withheldStart: number[];
  readonly withheldLength: number[];
  readonly withheldUntil: number[];
  /** Extents taken from it by force (first blocks), as `repossessed()` for frames. */
  readonly repossessed: number[];
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
  /**
   * Blocks whose last owner let them go and that no one has written since: a read of one
   * is served as zeros (deferred zero-on-first-read; disk/disk.ts `zeroStale`). Set when an
   * extent's blocks become free, cleared by a completed write.
   */
  readonly mustZero: Uint8Array;
  readonly stats: DiskStats = { requests: 0, completed: 0, cancelled: 0, delivered: 0, dropped: 0 };

  constructor(extentEntries: number, diskBlocks: number) {
    this.extents = new ExtentTable(extentEntries);
    this.mustZero = new Uint8ArrayCtor(diskBlocks);
  }

  /** Extent x's blocks are free again: whatever is on them is no one's to read. */
  blocksFreed(x: number): void {
    const start = this.extents.start[x]!;
    const end = start + this.extents.length[x]!;
    for (let b = start; b < end; b++) this.mustZero[b] = 1;
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

/** Frees extent x of a dying owner: its copies in other lists go, then its blocks. */
function dropOwned(k: Kernel, x: number): void {
  const ds = k.disk;
  const table = ds.extents;
  if (table.copies[x]! > 0) {
    ds.perEnv.forEach((o) => {
      const caps = o.caps;
      for (let s = 0; s < caps.size; s++) {
        if (caps.used[s] === 1 && caps.foreign[s] === 1 && caps.extent[s] === x) caps.release(s);
      }
    });
    table.copies[x] = 0;
  }
  const busy = table.busy[x]! > 0;
  table.release(x, busy);
  if (!busy) ds.blocksFreed(x);
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
  // Its own extents are freed below; the copies others granted it go with its list.
  k.pendingRevocations -= d.wanted.size;
  d.wanted.clear();
  ds.perEnv.delete(env.id);
  for (let s = 0; s < d.caps.size; s++) {
    if (d.caps.used[s] === 0) continue;
    const x = d.caps.extent[s]!;
    const foreign = d.caps.foreign[s] === 1;
    d.caps.release(s);
    if (foreign) {
      table.copies[x] = table.copies[x]! - 1;
      continue;
    }
    if (table.owner[x] !== env.id) continue;
    dropOwned(k, x);
  }
}
