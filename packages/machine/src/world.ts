import type { Dispatcher } from "./context.js";
import { ceilDiv } from "./devices/disk.js";
import type { NetworkCard, NetworkPort } from "./devices/network.js";
import { ArgumentError, ConfigError, checkInt, MachineError } from "./errors.js";
import { Machine, type MachineConfig } from "./machine.js";

/**
 * A causality violation between linked machines: a frame would land in its receiver's past
 * (the receiver ran past a quantum end before the sender sent). It names the quantum and the
 * overshoot. Also a driver that left a machine behind the quantum end with events pending.
 */
export class WorldError extends MachineError {
  override name = "WorldError";
}

/** What a world is doing now (for error messages and tests). */
export interface QuantumInfo {
  readonly index: number;
  readonly startNs: number;
  readonly endNs: number;
  readonly quantumNs: number;
}

/**
 * An Ethernet segment between the network cards of two or more machines of one World. A frame
 * whose last bit leaves its sender at t reaches every other station at t + propagationNs, and
 * lands in that station's receive ring receiveLatencyNs later (the first receiver cycle at or
 * after). Frames are delivered as events carrying the sender's (machine id, send sequence).
 */
export class Link implements NetworkPort {
  readonly stations: Machine[] = [];
  /** Frames carried (one per send, whatever the number of receivers). */
  framesCarried = 0;

  constructor(
    readonly world: World,
    readonly propagationNs: number,
  ) {}

  /**
   * The shortest time from a send command taking effect to the frame landing at a receiver:
   * transmitLatency + (preamble + minFrame) byte times + propagation + receiveLatency, minimised
   * over ordered pairs of stations. Quanta must not be longer.
   */
  get minLatencyNs(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const s of this.stations) {
      const p = s.profile.network;
      const send = p.transmitLatencyNs + (p.preambleBytes + p.minFrameBytes) * p.wireNsPerByte;
      for (const r of this.stations) {
        if (r === s) continue;
        min = Math.min(min, send + this.propagationNs + r.profile.network.receiveLatencyNs);
      }
    }
    return min;
  }

  // carry runs inside a send command, while untrusted code may have patched Array.prototype:
  // index loops and a plain pair of lists only (no iterator, find or push).
  carry(sender: NetworkCard, frame: Uint8Array, lastBitOutNs: number, seq: number): void {
    const st = this.stations;
    let from: Machine | undefined;
    for (let i = 0; i < st.length; i++) if (st[i]!.net === sender) from = st[i];
    if (from === undefined) throw new WorldError("a card not attached to this link sent a frame");
    const arrivalNs = lastBitOutNs + this.propagationNs;
    // Check every receiver before delivering to any.
    const cycles: number[] = [];
    for (let i = 0; i < st.length; i++) {
      const to = st[i]!;
      if (to === from) continue;
      const atNs = arrivalNs + to.profile.network.receiveLatencyNs;
      const atCycle = ceilDiv(atNs, to.profile.cycleNs);
      if (atCycle <= to.now) throw this.world.causalityError(from, to, seq, lastBitOutNs, atNs);
      cycles[i] = atCycle;
    }
    for (let i = 0; i < st.length; i++) {
      if (st[i] === from) continue;
      st[i]!.net.acceptFrame(cycles[i]!, from.id, seq, frame);
    }
    this.framesCarried++;
  }
}

/** One machine's work for a quantum: drive it from where it is to `untilCycle`. */
export type MachineDriver = (machine: Machine, untilCycle: number, quantum: QuantumInfo) => void;

export interface WorldRunOptions {
  /** Stop when global time reaches this (integer ns, a multiple of every machine's cycleNs). */
  readonly untilNs: number;
  /** Quantum length (integer ns, a multiple of every cycleNs, at most the minimum link latency). */
  readonly quantumNs: number;
  /** The order in which machines are stepped within a quantum (default: the order added). */
  readonly order?: readonly Machine[];
  /** Checked after every quantum; true ends the run early. */
  readonly stopWhen?: () => boolean;
}

export interface WorldRunResult {
  readonly nowNs: number;
  readonly quanta: number;
  readonly stopped: boolean;
}

/**
 * Machines linked by Links, run in one global time (integer ns; a machine's time is its
 * cycles * cycleNs).
 *
 * Stepping contract: `run` advances global time in quanta [T, T + q). In each quantum it
 * drives every machine, one after the other in `order`, to the cycle of T + q (by default
 * `machine.run(dispatcher, { untilCycle })`); a machine that ran out of work (nothing runnable
 * and no event) is idled to that cycle, so every machine's clock is at least T + q afterwards.
 * A frame is put into its receiver's event queue when its send command takes effect, with the
 * sender's (id, sequence), so its cycle and its place among same-cycle events do not depend on
 * the stepping order. Since a send takes effect at least one cycle after its machine's
 * quantum start T, it lands after T + minLatency >= T + q: never in the past of a receiver
 * that stopped at its quantum end. A machine only stops at a yield, so it can overshoot the
 * quantum end; if a frame would then land at or before its receiver's current cycle, the
 * world throws a WorldError naming the quantum and the overshoot: it never happens silently.
 * Within that bound, results (cycles, traces, event order) are identical for every quantum
 * length and every stepping order.
 */
