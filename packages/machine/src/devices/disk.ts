import { Category } from "../accounting.js";
import type { Cpu } from "../cpu.js";
import { IRQ } from "../cpu-defs.js";
import { ArgumentError, MachineError } from "../errors.js";
import type { EventQueue } from "../events.js";
import {
  floor,
  isInteger,
  mapGet,
  mapSet,
  min,
  typedArrayFill,
  typedArraySet,
  typedArraySlice,
} from "../intrinsics.js";
import type { PhysicalMemory } from "../memory.js";
import type { DiskProfile } from "../profiles.js";

/** A command given to a device that is still working on the previous one (host misuse). */
export class DeviceBusyError extends MachineError {
  override name = "DeviceBusyError";
}

/** Status register bits of the disk controller. */
export const DISK_STATUS_BUSY = 1;
/** A command completed and its interrupt has not been acknowledged yet. */
export const DISK_STATUS_DONE = 2;

/**
 * Register accesses per command: logical block, block count, DMA address, then the command
 * register (which starts the operation). One uncached access each.
 */
export const DISK_COMMAND_REGISTER_WRITES = 4;
/** Largest transfer per command (SCSI READ(10)/WRITE(10): a 16-bit transfer length). */
export const DISK_MAX_BLOCKS_PER_COMMAND = 65_535;

/** Nanoseconds in a minute: one revolution lasts NS_PER_MINUTE / rpm ns (exactly, as a ratio). */
const NS_PER_MINUTE = 60_000_000_000;

/** Where the time of one command goes, in integer nanoseconds (see `Disk.estimate`). */
export interface DiskEstimate {
  /** When the command register was written. */
  readonly issueNs: number;
  readonly controllerNs: number;
  readonly seekNs: number;
  /** Wait for the first sector to come under the head, from the platter angle at head arrival. */
  readonly rotationNs: number;
  readonly transferNs: number;
  /** issueNs + controller + seek + rotation + transfer. */
  readonly completionNs: number;
  /** First CPU cycle at or after completionNs: the cycle of the DMA and the interrupt. */
  readonly completionCycle: number;
  readonly fromTrack: number;
  readonly toTrack: number;
}

interface Command {
  readonly write: boolean;
  readonly block: number;
  readonly count: number;
  readonly pa: number;
  readonly estimate: DiskEstimate;
}

/**
 * A block device (profile.disk, a DEC RZ56 by default) with a seek / rotation / transfer model,
 * DMA into physical memory and a completion interrupt on IRQ.Disk.
 *
 * Model (all integer nanoseconds, deterministic):
 * - A command costs the controller overhead, then a seek of settle + perTrack * distance
 *   (capped at full stroke; 0 when the head is already on the track), then the rotational
 *   wait until the first block's sector passes under the head, then the transfer of
 *   count * blockBytes at transferBytesPerSecond. Track = block / blocksPerTrack, sector =
 *   block mod blocksPerTrack; sector k of every track starts at angle k / blocksPerTrack
 *   (no track skew); a multi-track transfer runs at the transfer rate throughout.
 * - The platter angle is a function of simulated time only: at t ns it is
 *   (t * rpm mod 60e9) / 60e9 of a revolution, computed exactly in integers.
 * - The head starts on track 0 and stays on the track of the last block transferred.
 * - Completion is one event at the first cycle at or after the completion time: the DMA
 *   happens then (a read's data appears in memory at that cycle, not before; a write takes
 *   the memory contents of that cycle), the status becomes DONE and IRQ.Disk is asserted
 *   until the kernel acknowledges. DMA steals no CPU cycles (assumption).
 *
 * Register accesses (command, status read, acknowledge) each charge one uncached access to
 * Category.Device; an operation takes effect at the end of its register access. Host misuse
 * (bad block, range past the end, DMA outside memory, a command while busy) throws a typed
 * error before anything changes, cycles included.
 *
 * The backing store is sparse (block -> bytes); never-written blocks read as zeros.
 */
export class Disk {
  readonly geometry: DiskProfile;
  readonly #store = new Map<number, Uint8Array>();
  #headTrack = 0;
  #status = 0;
  #command: Command | null = null;
  /** Commands completed since reset. */
  completed = 0;

  constructor(
    readonly cpu: Cpu,
    readonly memory: PhysicalMemory,
    readonly events: EventQueue,
    readonly sync: () => void,
  ) {
    this.geometry = cpu.profile.disk;
  }

