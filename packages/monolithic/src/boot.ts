import type { MonolithicKernel } from "./kernel.js";
import {
  FRAME_FILES,
  FRAME_JUMPTABLE,
  FRAME_NULLPT,
  FRAME_PIPES,
  FRAME_PROC,
  FRAME_QUEUES,
  FRAME_SHM,
  KSTACK_VA,
  PAGE,
  Q_SLICE_LEFT,
} from "./layout.js";
import { installHandlers } from "./trap/install.js";
import { mapWired } from "./vm/wired.js";

/**
 * Boot: clears the kernel's static tables, maps proc0's u-area and kernel stack with the two
 * wired TLB entries (the context the idle loop runs on), installs the exception handlers
 * and the UTLB refill handler, and starts the clock at `policy.clockHz`.
 */
export function bootKernel(k: MonolithicKernel): void {
  const m = k.machine;
  for (const f of [
    FRAME_JUMPTABLE,
    FRAME_PROC,
    FRAME_PROC + 1,
    FRAME_QUEUES,
    FRAME_FILES,
    FRAME_PIPES,
    FRAME_SHM,
    FRAME_NULLPT,
  ]) {
    m.memory.zeroFrame(f);
  }
  // The exception jump table and sysent: kernel text addresses (values never used by JS).
  for (let i = 0; i < 16; i++)
    m.memory.write32(FRAME_JUMPTABLE * PAGE + i * 4, 0x80030000 + i * 64);
  k.proc0UFrame = k.frames.alloc();
  k.proc0KFrame = k.frames.alloc();
  m.memory.zeroFrame(k.proc0UFrame);
  m.memory.zeroFrame(k.proc0KFrame);
  mapWired(k, k.proc0UFrame, k.proc0KFrame);
  k.wired = null;
  k.kernelSp = KSTACK_VA + PAGE;
  m.memory.write32(FRAME_QUEUES * PAGE + Q_SLICE_LEFT, k.policy.quantumTicks);
  installHandlers(k);
  m.timer.start(k.cyclesPerTick);
}
