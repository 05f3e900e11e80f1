import type { Thread } from "@exolab/machine/privileged";
import type { Kernel } from "../core.js";
import { frozenArray, listPush, newList, ObjectFreeze } from "../intrinsics.js";
import { ASH_LIMITS } from "../net/ash/verify.js";
import { DPF_LIMITS } from "../net/dpf/atoms.js";
import { PCT_ASYNC, PCT_SYNC } from "../pct/pct.js";
import { Result } from "../result.js";
import {
  Call,
  DEVICE_ALARM,
  DEVICE_DISK,
  DEVICE_NET,
  isWord,
  REFILL_CODE,
} from "../syscall/abi.js";
import { readVector } from "../syscall/vector.js";
import type { Env } from "./env.js";
import { freezeAll } from "./freeze.js";
import type { EnvHandle, RevokeRequest, Transfer } from "./handle-types.js";
import { enterAs, makeStubs, trapNow } from "./stub.js";
import { invalidTransfer, makeTransfers } from "./transfer.js";
import { makeView } from "./view.js";

const EMPTY: readonly number[] = ObjectFreeze(newList<number>());

/**
 * Builds an environment's handle: a frozen object of closures over the kernel and the env
 * record (no property leads to either), each call mapped to its mechanism — a syscall stub
 * by argument shape (`stub.ts`: checks, the gate, the trap), a control transfer
 * (`transfer.ts`), or the CPU view (`view.ts`).
 */
