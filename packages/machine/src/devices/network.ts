import { Category } from "../accounting.js";
import type { Cpu } from "../cpu.js";
import { IRQ } from "../cpu-defs.js";
import { ArgumentError, checkInt } from "../errors.js";
import type { EventQueue } from "../events.js";
import {
  isUint8Array,
  max,
  typedArrayLength,
  typedArraySet,
  typedArraySlice,
} from "../intrinsics.js";
import type { PhysicalMemory } from "../memory.js";
import type { NetworkProfile } from "../profiles.js";
import type { SeededRandom } from "../rng.js";
import { ceilDiv, DeviceBusyError } from "./disk.js";

/** Status register bits (LANCE CSR0-like): a frame was received into the ring. */
export const NET_STATUS_RX = 1;
/** A transmitted frame has left the card (its last bit is on the wire). */
export const NET_STATUS_TX = 2;
/** A frame arrived while the next ring slot belonged to the host: it was dropped. */
export const NET_STATUS_MISS = 4;
export const NET_STATUS_ALL = NET_STATUS_RX | NET_STATUS_TX | NET_STATUS_MISS;

/** Register accesses per transmit: the descriptor (address and length), then transmit demand. */
export const NET_TRANSMIT_REGISTER_WRITES = 2;
/** IEEE 802.3 inter-frame gap: 96 bit times = 12 byte times between two frames of one sender. */
export const INTERFRAME_GAP_BYTES = 12;

/**
 * What a card is attached to (a Link of a World, or a test's sink). `carry` is called once per
 * transmitted frame, at the cycle the transmit command takes effect, with the time the frame's
 * last bit leaves the card. It must check everything before it changes anything (it may throw
 * a typed error; the card then changes nothing).
 */
export interface NetworkPort {
  carry(sender: NetworkCard, frame: Uint8Array, lastBitOutNs: number, seq: number): void;
}

/** A seeded load generator (see `NetworkCard.generateTraffic`). */
export interface TrafficOptions {
  /** Arrival (last bit at the card) of the first frame, in ns of this machine's time. */
  readonly startNs: number;
  readonly frames: number;
  /** Gap drawn uniformly in [minGapNs, maxGapNs] between arrivals, never shorter than the wire allows. */
  readonly minGapNs: number;
  readonly maxGapNs: number;
  /** Frame length drawn uniformly in [minBytes, maxBytes] (defaults: minFrame, maxFrame). */
  readonly minBytes?: number;
  readonly maxBytes?: number;
}

interface TrafficState {
  remaining: number;
  arrivalNs: number;
  index: number;
  readonly o: Required<TrafficOptions>;
}

/**
 * An Ethernet card modelled on the AMD Am7990 LANCE at 10 Mb/s (profile.network).
 *
 * Receive: a ring of `receiveRingSlots` buffers the kernel hands to the card
 * (`giveReceiveBuffer(slot, pa)`, each buffer maxFrameBytes long). The card fills slots in
 * ring order: a frame whose last bit reached the card at t is DMAed into the next slot at the
 * first cycle at or after t + receiveLatencyNs; the slot records the length and goes back to
 * the host, the status gets RX and IRQ.Network is asserted. If the next slot belongs to the
 * host (ring full), the frame is dropped, counted, and the status gets MISS (interrupting too).
 *
 * Transmit: `transmit(pa, length)` queues a frame (up to receiveRingSlots frames in flight:
 * assumption, both rings sized alike). The card copies the frame when the command takes effect
 * at t0 (model simplification: a kernel should keep the buffer until TX anyway). Its first bit
 * leaves at max(t0 + transmitLatencyNs, end of this card's previous frame + inter-frame gap)
 * and the wire holds it for (preambleBytes + max(length, minFrameBytes)) * wireNsPerByte; at
 * the last bit the status gets TX and IRQ.Network is asserted. Collisions are not modelled:
 * each station serializes its own frames only (a full-duplex link). The receiver gets the
 * frame's own bytes (padding only costs wire time).
 *
 * Every register access charges one uncached access to Category.Device and takes effect at the
 * end of the access. Host misuse throws a typed error before anything changes.
 */
