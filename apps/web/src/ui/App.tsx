import {
  type BenchReport,
  type BenchResult,
  buildRows,
  CHART_STYLE,
  type ChartSection,
  directionLine,
  directions,
  drawChartSections,
  paramsText,
  renderHtmlWith,
  renderMarkdown,
} from "@exolab/bench";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { LabClient } from "../client.js";
import type { Catalog, FromWorker, Selection, TraceResult } from "../protocol.js";
import { selectionFromUrl, selectionToUrl } from "../selection.js";
import { Attribution } from "./Attribution.js";
import { saveText, useBlobUrl } from "./blob.js";
import { Controls } from "./Controls.js";
import { loadPlot } from "./plot.js";
import { Results, type RowGroup } from "./Results.js";
import { TimelineView } from "./TimelineView.js";

/** Operations of the measured part a timeline shows, and the most spans it keeps. */
const TIMELINE_OPS = 4;
const TIMELINE_MAX_SPANS = 4000;

const NO_SYSTEMS: readonly string[] = [];

/** Lets the page's thread take other work (input, paint) before going on. */
function nextTask(): Promise<void> {
  return new Promise((done) => setTimeout(done, 0));
}

type Status = "loading" | "idle" | "running" | "done" | "failed" | "cancelled";

interface RunState {
  readonly status: Status;
  /** The selection of the run shown (the controls may have moved on). */
  readonly selection?: Selection;
  readonly done: number;
  readonly total: number;
  readonly results: readonly BenchResult[];
  readonly report?: BenchReport;
  /** The report's JSON, as the worker wrote it. */
  readonly json?: string;
  readonly message?: string;
  readonly startedMs: number;
  readonly firstRowMs?: number;
  readonly elapsedMs?: number;
  /** Whether the run came from the link the page was opened with. */
  readonly fromLink: boolean;
}

interface TraceState {
  readonly status: "idle" | "tracing" | "done" | "failed";
  readonly label?: string;
  readonly result?: TraceResult;
  readonly message?: string;
}

const NO_RUN: RunState = {
  status: "loading",
  done: 0,
  total: 0,
  results: [],
  startedMs: 0,
  fromLink: false,
};

/** A report of the rows so far, for the table model (only results and profile are read). */
function partialReport(run: RunState): BenchReport | undefined {
  if (run.report !== undefined) return run.report;
  if (run.selection === undefined) return undefined;
  return {
    results: [...run.results],
    profile: run.selection.profile,
    seed: run.selection.seed,
    suite: run.selection.suite,
    policies: {},
  } as unknown as BenchReport;
}

function fileBase(s: Selection): string {
  return `exolab-${s.suite}-${s.profile}-seed${s.seed}`;
}

/** The same run from a terminal (policy overrides have no flag there yet). */
function cliCommand(s: Selection, c: Catalog): string {
  const all = c.suites.find((x) => x.id === s.suite)?.benchmarks.map((b) => b.id) ?? [];
  const parts = [
    "pnpm bench",
    `--profile ${s.profile}`,
    `--seed ${s.seed}`,
    `--system ${s.systems.join(",")}`,
  ];
  if (s.benchmarks.join(",") !== all.join(",")) parts.push(`--benchmark ${s.benchmarks.join(",")}`);
  return parts.join(" ");
}

