import { ArgumentError, ConfigError, PhysicalAddressError } from "./errors.js";
import {
  isInteger,
  isUint8Array,
  typedArrayFill,
  typedArrayLength,
  typedArraySet,
  typedArraySlice,
} from "./intrinsics.js";

export const PAGE_BYTES = 4096;
export const PAGE_SHIFT = 12;
export const PAGE_MASK = PAGE_BYTES - 1;

/**
 * The host buffer holds, before simulated memory, the TLB's host map (one word per kuseg
 * VPN, see Tlb) and control words (the CPU's fast-access budget, the write buffer's threshold,
 * the caches' tags). One typed array then serves a TLB hit whole: map word, budget word, tag
 * word, data word. None of it
 * is addressable by the simulated machine.
 */
export const HOST_MAP_WORDS = 1 << 19;
/** Word index of the CPU's budget word (cycles of fast accesses left before the next event). */
export const HOST_BUDGET_WORD = HOST_MAP_WORDS;
/**
 * The write buffer's stall threshold in budget coordinates, biased by HOST_WB_BIAS: a store
 * issued with budget b stalls `b - threshold` cycles when that is positive (cpu/clock.ts).
 */
export const HOST_WB_WORD = HOST_MAP_WORDS + 1;
/** Cycles of write-buffer stall taken by fast stores, not synced yet. */
export const HOST_STALL_WORD = HOST_MAP_WORDS + 2;
/** Cycles of cache-miss penalty taken by fast loads, not synced yet. */
export const HOST_MISS_WORD = HOST_MAP_WORDS + 3;
/** Bias of the write-buffer word (the threshold may be a little below zero). */
export const HOST_WB_BIAS = 1 << 20;
/** Largest number of lines of either cache (64 KiB of 4-byte lines). */
export const CACHE_MAX_LINES = 16384;
/**
 * The data cache's tags: one word per line, the host word index of the memory word it holds
 * (0: invalid; no memory word has index 0). Line i of the cache is tag word D_TAG + i.
 */
export const HOST_DTAG_WORD = HOST_MAP_WORDS + CACHE_MAX_LINES;
/** The instruction cache's tags (code addresses, see cpu/memory-system.ts). */
export const HOST_ITAG_WORD = HOST_MAP_WORDS + 2 * CACHE_MAX_LINES;
/**
 * A multiple of CACHE_MAX_LINES, so that a memory word's host index and its physical word
 * address agree modulo any cache's line count: the caches are physically indexed.
 */
const HOST_CONTROL_WORDS = 3 * CACHE_MAX_LINES;
/** Byte offset of physical address 0 in the host buffer. */
export const MEMORY_OFFSET_BYTES = (HOST_MAP_WORDS + HOST_CONTROL_WORDS) * 4;

/**
 * Physical memory: 4 KiB frames in one ArrayBuffer, little-endian like the DECstations.
 * These helpers are privileged and uncharged: kernels use them to set the machine up (load
 * an image, DMA). Code on a measured path reaches memory through the CPU's charged accesses.
 * `u8`/`u16`/`u32` view physical memory only (index 0 is physical address 0); `host` views
 * the whole host buffer, map and control words included, for the CPU and the TLB alone.
 */
export class PhysicalMemory {
  readonly sizeBytes: number;
  readonly frames: number;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  /** The whole host buffer as words: [translation map | control words | memory]. */
  readonly host: Uint32Array;

  constructor(sizeBytes: number) {
    if (!Number.isInteger(sizeBytes) || sizeBytes < PAGE_BYTES || sizeBytes % PAGE_BYTES !== 0) {
      throw new ConfigError(
        `memory size must be a positive multiple of ${PAGE_BYTES} bytes, got ${String(sizeBytes)}`,
      );
    }
    if (sizeBytes > 512 * 1024 * 1024) {
      throw new ConfigError(
        `memory size is limited to 512 MiB (the R3000's kseg0 window), got ${sizeBytes}`,
      );
    }
    this.sizeBytes = sizeBytes;
    this.frames = sizeBytes / PAGE_BYTES;
    const buffer = new ArrayBuffer(MEMORY_OFFSET_BYTES + sizeBytes);
    this.u8 = new Uint8Array(buffer, MEMORY_OFFSET_BYTES, sizeBytes);
    this.u16 = new Uint16Array(buffer, MEMORY_OFFSET_BYTES, sizeBytes / 2);
    this.u32 = new Uint32Array(buffer, MEMORY_OFFSET_BYTES, sizeBytes / 4);
    this.host = new Uint32Array(buffer);
  }

  checkRange(pa: number, bytes: number): void {
    if (!isInteger(pa) || !isInteger(bytes) || pa < 0 || bytes < 0 || pa + bytes > this.sizeBytes) {
      throw new PhysicalAddressError(
        `physical range [${String(pa)}, +${String(bytes)}) is outside installed memory [0, ${this.sizeBytes})`,
      );
    }
  }

  checkFrame(frame: number): void {
    if (!isInteger(frame) || frame < 0 || frame >= this.frames) {
      throw new PhysicalAddressError(
        `frame ${String(frame)} does not exist (frames 0..${this.frames - 1})`,
      );
    }
  }

  read8(pa: number): number {
    this.checkRange(pa, 1);
    return this.u8[pa]!;
  }
  read16(pa: number): number {
    this.checkAligned(pa, 2);
    return this.u16[pa >>> 1]!;
  }
  read32(pa: number): number {
    this.checkAligned(pa, 4);
    return this.u32[pa >>> 2]!;
  }
  write8(pa: number, v: number): void {
    this.checkRange(pa, 1);
    this.u8[pa] = v;
  }
  write16(pa: number, v: number): void {
    this.checkAligned(pa, 2);
    this.u16[pa >>> 1] = v;
  }
  write32(pa: number, v: number): void {
    this.checkAligned(pa, 4);
    this.u32[pa >>> 2] = v;
  }
  readBytes(pa: number, bytes: number): Uint8Array {
    this.checkRange(pa, bytes);
    return typedArraySlice(this.u8, pa, pa + bytes);
  }
  writeBytes(pa: number, data: Uint8Array): void {
    if (!isUint8Array(data)) throw new ArgumentError("writeBytes: data must be a Uint8Array");
    this.checkRange(pa, typedArrayLength(data));
    typedArraySet(this.u8, data, pa);
  }
  zeroFrame(frame: number): void {
    this.checkFrame(frame);
    typedArrayFill(this.u32, 0, (frame * PAGE_BYTES) >>> 2, ((frame + 1) * PAGE_BYTES) >>> 2);
  }

  private checkAligned(pa: number, size: number): void {
    this.checkRange(pa, size);
    if (pa % size !== 0)
      throw new PhysicalAddressError(`physical address ${pa} is not ${size}-byte aligned`);
  }
}