export function makeHandle(k: Kernel, env: Env): EnvHandle {
  const { call0, call1, call3, call4, callFn, callVector, callCycle, callReadCycle } = makeStubs(
    k,
    env,
  );
  const { transfer, yieldSlice, safepoint } = makeTransfers(k, env);
  // A vector of 5-word entries (filter atoms, ASH instructions) and two register arguments.
  const vectorCall = (call: number, words: unknown, max: number, a1: unknown, a2: unknown) => {
    if (!env.alive) return Result.Dead;
    if (!isWord(a1) || !isWord(a2)) return Result.Invalid;
    return enterAs(k, env, () => {
      const v = readVector(words, 5, max);
      if (!env.alive) return Result.Dead;
      if (typeof v === "number") return v;
      return trapNow(k, call, 3, v.count, a1, a2, undefined, v.words);
    });
  };
  const handle: EnvHandle = {
    get id() {
      return env.id;
    },
    get asid() {
      return env.asid;
    },
    get alive() {
      return env.alive;
    },
    cpu: makeView(k, env),
    policy: k.policy,
    allocFrame: (frame: unknown = -1) => call1(Call.AllocFrame, frame),
    frameOf: (cap: unknown) => call1(Call.FrameOf, cap),
    freeFrame: (cap: unknown) => call1(Call.FreeFrame, cap),
    grant: (cap: unknown, target: unknown, rights: unknown) =>
      call3(Call.Grant, cap, target, rights),
    dropCap: (cap: unknown) => call1(Call.DropCap, cap),
    tlbWrite: (va: unknown, cap: unknown, w: unknown) => call3(Call.TlbWrite, va, cap, w),
    tlbDelete: (va: unknown) => call1(Call.TlbDelete, va),
    guarantee: (va: unknown, cap: unknown, w: unknown) => call3(Call.Guarantee, va, cap, w),
    // a0 = the entry count; a1 would be the vector's address in a real kernel (here the
    // vector travels beside the registers, copied and decoded once by the stub).
    bindBatch: (entries: unknown) =>
      callVector(Call.BindBatch, entries, 3, k.policy.maxBatchEntries),
    setHandler: (code: unknown, handler: unknown, saveAreaVa: unknown) => {
      const c = code === "refill" ? REFILL_CODE : code;
      return callFn(Call.SetHandler, c, saveAreaVa, handler, 2);
    },
    onEndOfSlice: (handler: unknown) => callFn(Call.OnEndOfSlice, 0, 0, handler, 0),
    onStartOfSlice: (entry: unknown) => callFn(Call.OnStartOfSlice, 0, 0, entry, 0),
    onRevoke: (handler: unknown) => callFn(Call.OnRevoke, 0, 0, handler, 0),
    setEntry: (kind: unknown, entry: unknown) => {
      const kd = kind === "sync" ? PCT_SYNC : kind === "async" ? PCT_ASYNC : -1;
      if (kd < 0) return env.alive ? Result.Invalid : Result.Dead;
      return callFn(Call.SetEntry, kd, 0, entry, 1);
    },
    pct: (target: unknown, kind: unknown): Transfer => {
      const kd = kind === "sync" ? Call.PctSync : kind === "async" ? Call.PctAsync : -1;
      if (kd < 0) return invalidTransfer(env);
      return transfer(kd, target);
    },
    allocSlice: (position: unknown = -1) => call1(Call.AllocSlice, position),
    freeSlice: (position: unknown) => call1(Call.FreeSlice, position),
    // a0 = the position count (the vector travels beside the registers, as bindBatch's).
    reserveSlices: (positions: unknown) =>
      callVector(Call.ReserveSlices, positions, 1, k.policy.sliceVectorLength),
    releaseSlices: (cap: unknown) => call1(Call.ReleaseSlices, cap),
    readCycles: () => callReadCycle(Call.ReadCycles),
    setInterruptHandler: (device: unknown, handler: unknown, saveAreaVa: unknown) => {
      const d =
        device === "alarm"
          ? DEVICE_ALARM
          : device === "disk"
            ? DEVICE_DISK
            : device === "net"
              ? DEVICE_NET
              : -1;
      if (d < 0) return env.alive ? Result.Invalid : Result.Dead;
      return callFn(Call.SetInterruptHandler, d, saveAreaVa, handler, 2);
    },
    allocExtent: (startBlock: unknown, blocks: unknown) =>
      call3(Call.AllocExtent, startBlock === "any" ? -1 : startBlock, blocks, 0),
    freeExtent: (cap: unknown) => call1(Call.FreeExtent, cap),
    grantExtent: (cap: unknown, target: unknown, rights: unknown) =>
      call3(Call.GrantExtent, cap, target, rights),
    extentOf: (cap: unknown) => call1(Call.ExtentOf, cap),
    diskRead: (extentCap: unknown, blockOffset: unknown, blocks: unknown, frameCap: unknown) =>
      call4(Call.DiskRead, extentCap, blockOffset, blocks, frameCap),
    diskWrite: (extentCap: unknown, blockOffset: unknown, blocks: unknown, frameCap: unknown) =>
      call4(Call.DiskWrite, extentCap, blockOffset, blocks, frameCap),
    // a0 = the vector's entry count (the words travel beside the registers, copied and
    // decoded once by the stub, as bindBatch's), a1 = the ring's capability.
    insertFilter: (ringCap: unknown, words: unknown) =>
      vectorCall(Call.InsertFilter, words, DPF_LIMITS.maxAtoms, ringCap, 0),
    deleteFilter: (id: unknown) => call1(Call.DeleteFilter, id),
    netSend: (frameCap: unknown, offset: unknown, length: unknown) =>
      call3(Call.NetSend, frameCap, offset, length),
    downloadAsh: (filterId: unknown, words: unknown, grantCap: unknown = -1) =>
      vectorCall(Call.DownloadAsh, words, ASH_LIMITS.maxInstructions, filterId, grantCap),
    setAlarm: (atCycle: unknown) => callCycle(Call.SetAlarm, atCycle),
    cancelAlarm: () => call0(Call.CancelAlarm),
    yieldTo: (target: unknown) => transfer(Call.YieldTo, target),
    yieldSlice,
    safepoint,
    repossessed: () => repossessed(env, call0(Call.Repossessed)),
    exit: (status: unknown) => call1(Call.Exit, status),
    nullSyscall: () => call0(Call.Null),
    nullSyscallStack: () => call0(Call.NullStack),
  } as EnvHandle;
  return freezeAll(handle);
}

/** The first `n` entries of the env's repossession vector, as a frozen copy. */
function repossessed(env: Env, n: number): readonly number[] {
  if (n <= 0) return EMPTY;
  const out = newList<number>();
  for (let i = 0; i < n; i++) listPush(out, env.repossessed[i]!);
  return frozenArray(out);
}

export type { RevokeRequest, Thread };
