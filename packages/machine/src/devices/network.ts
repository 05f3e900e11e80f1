import type { Cpu } from "../cpu.js";
import type { EventQueue } from "../events.js";
import type { PhysicalMemory } from "../memory.js";
import type { SeededRandom } from "../rng.js";

/** Placeholder: the network card is being written (receive ring, transmit, link). */
export class NetworkCard {
  constructor(
    readonly cpu: Cpu,
    readonly memory: PhysicalMemory,
    readonly events: EventQueue,
    readonly sync: () => void,
    readonly rng: SeededRandom,
  ) {}
}
