import { type EnvHandle, PAGE_BYTES, Result } from "@exolab/exokernel";
import { G_IPC_NEXT, GLOBALS_VA, IPC_BASE, IPC_LIMIT } from "../layout.js";
import { Prot, type Vm } from "../vm/vm.js";
import { Errno } from "./fd.js";

/**
 * Shared windows: pages in the IPC region of the address space, entered in the page table
 * like any mapping (so refills, protection and unmapping work on them), bump-allocated.
 */
export class Windows {
  constructor(
    private readonly env: EnvHandle,
    private readonly vm: Vm,
  ) {}

  init(): void {
    this.env.cpu.store32(GLOBALS_VA + G_IPC_NEXT, IPC_BASE);
  }

  /** Reserves `pages` of window address space; returns its address or NoWindow. */
  reserve(pages: number): number {
    const cpu = this.env.cpu;
    const next = cpu.load32Used(GLOBALS_VA + G_IPC_NEXT) >>> 0; // end is computed from it at once
    const end = next + pages * PAGE_BYTES;
    if (end > IPC_LIMIT) return Errno.NoWindow;
    cpu.store32(GLOBALS_VA + G_IPC_NEXT, end);
    return next;
  }

  /**
   * A fresh zeroed page of ours, mapped read-write in a window, granted to `peer`
   * (read-write unless `writable` is false). Returns [va, capability name in the peer's
   * list] or a negative code.
   */
  create(peer: number, writable = true): [number, number] | number {
    const va = this.reserve(1);
    if (va < 0) return va;
    let r = this.vm.map(va, 1, Prot.ReadWrite);
    if (r < 0) return r;
    r = this.vm.share(va, peer, writable);
    if (r < 0) {
      this.vm.unmap(va, 1);
      return r;
    }
    return [va, r];
  }

  /** Maps a page granted to us (capability `cap`) in a window; returns its address. */
  attach(cap: number, writable: boolean): number {
    const frame = this.env.frameOf(cap);
    if (frame < 0) return frame;
    const va = this.reserve(1);
    if (va < 0) return va;
    const r = this.vm.mapShared(va, cap, writable);
    return r < 0 ? r : va;
  }

  /** Unmaps a window page (frees the frame if it is ours). */
  release(va: number): number {
    return Number.isInteger(va) && va >= IPC_BASE && va < IPC_LIMIT
      ? this.vm.unmap(va, 1)
      : Result.Invalid;
  }
}
