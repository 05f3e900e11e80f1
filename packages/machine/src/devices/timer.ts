import { Category } from "../accounting.js";
import type { Cpu } from "../cpu.js";
import { IRQ } from "../cpu-defs.js";
import { ArgumentError } from "../errors.js";
import type { EventQueue, MachineEvent } from "../events.js";
import { isInteger } from "../intrinsics.js";

/**
 * Interval timer. A kernel programs a period in cycles; the timer raises interrupt line
 * IRQ.Timer at exactly start + k * period (no drift: each expiry is scheduled from the
 * previous expiry's cycle, not from when the handler ran) until stopped. The line stays
 * asserted until the kernel acknowledges it. Each register access is an uncached
 * device-register reference, charged to Device.
 */
export class IntervalTimer {
  #event: MachineEvent | null = null;
  #periodCycles = 0;
  #periodic = true;
  /** Expiries since reset (including ones not yet acknowledged). */
  expiries = 0;

  constructor(
    private readonly cpu: Cpu,
    private readonly events: EventQueue,
    private readonly sync: () => void,
  ) {}

  get running(): boolean {
    return this.#event !== null;
  }

  get periodCycles(): number {
    return this.#periodCycles;
  }

  /** Starts the timer: first expiry `periodCycles` from now; periodic unless `oneShot`. */
  start(periodCycles: number, oneShot = false): void {
    if (!isInteger(periodCycles) || periodCycles <= 0) {
      throw new ArgumentError(
        `timer period must be a positive integer of cycles, got ${String(periodCycles)}`,
      );
    }
    this.#registerAccess();
    this.stopQuietly();
    this.#periodCycles = periodCycles;
    this.#periodic = !oneShot;
    this.#arm(this.cpu.now + periodCycles);
  }

  /**
   * Starts the timer with its first expiry at the absolute cycle `firstExpiryCycle` (a
   * compare register: a kernel that multiplexes several deadlines on the one timer keeps its
   * period boundaries exact by programming absolute cycles), then every `periodCycles`
   * unless `oneShot`. A first expiry at or before now fires at once (at the next instruction
   * boundary). One register access, as `start`.
   */
  startAt(firstExpiryCycle: number, periodCycles: number, oneShot = false): void {
    if (!isInteger(periodCycles) || periodCycles <= 0 || !isInteger(firstExpiryCycle)) {
      throw new ArgumentError(
        `timer: expiry ${String(firstExpiryCycle)} and period ${String(periodCycles)} must be integers (period > 0)`,
      );
    }
    this.#registerAccess();
    this.stopQuietly();
    this.#periodCycles = periodCycles;
    this.#periodic = !oneShot;
    // biome-ignore lint/complexity/useMathMinMax: no call to an intrinsic untrusted code could patch (intrinsics.ts)
    this.#arm(firstExpiryCycle > this.cpu.now ? firstExpiryCycle : this.cpu.now);
  }

  /** Whether the timer re-arms itself after each expiry (false: one-shot, or stopped). */
  get periodic(): boolean {
    return this.#event !== null && this.#periodic;
  }

  /**
   * Reads the free-running counter (the IOASIC's counter register on the 5000/1xx, ticking
   * at the clock the profile's cycles count): the cycle number now. One uncached register
   * access, charged to Device like every timer register access.
   */
  readCounter(): number {
    this.#registerAccess();
    return this.cpu.now;
  }

  stop(): void {
    this.#registerAccess();
    this.stopQuietly();
  }

  /** Acknowledges the interrupt (deasserts the line). */
  acknowledge(): void {
    this.#registerAccess();
    this.cpu.clearIrq(IRQ.Timer);
  }

  /** Cycle of the next expiry, or -1 when stopped (for kernels computing overrun). */
  get nextExpiry(): number {
    return this.#event === null ? -1 : this.#event.at;
  }

  private stopQuietly(): void {
    if (this.#event !== null) this.events.cancel(this.#event);
    this.#event = null;
    this.sync();
  }

  #arm(at: number): void {
    this.#event = this.events.schedule(at, "timer", () => {
      this.expiries++;
      if (this.#periodic) this.#arm(at + this.#periodCycles);
      else this.#event = null;
      this.cpu.assertIrq(IRQ.Timer);
    });
    this.sync();
  }

  #registerAccess(): void {
    this.cpu.drainWriteBuffer();
    this.cpu.charge(this.cpu.profile.uncachedAccessCycles, Category.Device);
  }
}