export function App() {
  const [catalog, setCatalog] = useState<Catalog | undefined>(undefined);
  const [selection, setSelection] = useState<Selection | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [run, setRun] = useState<RunState>(NO_RUN);
  const [trace, setTrace] = useState<TraceState>({ status: "idle" });
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [charts, setCharts] = useState<readonly ChartSection[]>([]);
  const client = useRef<LabClient | null>(null);
  const catalogRef = useRef<Catalog | undefined>(undefined);
  /** The job the worker is doing for the page (a run or a trace), null when none. */
  const current = useRef<{ job: number; kind: "run" | "trace"; fromLink: boolean } | null>(null);

  const onMessage = useCallback((m: FromWorker) => {
    switch (m.kind) {
      case "catalog": {
        if (catalogRef.current !== undefined) return; // a restarted worker says it again
        catalogRef.current = m.catalog;
        const fromUrl = selectionFromUrl(location.search, m.catalog);
        setCatalog(m.catalog);
        setSelection(fromUrl.selection);
        if (fromUrl.problem !== undefined)
          setNotice(
            `This link's selection was not used: ${fromUrl.problem}. The defaults are shown.`,
          );
        setRun((r) => ({ ...r, status: "idle" }));
        if (fromUrl.explicit && fromUrl.problem === undefined) startRun(fromUrl.selection, true);
        return;
      }
      case "started":
        setRun((r) => ({ ...r, total: m.total }));
        return;
      case "row":
        setRun((r) => ({
          ...r,
          done: m.done,
          total: m.total,
          results: [...r.results, m.result],
          firstRowMs: r.firstRowMs ?? performance.now() - r.startedMs,
        }));
        return;
      case "done":
        current.current = null;
        setRun((r) => ({
          ...r,
          status: "done",
          report: m.report,
          json: m.json,
          results: m.report.results,
          elapsedMs: performance.now() - r.startedMs,
        }));
        return;
      case "trace":
        current.current = null;
        setTrace({ status: "done", result: m.trace });
        return;
      case "failed": {
        if (catalogRef.current === undefined) {
          setLoadError(m.message);
          return;
        }
        const job = current.current;
        if (job === null || job.job !== m.job) return;
        current.current = null;
        if (job.kind === "trace") {
          setTrace({ status: "failed", message: m.message });
        } else if (job.fromLink && m.refused && catalogRef.current !== undefined) {
          // A link whose selection the worker refused (a policy value the kernel or libOS
          // does not take): one line, and the defaults.
          setNotice(`This link's selection was not used: ${m.message}. The defaults are shown.`);
          setSelection(selectionFromUrl("", catalogRef.current).selection);
          setRun({ ...NO_RUN, status: "idle" });
        } else {
          setRun((r) => ({ ...r, status: "failed", message: m.message }));
        }
        return;
      }
    }
  }, []);

  const startRun = (s: Selection, fromLink: boolean) => {
    setSelected(undefined);
    setTrace({ status: "idle" });
    setCharts([]);
    setRun({
      status: "running",
      selection: s,
      done: 0,
      total: s.systems.length * s.benchmarks.length,
      results: [],
      startedMs: performance.now(),
      fromLink,
    });
    current.current = { job: client.current!.run(s), kind: "run", fromLink };
  };

  useEffect(() => {
    client.current = new LabClient(onMessage);
  }, [onMessage]);

  // Plot (the charts' library) is loaded while the page is idle, so that a chart asked for
  // during a run does not make the page wait for it.
  useEffect(() => {
    if (catalog === undefined) return;
    const id = requestIdleCallback(() => void loadPlot(), { timeout: 3000 });
    return () => cancelIdleCallback(id);
  }, [catalog]);

  // The URL follows the selection, so that a link shares it.
  useEffect(() => {
    if (catalog === undefined || selection === undefined) return;
    const query = selectionToUrl(selection, catalog);
    if (query !== location.search) history.replaceState(null, "", `${location.pathname}${query}`);
  }, [catalog, selection]);

  const report = useMemo(() => partialReport(run), [run]);
  const systems = run.selection?.systems ?? NO_SYSTEMS;
  const rows = useMemo(
    () => (report === undefined ? [] : buildRows(report, systems)),
    [report, systems],
  );

  // The charts, drawn once the run is done, by the HTML report's own code.
  useEffect(() => {
    if (run.status !== "done" || run.report === undefined) return;
    let live = true;
    const report = run.report;
    // One section at a time, the page's thread free between them (no long task).
    (async () => {
      for (const benchmarks of [...catalogRef.current!.groups.map((g) => g.benchmarks), null]) {
        await nextTask();
        if (!live) return;
        const part = {
          ...report,
          results: report.results.filter((r) =>
            benchmarks === null
              ? !catalogRef.current!.groups.some((g) => g.benchmarks.includes(r.benchmark))
              : benchmarks.includes(r.benchmark),
          ),
        };
        if (part.results.length === 0) continue;
        const sections = await drawChartSections(part, systems, document);
        if (live) setCharts((c) => [...c, ...sections]);
      }
    })();
    return () => {
      live = false;
    };
  }, [run.status, run.report, systems]);

  if (catalog === undefined || selection === undefined)
    return (
      <main>
        <Header />
        <p id="status" class={loadError === undefined ? "status" : "status failed"}>
          {loadError === undefined
            ? "Loading the simulator…"
            : `The simulator could not be loaded: ${loadError}`}
        </p>
      </main>
    );

  const groups: RowGroup[] = [
    ...catalog.groups.map((g) => ({
      title: g.title,
      rows: rows.filter((r) => g.benchmarks.includes(r.benchmark)),
    })),
    {
      title: "Other benchmarks",
      rows: rows.filter((r) => !catalog.groups.some((g) => g.benchmarks.includes(r.benchmark))),
    },
  ]
    .filter((g) => g.rows.length > 0)
    .map((g) => ({ ...g, charts: charts.find((c) => c.title === g.title) }));

  const selectedRow = rows.find((r) => r.label === selected);
  const selectedResults =
    selectedRow === undefined || report === undefined
      ? []
      : systems
          .map((system) =>
            report.results.find(
              (x) =>
                x.system === system &&
                x.benchmark === selectedRow.benchmark &&
                paramsText(x.params) === paramsText(selectedRow.params),
            ),
          )
          .filter((x): x is BenchResult => x !== undefined);

  const requestTrace = (system: string) => {
    const row = selectedRow;
    if (row === undefined || run.selection === undefined) return;
    setTrace({ status: "tracing", label: `${row.benchmark} on ${system}` });
    const policy = run.selection.policies[system];
    const job = client.current!.trace({
      benchmark: row.benchmark,
      system,
      profile: run.selection.profile,
      seed: run.selection.seed,
      ...(policy === undefined ? {} : { policy }),
      ops: TIMELINE_OPS,
      maxSpans: TIMELINE_MAX_SPANS,
    });
    current.current = { job, kind: "trace", fromLink: false };
  };

  const cancel = () => {
    client.current!.cancel();
    current.current = null;
    setRun((r) => (r.status === "running" ? { ...r, status: "cancelled" } : r));
    setTrace((t) => (t.status === "tracing" ? { status: "idle" } : t));
  };

  const busy = run.status === "running" || trace.status === "tracing";
  return (
    <main>
      <style>{CHART_STYLE}</style>
      <Header />
      {notice === undefined ? null : (
        <p id="notice" class="notice" role="alert">
          {notice}
        </p>
      )}
      <Controls
        catalog={catalog}
        selection={selection}
        running={busy}
        onChange={(s) => setSelection(s)}
        onRun={() => {
          setNotice(undefined);
          startRun(selection, false);
        }}
        onCancel={cancel}
      />
      <Progress run={run} tracing={trace.status === "tracing" ? trace.label : undefined} />
      {report === undefined || rows.length === 0 ? null : (
        <Results
          groups={groups}
          report={report}
          systems={systems}
          selected={selected}
          onSelect={setSelected}
        />
      )}
      {selected === undefined ? null : (
        <Attribution
          label={selected}
          results={selectedResults}
          categories={catalog.categories}
          tracing={busy}
          onTimeline={requestTrace}
        />
      )}
      {trace.status === "failed" ? (
        <p class="error" id="trace-error">
          The timeline could not be made: {trace.message}
        </p>
      ) : null}
      {trace.result === undefined ? null : (
        <TimelineView trace={trace.result} categories={catalog.categories} />
      )}
      {run.status === "done" &&
      run.report !== undefined &&
      run.json !== undefined &&
      run.selection !== undefined ? (
        <Afterword
          report={run.report}
          json={run.json}
          selection={run.selection}
          catalog={catalog}
        />
      ) : null}
    </main>
  );
}