  // ---- the kernel's register interface (charged) -------------------------------------------

  /** Reads `count` blocks from `block` into physical memory at `pa` (DMA at completion). */
  read(block: number, count: number, pa: number): void {
    this.#start(false, block, count, pa);
  }

  /** Writes `count` blocks at `block` from physical memory at `pa` (DMA at completion). */
  write(block: number, count: number, pa: number): void {
    this.#start(true, block, count, pa);
  }

  /** Reads the status register (DISK_STATUS_BUSY | DISK_STATUS_DONE). */
  readStatus(): number {
    this.#registerAccess(1);
    return this.#status;
  }

  /** Acknowledges the completion interrupt: clears DONE and deasserts IRQ.Disk. */
  acknowledge(): void {
    this.#registerAccess(1);
    this.#status &= ~DISK_STATUS_DONE;
    this.cpu.clearIrq(IRQ.Disk);
  }

  // ---- host-side inspection and set-up (uncharged, privileged) ---------------------------

  /** The status register without a charged access (tests and host tools). */
  get peekStatus(): number {
    return this.#status;
  }

  get busy(): boolean {
    return this.#command !== null;
  }

  get headTrack(): number {
    return this.#headTrack;
  }

  /** Blocks held by the sparse backing store. */
  get storedBlocks(): number {
    return this.#store.size;
  }

  /** Puts `data` (a whole number of blocks) on the disk from `block` on, without any timing. */
  preload(block: number, data: Uint8Array): void {
    const g = this.geometry;
    if (!(data instanceof Uint8Array) || data.length === 0 || data.length % g.blockBytes !== 0) {
      throw new ArgumentError(`preload data must be a non-empty multiple of ${g.blockBytes} bytes`);
    }
    const count = data.length / g.blockBytes;
    this.#checkRange(block, count, g.blocks);
    for (let i = 0; i < count; i++) {
      this.#store.set(block + i, data.slice(i * g.blockBytes, (i + 1) * g.blockBytes));
    }
  }

  /** Copies `count` blocks from the disk (zeros where never written), without any timing. */
  inspect(block: number, count = 1): Uint8Array {
    const g = this.geometry;
    this.#checkRange(block, count, g.blocks);
    const out = new Uint8Array(count * g.blockBytes);
    for (let i = 0; i < count; i++) {
      const b = this.#store.get(block + i);
      if (b !== undefined) out.set(b, i * g.blockBytes);
    }
    return out;
  }

  /**
   * The model, as a pure function: the time of a command for `count` blocks at `block`
   * written at `issueNs` (default: now), from the current head position. The disk schedules
   * its completion with exactly this estimate.
   */
  estimate(block: number, count: number, issueNs = this.cpu.now * this.cpu.profile.cycleNs) {
    const g = this.geometry;
    this.#checkRange(block, count, DISK_MAX_BLOCKS_PER_COMMAND);
    checkIntCaptured("issueNs", issueNs, 0, Number.MAX_SAFE_INTEGER);
    const toTrack = floor(block / g.blocksPerTrack);
    const controllerNs = g.controllerOverheadNs;
    const distance = toTrack - this.#headTrack;
    const seekNs = seekTimeNs(g, distance < 0 ? -distance : distance);
    const arriveNs = issueNs + controllerNs + seekNs;
    const rotationNs = rotationalWaitNs(g, arriveNs, block % g.blocksPerTrack);
    const transferNs = transferTimeNs(g, count * g.blockBytes);
    const completionNs = arriveNs + rotationNs + transferNs;
    const cycleNs = this.cpu.profile.cycleNs;
    const estimate: DiskEstimate = {
      issueNs,
      controllerNs,
      seekNs,
      rotationNs,
      transferNs,
      completionNs,
      completionCycle: ceilDiv(completionNs, cycleNs),
      fromTrack: this.#headTrack,
      toTrack,
    };
    return estimate;
  }

  // ---- internals ---------------------------------------------------------------------------

