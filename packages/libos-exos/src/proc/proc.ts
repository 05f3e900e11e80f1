import { type EnvHandle, PAGE_BYTES, Result, Rights } from "@exolab/exokernel";
import { COSTS } from "../costs.js";
import type { Windows } from "../ipc/window.js";
import {
  APP_BASE,
  APP_LIMIT,
  G_PID,
  G_PPID,
  GLOBALS_VA,
  PT_ENTRY_BYTES,
  SCRATCH_SRC_VA,
} from "../layout.js";
import { F } from "../vm/pagetable.js";
import type { Vm } from "../vm/vm.js";

/** Fork image header (word offsets in its page). */
const H_MAGIC = 0;
const H_PPID = 4;
const H_COUNT = 8;
const H_PAGES = 12;
const H_CAPS = 16;
const FORK_MAGIC = 0x464f524b; // "FORK"
const ENTRIES_PER_PAGE = PAGE_BYTES / PT_ENTRY_BYTES;

/**
 * Processes as environments. The process calls that need no kernel (getpid, getppid) are
 * answered from the library's globals page. Copy-on-write fork: the exokernel's
 * unprivileged API cannot create environments, so whoever holds the kernel creates the
 * child environment and boots ExOS in it; `fork(child)` then gives the child read-only
 * capabilities to every frame, marks the parent's writable pages copy-on-write, and writes
 * the child's page table as an image granted to it; the child's `acceptFork` installs it.
 * Either side's first store to a shared page copies it.
 */
export class Processes {
  /** Image pages of the last fork (parent side), kept until `releaseForkImage`. */
  #image: number[] = [];

  constructor(
    private readonly env: EnvHandle,
    private readonly vm: Vm,
    private readonly windows: Windows,
  ) {}

  init(ppid: number): void {
    this.env.cpu.store32(GLOBALS_VA + G_PID, this.env.id);
    this.env.cpu.store32(GLOBALS_VA + G_PPID, ppid);
  }

  /** getpid, answered in the library: a procedure call and one load. */
  getpid(): number {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.call"]);
    return cpu.load32(GLOBALS_VA + G_PID);
  }

  /** getppid (0 when the process was not forked). */
  getppid(): number {
    const cpu = this.env.cpu;
    cpu.exec(COSTS["exos.call"]);
    return cpu.load32(GLOBALS_VA + G_PPID);
  }

  /**
   * Copy-on-write fork into the (fresh, ExOS-booted) environment `child`. Returns the
   * capability name, in the child's list, of the image header to pass to its `acceptFork`.
   * IPC windows are not inherited (their peers know only the parent).
   */
  fork(child: number): number {
    const env = this.env;
    const cpu = env.cpu;
    const pt = this.vm.pt;
    if (!Number.isInteger(child) || child === env.id) return Result.Invalid;
    // Entries below APP_LIMIT are the application's: the table is sorted, so a prefix,
    // whose end the binary search finds.
    const end = pt.find(APP_LIMIT >>> 12);
    const n = end >= 0 ? end : -end - 1;
    // An alias shares its source's frame; copy-on-write would split them (frames are not
    // reference-counted), so a process holding one cannot fork. Checked before any change.
    for (let i = 0; i < n; i++) {
      cpu.exec(COSTS["exos.fork.check"]);
      if ((pt.word0(i) & F.ALIAS) !== 0) return Result.Busy;
    }
    const pages = Math.max(1, Math.ceil(n / ENTRIES_PER_PAGE));
    const header = this.windows.create(child, false);
    if (typeof header === "number") return header;
    const image: number[] = [header[0]];
    cpu.store32(header[0] + H_MAGIC, FORK_MAGIC);
    cpu.store32(header[0] + H_PPID, env.id);
    cpu.store32(header[0] + H_COUNT, n);
    cpu.store32(header[0] + H_PAGES, pages);
    // Grants first: if one fails, the parent's table is still untouched.
    for (let p = 0; p < pages; p++) {
      const w = this.windows.create(child, false);
      if (typeof w === "number") return this.#abandon(image, w);
      image.push(w[0]);
      cpu.store32(header[0] + H_CAPS + p * 4, w[1]);
    }
    for (let i = 0; i < n; i++) {
      cpu.exec(COSTS["exos.fork.entry"]);
      const w0 = pt.word0(i);
      const slot = image[1 + Math.floor(i / ENTRIES_PER_PAGE)]! + (i % ENTRIES_PER_PAGE) * 8;
      let cap = 0;
      let flags = w0 & (F.READ | F.WRITE | F.MAXWRITE | F.ZERO);
      if ((w0 & F.PRESENT) !== 0) {
        cap = env.grant(pt.cap(i), child, Rights.Read);
        if (cap < 0) return this.#abandon(image, cap);
        flags |= F.PRESENT | F.FOREIGN | F.CAPRO | (w0 & F.MAXWRITE ? F.COW : 0);
      }
      cpu.store32(slot, ((w0 & ~0xfff) | flags) >>> 0);
      cpu.store32(slot + 4, cap);
    }
    // Now the parent's own writable frames become copy-on-write.
    for (let i = 0; i < n; i++) {
      cpu.exec(COSTS["exos.fork.cow"]);
      const w0 = pt.word0(i);
      if ((w0 & (F.PRESENT | F.FOREIGN | F.MAXWRITE)) !== (F.PRESENT | F.MAXWRITE)) continue;
      pt.setWord0(i, w0 | F.COW);
      env.tlbDelete((w0 & ~0xfff) >>> 0);
    }
    this.#image = image;
    return header[1];
  }

