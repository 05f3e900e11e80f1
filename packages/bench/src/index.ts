/**
 * `@exolab/bench`: runs in Node and in a browser alike (its module graph reaches no Node
 * built-in; a test bundles it for the browser to keep it so). What needs Node — the host's
 * facts from git and the OS, host time with benchmark.js, the HTML report drawn with
 * linkedom, headless-Chromium helpers — is in `@exolab/bench/node`.
 */
export { DEFAULT_PROFILE, PROFILE_NAMES } from "@exolab/machine";
export {
  baseProfileName,
  COUNTED_SUFFIX,
  getProfile,
  isProfileName,
  type MachineProfile,
  MEMORY_SUFFIX,
  PROFILES,
} from "@exolab/machine/privileged";
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
  BARE_HOST,
  type HostDescription,
  type HostEnvironment,
  type HostTimer,
  HostTimeUnavailableError,
} from "./host.js";
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
export { buildMeta, type MetaInput } from "./meta.js";
export { Meter } from "./meter.js";
export {
  PAPER_PROFILE,
  PAPER_STRIDE_RATIOS,
  type PaperSystem,
  paperFigure,
  paperRow,
} from "./paper.js";
export {
  checkPolicy,
  overridablePolicy,
  PolicyError,
  type PolicyOverride,
  type PolicyOverrides,
  policyInForce,
  policyProblem,
} from "./policy.js";
export type { PortId, PortMap } from "./ports.js";
export {
  type Comparison,
  compareReports,
  parseReport,
  ReportFileError,
  renderComparison,
  type SharedRow,
} from "./report/compare.js";
export {
  CHART_STYLE,
  type ChartSection,
  COLORS,
  drawChartSections,
  GROUPS,
  renderHtmlWith,
} from "./report/html.js";
export { renderJson } from "./report/json.js";
export { renderMarkdown } from "./report/markdown.js";
export {
  buildRows,
  type Cell,
  type Direction,
  directionLine,
  directions,
  displayValue,
  fmt,
  IDLE_MARK,
  idleLines,
  type MetricTable,
  metricLabel,
  metricTables,
  type Row,
  type Standalone,
  standaloneLine,
  standalones,
  valueText,
} from "./report/model.js";
export { reportJsonSchema } from "./report/schema.js";
export { renderTable, unitText } from "./report/table.js";
export {
  type BenchReport,
  type BenchResult,
  type IdleInWindow,
  IdleInWindowSchema,
  MetaSchema,
  paramsText,
  type ReportMeta,
  ReportSchema,
  ResultSchema,
  rowKey,
  SCHEMA_VERSION,
  undeclaredIdleRows,
  withoutMeta,
} from "./result.js";
export {
  fillRatios,
  idleInWindow,
  type RunOptions,
  runBenchmark,
  simulate,
} from "./runner.js";
export { runSuite, type SuiteOptions, suiteSteps } from "./suite.js";
export { BENCH_VERSION } from "./version.js";
export type { Workload } from "./workload.js";
export { PAPER_SUITE, SUITES } from "./workloads/index.js";
