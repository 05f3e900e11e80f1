import {
  ADAPTERS,
  renderHtml,
  renderJson,
  renderMarkdown,
  renderTable,
  runSuite,
  SUITES,
} from "@exolab/bench";
import { SingleBar } from "cli-progress";
import type { Io } from "../io.js";

export interface BenchFlags {
  suite: string;
  profile: string;
  system?: string[];
  seed: number;
  json?: string;
  md?: string;
  html?: string;
  quick?: boolean;
}

/** `exolab bench`: runs a suite on the chosen systems and prints the table; writes reports. */
export function benchCommand(flags: BenchFlags, io: Io): number {
  const adapters =
    flags.system === undefined ? ADAPTERS : ADAPTERS.filter((a) => flags.system!.includes(a.id));
  const workloads = SUITES[flags.suite]!;
  const bar =
    io.progress === null
      ? null
      : new SingleBar({
          format: " {bar} {value}/{total} {last}",
          stream: io.progress,
          hideCursor: true,
          clearOnComplete: true,
          // Every pair is redrawn: the run is synchronous, so no timer could redraw it later.
          fps: 1000,
        });
  bar?.start(workloads.length * adapters.length, 0, { last: "" });
  const report = runSuite({
    suite: flags.suite,
    workloads,
    adapters,
    profile: flags.profile,
    seed: flags.seed,
    quick: flags.quick === true,
    onProgress: (done, _total, last) =>
      bar?.update(done, { last: `${last.benchmark} on ${last.system}` }),
  });
  bar?.stop();
  const systems = adapters.map((a) => a.id);
  io.out(`${renderTable(report, systems)}\n`);
  io.out("\nPolicies in force (the same for every benchmark):\n");
  for (const [system, policy] of Object.entries(report.policies)) {
    const fields = Object.entries(policy as Record<string, unknown>).map(
      ([k, v]) => `${k}=${String(v)}`,
    );
    io.out(`  ${system}: ${fields.join(" ")}\n`);
  }
  if (flags.json !== undefined) io.writeFile(flags.json, renderJson(report));
  if (flags.md !== undefined) io.writeFile(flags.md, renderMarkdown(report, systems));
  if (flags.html !== undefined) io.writeFile(flags.html, renderHtml(report, systems));
  return 0;
}
