import { describe, expect, it } from "vitest";
import {
  Category,
  entryHi,
  entryLo,
  Machine,
  PROFILE_NAMES,
  PROFILES,
  type ProfileName,
  Resolution,
  TLB_D,
  TLB_V,
  withMemorySystem,
} from "./privileged.js";

const BASE = 0x100 << 12;

/** A machine in user mode with one page mapped at VPN 0x100 (frame 16), holding `value`. */
function userMachine(profile: ProfileName, memory: boolean, trace: boolean, mapped = true) {
  const m = new Machine({
    profile: withMemorySystem(profile, memory),
    memoryBytes: 1 << 20,
    trace,
  });
  m.setRefillHandler((cpu) => {
    cpu.tlbWriteRandom(entryHi(cpu.badVaddr >>> 12, cpu.asid), entryLo(16, TLB_V | TLB_D));
    cpu.rfe();
    return Resolution.Retry;
  });
  if (mapped) m.cpu.tlbWriteIndexed(8, entryHi(0x100, 0), entryLo(16, TLB_V | TLB_D));
  m.memory.write32(16 * 4096 + 8, 0x1234);
  return m;
}

describe("load-delay slots: load32Used", () => {
  for (const name of PROFILE_NAMES) {
    for (const memory of [false, true]) {
      it(`${name}${memory ? "" : "+counted"}: the value of load32, and one nop after it, in user time under its label (fast and slow paths)`, () => {
        const cpi = PROFILES[name].cyclesPerInstruction;
        for (const trace of [false, true]) {
          const plain = userMachine(name, memory, trace);
          const used = userMachine(name, memory, trace);
          const t0 = plain.now;
          const u0 = used.now;
          expect(used.cpu.load32Used(BASE + 8)).toBe(plain.cpu.load32(BASE + 8));
          expect(used.now - u0, `trace ${trace}`).toBe(plain.now - t0 + cpi);
          const user = used.accounting.table[Category.User]!;
          expect(user - plain.accounting.table[Category.User]!).toBe(cpi);
          expect(used.accounting.labels.get("load-delay.nop")?.instructions).toBe(1);
          expect(plain.accounting.labels.has("load-delay.nop")).toBe(false);
        }
      });
    }
  }

  it("after a TLB refill the load completes first, then its nop", () => {
    const m = userMachine("dec5000_125", true, false, false);
    const ref = userMachine("dec5000_125", true, false, false);
    const t0 = m.now;
    const r0 = ref.now;
    expect(m.cpu.load32Used(BASE + 8)).toBe(0x1234);
    ref.cpu.load32(BASE + 8);
    expect(m.cpu.exceptionCounts[16]).toBe(1);
    expect(m.now - t0).toBe(ref.now - r0 + 1);
  });
});
