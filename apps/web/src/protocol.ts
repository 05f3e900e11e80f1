/**
 * What the page and its worker say to each other (structured-cloned messages). The page
 * holds no simulator: it learns the systems, benchmarks, profiles and policies from the
 * worker's catalog, sends it a selection, and draws the rows it gets back.
 */
import type { BenchReport, BenchResult } from "@exolab/bench";

/** A policy value an override may carry (SystemOptions.policy). */
export type PolicyValue = number | string;
/** Policy overrides by system id, then field. */
export type Policies = Readonly<Record<string, Readonly<Record<string, PolicyValue>>>>;

/** What the page lets a user choose: the whole of a run. */
export interface Selection {
  readonly suite: string;
  readonly profile: string;
  /** Systems in report order (the baseline first). */
  readonly systems: readonly string[];
  /** Benchmarks in suite order. */
  readonly benchmarks: readonly string[];
  readonly seed: number;
  /** Overrides only: a field left out keeps its default. */
  readonly policies: Policies;
}

export interface CatalogBenchmark {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** The systems that run it (the others report it unsupported, with the reason). */
  readonly systems: readonly string[];
}

export interface CatalogProfile {
  readonly id: string;
  readonly description: string;
}

export interface CatalogSystem {
  readonly id: string;
  readonly title: string;
}

/** Everything the page offers, from the bench itself (the worker builds it). */
export interface Catalog {
  readonly suites: readonly {
    readonly id: string;
    readonly benchmarks: readonly CatalogBenchmark[];
  }[];
  readonly defaultSuite: string;
  readonly systems: readonly CatalogSystem[];
  readonly baseline: string;
  readonly profiles: readonly CatalogProfile[];
  readonly defaultProfile: string;
  /** Per profile, per system: the fields an override may set, with their defaults. */
  readonly policies: Readonly<
    Record<string, Readonly<Record<string, Readonly<Record<string, PolicyValue>>>>>
  >;
  /** The paper's groups of benchmarks (the HTML report's sections). */
  readonly groups: readonly { readonly title: string; readonly benchmarks: readonly string[] }[];
  /** The machine's cycle categories, in its order (timeline and attribution colours). */
  readonly categories: readonly string[];
}

/** A trace of one pair for the timeline (and for Perfetto). */
export interface TraceRequest {
  readonly benchmark: string;
  readonly system: string;
  readonly profile: string;
  readonly seed: number;
  readonly policy?: Readonly<Record<string, PolicyValue>>;
  /** Operations of the measured part to trace, from the first (clamped to the run's). */
  readonly ops: number;
  /** Most spans kept. */
  readonly maxSpans: number;
}

export type ToWorker =
  | { readonly kind: "run"; readonly job: number; readonly selection: Selection }
  | { readonly kind: "trace"; readonly job: number; readonly request: TraceRequest };

/** A trace made by the worker: the file Perfetto opens and what the timeline draws. */
export interface TraceResult {
  readonly request: TraceRequest;
  /** Chrome trace-event JSON, as `exolab trace` writes it. */
  readonly json: string;
  /** The window in words ("operations 0..4 of 2000"). */
  readonly window: string;
  readonly fromCycle: number;
  readonly toCycle: number;
  readonly cycleNs: number;
  readonly spans: number;
  readonly droppedSpans: number;
  /** The tracer's hash of the spans and instants (equal hashes: bit-identical traces). */
  readonly hash: string;
}

export type FromWorker =
  | { readonly kind: "catalog"; readonly catalog: Catalog }
  | { readonly kind: "started"; readonly job: number; readonly total: number }
  | {
      readonly kind: "row";
      readonly job: number;
      readonly done: number;
      readonly total: number;
      readonly result: BenchResult;
    }
  | {
      readonly kind: "done";
      readonly job: number;
      readonly report: BenchReport;
      /** The report as `exolab bench --json` writes it (validated, in the worker). */
      readonly json: string;
    }
  | { readonly kind: "trace"; readonly job: number; readonly trace: TraceResult }
  | {
      readonly kind: "failed";
      readonly job: number;
      /** One line. */
      readonly message: string;
      /** True when the selection was refused before any pair ran (a bad policy value). */
      readonly refused: boolean;
    };
