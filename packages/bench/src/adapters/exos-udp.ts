import { Result } from "@exolab/exokernel";
import { Aegis } from "@exolab/exokernel/kernel";
import { type ExosApi, exos } from "@exolab/libos-exos";
import type { Machine } from "@exolab/machine/privileged";
import { spinner } from "../glue/periodic.js";
import { driveUdpPair, peerMachineFor, type UdpSide } from "../glue/udp.js";
import type { BasePort, UdpPort } from "../ports.js";
import type { LibOsRun } from "./aegis/libos.js";

type Run = LibOsRun<ExosApi>;

/** The two stations' addresses (the measuring machine is A, the echo B). */
const A = { ip: 0x0a000001, mac: [2, 0, 0, 0, 0, 1], port: 1000 };
const B = { ip: 0x0a000002, mac: [2, 0, 0, 0, 0, 2], port: 2000 };
/** The payload: 18 bytes (a 60-byte frame), the counter in its first word. */
const PAYLOAD_BYTES = 18;

/**
 * ExOS's side of the UDP harness (glue/udp.ts): the measuring process opens a socket on
 * this run's machine; a second machine runs Aegis with an ExOS echo process (the reply from
 * its application, or from the reply ASH it downloads) and `receiverLoad` ExOS processes
 * that spin. Every process waits by giving its slice up (`yieldSlice`).
 */
export function exosUdpPort(run: Run, base: BasePort): UdpPort {
  const spec = run.workload.config?.udp ?? { ash: false, receiverLoad: 0 };
  const peerMachine: Machine = peerMachineFor(run.aegis.machine);
  const peer = new Aegis({
    machine: peerMachine,
    continuousTimer: true,
    onDeath: (_d, ...thrown: unknown[]) => {
      if (thrown.length > 0) run.fail(thrown[0]);
    },
  });
  const check = run.check;
  // The echo.
  const echo = peer.boot(exos, {}).api;
  peer.actAs(echo.env, () => {
    const reply = run.bufferVa;
    check(echo.vm.map(reply, 1), "map");
    const s = check(echo.udp.open(B.port, B), "udp open");
    check(echo.udp.connect(s, A, PAYLOAD_BYTES), "udp connect");
    if (spec.ash) check(echo.udp.ash(s), "udp ash");
    else
      echo.udp.onReceive(s, (va, bytes) => {
        const cpu = echo.env.cpu;
        cpu.copy(reply, va, bytes);
        cpu.store32(reply, cpu.load32(reply) + 1);
        echo.udp.send(s, reply, bytes);
      });
    check(
      echo.sched.spawn(function* () {
        for (;;) yield* echo.sched.yieldSlice();
      }),
      "spawn",
    );
  });
  // The load beside it.
  for (let i = 0; i < spec.receiverLoad; i++) {
    const os = peer.boot(exos, {}).api;
    peer.actAs(os.env, () =>
      check(
        os.sched.spawn(() => spinner(os.env.cpu, () => os.sched.safepoint())),
        "spawn",
      ),
    );
  }
  // The measuring process.
  const os = run.procs[0]!;
  const buf = run.bufferVa;
  let got: number | null = null;
  const sock = run.act(os, () => {
    const s = check(os.udp.open(A.port, A), "udp open");
    check(os.udp.connect(s, B, PAYLOAD_BYTES), "udp connect");
    check(
      os.udp.onReceive(s, (va) => {
        const cpu = os.env.cpu;
        cpu.copy(buf + 64, va, 4);
        got = cpu.load32(buf + 64);
      }),
      "udp onReceive",
    );
    return s;
  });
  const client: UdpSide = {
    machine: run.aegis.machine,
    runTo: (c) => void run.aegis.run({ untilCycle: c }),
    busy: false,
  };
  const peerSide: UdpSide = {
    machine: peerMachine,
    runTo: (c) => void peer.run({ untilCycle: c }),
    busy: spec.receiverLoad > 0,
  };
  run.drive = (done) => {
    run.aegis.continuousTimer = true;
    driveUdpPair(client, peerSide, done);
  };
  return {
    ...base,
    cycleNs: run.aegis.machine.profile.cycleNs,
    *roundTrip(counter) {
      got = null;
      base.cpu.store32(buf, counter);
      const r = os.udp.send(sock, buf, PAYLOAD_BYTES);
      if (r !== Result.Ok) throw new Error(`exos: udp send refused with ${r}`);
      while (got === null) yield* os.sched.yieldSlice();
      return got;
    },
  };
}
