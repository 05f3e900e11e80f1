import { PAGE_BYTES, sliceStartCycle } from "@exolab/exokernel";
import { COSTS as KERNEL_COSTS } from "@exolab/exokernel/kernel";
import {
  COSTS,
  DEFAULT_POLICY,
  type JobBody,
  kernelCostsFrom,
  type LibOsApi,
  layout,
  libos,
  Pinned,
  resolvePolicy,
} from "@exolab/libos-realtime";
import { spinner, waitUntil } from "../glue/periodic.js";
import type { BasePort, RealtimeOutcome, RealtimePort } from "../ports.js";
import type { LibOsRun } from "./aegis/libos.js";
import { defineLibOsSystem } from "./aegis/libos.js";

/**
 * The `realtime` system: the real-time library OS on Aegis. Beside the ports every libOS on
 * the shared base serves (memory, threads, `lrpc`), it serves `realtime`: the task set is
 * admitted (EDF) into every other position of the slice vector, reserved, with its memory
 * pinned, and released by the alarm; best-effort processes take the other positions.
 */
export const realtimeAdapter = defineLibOsSystem<LibOsApi, object>({
  id: "realtime",
  title: "the real-time libOS on Aegis (EDF in reserved slices)",
  paper: null,
  costs: { "@exolab/libos-realtime": COSTS },
  libos,
  policy: DEFAULT_POLICY,
  options: (own) => ({ policy: resolvePolicy(own) }),
  spawn: (os, body) => os.sched.spawn(body),
  safepoint: (os) => os.sched.safepoint(),
  map: (os, va, pages) => os.vm.map(va, pages),
  // Its page table covers APP_BASE up: the glue's buffer page first, the heap after it.
  memory: { bufferVa: layout.APP_BASE, heapVa: layout.APP_BASE + PAGE_BYTES },
  rpc: {
    trusted: false,
    serve: (os, procedure) => os.calls.serve(procedure),
    call: (os, server, arg) => os.calls.call(server, arg),
    lastError: (os) => os.calls.lastError,
  },
  ports: { realtime: (run, bases) => [realtimePort(run, bases[0]!)] },
  unsupportedReason:
    "the real-time libOS offers the kit's services (memory, threads, LRPC) and its real-time API; pipes, shared memory with directed yield, the VM primitives and stride scheduling are ExOS's, not its policy",
});

/** Builds the set before the run (host side): the process, its admission, the load. */
function realtimePort(run: LibOsRun<LibOsApi>, base: BasePort): RealtimePort {
  const spec = run.workload.config?.realtime;
  if (spec === undefined) throw new Error("realtime: the workload gives no task set");
  const aegis = run.aegis;
  const policy = aegis.policy;
  const profile = aegis.machine.profile;
  const os = aegis.boot(libos, {
    policy: resolvePolicy({ slices: 0 }),
    realtime: {
      kernelCosts: kernelCostsFrom(KERNEL_COSTS, profile, policy.maxEnvironments),
      profile,
      sliceCycles: policy.sliceCycles,
      vectorLength: policy.sliceVectorLength,
    },
  }).api;
  // Every other position (the measuring process took one of the others at boot).
  const positions: number[] = [];
  for (let p = 1; p < policy.sliceVectorLength; p += 2) positions.push(p);
  const bodies: JobBody[] = spec.tasks.map(
    (t, i) =>
      function* () {
        yield* spec.job(os.env.cpu, Pinned.vaOf(i, 0), t.wcetCycles, () =>
          os.rt.dispatcher.safepoint(),
        );
      },
  );
  const admitted = aegis.actAs(os.env, () =>
    os.rt.admit({
      policy: "edf",
      tasks: spec.tasks.map((t, i) => ({
        name: `t${i}`,
        kind: "periodic",
        periodCycles: t.periodCycles,
        wcetCycles: Math.max(1, t.wcetCycles),
        pages: 1,
      })),
      bodies,
      positions,
      force: true,
    }),
  );
  if (!admitted.ok) throw new Error(`realtime: the set was refused: ${admitted.reason}`);
  // The best-effort load takes free positions (the even ones).
  for (let i = 0; i < spec.bestEffort; i++) {
    const be = run.boot();
    run.check(
      run.act(be, () => be.sched.spawn(() => spinner(be.env.cpu, () => be.sched.safepoint()))),
      "spawn",
    );
  }
  // The set starts in the middle of its first reserved slice: with periods of whole slices
  // (4, 8, 16, 32 on dec5000_125), every release then falls in a reserved slice, and the
  // release latency measured is the alarm's path, not the wait for the next slice.
  const first = sliceStartCycle(policy, positions[0]!, aegis.machine.now);
  run.check(
    aegis.actAs(os.env, () =>
      os.rt.start(
        first + Math.floor(policy.sliceCycles / 2) - aegis.machine.now,
        spec.durationCycles,
      ),
    ),
    "start",
  );
  const end = first + Math.floor(policy.sliceCycles / 2) + spec.durationCycles;
  return {
    ...base,
    *run(): Generator<unknown, RealtimeOutcome, unknown> {
      yield* waitUntil(base.cpu, end, base.safepoint);
      const now = base.cpu.now;
      let misses = os.rt.dispatcher.pendingMisses(now);
      let jobs = 0;
      let worst = 0;
      for (const r of os.rt.records) {
        jobs += r.released;
        misses += r.misses;
        worst = Math.max(worst, r.worstResponseCycles);
      }
      return {
        jobs,
        misses,
        worstResponseCycles: worst,
        releaseLatencies: [...os.rt.dispatcher.latencies],
        admitted: admitted.admission.ok ? 1 : 0,
        cycleNs: profile.cycleNs,
      };
    },
  };
}