export class NetworkCard {
  readonly params: NetworkProfile;
  #port: NetworkPort | null = null;
  readonly #slotPa: number[];
  readonly #slotLength: number[];
  readonly #slotCardOwned: boolean[];
  #receiveHead = 0;
  #status = 0;
  #transmitsInFlight = 0;
  #wireFreeNs = 0;
  #sendSeq = 0;
  #traffic: TrafficState | null = null;
  framesSent = 0;
  framesReceived = 0;
  framesDropped = 0;
  bytesSent = 0;
  bytesReceived = 0;

  constructor(
    readonly cpu: Cpu,
    readonly memory: PhysicalMemory,
    readonly events: EventQueue,
    readonly sync: () => void,
    readonly rng: SeededRandom,
  ) {
    this.params = cpu.profile.network;
    const n = this.params.receiveRingSlots;
    this.#slotPa = new Array<number>(n).fill(-1);
    this.#slotLength = new Array<number>(n).fill(0);
    this.#slotCardOwned = new Array<boolean>(n).fill(false);
  }

  /** This card's machine id (the origin of the frames it sends into other machines). */
  get machineId(): number {
    return this.events.localOrigin;
  }

  // ---- the kernel's register interface (charged) -------------------------------------------

  /** Hands ring slot `slot` (a buffer of maxFrameBytes at physical `pa`) to the card. */
  giveReceiveBuffer(slot: number, pa: number): void {
    this.#checkSlot(slot);
    this.memory.checkRange(pa, this.params.maxFrameBytes);
    this.#checkHostOwned(slot);
    this.#registerAccess(1);
    this.#checkHostOwned(slot);
    this.#slotPa[slot] = pa;
    this.#slotLength[slot] = 0;
    this.#slotCardOwned[slot] = true;
  }

  /** Length of the frame in slot `slot` once the card has returned it; 0 while the card owns it. */
  receivedLength(slot: number): number {
    this.#checkSlot(slot);
    this.#registerAccess(1);
    return this.#slotCardOwned[slot] ? 0 : this.#slotLength[slot]!;
  }

