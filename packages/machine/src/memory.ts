import { ConfigError, PhysicalAddressError } from "./errors.js";

export const PAGE_BYTES = 4096;
export const PAGE_SHIFT = 12;
export const PAGE_MASK = PAGE_BYTES - 1;

/**
 * Physical memory: 4 KiB frames in one ArrayBuffer, little-endian like the DECstations.
 * These helpers are privileged and uncharged: kernels use them to set the machine up (load
 * an image, DMA). Code on a measured path reaches memory through the CPU's charged accesses.
 */
export class PhysicalMemory {
  readonly sizeBytes: number;
  readonly frames: number;
  readonly buffer: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;

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
    this.buffer = new ArrayBuffer(sizeBytes);
    this.u8 = new Uint8Array(this.buffer);
    this.u16 = new Uint16Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
  }

  checkRange(pa: number, bytes: number): void {
    if (
      !Number.isInteger(pa) ||
      !Number.isInteger(bytes) ||
      pa < 0 ||
      bytes < 0 ||
      pa + bytes > this.sizeBytes
    ) {
      throw new PhysicalAddressError(
        `physical range [${String(pa)}, +${String(bytes)}) is outside installed memory [0, ${this.sizeBytes})`,
      );
    }
  }

  checkFrame(frame: number): void {
    if (!Number.isInteger(frame) || frame < 0 || frame >= this.frames) {
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
    return this.u8.slice(pa, pa + bytes);
  }
  writeBytes(pa: number, data: Uint8Array): void {
    this.checkRange(pa, data.length);
    this.u8.set(data, pa);
  }
  zeroFrame(frame: number): void {
    this.checkFrame(frame);
    this.u32.fill(0, (frame * PAGE_BYTES) >>> 2, ((frame + 1) * PAGE_BYTES) >>> 2);
  }

  private checkAligned(pa: number, size: number): void {
    this.checkRange(pa, size);
    if (pa % size !== 0)
      throw new PhysicalAddressError(`physical address ${pa} is not ${size}-byte aligned`);
  }
}
