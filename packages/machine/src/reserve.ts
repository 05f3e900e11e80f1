/**
 * The kernel stack reserve: a check, at every entry from user-mode code into the machine (and
 * through it the kernel), that the host's JS stack has room for the deepest kernel path
 * behind it. The CPU makes it on each of its entry points while in user mode (`Cpu.#guard`);
 * a kernel may make it on its own entry points too.
 *
 * Untrusted code is JS running on the host's one stack, so it can recurse until the stack is
 * nearly full and then call its handle or CPU view (the "stack dive"). Without a check, the
 * host's RangeError could then fire anywhere inside the machine or a kernel path and leave
 * it half done (a frame allocated and not yet recorded, a queue half linked, a device event
 * taken off the queue and not fired). With it, a call either has room for all of the kernel
 * work it can cause, or fails before anything happens: the kernel's work is never cut short
 * by the stack. This is the host-level counterpart of a real kernel's guarantee that its
 * kernel stack is big enough for its deepest path (a process cannot use the kernel stack).
 *
 * The check calls a function whose frame is RESERVE_BYTES: the engine checks the stack limit
 * against the whole frame on entry (the interpreter's register file; optimised code checks
 * the largest frame it could deoptimise to), so the call throws RangeError exactly when that
 * much stack is not left, and otherwise costs a call (a few nanoseconds once optimised).
 * The reserve covers more than the kernel's frames: the engine compiles a function on its
 * first call, on the same stack (32 KiB was seen to fall short for that; 64 KiB did not).
 * The monolithic kernel's `test/attacks.test.ts` and the machine's `host-throw.test.ts` dive
 * before every kind of call and check that no host error ever crossed a kernel path.
 */

/** Registers of the probe's frame (8 bytes each): the most whose function still optimises. */
const RESERVE_REGISTERS = 8192;
/** Stack the reserve guarantees, in bytes. */
export const RESERVE_BYTES = RESERVE_REGISTERS * 8;

function makeProbe(registers: number): () => void {
  let body = "";
  for (let i = 0; i < registers; i++) body += `let r${i}=x;`;
  // A generated body (written out, it would be 8192 lines of `let`); it touches nothing.
  return Object.freeze(new Function("x", body) as () => void);
}

/**
 * Throws RangeError (the host's own) unless RESERVE_BYTES of stack are left below the
 * caller's frame. Changes nothing.
 */
export const checkStackReserve: () => void = makeProbe(RESERVE_REGISTERS);