  /** Queues a frame of `lengthBytes` at physical `pa` for transmission. */
  transmit(pa: number, lengthBytes: number): void {
    checkInt("frame length", lengthBytes, 1, this.params.maxFrameBytes);
    this.memory.checkRange(pa, lengthBytes);
    this.#checkTransmitRoom();
    this.#registerAccess(NET_TRANSMIT_REGISTER_WRITES);
    this.#checkTransmitRoom();
    const p = this.params;
    const cycleNs = this.cpu.profile.cycleNs;
    const t0 = this.cpu.now * cycleNs;
    const firstBitNs = max(t0 + p.transmitLatencyNs, this.#wireFreeNs);
    const lastBitNs = firstBitNs + this.wireTimeNs(lengthBytes);
    const frame = typedArraySlice(this.memory.u8, pa, pa + lengthBytes);
    const seq = this.#sendSeq;
    this.#port?.carry(this, frame, lastBitNs, seq);
    this.#sendSeq++;
    this.#wireFreeNs = lastBitNs + INTERFRAME_GAP_BYTES * p.wireNsPerByte;
    this.#transmitsInFlight++;
    this.events.schedule(ceilDiv(lastBitNs, cycleNs), "net.tx", () => {
      this.#transmitsInFlight--;
      this.framesSent++;
      this.bytesSent += lengthBytes;
      this.#raise(NET_STATUS_TX);
    });
    this.sync();
  }

  /** Reads the status register (NET_STATUS_RX | NET_STATUS_TX | NET_STATUS_MISS). */
  readStatus(): number {
    this.#registerAccess(1);
    return this.#status;
  }

  /** Clears the status bits in `mask`; deasserts IRQ.Network once no bit is left. */
  acknowledge(mask: number = NET_STATUS_ALL): void {
    checkInt("acknowledge mask", mask, 0, NET_STATUS_ALL);
    this.#registerAccess(1);
    this.#status &= ~mask;
    if (this.#status === 0) this.cpu.clearIrq(IRQ.Network);
  }

  // ---- host side: attachment, scripted and generated traffic, inspection (uncharged) -------

  /** Attaches the card to a port (a Link, a test sink) or detaches it (frames leave into the void). */
  attach(port: NetworkPort | null): void {
    if (port !== null && (typeof port !== "object" || typeof port.carry !== "function")) {
      throw new ArgumentError("a network port must have a carry(sender, frame, ns, seq) method");
    }
    this.#port = port;
  }

  get port(): NetworkPort | null {
    return this.#port;
  }

  /** Wire time of a frame: (preamble + max(length, minFrame)) byte times. */
  wireTimeNs(lengthBytes: number): number {
    const p = this.params;
    return (p.preambleBytes + max(lengthBytes, p.minFrameBytes)) * p.wireNsPerByte;
  }

  /**
   * Scripted traffic: a frame whose last bit reaches the card at `atNs` (this machine's time);
   * it lands in the ring receiveLatencyNs later. The bytes are copied now.
   */
  scheduleFrame(atNs: number, bytes: Uint8Array): void {
    checkInt("arrival time (ns)", atNs, 0, Number.MAX_SAFE_INTEGER);
    this.#checkFrameBytes(bytes);
    const at = ceilDiv(atNs + this.params.receiveLatencyNs, this.cpu.profile.cycleNs);
    this.#checkFuture(at);
    const copy = bytes.slice();
    this.events.schedule(at, "net.rx", () => this.#receive(copy));
    this.sync();
  }

  /**
   * A frame from another machine (`origin`, its sequence `seq`) to be received at cycle
   * `atCycle` of this machine. Used by Link; the event keeps the sender's (origin, seq) so
   * same-cycle order never depends on the order in which a world stepped its machines.
   */
  acceptFrame(atCycle: number, origin: number, seq: number, bytes: Uint8Array): void {
    checkInt("origin", origin, 0, 0xffff);
    checkInt("sequence", seq, 0, Number.MAX_SAFE_INTEGER);
    checkInt("arrival cycle", atCycle, 0, Number.MAX_SAFE_INTEGER);
    this.#checkFrameBytes(bytes);
    this.#checkFuture(atCycle);
    const copy = typedArraySlice(bytes, 0, typedArrayLength(bytes));
    this.events.insert({
      at: atCycle,
      origin,
      seq,
      name: "net.rx",
      fire: () => this.#receive(copy),
    });
    this.sync();
  }

  /**
   * Seeded load: `frames` frames with gaps and lengths drawn from this card's SeededRandom.
   * Frame i starts with i (32-bit little-endian), then random bytes. Arrivals are spaced by
   * at least the wire time of the next frame plus the inter-frame gap. The next frame is drawn
   * when the previous one lands, so a long run holds one pending frame at a time.
   */
  generateTraffic(opts: TrafficOptions): void {
    const p = this.params;
    if (opts === null || typeof opts !== "object")
      throw new ArgumentError("traffic options must be an object");
    if (this.#traffic !== null) throw new DeviceBusyError("a traffic generator is already running");
    checkInt("traffic startNs", opts.startNs, 0, Number.MAX_SAFE_INTEGER);
    checkInt("traffic frames", opts.frames, 1, 100_000_000);
    checkInt("traffic minGapNs", opts.minGapNs, 0, 1e12);
    checkInt("traffic maxGapNs", opts.maxGapNs, opts.minGapNs, 1e12);
    const minBytes = checkInt(
      "traffic minBytes",
      opts.minBytes ?? p.minFrameBytes,
      4,
      p.maxFrameBytes,
    );
    const maxBytes = checkInt(
      "traffic maxBytes",
      opts.maxBytes ?? p.maxFrameBytes,
      minBytes,
      p.maxFrameBytes,
    );
    const first = ceilDiv(opts.startNs + p.receiveLatencyNs, this.cpu.profile.cycleNs);
    this.#checkFuture(first);
    const o = { ...opts, minBytes, maxBytes };
    this.#traffic = { remaining: opts.frames, arrivalNs: opts.startNs, index: 0, o };
    this.#scheduleGenerated();
  }

  /** Frames the generator has yet to deliver (0 when none is running). */
  get generatedPending(): number {
    return this.#traffic?.remaining ?? 0;
  }

  get peekStatus(): number {
    return this.#status;
  }

  /** The ring slot the card fills next. */
  get receiveHead(): number {
    return this.#receiveHead;
  }

  get transmitsInFlight(): number {
    return this.#transmitsInFlight;
  }

  /** A slot as the card sees it: its buffer, the length received, and who owns it. */
  slotState(slot: number): { pa: number; length: number; cardOwned: boolean } {
    this.#checkSlot(slot);
    return {
      pa: this.#slotPa[slot]!,
      length: this.#slotLength[slot]!,
      cardOwned: this.#slotCardOwned[slot]!,
    };
  }

  // ---- internals ---------------------------------------------------------------------------

  #receive(frame: Uint8Array): void {
    const slot = this.#receiveHead;
    if (!this.#slotCardOwned[slot]) {
      this.framesDropped++;
      this.#raise(NET_STATUS_MISS);
      return;
    }
    // Runs in an event, while a libOS may have patched the intrinsics: the frame's length
    // through the captured getter.
    const length = typedArrayLength(frame);
    typedArraySet(this.memory.u8, frame, this.#slotPa[slot]!);
    this.#slotLength[slot] = length;
    this.#slotCardOwned[slot] = false;
    this.#receiveHead = (slot + 1) % this.params.receiveRingSlots;
    this.framesReceived++;
    this.bytesReceived += length;
    this.#raise(NET_STATUS_RX);
  }

  #raise(bit: number): void {
    this.#status |= bit;
    this.cpu.assertIrq(IRQ.Network);
  }

  #scheduleGenerated(): void {
    const t = this.#traffic!;
    const { o } = t;
    const rng = this.rng;
    const length = o.minBytes + rng.below(o.maxBytes - o.minBytes + 1);
    const frame = new Uint8Array(length);
    new DataView(frame.buffer).setUint32(0, t.index >>> 0, true);
    for (let i = 4; i < length; i++) frame[i] = rng.nextU32() & 0xff;
    if (t.index > 0) {
      const gap = o.minGapNs + rng.below(o.maxGapNs - o.minGapNs + 1);
      const minSpacing = this.wireTimeNs(length) + INTERFRAME_GAP_BYTES * this.params.wireNsPerByte;
      t.arrivalNs += max(gap, minSpacing);
    }
    t.index++;
    t.remaining--;
    const at = ceilDiv(t.arrivalNs + this.params.receiveLatencyNs, this.cpu.profile.cycleNs);
    this.events.schedule(at, "net.rx", () => {
      this.#receive(frame);
      if (t.remaining > 0) this.#scheduleGenerated();
      else this.#traffic = null;
    });
    this.sync();
  }

  #checkSlot(slot: number): void {
    checkInt("receive ring slot", slot, 0, this.params.receiveRingSlots - 1);
  }

  #checkHostOwned(slot: number): void {
    if (this.#slotCardOwned[slot]) {
      throw new DeviceBusyError(`receive ring slot ${slot} already belongs to the card`);
    }
  }

  #checkTransmitRoom(): void {
    if (this.#transmitsInFlight >= this.params.receiveRingSlots) {
      throw new DeviceBusyError(
        `transmit ring full: ${this.#transmitsInFlight} frames in flight; wait for a TX interrupt`,
      );
    }
  }

  #checkFrameBytes(bytes: Uint8Array): void {
    if (
      !isUint8Array(bytes) ||
      typedArrayLength(bytes) < 1 ||
      typedArrayLength(bytes) > this.params.maxFrameBytes
    ) {
      throw new ArgumentError(
        `a frame must be a Uint8Array of 1..${this.params.maxFrameBytes} bytes`,
      );
    }
  }

  #checkFuture(atCycle: number): void {
    if (atCycle <= this.cpu.now) {
      throw new ArgumentError(
        `a frame must land after the current cycle ${this.cpu.now}, not at cycle ${atCycle}`,
      );
    }
  }

  #registerAccess(accesses: number): void {
    this.cpu.drainWriteBuffer();
    this.cpu.charge(accesses * this.cpu.profile.uncachedAccessCycles, Category.Device);
  }
}
