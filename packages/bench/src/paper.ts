/**
 * The paper's figures (Engler, Kaashoek, O'Toole, SOSP 1995), measured on the DECstation
 * 5000/125: Aegis/ExOS against Ultrix 4.2, in microseconds (matmul in seconds), copied from
 * the paper's tables named in each row. They are the comparison column of the report and nothing
 * else: no simulated figure ever reads them (a test replaces them with random numbers and
 * checks that every simulated figure stays the same).
 */
import { baseProfileName } from "@exolab/machine/privileged";
/**
 * The systems the paper measured: Ultrix 4.2 (the baseline), Aegis's own primitives, and
 * ExOS on Aegis. A system of ours names the one it is set against (its adapter's `paper`).
 */
export type PaperSystem = "ultrix" | "aegis" | "exos";

export interface PaperRow {
  /** The figure for the baseline (Ultrix), or null where the paper has none. */
  readonly ultrix: number | null;
  /** The figure for the exokernel side (Aegis for kernel primitives, ExOS for libOS rows). */
  readonly exo: number | null;
  readonly exoSystem: Exclude<PaperSystem, "ultrix">;
  readonly source: string;
  readonly note?: string;
}

export const PAPER_PROFILE = "dec5000_125";

const rows: Record<string, PaperRow> = {
  "proc-call": { ultrix: 0.28, exo: 0.28, exoSystem: "aegis", source: "Table 4" },
  getpid: {
    ultrix: 21.3,
    exo: 1.6,
    exoSystem: "aegis",
    source: "Table 4",
    note: "Aegis path with no stack",
  },
  "getpid-stack": {
    ultrix: null,
    exo: 2.3,
    exoSystem: "aegis",
    source: "Table 4",
    note: "Aegis path with a stack",
  },
  "getpid-lib": {
    ultrix: null,
    exo: null,
    exoSystem: "exos",
    source: "Table 4",
    note: "answered in the library; no paper figure",
  },
  "exc-unalign": {
    ultrix: null,
    exo: 1.5,
    exoSystem: "aegis",
    source: "Table 5",
    note: "Ultrix fixes it up in the kernel",
  },
  "exc-overflow": { ultrix: 130.0, exo: 1.5, exoSystem: "aegis", source: "Table 5" },
  "exc-coproc": {
    ultrix: null,
    exo: 1.5,
    exoSystem: "aegis",
    source: "Table 5",
    note: "not allowed on Ultrix",
  },
  "exc-prot": { ultrix: 154.0, exo: 1.5, exoSystem: "aegis", source: "Table 5" },
  pct: { ultrix: null, exo: 1.4, exoSystem: "aegis", source: "Table 6", note: "one way" },
  pipe: { ultrix: 199.0, exo: 14.2, exoSystem: "exos", source: "Table 8", note: "one way" },
  "pipe-inline": { ultrix: null, exo: 10.7, exoSystem: "exos", source: "Table 8", note: "one way" },
  shm: { ultrix: 118.0, exo: 5.7, exoSystem: "exos", source: "Table 8", note: "one way" },
  lrpc: { ultrix: null, exo: 6.3, exoSystem: "exos", source: "Tables 8, 12", note: "round trip" },
  tlrpc: { ultrix: null, exo: 2.9, exoSystem: "exos", source: "Table 12", note: "round trip" },
  dirty: { ultrix: null, exo: 9.8, exoSystem: "exos", source: "Table 10" },
  prot1: { ultrix: 32.0, exo: 16.9, exoSystem: "exos", source: "Table 10" },
  prot100: { ultrix: 102.0, exo: 109.0, exoSystem: "exos", source: "Table 10" },
  unprot100: { ultrix: 102.0, exo: 143.0, exoSystem: "exos", source: "Table 10" },
  trap: { ultrix: 161.0, exo: 4.8, exoSystem: "exos", source: "Table 10" },
  appel1: { ultrix: 262.0, exo: 34.0, exoSystem: "exos", source: "Table 10", note: "per page" },
  appel2: { ultrix: 232.0, exo: 22.0, exoSystem: "exos", source: "Table 10", note: "per page" },
  matmul: {
    ultrix: 3.8,
    exo: 3.7,
    exoSystem: "exos",
    source: "Table 9",
    note: "seconds, 150x150 integers",
  },
  "udp-roundtrip": {
    ultrix: 3400,
    exo: 320,
    exoSystem: "exos",
    source: "Table 11",
    note: "60-byte UDP/IP frame between two machines, application-level handling",
  },
  "udp-roundtrip-ash": {
    ultrix: null,
    exo: 259,
    exoSystem: "exos",
    source: "Table 11",
    note: "the reply from an ASH",
  },
};

let table: Record<string, PaperRow> = rows;

/** The paper's row for a benchmark, or undefined when the paper has none. */
export function paperRow(benchmark: string): PaperRow | undefined {
  return Object.hasOwn(table, benchmark) ? table[benchmark] : undefined;
}

/**
 * The paper's figure for a benchmark on a system of ours, on the paper's machine only:
 * `column` is the paper's system that one is set against (its adapter's `paper`), null for
 * a system the paper did not measure.
 */
export function paperFigure(
  benchmark: string,
  column: PaperSystem | null,
  profile: string,
): number | null {
  if (column === null || baseProfileName(profile) !== PAPER_PROFILE) return null;
  const row = paperRow(benchmark);
  if (row === undefined) return null;
  if (column === "ultrix") return row.ultrix;
  return row.exoSystem === column ? row.exo : null;
}

/** Stride scheduling, Section 7.3: 3:2:1 tickets observed as about 1 : 2.06 : 3.19. */
export const PAPER_STRIDE_RATIOS: readonly number[] = [1, 2.06, 3.19];

/** For the honesty test: swap the reference table (and restore it). */
export function withPaperTable<T>(replacement: Record<string, PaperRow>, fn: () => T): T {
  const saved = table;
  table = replacement;
  try {
    return fn();
  } finally {
    table = saved;
  }
}

export function paperBenchmarks(): string[] {
  return Object.keys(rows);
}
