import type { EnvHandle } from "@exolab/exokernel";
import type { ExosPolicy } from "../policy.js";
import type { PageTable } from "./pagetable.js";
import type { FaultHandler, VmStats } from "./types.js";

/**
 * What every VM mechanism works on: the environment's handle, the policy, the page table,
 * the counters and the application's handlers. Owned by `Vm`; the mechanism files
 * (`ranges`, `frames`, `mapping`, `protection`, `faults`) are functions over it.
 */
export interface VmState {
  readonly env: EnvHandle;
  readonly policy: ExosPolicy;
  readonly pt: PageTable;
  readonly stats: VmStats;
  /** Capability names of the library's own pages (set at boot; never change after). */
  readonly libraryCaps: number[];
  faultHandler: FaultHandler | null;
  segvHandler: FaultHandler | null;
}
