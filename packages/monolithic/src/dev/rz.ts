import { COSTS } from "../costs.js";
import { B, B_READ, G, gva, hdrVa, SECTORS_PER_BLOCK } from "../fs/buf.js";
import type { MonolithicKernel } from "../kernel.js";
import { PAGE } from "../layout.js";

/**
 * The disk driver (4.4BSD pmax rz.c / the SCSI glue reduced to the machine's disk): one queue
 * of buffers (b_actf links in their headers, FIFO: no disksort), one command at a time. A
 * buffer's block is 8 sectors at sector blkno * 8; the DMA goes to or from its frame. The
 * completion interrupt (IRQ.Disk, trap/interrupt.ts) acknowledges the controller, takes the
 * buffer off the queue, calls biodone, and starts the next command.
 *
 * Invariant: G.ACTIVE names the queue's head exactly while the disk works on it.
 */
export function rzstrategy(k: MonolithicKernel, b: number): void {
  const cpu = k.cpu;
  cpu.exec(COSTS["rz.strategy"]);
  cpu.exec(COSTS["spl.call"], 2);
  const h = hdrVa(k, b);
  cpu.store32(h + B.ACTF, 0);
  const tail = cpu.load32(gva(k, G.ACTTAIL));
  if (tail === 0) cpu.store32(gva(k, G.ACTHEAD), b + 1);
  else cpu.store32(hdrVa(k, tail - 1) + B.ACTF, b + 1);
  cpu.store32(gva(k, G.ACTTAIL), b + 1);
  if (cpu.load32(gva(k, G.ACTIVE)) === 0) rzstart(k);
}

/** rzstart(): the head of the queue to the controller (command block, DMA address, go). */
export function rzstart(k: MonolithicKernel): void {
  const cpu = k.cpu;
  const head = cpu.load32(gva(k, G.ACTHEAD));
  if (head === 0) return;
  cpu.exec(COSTS["rz.start"]);
  const h = hdrVa(k, head - 1);
  const blkno = cpu.load32(h + B.BLKNO);
  const frame = cpu.load32(h + B.FRAME);
  const read = (cpu.load32(h + B.FLAGS) & B_READ) !== 0;
  cpu.store32(gva(k, G.ACTIVE), head);
  const disk = k.machine.disk;
  if (read) disk.read(blkno * SECTORS_PER_BLOCK, SECTORS_PER_BLOCK, frame * PAGE);
  else disk.write(blkno * SECTORS_PER_BLOCK, SECTORS_PER_BLOCK, frame * PAGE);
}

/**
 * rzintr(): the completion interrupt: the controller acknowledged, the finished buffer taken
 * off the queue and returned (-1 for a stray interrupt). The interrupt path then calls
 * biodone on it and rzstart for the next command (trap/interrupt.ts: the driver does not
 * import the cache, which imports the driver).
 */
export function rzintr(k: MonolithicKernel): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["rz.intr"]);
  const disk = k.machine.disk;
  disk.readStatus();
  disk.acknowledge();
  const active = cpu.load32(gva(k, G.ACTIVE));
  if (active === 0) return -1; // a stray interrupt (none is expected): acknowledged, ignored
  const h = hdrVa(k, active - 1);
  const next = cpu.load32(h + B.ACTF);
  cpu.store32(gva(k, G.ACTHEAD), next);
  if (next === 0) cpu.store32(gva(k, G.ACTTAIL), 0);
  cpu.store32(gva(k, G.ACTIVE), 0);
  return active - 1;
}

/** Whether the driver has a command outstanding or an interrupt not yet taken (run's test). */
export function rzPending(k: MonolithicKernel): boolean {
  const disk = k.machine.disk;
  return disk.busy || (disk.peekStatus & 2) !== 0;
}