  /** Frees the last fork image (after the child has accepted it). */
  releaseForkImage(): number {
    for (const va of this.#image) this.windows.release(va);
    this.#image = [];
    return Result.Ok;
  }

  /**
   * Child side of fork: installs the image the parent granted (header capability `cap`).
   * The child's application region must be empty. Returns the parent's pid.
   *
   * Each image page is read through a guaranteed window (SCRATCH_SRC_VA) while it is copied
   * into the table: the copy cannot fault, so the library's refill handler never searches
   * the table while its entries are being moved.
   */
  acceptFork(cap: number): number {
    const env = this.env;
    const cpu = env.cpu;
    const pt = this.vm.pt;
    if (pt.count() > 0 && pt.word0(0) >>> 12 < APP_LIMIT >>> 12) return Result.Busy;
    const h = this.windows.attach(cap, false);
    if (h < 0) return h;
    const n = cpu.load32(h + H_COUNT);
    const pages = cpu.load32(h + H_PAGES);
    const caps: number[] = [];
    let bad =
      cpu.load32(h + H_MAGIC) !== FORK_MAGIC ||
      pages > 64 ||
      n > pages * ENTRIES_PER_PAGE ||
      pt.count() + n > pt.capacity;
    for (let p = 0; !bad && p < pages; p++) {
      caps.push(cpu.load32(h + H_CAPS + p * 4));
      if (env.frameOf(caps[p]!) < 0) bad = true;
    }
    for (let p = 0, last = (APP_BASE >>> 12) - 1; !bad && p < pages; p++) {
      last = this.#checkImagePage(
        caps[p]!,
        Math.min(ENTRIES_PER_PAGE, n - p * ENTRIES_PER_PAGE),
        last,
      );
      if (last < 0) bad = true;
    }
    if (bad) {
      this.windows.release(h);
      return Result.Invalid;
    }
    // The image's entries all sort before the windows: insert them at the front, page by page.
    let inserted = 0;
    for (let p = 0; p < pages; p++) {
      const k = Math.min(ENTRIES_PER_PAGE, n - p * ENTRIES_PER_PAGE);
      if (k <= 0) break;
      const r = env.guarantee(SCRATCH_SRC_VA, caps[p]!, 0);
      if (r < 0) {
        if (inserted > 0) pt.removeRun(0, inserted);
        this.windows.release(h);
        return r;
      }
      pt.insertImage(inserted, SCRATCH_SRC_VA, k, (w0) => this.#sanitise(w0));
      env.tlbDelete(SCRATCH_SRC_VA);
      inserted += k;
    }
    const ppid = cpu.load32Used(h + H_PPID); // stored next
    cpu.store32(GLOBALS_VA + G_PPID, ppid);
    this.windows.release(h);
    return ppid;
  }

  /**
   * Checks `k` entries of an image page before anything changes: vpns strictly increasing
   * from above `last`, all inside the application region. Returns the last vpn, or -1.
   * (Flags are not trusted either: `#sanitise` rewrites them as the child may hold them.)
   */
  #checkImagePage(cap: number, k: number, last: number): number {
    const env = this.env;
    if (k <= 0) return last;
    if (env.guarantee(SCRATCH_SRC_VA, cap, 0) < 0) return -1;
    let prev = last;
    for (let j = 0; j < k; j++) {
      env.cpu.exec(COSTS["exos.fork.accept.check"]);
      const vpn = env.cpu.load32(SCRATCH_SRC_VA + j * PT_ENTRY_BYTES) >>> 12;
      if (vpn <= prev || vpn >= APP_LIMIT >>> 12) {
        prev = -1;
        break;
      }
      prev = vpn;
    }
    env.tlbDelete(SCRATCH_SRC_VA);
    return prev;
  }

  /**
   * The flags a child may hold for an image entry, whatever the image says: protection,
   * demand-zero, and a present frame only as a foreign, read-only, copy-on-write grant (so
   * `unmap` never frees a frame through a name the image chose).
   */
  #sanitise(w0: number): number {
    this.env.cpu.exec(COSTS["exos.fork.accept.flags"]);
    let f = w0 & (F.READ | F.WRITE | F.MAXWRITE | F.ZERO | F.PRESENT);
    if ((f & F.PRESENT) !== 0)
      f = (f & ~F.ZERO) | F.FOREIGN | F.CAPRO | ((f & F.MAXWRITE) !== 0 ? F.COW : 0);
    return ((w0 & ~0xfff) | f) >>> 0;
  }

  #abandon(image: number[], code: number): number {
    for (const va of image) this.windows.release(va);
    return code;
  }
}
