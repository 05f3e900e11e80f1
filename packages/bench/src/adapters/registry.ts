import type { SystemAdapter } from "./adapter.js";
import { dbAdapter } from "./db.js";
import { exokernelAdapter } from "./exokernel.js";
import { exosAdapter } from "./exos.js";
import { monolithicAdapter } from "./monolithic.js";
import { realtimeAdapter } from "./realtime.js";
import { templateAdapter } from "./template.js";

/**
 * A registered system. One `onlyWhenNamed` is measured only when a run names it
 * (`--system`): the kit's template, and every libOS `new-libos` adds until its author drops
 * the flag to have `pnpm bench` (and the web lab) measure it beside the paper's systems.
 */
export interface Registration {
  readonly adapter: SystemAdapter;
  readonly onlyWhenNamed?: boolean;
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
  { adapter: templateAdapter, onlyWhenNamed: true },
  { adapter: realtimeAdapter, onlyWhenNamed: true },
  { adapter: dbAdapter, onlyWhenNamed: true },
];
