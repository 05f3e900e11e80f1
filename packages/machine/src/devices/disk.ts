import type { Cpu } from "../cpu.js";
import type { EventQueue } from "../events.js";
import type { PhysicalMemory } from "../memory.js";

/** Placeholder: the disk model is being written (seek/rotation/transfer, DMA, interrupt). */
export class Disk {
  constructor(
    readonly cpu: Cpu,
    readonly memory: PhysicalMemory,
    readonly events: EventQueue,
    readonly sync: () => void,
  ) {}
}