function Header() {
  return (
    <header>
      <h1>ExoLab — the browser lab</h1>
      <p class="lede">
        The exokernel paper's benchmarks (Engler, Kaashoek, O'Toole, SOSP 1995) on a simulated
        DECstation, run in this page: the Ultrix-style baseline, the Aegis exokernel and the ExOS
        library OS. The simulator is the same code as the <code>exolab</code> command: the same seed
        gives the same cycles, bit for bit.
      </p>
    </header>
  );
}

function Progress(props: { readonly run: RunState; readonly tracing: string | undefined }) {
  const { run } = props;
  const last = run.results.at(-1);
  let text: string;
  switch (run.status) {
    case "loading":
      text = "Loading the simulator…";
      break;
    case "idle":
      text = "Choose what to run, then Run.";
      break;
    case "running":
      text = `Running: ${run.done} of ${run.total} pairs${last === undefined ? "" : ` — last: ${last.benchmark} on ${last.system}`}`;
      break;
    case "done":
      text = `Done: ${run.total} pairs in ${((run.elapsedMs ?? 0) / 1000).toFixed(1)} s (first row after ${Math.round(run.firstRowMs ?? 0)} ms).`;
      break;
    case "cancelled":
      text = `Cancelled after ${run.done} of ${run.total} pairs.`;
      break;
    case "failed":
      text = `The run failed: ${run.message}`;
      break;
  }
  return (
    <div class="progress">
      {run.status === "running" ? (
        <progress id="progress" max={Math.max(run.total, 1)} value={run.done} />
      ) : null}
      <p id="status" class={`status ${run.status}`} role="status" aria-live="polite">
        {text}
      </p>
      {props.tracing === undefined ? null : (
        <p class="status tracing" role="status">
          Tracing {props.tracing}…
        </p>
      )}
      {run.status === "done" ? null : run.results.length > 0 && run.status === "running" ? (
        <p class="hint">
          Select a row (its name) for where its cycles went and a timeline of one run.
        </p>
      ) : null}
    </div>
  );
}

