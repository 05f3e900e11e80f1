export { DEFAULT_PROFILE, PROFILE_NAMES } from "@exolab/machine";
export { getProfile, type MachineProfile, PROFILES } from "@exolab/machine/privileged";
export type { SystemAdapter, SystemId, SystemInstance, SystemOptions } from "./adapters/adapter.js";
export { BASELINE, SYSTEM_IDS } from "./adapters/adapter.js";
export { ADAPTERS, adapterFor } from "./adapters/index.js";
export { ALL_COSTS, BARE_COSTS, COSTS, GLUE_COSTS } from "./costs.js";
export { type Explanation, explainBenchmark, traceBenchmark } from "./inspect.js";
export { Meter } from "./meter.js";
export { PAPER_PROFILE, PAPER_STRIDE_RATIOS, paperFigure, paperRow } from "./paper.js";
export type { PortId, PortMap } from "./ports.js";
export { CHROMIUM, renderInChromium } from "./report/browser.js";
export { renderHtml } from "./report/html.js";
export { renderJson } from "./report/json.js";
export { renderMarkdown } from "./report/markdown.js";
export { renderTable } from "./report/table.js";
export {
  type BenchReport,
  type BenchResult,
  ReportSchema,
  ResultSchema,
  SCHEMA_VERSION,
} from "./result.js";
export { fillRatios, runBenchmark, simulate } from "./runner.js";
export { runSuite, type SuiteOptions } from "./suite.js";
export type { Workload } from "./workload.js";
export { PAPER_SUITE, SUITES } from "./workloads/index.js";
