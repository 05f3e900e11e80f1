import type { SystemAdapter } from "./adapter.js";
import { exokernelAdapter } from "./exokernel.js";
import { exosAdapter } from "./exos.js";
import { monolithicAdapter } from "./monolithic.js";
import { templateAdapter } from "./template.js";

/** A registered system; an `example` is measured only when named (`--system`). */
export interface Registration {
  readonly adapter: SystemAdapter;
  readonly example?: boolean;
}

/**
 * Every system the bench can measure, in report order (the baseline first): the one place
 * a system is registered. `pnpm exolab new-libos NAME` adds a line for the new libOS here
 * (and its import above), beside its adapter file `NAME.ts`.
 */
export const REGISTRY: readonly Registration[] = [
  { adapter: monolithicAdapter },
  { adapter: exokernelAdapter },
  { adapter: exosAdapter },
  { adapter: templateAdapter, example: true },
];
