import { KUSEG_END } from "@exolab/machine";
import { COSTS } from "../costs.js";
import type { MonolithicKernel } from "../kernel.js";
import { EF, PG_ALLOC, PG_NOREAD, PG_NOWRITE, pteVa } from "../layout.js";
import type { Proc } from "../proc/proc.js";
import { inSegment, loadBounds } from "../vm/useracc.js";

/**
 * Ultrix's fixade(): an unaligned load or store from user mode is emulated byte by byte in
 * the kernel and the process continues after the instruction (Resolution.Emulated). The
 * access size and the stored value are the decode of the instruction at EPC (the user
 * stub records them: see user/cpu-view.ts). Returns false when the bytes are not accessible
 * (the caller then raises SIGSEGV).
 */
export function fixade(k: MonolithicKernel, p: Proc, va: number, frame: number): boolean {
  const cpu = k.cpu;
  cpu.exec(COSTS["unaligned.fixup"]);
  cpu.load32(frame + EF.EPC);
  const { size, store, value } = k.lastAccess;
  if (va + size > KUSEG_END) return false;
  const b = loadBounds(k, p);
  const deny = store ? PG_NOWRITE | PG_NOREAD : PG_NOREAD;
  for (let vpn = va >>> 12; vpn <= (va + size - 1) >>> 12; vpn++) {
    const pte = cpu.load32(pteVa(p.index, vpn));
    if ((pte & deny) !== 0) return false;
    if ((pte & PG_ALLOC) === 0 && !inSegment(b, vpn << 12)) return false;
  }
  if (store) {
    for (let i = 0; i < size; i++) cpu.store8(va + i, (value >>> (8 * i)) & 0xff);
    cpu.emulatedValue = 0;
  } else {
    let v = 0;
    for (let i = 0; i < size; i++) v |= cpu.load8(va + i) << (8 * i);
    cpu.emulatedValue = v >>> 0;
  }
  cpu.store32(frame + EF.EPC, cpu.load32(frame + EF.EPC) + 4);
  return true;
}
