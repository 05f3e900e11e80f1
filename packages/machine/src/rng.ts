/**
 * Seeded generators: the only source of randomness in the simulation (house rule 1).
 * mulberry32: 32-bit state, full period 2^32, good enough for replacement choices and
 * generated traffic, and identical on every host.
 */
import { imul } from "./intrinsics.js";

export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, bound). */
  below(bound: number): number {
    return this.nextU32() % bound;
  }

  /** A float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** A new generator whose sequence depends only on this one's seed and `stream`. */
  fork(stream: number): SeededRandom {
    return new SeededRandom((this.#state ^ imul(stream + 1, 0x9e3779b1)) >>> 0);
  }
}

// Reachable by every libOS (re-exported by its kernel), and the TLB's random replacement runs
// its methods: frozen, so that no code on the machine can change another's choices.
Object.freeze(SeededRandom.prototype);
Object.freeze(SeededRandom);
