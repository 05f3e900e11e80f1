import { ConfigError } from "./errors.js";

/**
 * A machine profile holds hardware facts only: no OS policy and no path length of any
 * kernel. Every number's source, or the assumption behind it, is in the package README
 * (section "Profiles"). One profile serves every kernel.
 */
export interface MachineProfile {
  readonly name: ProfileName;
  readonly description: string;
  readonly processor: "R2000" | "R3000";
  /** Length of one CPU cycle in integer nanoseconds (25 MHz = 40 ns). */
  readonly cycleNs: number;
  /** Cycles per instruction for straight-line work charged with `exec` (single-issue pipeline). */
  readonly cyclesPerInstruction: number;
  /** Entries in the unified TLB. */
  readonly tlbEntries: number;
  /** Entries 0..tlbWiredEntries-1 are never chosen by random replacement (R3000: 8). */
  readonly tlbWiredEntries: number;
  /** Address-space identifiers the TLB distinguishes (R3000: 6-bit ASID). */
  readonly asidCount: number;
  /** A cached load or store (kuseg, kseg0, kseg2): one instruction, hitting the cache. */
  readonly cachedAccessCycles: number;
  /** An uncached access (kseg1): a full main-memory reference. */
  readonly uncachedAccessCycles: number;
  /** `mult` with the `mflo` interlock: the integer multiplier's latency. */
  readonly multiplyCycles: number;
  /** Pipeline cycles lost when an exception is taken (instructions in flight discarded). */
  readonly exceptionEntryCycles: number;
  /** `rfe`, `tlbwr`, `tlbwi`, `tlbp`, `tlbr`, `mtc0`/`mfc0`: each one instruction. */
  readonly cp0OpCycles: number;
  /**
   * The memory system (src/cpu/memory-system.ts): direct-mapped, physically indexed,
   * write-through data and instruction caches with one-word lines, behind a FIFO write buffer.
   * `memorySystem` false: every cached access is a one-cycle hit and stores never stall (the
   * model of the earlier figures, for what-if comparisons).
   */
  readonly memorySystem: boolean;
  /** Data cache size (a power of two, 4 bytes to 64 KiB; one 4-byte line per word). */
  readonly dataCacheBytes: number;
  /** Instruction cache size (a power of two, 4 bytes to 64 KiB; 4-byte lines). */
  readonly instructionCacheBytes: number;
  /** Cycles a cache miss adds to the one-cycle hit: one main-memory read of a word. */
  readonly cacheMissCycles: number;
  /** Stages of the write buffer (words it holds while they are written to memory). */
  readonly writeBufferDepth: number;
  /** Cycles to retire one word from the write buffer to memory (one memory write). */
  readonly writeRetireCycles: number;
  readonly disk: DiskProfile;
  readonly network: NetworkProfile;
}

export interface DiskProfile {
  readonly model: string;
  readonly blockBytes: number;
  readonly blocks: number;
  readonly blocksPerTrack: number;
  readonly tracks: number;
  /** Seek time model: settle + per-track * distance, capped at fullStroke. */
  readonly seekSettleNs: number;
  readonly seekPerTrackNs: number;
  readonly seekFullStrokeNs: number;
  readonly rpm: number;
  /** Media/bus transfer rate in bytes per second. */
  readonly transferBytesPerSecond: number;
  /** Controller overhead per command. */
  readonly controllerOverheadNs: number;
}

export interface NetworkProfile {
  readonly model: string;
  /** Time on the wire per byte (10 Mb/s Ethernet: 800 ns). */
  readonly wireNsPerByte: number;
  /** Preamble and start-of-frame delimiter bytes sent before every frame. */
  readonly preambleBytes: number;
  /** Minimum frame (padding added below it), maximum frame. */
  readonly minFrameBytes: number;
  readonly maxFrameBytes: number;
  /** Receive ring slots the card DMAs into. */
  readonly receiveRingSlots: number;
  /** Card latency between the end of a frame and its interrupt / between a send command and the wire. */
  readonly receiveLatencyNs: number;
  readonly transmitLatencyNs: number;
}

export type ProfileName = "dec5000_125" | "dec3100" | "dec2100";

const RZ56: DiskProfile = {
  model: "DEC RZ56 (SCSI, 665 MB)",
  blockBytes: 512,
  blocks: 1_299_174,
  blocksPerTrack: 54,
  tracks: 24_059,
  seekSettleNs: 4_000_000,
  seekPerTrackNs: 1_000,
  seekFullStrokeNs: 35_000_000,
  rpm: 3600,
  transferBytesPerSecond: 1_660_000,
  controllerOverheadNs: 1_000_000,
};

const LANCE: NetworkProfile = {
  model: "AMD Am7990 LANCE, 10 Mb/s Ethernet",
  wireNsPerByte: 800,
  preambleBytes: 8,
  minFrameBytes: 64,
  maxFrameBytes: 1518,
  receiveRingSlots: 16,
  receiveLatencyNs: 2_000,
  transmitLatencyNs: 2_000,
};

