import type { Kernel } from "../core.js";
import { COSTS } from "../costs.js";
import type { Env } from "../env/env.js";
import { TypedArrayLength } from "../intrinsics.js";
import { batchEntryResult, Result, Rights } from "../result.js";
import { bind, checkMapping, decodePageVa, unbind } from "./bindings.js";

/**
 * The batched binding call: a vector of (virtual page, capability, rights) entries — rights
 * `Read|Write` binds the page writable, `Read` read-only, 0 removes its binding — in one
 * kernel crossing. Validate, then invoke: every entry is decoded and checked before any is
 * written, so a refused vector changes nothing; the refusal names the entry and the reason
 * (`batchEntryResult`). Pages must be strictly increasing (a duplicate is refused by one
 * compare with the previous entry, with no table), and a batch never touches a guaranteed
 * mapping (Busy): those are made and removed one by one (`guarantee`, `tlbDelete`).
 *
 * Entries do not interact once checked: their pages are distinct, and binding or unbinding
 * a page changes no capability and no other page's binding.
 */

/** The rights an entry may carry: 0 (unbind), Read, Read|Write. */
const READ_WRITE = Rights.Read | Rights.Write;

export function bindBatch(k: Kernel, env: Env, count: number, vec: Int32Array): number {
  const cpu = k.cpu;
  cpu.exec(COSTS["aegis.sys.bindBatch"]);
  if (count < 0 || count > k.policy.maxBatchEntries || TypedArrayLength(vec) !== count * 3) {
    return Result.Invalid;
  }
  const slots = k.batchSlots;
  // Pass 1: decode and check every entry; nothing changes.
  let prevVpn = -1;
  for (let i = 0; i < count; i++) {
    cpu.exec(COSTS["aegis.batch.check"]);
    const vpn = decodePageVa(vec[3 * i]!);
    const rights = vec[3 * i + 2]!;
    if (vpn < 0) return batchEntryResult(i, Result.Invalid);
    if (rights !== 0 && rights !== Rights.Read && rights !== READ_WRITE) {
      return batchEntryResult(i, Result.Invalid);
    }
    if (vpn <= prevVpn) return batchEntryResult(i, Result.Invalid);
    prevVpn = vpn;
    let slot = -1;
    if (rights !== 0) {
      cpu.exec(COSTS["aegis.batch.rights"]);
      slot = checkMapping(k, env, vec[3 * i + 1]!, rights === READ_WRITE ? 1 : 0);
      if (slot < 0) return batchEntryResult(i, slot);
    }
    if (env.bindings.get(vpn)?.guaranteed === true) return batchEntryResult(i, Result.Busy);
    slots[i] = slot;
  }
  // Pass 2: invoke.
  for (let i = 0; i < count; i++) {
    const vpn = vec[3 * i]! >>> 12;
    const slot = slots[i]!;
    if (slot < 0) {
      cpu.exec(COSTS["aegis.batch.unbind"]);
      const b = env.bindings.get(vpn);
      if (b !== undefined) unbind(k, env, b);
    } else {
      cpu.exec(COSTS["aegis.batch.bind"]);
      bind(k, env, vpn, slot, vec[3 * i + 2] === READ_WRITE, false);
    }
  }
  return Result.Ok;
}