export class World {
  readonly machines: Machine[] = [];
  readonly links: Link[] = [];
  #nowNs = 0;
  #quantum: QuantumInfo | null = null;
  #running = false;
  /** Quantum end each machine was last driven to, in ns. */
  readonly #targetNs = new Map<Machine, number>();

  /** Global time: the end of the last quantum run (0 before any). */
  get nowNs(): number {
    return this.#nowNs;
  }

  /** The quantum being run, or null between runs. */
  get quantum(): QuantumInfo | null {
    return this.#quantum;
  }

  /**
   * Sets the world's time before any machine joins: machines that each ran their own set-up
   * (a kernel booting its processes) join at one common time, their clocks brought there
   * first. Integer ns, non-negative; only on an empty world that has not run.
   */
  startAt(ns: number): void {
    this.#checkIdle("set the start time");
    if (this.machines.length > 0) throw new ConfigError("startAt: the world already has machines");
    this.#nowNs = checkInt("world start (ns)", ns, 0, Number.MAX_SAFE_INTEGER);
  }

  /** Adds a machine. Its id must be unique in the world and its clock at the world's time. */
  add(machine: Machine): Machine {
    if (!(machine instanceof Machine)) throw new ArgumentError("World.add takes a Machine");
    this.#checkIdle("add a machine");
    if (this.machines.includes(machine))
      throw new ConfigError(`machine ${machine.id} is already in the world`);
    if (this.machines.some((m) => m.id === machine.id)) {
      throw new ConfigError(
        `machine id ${machine.id} is already used in this world; give each Machine a distinct config.id`,
      );
    }
    if (machine.nowNs !== this.#nowNs) {
      throw new ConfigError(
        `machine ${machine.id} is at ${machine.nowNs} ns but the world is at ${this.#nowNs} ns`,
      );
    }
    this.machines.push(machine);
    return machine;
  }

  /** Creates a machine (id defaults to the next free id from 1) and adds it. */
  createMachine(config: MachineConfig = {}): Machine {
    let id = config.id;
    if (id === undefined) {
      id = 1;
      while (this.machines.some((m) => m.id === id)) id++;
    }
    return this.add(new Machine({ ...config, id }));
  }

  /** Connects the network cards of `machines` (at least two, of this world) by one segment. */
  link(machines: readonly Machine[], opts: { propagationNs: number }): Link {
    this.#checkIdle("link machines");
    if (!Array.isArray(machines) || machines.length < 2)
      throw new ConfigError("a link connects at least two machines");
    if (opts === null || typeof opts !== "object")
      throw new ConfigError("link options must be an object");
    const prop = checkInt("link propagationNs", opts.propagationNs, 0, 1e12);
    for (const m of machines) {
      if (!this.machines.includes(m))
        throw new ConfigError("link: every machine must be added to the world first");
      if (m.net.port !== null)
        throw new ConfigError(`link: machine ${m.id}'s card is already attached`);
    }
    if (new Set(machines).size !== machines.length)
      throw new ConfigError("link: a machine is listed twice");
    const link = new Link(this, prop);
    for (const m of machines) {
      link.stations.push(m);
      m.net.attach(link);
    }
    this.links.push(link);
    return link;
  }