/*
 * The memory-system numbers, per profile (README "Profiles" gives the same, with sources):
 * - Caches: 64 KiB I + 64 KiB D, direct-mapped, write-through, 4-byte lines. Documented for the
 *   DECstation 3100 (Digital Technical Journal); the 2100 is the same board design with an
 *   R2000 at 12.5 MHz; the 5000/125's 64 KiB + 64 KiB is DEC's documentation; its one-word line
 *   (no block refill) is an ASSUMPTION.
 * - Write buffer: four stages (the 3100's four R2020 chips, documented). The 2100 shares the
 *   design (documented board family); the 5000/125's four stages are an ASSUMPTION.
 * - Retiring a word and a miss: ASSUMPTION, derived from the profile's one main-memory
 *   reference (uncachedAccessCycles, itself an assumption: about 600 ns on the 5000/1xx,
 *   360–400 ns on the 3100/2100): a write retires in one reference; a miss costs the
 *   reference instead of the one-cycle hit (cacheMissCycles = reference − 1).
 */

/**
 * Whether the named profiles model the memory system: yes (issue 12). `NAME+counted` names the
 * same machine with it off (every cached access a one-cycle hit, no stall: the counted paths
 * alone), which is what the tests that derive a path's cycles from a `costs.ts` run on.
 */
const MEMORY_SYSTEM_DEFAULT = true;

export const PROFILES: Readonly<Record<ProfileName, MachineProfile>> = Object.freeze({
  dec5000_125: Object.freeze({
    name: "dec5000_125",
    description: "DECstation 5000/125: 25 MHz R3000, 64 KiB I + 64 KiB D cache",
    processor: "R3000",
    cycleNs: 40,
    cyclesPerInstruction: 1,
    tlbEntries: 64,
    tlbWiredEntries: 8,
    asidCount: 64,
    cachedAccessCycles: 1,
    uncachedAccessCycles: 15,
    multiplyCycles: 12,
    exceptionEntryCycles: 3,
    cp0OpCycles: 1,
    memorySystem: MEMORY_SYSTEM_DEFAULT,
    dataCacheBytes: 65536,
    instructionCacheBytes: 65536,
    cacheMissCycles: 15 - 1,
    writeBufferDepth: 4,
    writeRetireCycles: 15,
    disk: RZ56,
    network: LANCE,
  }),
  dec3100: Object.freeze({
    name: "dec3100",
    description: "DECstation 3100: 16.67 MHz R3000, 64 KiB I + 64 KiB D cache",
    processor: "R3000",
    cycleNs: 60,
    cyclesPerInstruction: 1,
    tlbEntries: 64,
    tlbWiredEntries: 8,
    asidCount: 64,
    cachedAccessCycles: 1,
    uncachedAccessCycles: 6,
    multiplyCycles: 12,
    exceptionEntryCycles: 3,
    cp0OpCycles: 1,
    memorySystem: MEMORY_SYSTEM_DEFAULT,
    dataCacheBytes: 65536,
    instructionCacheBytes: 65536,
    cacheMissCycles: 6 - 1,
    writeBufferDepth: 4,
    writeRetireCycles: 6,
    disk: RZ56,
    network: LANCE,
  }),
  dec2100: Object.freeze({
    name: "dec2100",
    description: "DECstation 2100: 12.5 MHz R2000, 64 KiB I + 64 KiB D cache",
    processor: "R2000",
    cycleNs: 80,
    cyclesPerInstruction: 1,
    tlbEntries: 64,
    tlbWiredEntries: 8,
    asidCount: 64,
    cachedAccessCycles: 1,
    uncachedAccessCycles: 5,
    multiplyCycles: 12,
    exceptionEntryCycles: 3,
    cp0OpCycles: 1,
    memorySystem: MEMORY_SYSTEM_DEFAULT,
    dataCacheBytes: 65536,
    instructionCacheBytes: 65536,
    cacheMissCycles: 5 - 1,
    writeBufferDepth: 4,
    writeRetireCycles: 5,
    disk: RZ56,
    network: LANCE,
  }),
});

export const PROFILE_NAMES = Object.freeze(Object.keys(PROFILES) as ProfileName[]);
export const DEFAULT_PROFILE: ProfileName = "dec5000_125";

/** The named profile with the memory system on (or off): a what-if profile, validated. */
export function withMemorySystem(name: ProfileName, on = true): MachineProfile {
  return validateProfile({ ...getProfile(name), memorySystem: on });
}