  #start(write: boolean, block: number, count: number, pa: number): void {
    this.#checkRange(block, count, DISK_MAX_BLOCKS_PER_COMMAND);
    this.memory.checkRange(pa, count * this.geometry.blockBytes);
    this.#checkIdle();
    this.#registerAccess(DISK_COMMAND_REGISTER_WRITES);
    // An interrupt handler taken during the register writes may have started a command.
    this.#checkIdle();
    const estimate = this.estimate(block, count);
    this.#command = { write, block, count, pa, estimate };
    this.#status |= DISK_STATUS_BUSY;
    this.events.schedule(estimate.completionCycle, write ? "disk.write" : "disk.read", () =>
      this.#complete(),
    );
    this.sync();
  }

  // Captured intrinsics only on the command and completion paths (intrinsics.ts): a kernel
  // drives them while untrusted code runs, which may have patched the prototypes.
  #complete(): void {
    const cmd = this.#command!;
    const bytes = this.geometry.blockBytes;
    const u8 = this.memory.u8;
    for (let i = 0; i < cmd.count; i++) {
      const at = cmd.pa + i * bytes;
      if (cmd.write) mapSet(this.#store, cmd.block + i, typedArraySlice(u8, at, at + bytes));
      else {
        const b = mapGet(this.#store, cmd.block + i);
        if (b === undefined) typedArrayFill(u8, 0, at, at + bytes);
        else typedArraySet(u8, b, at);
      }
    }
    this.#headTrack = floor((cmd.block + cmd.count - 1) / this.geometry.blocksPerTrack);
    this.#command = null;
    this.completed++;
    this.#status = (this.#status & ~DISK_STATUS_BUSY) | DISK_STATUS_DONE;
    this.cpu.assertIrq(IRQ.Disk);
  }

  #checkRange(block: number, count: number, maxCount: number): void {
    const blocks = this.geometry.blocks;
    checkIntCaptured("disk block number", block, 0, blocks - 1);
    checkIntCaptured("disk block count", count, 1, maxCount);
    if (block + count > blocks) {
      throw new ArgumentError(
        `disk range [${block}, ${block + count}) runs past the last block (${blocks - 1})`,
      );
    }
  }

  #checkIdle(): void {
    if (this.#command !== null) {
      const c = this.#command;
      throw new DeviceBusyError(
        `disk is busy with a ${c.write ? "write" : "read"} of ${c.count} block(s) at ${c.block} until cycle ${c.estimate.completionCycle}`,
      );
    }
  }

  #registerAccess(accesses: number): void {
    this.cpu.drainWriteBuffer();
    this.cpu.charge(accesses * this.cpu.profile.uncachedAccessCycles, Category.Device);
  }
}

/** settle + perTrack * distance, capped at full stroke; no seek when already on the track. */
export function seekTimeNs(g: DiskProfile, distanceTracks: number): number {
  if (distanceTracks === 0) return 0;
  return min(g.seekSettleNs + g.seekPerTrackNs * distanceTracks, g.seekFullStrokeNs);
}

/**
 * Nanoseconds from `atNs` until sector `sector` starts to pass under the head. In units of
 * 1/(rpm * blocksPerTrack) ns a revolution is 60e9 * blocksPerTrack units and a sector 60e9,
 * so every quantity is an exact integer (magnitudes stay below 2^53).
 */
export function rotationalWaitNs(g: DiskProfile, atNs: number, sector: number): number {
  const perRevolution = NS_PER_MINUTE * g.blocksPerTrack;
  const angle = ((atNs % NS_PER_MINUTE) * g.rpm) % NS_PER_MINUTE;
  const position = angle * g.blocksPerTrack;
  const delta =
    (((sector * NS_PER_MINUTE - position) % perRevolution) + perRevolution) % perRevolution;
  return ceilDiv(delta, g.rpm * g.blocksPerTrack);
}

/** bytes at transferBytesPerSecond, rounded up to a whole ns (split to stay exact). */
export function transferTimeNs(g: DiskProfile, bytes: number): number {
  const rate = g.transferBytesPerSecond;
  const whole = floor(bytes / rate);
  return whole * 1_000_000_000 + ceilDiv((bytes % rate) * 1_000_000_000, rate);
}

/** ceil(n / d) for non-negative safe integers, exactly (no floating-point quotient). */
export function ceilDiv(n: number, d: number): number {
  const r = n % d;
  return (n - r) / d + (r > 0 ? 1 : 0);
}

/** `checkInt` with the captured `Number.isInteger` (the command path runs under untrusted code). */
function checkIntCaptured(what: string, value: unknown, lo: number, hi: number): void {
  if (typeof value !== "number" || !isInteger(value) || value < lo || value > hi) {
    throw new ArgumentError(`${what} must be an integer in [${lo}, ${hi}], got ${String(value)}`);
  }
}
