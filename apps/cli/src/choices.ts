import {
  ADAPTERS,
  PAPER_SUITE,
  PROFILE_NAMES,
  SUITES,
  type SystemAdapter,
  type Workload,
} from "@exolab/bench";
import { InvalidArgumentError } from "commander";
import { UsageError } from "./io.js";

export const SYSTEM_NAMES = (): string[] => ADAPTERS.map((a) => a.id);

/** `--system a,b` (or repeated): each must be a known system. */
export function parseSystems(value: string, previous: string[] | undefined): string[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const n of names) {
    if (!SYSTEM_NAMES().includes(n)) {
      throw new InvalidArgumentError(
        `unknown system "${n}"; valid systems: ${SYSTEM_NAMES().join(", ")}`,
      );
    }
  }
  return [...(previous ?? []), ...names];
}

export function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
    throw new InvalidArgumentError(`seed must be an integer in [0, 4294967295], got "${value}"`);
  }
  return Number(value);
}

export function parseProfile(value: string): string {
  if (!PROFILE_NAMES.includes(value as never)) {
    throw new InvalidArgumentError(
      `unknown profile "${value}"; valid profiles: ${PROFILE_NAMES.join(", ")}`,
    );
  }
  return value;
}

export function parseSuite(value: string): string {
  if (!Object.hasOwn(SUITES, value)) {
    throw new InvalidArgumentError(
      `unknown suite "${value}"; valid suites: ${Object.keys(SUITES).join(", ")}`,
    );
  }
  return value;
}

export function workloadNamed(id: string): Workload {
  const w = PAPER_SUITE.find((x) => x.id === id);
  if (w === undefined)
    throw new UsageError(
      `unknown benchmark "${id}"; valid benchmarks: ${PAPER_SUITE.map((x) => x.id).join(", ")}`,
    );
  return w;
}

export function adapterNamed(id: string | undefined): SystemAdapter {
  if (id === undefined)
    throw new UsageError(`--system is required; valid systems: ${SYSTEM_NAMES().join(", ")}`);
  const a = ADAPTERS.find((x) => x.id === id);
  if (a === undefined)
    throw new UsageError(`unknown system "${id}"; valid systems: ${SYSTEM_NAMES().join(", ")}`);
  return a;
}
