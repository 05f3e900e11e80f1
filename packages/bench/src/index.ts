export { DEFAULT_PROFILE, PROFILE_NAMES } from "@exolab/machine";
export { getProfile, type MachineProfile, PROFILES } from "@exolab/machine/privileged";
export type {
  CostRow,
  CostTables,
  SystemAdapter,
  SystemId,
  SystemInstance,
  SystemOptions,
} from "./adapters/adapter.js";
export { BASELINE, defineSystem, SYSTEM_ID_PATTERN } from "./adapters/adapter.js";
export { defineLibOsSystem, type LibOsRun, type LibOsSpec } from "./adapters/aegis/libos.js";
export { ADAPTERS, adapterFor, DEFAULT_ADAPTERS, SYSTEM_IDS } from "./adapters/index.js";
export { REGISTRY, type Registration } from "./adapters/registry.js";
export { COST_TABLES, costLabels } from "./cost-tables.js";
export { ALL_COSTS, BARE_COSTS, COSTS, GLUE_COSTS } from "./costs.js";
export {
  DEFAULT_MAX_SPANS,
  type Explanation,
  explainBenchmark,
  planTrace,
  type RunSurvey,
  surveyRun,
  TRACE_CATEGORIES,
  type TracePlan,
  type TraceRequest,
  TraceRequestError,
  type TraceSummary,
  type TraceWindow,
  traceBenchmark,
  writeTrace,
} from "./inspect.js";
export { benchVersion, buildMeta, type MetaInput, sourceCommit } from "./meta.js";
export { Meter } from "./meter.js";
export {
  PAPER_PROFILE,
  PAPER_STRIDE_RATIOS,
  type PaperSystem,
  paperFigure,
  paperRow,
} from "./paper.js";
export type { PortId, PortMap } from "./ports.js";
export {
  type Comparison,
  compareReports,
  parseReport,
  ReportFileError,
  renderComparison,
  type SharedRow,
} from "./report/compare.js";
export { renderHtml } from "./report/html.js";
export { renderJson } from "./report/json.js";
export { renderMarkdown } from "./report/markdown.js";
export { reportJsonSchema } from "./report/schema.js";
export { renderTable } from "./report/table.js";
export {
  type BenchReport,
  type BenchResult,
  MetaSchema,
  paramsText,
  type ReportMeta,
  ReportSchema,
  ResultSchema,
  rowKey,
  SCHEMA_VERSION,
  withoutMeta,
} from "./result.js";
export { fillRatios, runBenchmark, simulate } from "./runner.js";
export { runSuite, type SuiteOptions, suiteSteps } from "./suite.js";
export type { Workload } from "./workload.js";
export { PAPER_SUITE, SUITES } from "./workloads/index.js";
