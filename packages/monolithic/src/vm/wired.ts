import { entryHi, entryLo, TLB_D, TLB_G, TLB_V } from "@exolab/machine/privileged";
import type { MonolithicKernel } from "../kernel.js";
import { KSTACK_VA, UADDR } from "../layout.js";

/** Writes the two wired entries that map UADDR and the kernel stack (tlbwi x 2). */
export function mapWired(k: MonolithicKernel, uframe: number, kframe: number): void {
  const cpu = k.cpu;
  cpu.tlbWriteIndexed(0, entryHi(UADDR >>> 12, 0), entryLo(uframe, TLB_V | TLB_D | TLB_G));
  cpu.tlbWriteIndexed(1, entryHi(KSTACK_VA >>> 12, 0), entryLo(kframe, TLB_V | TLB_D | TLB_G));
}