/** Below the tables: the directions against the paper, downloads, policies, provenance. */
function Afterword(props: {
  readonly report: BenchReport;
  readonly json: string;
  readonly selection: Selection;
  readonly catalog: Catalog;
}) {
  const { report, selection } = props;
  const systems = selection.systems;
  const dirs = directions(report, systems);
  const agree = dirs.filter((d) => d.agrees).length;
  const jsonUrl = useBlobUrl(props.json, "application/json");
  const base = fileBase(selection);
  const m = report.meta;
  return (
    <section class="afterword">
      {dirs.length === 0 ? null : (
        <details>
          <summary>
            Direction against the paper: {agree} of {dirs.length} ratios point the same way as the
            paper's
          </summary>
          <ul class="directions">
            {dirs.map((d) => (
              <li key={`${d.benchmark}@${d.system}`} class={d.agrees ? "agrees" : "disagrees"}>
                {directionLine(d)}
              </li>
            ))}
          </ul>
        </details>
      )}
      <p class="downloads">
        Download this report:{" "}
        <a id="download-json" href={jsonUrl} download={`${base}.json`}>
          JSON
        </a>{" "}
        (schema version 2, what <code>exolab compare</code> reads) ·{" "}
        <button
          type="button"
          class="link"
          id="download-md"
          onClick={() => saveText(renderMarkdown(report, systems), "text/markdown", `${base}.md`)}
        >
          Markdown
        </button>{" "}
        ·{" "}
        <button
          type="button"
          class="link"
          id="download-html"
          onClick={() => {
            renderHtmlWith(report, systems, document).then((html) =>
              saveText(html, "text/html", `${base}.html`),
            );
          }}
        >
          HTML
        </button>
      </p>
      <details>
        <summary>Policies in force</summary>
        <pre>{JSON.stringify(report.policies, null, 2)}</pre>
      </details>
      <p class="meta">
        Made in this browser by {m.tool} {m.version}
        {m.commit === null
          ? ""
          : ` from commit ${m.commit.slice(0, 12)}${m.dirty === true ? " (with local changes)" : ""}`}{" "}
        on {m.date}. From a terminal: <code>{cliCommand(selection, props.catalog)}</code>
        {Object.keys(selection.policies).length > 0
          ? " (with the default policies: the command has no policy flag)"
          : ""}
        .
      </p>
    </section>
  );
}
