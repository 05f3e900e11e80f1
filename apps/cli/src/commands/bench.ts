import {
  type BenchReport,
  renderJson,
  renderMarkdown,
  renderTable,
  suiteSteps,
} from "@exolab/bench";
import { nodeHost, renderHtml } from "@exolab/bench/node";
import { selectAdapters, selectWorkloads } from "../choices.js";
import type { Io } from "../io.js";
import { Outputs } from "../outputs.js";
import { Progress } from "../progress.js";
import { TOOL } from "../version.js";

export interface BenchFlags {
  suite: string;
  profile: string;
  system?: string[];
  benchmark?: string[];
  seed: number;
  json?: string;
  md?: string;
  html?: string;
  hostTime?: boolean;
  quick?: boolean;
}

/**
 * `exolab bench`: checks its output paths, runs the suite on the chosen systems and
 * benchmarks (one pair per step, the progress bar redrawn after each), prints the table
 * and writes the reports, all or none.
 */
export async function benchCommand(flags: BenchFlags, io: Io): Promise<number> {
  const adapters = selectAdapters(flags.system);
  const workloads = selectWorkloads(flags.suite, flags.benchmark);
  const outputs = Outputs.open(io, [
    ...(flags.json === undefined
      ? []
      : [{ option: "--json", path: flags.json, stdoutAllowed: true }]),
    ...(flags.md === undefined ? [] : [{ option: "--md", path: flags.md, stdoutAllowed: true }]),
    ...(flags.html === undefined
      ? []
      : [{ option: "--html", path: flags.html, stdoutAllowed: false }]),
  ]);
  try {
    const hostTime = flags.hostTime === true || flags.quick === true;
    const bar = new Progress(io, " {bar} {value}/{total} {last}");
    const steps = suiteSteps({
      suite: flags.suite,
      workloads,
      adapters,
      profile: flags.profile,
      seed: flags.seed,
      hostTime,
      quick: flags.quick === true,
      tool: TOOL,
      host: nodeHost(),
    });
    bar.start(workloads.length * adapters.length, { last: "" });
    let report: BenchReport | undefined;
    let done = 0;
    try {
      for (;;) {
        await io.breathe();
        const step = steps.next();
        if (step.done === true) {
          report = step.value;
          break;
        }
        done++;
        bar.update(done, { last: `${step.value.benchmark} on ${step.value.system}` });
      }
    } finally {
      bar.stop();
    }
    const systems = adapters.map((a) => a.id);
    if (!outputs.usesStdout) {
      io.out(`${renderTable(report, systems)}\n`);
      io.out("\nPolicies in force (the same for every benchmark):\n");
      for (const [system, policy] of Object.entries(report.policies)) {
        const fields = Object.entries(policy as Record<string, unknown>).map(
          ([k, v]) => `${k}=${String(v)}`,
        );
        io.out(`  ${system}: ${fields.join(" ")}\n`);
      }
    }
    outputs.get("--json")?.write(renderJson(report));
    outputs.get("--md")?.write(renderMarkdown(report, systems));
    const html = outputs.get("--html");
    if (html !== undefined) html.write(await renderHtml(report, systems));
    outputs.commit();
    return 0;
  } finally {
    outputs.abort();
  }
}