/** Looks a profile up by name; a wrong name gets a ConfigError naming the valid ones. */
export function getProfile(name: string = DEFAULT_PROFILE): MachineProfile {
  const base = baseProfileName(name);
  if (!Object.hasOwn(PROFILES, base)) {
    throw new ConfigError(
      `unknown profile "${name}"; valid profiles: ${PROFILE_NAMES.join(", ")} (each also as NAME${COUNTED_SUFFIX}, with its memory system off)`,
    );
  }
  const named = PROFILES[base as ProfileName];
  const on = !name.endsWith(COUNTED_SUFFIX);
  if (named.memorySystem === on) return named;
  const key = `${base}:${on}`;
  let p = variants.get(key);
  if (p === undefined) {
    p = withMemorySystem(base as ProfileName, on);
    variants.set(key, p);
  }
  return p;
}

/**
 * The suffix that names a profile with its memory system off, wherever a profile is named
 * (`--profile dec5000_125+counted`): the same machine, every cached access a one-cycle hit
 * and no write-buffer stall, so that a path costs what its counted instructions say.
 */
export const COUNTED_SUFFIX = "+counted";

/**
 * The suffix that names a profile with its memory system on: what the named profiles are
 * now, kept so that a name written before the default changed still names that machine.
 */
export const MEMORY_SUFFIX = "+memory";

/** The machine a profile name is of: `dec5000_125+counted` → `dec5000_125`. */
export function baseProfileName(name: string): string {
  if (name.endsWith(COUNTED_SUFFIX)) return name.slice(0, -COUNTED_SUFFIX.length);
  if (name.endsWith(MEMORY_SUFFIX)) return name.slice(0, -MEMORY_SUFFIX.length);
  return name;
}

/** Whether `name` names a profile (a machine's, alone or with `+counted` or `+memory`). */
export function isProfileName(name: string): boolean {
  return Object.hasOwn(PROFILES, baseProfileName(name));
}

/** The suffixed profiles made so far (one frozen object per name: the same on every call). */
const variants = new Map<string, MachineProfile>();

/** Validates a profile built by hand (tests, what-if studies); returns it frozen. */
export function validateProfile(p: MachineProfile): MachineProfile {
  const positive: (keyof MachineProfile)[] = [
    "cycleNs",
    "cyclesPerInstruction",
    "cachedAccessCycles",
    "uncachedAccessCycles",
    "cp0OpCycles",
    "multiplyCycles",
    "writeRetireCycles",
  ];
  for (const k of positive) {
    const v = p[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      throw new ConfigError(
        `profile ${String(p.name)}: ${k} must be a positive integer, got ${String(v)}`,
      );
    }
  }
  if (!Number.isInteger(p.exceptionEntryCycles) || p.exceptionEntryCycles < 0) {
    throw new ConfigError(`profile ${p.name}: exceptionEntryCycles must be a non-negative integer`);
  }
  if (p.cachedAccessCycles !== 1) {
    throw new ConfigError(
      `profile ${p.name}: a cached access (a cache hit) is one cycle on the R2000/R3000, got ${String(p.cachedAccessCycles)}`,
    );
  }
  if (typeof p.memorySystem !== "boolean") {
    throw new ConfigError(`profile ${p.name}: memorySystem must be true or false`);
  }
  for (const k of ["dataCacheBytes", "instructionCacheBytes"] as const) {
    const v = p[k];
    if (!(Number.isInteger(v) && v >= 4 && v <= 65536 && (v & (v - 1)) === 0)) {
      throw new ConfigError(
        `profile ${p.name}: ${k} must be a power of two from 4 to 65536, got ${String(v)}`,
      );
    }
  }
  if (
    !(Number.isInteger(p.cacheMissCycles) && p.cacheMissCycles >= 0 && p.cacheMissCycles <= 1000)
  ) {
    throw new ConfigError(`profile ${p.name}: cacheMissCycles must be an integer in [0, 1000]`);
  }
  if (
    !(Number.isInteger(p.writeBufferDepth) && p.writeBufferDepth >= 1 && p.writeBufferDepth <= 64)
  ) {
    throw new ConfigError(`profile ${p.name}: writeBufferDepth must be an integer in [1, 64]`);
  }
  if (p.writeRetireCycles > 1000) {
    throw new ConfigError(`profile ${p.name}: writeRetireCycles must be at most 1000`);
  }
  if (p.tlbEntries !== 64) {
    throw new ConfigError(`profile ${p.name}: the R3000 TLB has 64 entries, got ${p.tlbEntries}`);
  }
  if (
    !Number.isInteger(p.tlbWiredEntries) ||
    p.tlbWiredEntries < 0 ||
    p.tlbWiredEntries >= p.tlbEntries
  ) {
    throw new ConfigError(`profile ${p.name}: tlbWiredEntries must be in [0, ${p.tlbEntries})`);
  }
  if (p.asidCount !== 64) {
    throw new ConfigError(
      `profile ${p.name}: the R3000 has 64 address-space ids, got ${p.asidCount}`,
    );
  }
  return Object.freeze({ ...p });
}
