import { type Machine, World } from "@exolab/machine/privileged";

/**
 * The UDP ping-pong's harness, the same for every system: two machines of the system under
 * test in one World, their cards linked by one segment, run in global time.
 *
 * A system serves the `udp` port by offering a `UdpService` (one method: `udpPair`), which
 * builds, on its own API, the measuring side (this run's machine, whose thread 0 gets the
 * `UdpPort`) and an echo side on a second machine of the same profile and seed. The
 * monolithic kernel's stack plugs in by implementing `udpPair`; a system without one does
 * not serve the port and reports nothing for the rows (not zero).
 *
 * Stepping: quanta as long as the link's minimum latency allow (World's rule). A side runs
 * to the quantum's end; a CPU-bound process there yields only at its safepoints, which the
 * harness makes due at the quantum's end (`Machine.requestSwitch` from an event at that
 * cycle): the same rule a slice end follows, so a runnable process never carries a machine
 * past a frame that must land on it.
 */

/** A back-to-back segment: a few metres of cable, well under a cycle at 10 Mb/s framing. */
export const LINK_PROPAGATION_NS = 0;

/** One side of the pair: its machine, and how its system runs it to a cycle. */
export interface UdpSide {
  readonly machine: Machine;
  runTo(untilCycle: number): void;
  /**
   * True when CPU-bound processes run on this side: its safepoints are made due at each
   * quantum's end (otherwise its waiting threads yield on their own, and nothing extra is
   * charged).
   */
  readonly busy: boolean;
}

/** What a system offers to serve the UDP port. */
export interface UdpService<Run> {
  /**
   * Builds the two sides for `run`: the measuring side on the run's own machine and the echo
   * side on `peerMachine` (fresh, same profile and seed, another id), with `receiverLoad`
   * CPU-bound processes beside the echo and, when `ash`, the echo done by a handler in the
   * echo side's kernel. Returns the sides and the port of the measuring thread.
   */
  udpPair(run: Run, peerMachine: Machine): { client: UdpSide; peer: UdpSide };
}

/** A fresh machine for the echo side: the same profile as `client` (its memory system included), in the same time. */
export function peerMachineFor(client: Machine): Machine {
  return new (client.constructor as new (c: object) => Machine)({
    profile: client.profile,
    seed: client.seed,
    id: client.id + 1,
  });
}

/**
 * Links the two sides and runs them until `done()` (checked after every quantum) or for
 * `maxNs` of global time.
 */
export function driveUdpPair(
  client: UdpSide,
  peer: UdpSide,
  done: () => boolean,
  maxNs = 600e9,
): void {
  // Both sides did their own set-up: they join the world at the later of their two clocks.
  const cycleNs = Math.max(client.machine.profile.cycleNs, peer.machine.profile.cycleNs);
  const startNs = alignClocks(client.machine, peer.machine);
  const world = new World();
  world.startAt(startNs);
  world.add(client.machine);
  world.add(peer.machine);
  world.link([client.machine, peer.machine], { propagationNs: LINK_PROPAGATION_NS });
  const quantumNs = Math.floor(world.minLinkLatencyNs / cycleNs) * cycleNs;
  const side = (m: Machine) => (m === client.machine ? client : peer);
  world.run(
    (m, untilCycle) => {
      const s = side(m);
      if (s.busy) m.events.schedule(untilCycle, "udp.quantum", () => m.requestSwitch());
      s.runTo(untilCycle);
    },
    { untilNs: startNs + maxNs, quantumNs, stopWhen: done },
  );
}

/** Rounds of `alignClocks` before it gives up (each round idles the machine behind). */
const ALIGN_ROUNDS_MAX = 16;

/**
 * Brings both machines to one time, the later of their clocks, and returns it (ns). Idling the
 * one behind may take an interrupt whose handler runs past the target (a kernel's clock tick
 * near it): then the other is behind, and the next round idles it. Bounded.
 */
export function alignClocks(a: Machine, b: Machine): number {
  for (let round = 0; round < ALIGN_ROUNDS_MAX; round++) {
    const ns = Math.max(a.nowNs, b.nowNs);
    if (a.nowNs === ns && b.nowNs === ns) return ns;
    for (const m of [a, b]) if (m.nowNs < ns) m.idleUntil(ns / m.profile.cycleNs);
  }
  throw new Error(
    `udp harness: the two machines' clocks did not settle in ${ALIGN_ROUNDS_MAX} rounds (${a.nowNs} and ${b.nowNs} ns)`,
  );
}