  /** The largest quantum allowed: the minimum latency over all links (+Infinity without links). */
  get minLinkLatencyNs(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const l of this.links) min = Math.min(min, l.minLatencyNs);
    return min;
  }

  /**
   * Runs every machine in quanta until global time reaches `untilNs`. `driver` is either one
   * Dispatcher per machine (in the order machines were added; each quantum runs
   * `machine.run(dispatcher, { untilCycle })`) or a function that drives one machine to
   * `untilCycle`.
   */
  run(driver: readonly Dispatcher[] | MachineDriver, opts: WorldRunOptions): WorldRunResult {
    this.#checkIdle("run");
    const drive = this.#driverOf(driver);
    const { untilNs, quantumNs, order, stop } = this.#checkRunOptions(opts);
    this.#running = true;
    let quanta = 0;
    try {
      while (this.#nowNs < untilNs) {
        const startNs = this.#nowNs;
        const endNs = Math.min(startNs + quantumNs, untilNs);
        const q: QuantumInfo = { index: quanta, startNs, endNs, quantumNs };
        this.#quantum = q;
        for (const m of order) this.#step(m, drive, q);
        this.#nowNs = endNs;
        quanta++;
        if (stop?.()) return { nowNs: this.#nowNs, quanta, stopped: true };
      }
      return { nowNs: this.#nowNs, quanta, stopped: false };
    } finally {
      this.#running = false;
      this.#quantum = null;
    }
  }

  /** Builds the error for a frame that would land in `to`'s past (called by Link). */
  causalityError(
    from: Machine,
    to: Machine,
    seq: number,
    lastBitOutNs: number,
    atNs: number,
  ): WorldError {
    const q = this.#quantum;
    const target = this.#targetNs.get(to) ?? this.#nowNs;
    const overshoot = to.nowNs - target;
    const where =
      q === null
        ? "outside World.run"
        : `in quantum #${q.index} [${q.startNs}, ${q.endNs}) ns (quantum ${q.quantumNs} ns)`;
    return new WorldError(
      `frame ${seq} from machine ${from.id} (last bit out at ${lastBitOutNs} ns) would land at machine ` +
        `${to.id} at ${atNs} ns, but machine ${to.id} is already at ${to.nowNs} ns: ${where}, it overshot ` +
        `its quantum end ${target} ns by ${overshoot} ns (a machine stops only at a yield). Use a shorter ` +
        `quantum or yield more often (minimum link latency ${this.minLinkLatencyNs} ns).`,
    );
  }

  #step(
    m: Machine,
    drive: (m: Machine, untilCycle: number, q: QuantumInfo) => void,
    q: QuantumInfo,
  ): void {
    const untilCycle = q.endNs / m.profile.cycleNs;
    this.#targetNs.set(m, q.endNs);
    if (m.now < untilCycle) drive(m, untilCycle, q);
    if (m.now >= untilCycle) return;
    if (m.events.nextAt < untilCycle) {
      throw new WorldError(
        `the driver left machine ${m.id} at cycle ${m.now}, before the end of quantum #${q.index} ` +
          `(cycle ${untilCycle}), with an event pending at cycle ${m.events.nextAt}`,
      );
    }
    m.idleUntil(untilCycle);
  }

  #driverOf(driver: readonly Dispatcher[] | MachineDriver): MachineDriver {
    if (typeof driver === "function") return driver;
    if (!Array.isArray(driver) || driver.length !== this.machines.length) {
      throw new ConfigError(
        `World.run needs one dispatcher per machine (${this.machines.length}) or a driver function`,
      );
    }
    for (const d of driver) {
      if (d === null || typeof d !== "object" || typeof d.pickNext !== "function")
        throw new ConfigError("every dispatcher must have a pickNext() method");
    }
    const byMachine = new Map<Machine, Dispatcher>();
    for (let i = 0; i < this.machines.length; i++) byMachine.set(this.machines[i]!, driver[i]!);
    return (m, untilCycle) => {
      m.run(byMachine.get(m)!, { untilCycle });
    };
  }

  #checkRunOptions(opts: WorldRunOptions) {
    if (opts === null || typeof opts !== "object")
      throw new ConfigError("run options must be an object");
    if (this.machines.length === 0) throw new ConfigError("the world has no machine");
    const untilNs = checkInt("untilNs", opts.untilNs, this.#nowNs, Number.MAX_SAFE_INTEGER);
    const quantumNs = checkInt("quantumNs", opts.quantumNs, 1, Number.MAX_SAFE_INTEGER);
    const bound = this.minLinkLatencyNs;
    if (quantumNs > bound) {
      throw new ConfigError(
        `quantum ${quantumNs} ns is longer than the minimum link latency ${bound} ns: a frame could land in a receiver's past`,
      );
    }
    for (const m of this.machines) {
      const c = m.profile.cycleNs;
      if (quantumNs % c !== 0 || untilNs % c !== 0) {
        throw new ConfigError(
          `quantumNs (${quantumNs}) and untilNs (${untilNs}) must be multiples of machine ${m.id}'s cycle (${c} ns)`,
        );
      }
    }
    const order = opts.order ?? this.machines;
    if (
      !Array.isArray(order) ||
      order.length !== this.machines.length ||
      new Set(order).size !== order.length ||
      order.some((m) => !this.machines.includes(m))
    ) {
      throw new ConfigError("order must list every machine of the world exactly once");
    }
    if (opts.stopWhen !== undefined && typeof opts.stopWhen !== "function")
      throw new ConfigError("stopWhen must be a function");
    return { untilNs, quantumNs, order, stop: opts.stopWhen };
  }

  #checkIdle(what: string): void {
    if (this.#running) throw new WorldError(`cannot ${what} while the world is running`);
  }
}
